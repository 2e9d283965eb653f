# archcalc: --input 3x32x32
# covers: Conv2d, BatchNorm2d, ReLU, MaxPool2d, AdaptiveAvgPool2d, Flatten, Linear, Sequential, super(), frozen, condition
# Fine-tuning as the transfer-learning tutorials write it: the feature extractor frozen with requires_grad_(False)
# (its batch norms keep their running statistics as buffers), a projection whose bias alone is frozen, and a
# new classifier that trains.
import torch.nn as nn


class FineTuneCNN(nn.Module):
    def __init__(self, num_classes=3, freeze=True):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.project = nn.Linear(32, 24)
        self.classifier = nn.Linear(24, num_classes)
        if freeze:
            self.features.requires_grad_(False)
        self.project.bias.requires_grad = False

    def forward(self, x):
        return self.classifier(self.project(self.features(x)))
