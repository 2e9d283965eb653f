# archcalc: --input 30 --define vocab=500
# covers: Embedding, Conv1d, ReLU, Dropout, Linear, ModuleList, torch.amax, torch.cat, permute, loop, --define, super()
# Kim's TextCNN as tutorials write its max over time with methods: x.max(dim=2).values, `values, _ = x.max(-1)`,
# x.amax(2, keepdim=True) then squeeze, and torch.amax.
import torch
import torch.nn as nn


class TextCNN(nn.Module):
    def __init__(self, vocab, dim=24, filters=8):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.convs = nn.ModuleList([nn.Conv1d(dim, filters, k) for k in (3, 4, 5, 2)])
        self.act = nn.ReLU()
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(4 * filters, 3)

    def forward(self, tokens):
        x = self.embed(tokens).transpose(1, 2)
        a = self.act(self.convs[0](x)).max(dim=2).values
        b, _ = self.act(self.convs[1](x)).max(-1)
        c = self.act(self.convs[2](x)).amax(2, keepdim=True).squeeze(2)
        d = torch.amax(self.act(self.convs[3](x)), dim=-1)
        return self.fc(self.drop(torch.cat([a, b, c, d], 1)))
