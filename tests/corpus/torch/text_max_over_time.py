# archcalc: --input 25 --define vocab=1000
# covers: Embedding, Conv1d, Linear, torch.cat, permute, ModuleList, loop, super(), torch.max, torch.mean
# Max over time written with torch.max(..., dim=2)[0], the mean with torch.mean, scalar arithmetic in forward.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Classifier(nn.Module):
    def __init__(self, vocab, dim=32, filters=16, widths=(2, 3)):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.convs = nn.ModuleList()
        self.convs.extend([nn.Conv1d(dim, filters, w) for w in widths])
        self.out = nn.Linear(2 * filters * len(widths), 1)

    def forward(self, tokens):
        x = self.embed(tokens).permute(0, 2, 1) * 0.5
        feats = []
        for conv in self.convs:
            c = F.relu(conv(x))
            feats.append(torch.max(c, dim=2)[0])
            feats.append(torch.mean(c, dim=2))
        return torch.sigmoid(self.out(torch.cat(feats, dim=1)))
