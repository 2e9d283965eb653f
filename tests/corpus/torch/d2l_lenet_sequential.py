# archcalc: --input 1x28x28
# covers: Sequential, Conv2d, Sigmoid, AvgPool2d, Flatten, Linear, module-level
# LeNet-5 as one nn.Sequential at module level, sigmoid activations and average pooling, padding 2 on 28x28.
import torch
from torch import nn

net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.Sigmoid(),
    nn.Linear(84, 10))
