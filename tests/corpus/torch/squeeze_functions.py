# archcalc: --input 8x40
# covers: Conv1d, BatchNorm1d, ReLU, AdaptiveAvgPool1d, AdaptiveAvgPool2d, Linear, Sequential, torch.squeeze, torch.unsqueeze, torch.reshape, torch.transpose, torch.permute, super()
# The tensor functions of torch where tutorials write them instead of the methods: a squeeze after adaptive
# pooling, an unsqueeze to make a map, reshape, transpose and permute written as torch.<name>(x, ...).
import torch
import torch.nn as nn


class Functions(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(8, 12, 5, padding=2), nn.BatchNorm1d(12), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.map_pool = nn.AdaptiveAvgPool2d((6, 4))
        self.mix = nn.Linear(6, 6)
        self.out = nn.Linear(12 + 6 * 4, 5)

    def forward(self, x):
        y = self.conv(x)
        pooled = torch.squeeze(self.pool(y), -1)
        grid = self.map_pool(torch.unsqueeze(y, dim=1))
        grid = torch.reshape(grid, (grid.size(0), 6, 4))
        mixed = self.mix(torch.transpose(grid, 1, 2))
        mixed = torch.permute(mixed, (0, 2, 1))
        return self.out(torch.cat([pooled, torch.flatten(mixed, 1)], dim=1))
