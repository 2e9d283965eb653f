# archcalc: --input 3x32x32
# covers: Conv2d, LayerNorm, Linear, GELU, permute, residual, helper-class, Sequential, *layers, AdaptiveAvgPool2d, Flatten, super()
# ConvNeXt-style blocks: a depthwise 7x7 conv, then channels-last (permute) for LayerNorm and the Linear MLP.
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)

    def forward(self, x):
        shortcut = x
        x = self.dwconv(x)
        x = x.permute(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
        x = self.norm(x)
        x = self.pwconv2(self.act(self.pwconv1(x)))
        x = x.permute(0, 3, 1, 2)
        return shortcut + x


class TinyConvNeXt(nn.Module):
    def __init__(self, dim=32, depth=2, num_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, dim, kernel_size=4, stride=4)
        self.stages = nn.Sequential(*[Block(dim) for _ in range(depth)])
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(dim, num_classes))

    def forward(self, x):
        return self.head(self.stages(self.stem(x)))
