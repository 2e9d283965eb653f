# archcalc: --input 16x16x16
# covers: shared-module, residual, Conv2d, BatchNorm2d, ReLU, AdaptiveAvgPool2d, Linear, torch.flatten, super()
# One convolution applied three times (weights shared, counted once), a recurrent-residual style of refinement.
import torch
import torch.nn as nn


class RecurrentRefine(nn.Module):
    def __init__(self, channels=16, steps=3):
        super().__init__()
        self.steps = steps
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, 2)

    def forward(self, x):
        h = x
        for _ in range(self.steps):
            h = self.relu(x + self.conv(h))
        h = self.relu(self.bn(h))
        return self.fc(torch.flatten(self.gap(h), 1))
