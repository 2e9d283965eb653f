# archcalc: --input 3x20x20
# covers: Conv2d, Conv1d, ReLU, MaxPool2d, AdaptiveAvgPool2d, Linear, Sequential, torch.flatten, super()
# Indexing a feature map in forward: a centre crop y[:, :, 2:-2, 2:-2], a channel group y[:, 4:12, ...],
# one row of the map y[:, :, 0] (a sequence) and the last column y[..., -1].
import torch
import torch.nn as nn


class Crops(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.mid = nn.Sequential(nn.Conv2d(8, 8, 3), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.row = nn.Conv1d(16, 4, 3)
        self.fc = nn.Linear(8 * 2 * 2 + 4 * 8 + 16 * 10, 10)

    def forward(self, x):
        y = self.body(x)
        centre = self.mid(y[:, 4:12, ...][:, :, 2:-2, 2:-2])
        row = self.row(y[:, :, 0])
        column = y[..., -1]
        parts = [torch.flatten(self.pool(centre), 1), torch.flatten(row, 1), torch.flatten(column, 1)]
        return self.fc(torch.cat(parts, 1))
