# archcalc: --input 3x32x32
# covers: Conv2d, Linear, torch.flatten, super(), nn.Parameter
# A learnable per-channel scale as a bare nn.Parameter, multiplied in forward.
import torch
import torch.nn as nn


class LayerScaled(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.conv = nn.Conv2d(3, dim, 3, padding=1)
        self.gamma = nn.Parameter(1e-6 * torch.ones(dim))
        self.fc = nn.Linear(dim * 32 * 32, 2)

    def forward(self, x):
        x = self.conv(x)
        x = x * self.gamma.view(1, -1, 1, 1)
        return self.fc(torch.flatten(x, 1))
