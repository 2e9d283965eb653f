# archcalc: --input 30 --define vocab_size=2000
# covers: Embedding, Linear, Softmax, Dropout, super()
# A fastText-style classifier: the mean of the word vectors over the sentence, then a linear layer.
import torch.nn as nn


class FastText(nn.Module):
    def __init__(self, vocab_size, embed_dim=50, num_classes=4):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(embed_dim, num_classes)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, text):
        embedded = self.dropout(self.embedding(text))   # (batch, words, embed_dim)
        pooled = embedded.mean(dim=1)                   # (batch, embed_dim)
        return self.softmax(self.fc(pooled))
