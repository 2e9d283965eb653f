# archcalc: --input 3x32x32
# covers: GroupNorm, SiLU, Conv2d, Identity, residual, condition, helper-class, ModuleList, loop, AvgPool2d, AdaptiveAvgPool2d, torch.flatten, Linear, super()
# Diffusion-style residual blocks: GroupNorm and SiLU before each conv, a 1x1 shortcut only when widths differ.
import torch
import torch.nn as nn


class ResBlock(nn.Module):
    def __init__(self, in_ch, out_ch, groups=8):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.act = nn.SiLU()
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x):
        h = self.conv1(self.act(self.norm1(x)))
        h = self.conv2(self.act(self.norm2(h)))
        return h + self.skip(x)


class Encoder(nn.Module):
    def __init__(self, widths=(32, 32, 64, 64), num_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, widths[0], 3, padding=1)
        self.blocks = nn.ModuleList()
        self.downs = nn.ModuleList()
        for i in range(1, len(widths)):
            self.blocks.append(ResBlock(widths[i - 1], widths[i]))
            self.downs.append(nn.AvgPool2d(2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[-1], num_classes)

    def forward(self, x):
        x = self.stem(x)
        for block, down in zip(self.blocks, self.downs):
            x = down(block(x))
        return self.fc(torch.flatten(self.pool(x), 1))
