# archcalc: --input 24x16x16
# covers: Conv2d, BatchNorm2d, ReLU, AdaptiveAvgPool2d, Linear, Sequential, torch.cat, torch.split, super()
# ShuffleNet v2's unit (half the channels through the branch: x.chunk(2, dim=1), then a channel shuffle) and a
# GhostNet-like split of uneven sizes with torch.split(x, [8, 16], dim=1) and x.split(10, 1) (parts 10, 10, 4).
import torch
import torch.nn as nn


def shuffle(x, groups):
    b, c, h, w = x.size()
    x = x.view(b, groups, c // groups, h, w).transpose(1, 2).contiguous()
    return x.view(b, -1, h, w)


class Unit(nn.Module):
    def __init__(self, c):
        super().__init__()
        half = c // 2
        self.branch = nn.Sequential(
            nn.Conv2d(half, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True),
            nn.Conv2d(half, half, 3, padding=1, groups=half, bias=False), nn.BatchNorm2d(half),
            nn.Conv2d(half, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True),
        )

    def forward(self, x):
        left, right = x.chunk(2, dim=1)
        return shuffle(torch.cat((left, self.branch(right)), dim=1), 2)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.unit = Unit(24)
        self.cheap = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32 + 10 + 10 + 4, 5)

    def forward(self, x):
        x = self.unit(x)
        primary, rest = torch.split(x, [8, 16], dim=1)
        ghost = torch.cat([primary, self.cheap(primary), rest], 1)
        parts = x.split(10, 1)
        pooled = [self.pool(p).flatten(1) for p in (ghost, *parts)]
        return self.fc(torch.cat(pooled, 1))
