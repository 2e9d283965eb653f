# archcalc: --input 16x16x16
# covers: Conv2d, AdaptiveAvgPool2d, Linear, Sequential, helper-class, super(), nn.Parameter, residual, torch.flatten, torch.relu
# SAGAN's learned gate: a branch scaled by gamma = nn.Parameter(torch.zeros(1)) and added to its input, so
# the block starts as the identity; a second copy of the block, and a layer scale per channel (ConvNeXt).
import torch
import torch.nn as nn


class GatedBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.value = nn.Conv2d(channels, channels, 1)
        self.gamma = nn.Parameter(torch.zeros(1))
        self.layer_scale = nn.Parameter(1e-6 * torch.ones(channels, 1, 1))

    def forward(self, x):
        out = self.gamma * self.value(x) + x
        return x + self.layer_scale * torch.relu(out)


class GatedNet(nn.Module):
    def __init__(self, channels=16, num_classes=5):
        super().__init__()
        self.blocks = nn.Sequential(GatedBlock(channels), GatedBlock(channels))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.pool(self.blocks(x))
        return self.fc(torch.flatten(x, 1))
