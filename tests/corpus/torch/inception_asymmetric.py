# archcalc: --input 3x33x33
# covers: Conv2d, BatchNorm2d, ReLU, ReflectionPad2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Linear, F.interpolate, torch.cat, helper-class, Sequential, super()
# Inception-v3-style factorised kernels (1x7 then 7x1), padding='same', reflect padding, a branch resized to its sibling.
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


class FactorisedBlock(nn.Module):
    def __init__(self, in_channels, c7=16):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 32, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 32, kernel_size=(7, 1), padding=(3, 0))
        self.branch_same = BasicConv2d(in_channels, 16, kernel_size=5, padding="same")
        self.branch_reflect = BasicConv2d(in_channels, 16, kernel_size=3, padding=1, padding_mode="reflect")
        self.branch_down = nn.Sequential(nn.MaxPool2d(3, stride=2), BasicConv2d(in_channels, 16, kernel_size=1))

    def forward(self, x):
        down = self.branch_down(x)
        down = F.interpolate(down, size=x.shape[-2:], mode="nearest")   # back to the block's size
        outputs = [self.branch1x1(x), self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x))),
                   self.branch_same(x), self.branch_reflect(x), down]
        return torch.cat(outputs, 1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pad = nn.ReflectionPad2d(1)
        self.stem = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.block = FactorisedBlock(32)
        self.pool = nn.AvgPool2d(kernel_size=3, stride=2)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(112, 5))

    def forward(self, x):
        return self.head(self.pool(self.block(self.stem(self.pad(x)))))
