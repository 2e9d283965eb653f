# archcalc: --input 3x64x64 --define use_bn=True
# covers: condition, Conv2d, BatchNorm2d, MaxPool2d, AdaptiveAvgPool2d, Linear, ModuleList, loop, torch.flatten, F.relu, --define, super()
# Forward decides from known values: pool while the map is larger than 8, batch norm only when use_bn.
import torch
import torch.nn as nn
import torch.nn.functional as F


class ShrinkNet(nn.Module):
    def __init__(self, use_bn=False, width=16, num_classes=10):
        super().__init__()
        self.use_bn = use_bn
        self.convs = nn.ModuleList([nn.Conv2d(3, width, 3, padding=1)] +
                                   [nn.Conv2d(width, width, 3, padding=1) for _ in range(3)])
        if use_bn:
            self.bns = nn.ModuleList([nn.BatchNorm2d(width) for _ in range(4)])
        self.pool = nn.MaxPool2d(2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x):
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if self.use_bn:
                x = self.bns[i](x)
            x = F.relu(x)
            if x.size(-1) > 8:
                x = self.pool(x)
        if x.shape[2] != 1:
            x = self.gap(x)
        return self.fc(torch.flatten(x, 1))
