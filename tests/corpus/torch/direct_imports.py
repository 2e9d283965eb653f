# archcalc: --input 3x32x32
# covers: Conv2d, ReLU, MaxPool2d, Flatten, Linear, Sequential, OrderedDict, loop, super()
# Classes imported by name from torch.nn, torch.nn.Module spelt in full, an OrderedDict built by a comprehension.
from collections import OrderedDict

import torch
from torch.nn import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential


class SmallNet(torch.nn.Module):
    def __init__(self, widths=(3, 16, 32, 64)):
        super().__init__()
        self.body = Sequential(OrderedDict(
            [(f"block{i}", Sequential(Conv2d(a, b, 3, padding=1), ReLU(), MaxPool2d(2)))
             for i, (a, b) in enumerate(zip(widths[:-1], widths[1:]))]))
        self.head = Sequential(Flatten(), torch.nn.Linear(64 * 4 * 4, 10))

    def forward(self, x):
        x = self.body(x)
        x = self.head(x)
        return x
