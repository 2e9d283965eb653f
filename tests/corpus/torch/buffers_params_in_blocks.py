# archcalc: --input 8x8x8
# covers: Conv2d, BatchNorm2d, Linear, ModuleList, helper-class, loop, super(), register_buffer, nn.Parameter, torch.full, torch.flatten, torch.relu
# Tensors registered by hand inside repeated blocks: a mask buffer read in forward (not saved: persistent=False),
# a per-channel scale as an nn.Parameter, a bias added with register_parameter and a counter buffer that forward
# never reads (model.parameters() and model.buffers() count them all the same).
import torch
import torch.nn as nn


class MaskedBlock(nn.Module):
    def __init__(self, channels, size):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(channels)
        self.register_buffer("mask", torch.full((1, 1, size, size), 1.0), persistent=False)
        self.register_buffer("steps", torch.zeros(()))
        self.scale = nn.Parameter(torch.ones(1, channels, 1, 1))
        self.register_parameter("shift", nn.Parameter(torch.zeros(channels, 1, 1)))

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x)) * self.mask)
        return x + y * self.scale + self.shift


class MaskedNet(nn.Module):
    def __init__(self, channels=8, size=8, depth=3, num_classes=4):
        super().__init__()
        self.blocks = nn.ModuleList([MaskedBlock(channels, size) for _ in range(depth)])
        self.fc = nn.Linear(channels * size * size, num_classes)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.fc(torch.flatten(x, 1))
