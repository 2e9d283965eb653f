# archcalc: --input 3x32x32
# covers: Conv2d, Linear, torch.flatten, super(), register_buffer
# A buffer registered by hand (register_buffer), as positional encodings and normalisation constants are kept.
import torch
import torch.nn as nn


class WithBuffer(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.conv = nn.Conv2d(3, dim, 3, padding=1)
        self.register_buffer("mean", torch.zeros(1, 3, 1, 1))
        self.fc = nn.Linear(dim * 32 * 32, 2)

    def forward(self, x):
        x = self.conv(x - self.mean)
        return self.fc(torch.flatten(x, 1))
