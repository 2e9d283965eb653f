# archcalc: --input 40 --define vocab_size=5000 --define num_classes=4
# covers: Embedding, ModuleList, loop, Conv1d, Dropout, Linear, permute, F.relu, F.max_pool1d, torch.cat, --define
# A sentence classifier after Kim (2014): parallel Conv1d of widths 3, 4, 5 over word vectors, max over time.
import torch
import torch.nn as nn
import torch.nn.functional as F


class TextCNN(nn.Module):
    def __init__(self, vocab_size, num_classes, embed_dim=64, num_filters=50, kernel_sizes=(3, 4, 5)):
        super(TextCNN, self).__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.convs = nn.ModuleList([nn.Conv1d(embed_dim, num_filters, k) for k in kernel_sizes])
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(len(kernel_sizes) * num_filters, num_classes)

    def forward(self, x):
        x = self.embedding(x)           # (batch, words, embed_dim)
        x = x.permute(0, 2, 1)          # (batch, embed_dim, words): channels first for Conv1d
        pooled = []
        for conv in self.convs:
            c = F.relu(conv(x))
            pooled.append(F.max_pool1d(c, c.size(2)).squeeze(2))
        x = torch.cat(pooled, dim=1)
        return self.fc(self.dropout(x))
