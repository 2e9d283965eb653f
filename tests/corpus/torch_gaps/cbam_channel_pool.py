# archcalc: --input 16x12x12
# covers: Conv2d, BatchNorm2d, ReLU, Sigmoid, Sequential, super()
# gap: `torch.mean(x, dim=1)` and `torch.max(x, dim=1)` (CBAM: over the channels) have no archcalc kind ("archcalc reads `mean` over every spatial dimension (2, 3), got (1,)")
# CBAM's spatial attention: the mean and the maximum over the channels of each position, concatenated, convolved.
import torch
import torch.nn as nn


class SpatialAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(2, 1, 7, padding=3), nn.Sigmoid())

    def forward(self, x):
        avg = torch.mean(x, dim=1, keepdim=True)
        peak = torch.max(x, dim=1, keepdim=True)[0]
        return x * self.conv(torch.cat([avg, peak], dim=1))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.attention = SpatialAttention()

    def forward(self, x):
        return self.attention(self.body(x))
