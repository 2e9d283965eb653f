# archcalc: --input 3x32x32 --define act=lrelu
# covers: ModuleDict, Conv2d, BatchNorm2d, LeakyReLU, MaxPool2d, AdaptiveAvgPool2d, Flatten, Linear, --define, super()
# The activation picked by name from an nn.ModuleDict (unused entries hold no weights), layers from a ModuleDict.
import torch
import torch.nn as nn


class ConfigurableNet(nn.Module):
    def __init__(self, act="relu", num_classes=10):
        super().__init__()
        self.act = act
        self.activations = nn.ModuleDict({
            "relu": nn.ReLU(),
            "lrelu": nn.LeakyReLU(0.05),
            "selu": nn.SELU(),
        })
        self.layers = nn.ModuleDict({
            "conv1": nn.Conv2d(3, 16, 3, padding=1),
            "bn1": nn.BatchNorm2d(16),
            "conv2": nn.Conv2d(16, 32, 3, padding=1),
            "pool": nn.MaxPool2d(2),
        })
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes))

    def forward(self, x):
        x = self.activations[self.act](self.layers["bn1"](self.layers["conv1"](x)))
        x = self.layers["pool"](x)
        x = self.activations[self.act](self.layers["conv2"](x))
        x = self.layers["pool"](x)
        return self.head(x)
