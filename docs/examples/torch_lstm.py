import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, vocab=5000, dim=64, tags=12):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, 128, batch_first=True)
        self.out = nn.Linear(128, tags)

    def forward(self, tokens):
        h, _ = self.lstm(self.embed(tokens))
        return self.out(h)
