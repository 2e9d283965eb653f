# archcalc: --input 1x96x96
# covers: Sequential, helper-class, loop, torch.cat, BatchNorm2d, ReLU, Conv2d, AvgPool2d, MaxPool2d, AdaptiveAvgPool2d, Flatten, Linear, super()
# DenseNet: each block's convolution outputs are concatenated onto its input, transition layers halve.
import torch
from torch import nn


def conv_block(input_channels, num_channels):
    return nn.Sequential(
        nn.BatchNorm2d(input_channels), nn.ReLU(),
        nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    def __init__(self, num_convs, input_channels, num_channels):
        super().__init__()
        layer = []
        for i in range(num_convs):
            layer.append(conv_block(num_channels * i + input_channels, num_channels))
        self.net = nn.Sequential(*layer)

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            X = torch.cat((X, Y), dim=1)  # grow the channels
        return X


def transition_block(input_channels, num_channels):
    return nn.Sequential(
        nn.BatchNorm2d(input_channels), nn.ReLU(),
        nn.Conv2d(input_channels, num_channels, kernel_size=1),
        nn.AvgPool2d(kernel_size=2, stride=2))


class DenseNet(nn.Module):
    def __init__(self, growth_rate=32, num_convs_in_dense_blocks=(4, 4, 4, 4)):
        super().__init__()
        blks = [nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1)]
        num_channels = 64
        for i, num_convs in enumerate(num_convs_in_dense_blocks):
            blks.append(DenseBlock(num_convs, num_channels, growth_rate))
            num_channels += num_convs * growth_rate
            if i != len(num_convs_in_dense_blocks) - 1:
                blks.append(transition_block(num_channels, num_channels // 2))
                num_channels = num_channels // 2
        self.net = nn.Sequential(*blks, nn.BatchNorm2d(num_channels), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                                 nn.Linear(num_channels, 10))

    def forward(self, x):
        return self.net(x)
