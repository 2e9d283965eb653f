# archcalc: --input 1x64x64
# covers: Sequential, *layers, loop, Conv2d, ReLU, MaxPool2d, Flatten, Linear, Dropout, super()
# VGG from a list of (convolutions, channels) pairs: a block function appends to a list in a loop.
import torch
from torch import nn


def vgg_block(num_convs, in_channels, out_channels):
    layers = []
    for _ in range(num_convs):
        layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


class VGG(nn.Module):
    def __init__(self, conv_arch=((1, 16), (1, 32), (2, 64), (2, 128), (2, 128)), num_classes=10):
        super().__init__()
        conv_blks = []
        in_channels = 1
        for (num_convs, out_channels) in conv_arch:
            conv_blks.append(vgg_block(num_convs, in_channels, out_channels))
            in_channels = out_channels
        self.net = nn.Sequential(
            *conv_blks, nn.Flatten(),
            nn.Linear(out_channels * 2 * 2, 256), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(256, 256), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(256, num_classes))

    def forward(self, x):
        return self.net(x)
