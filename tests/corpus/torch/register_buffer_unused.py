# archcalc: --input 3x32x32
# covers: Conv2d, Linear, torch.flatten, super(), register_buffer
# Buffers registered by hand and kept with the model (the normalisation constants of its training data), not
# read by forward: model.buffers() counts them all the same.
import torch
import torch.nn as nn


class WithBuffer(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.conv = nn.Conv2d(3, dim, 3, padding=1)
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]))
        self.fc = nn.Linear(dim * 32 * 32, 2)

    def forward(self, x):
        x = self.conv(x)
        return self.fc(torch.flatten(x, 1))
