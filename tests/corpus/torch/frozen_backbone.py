# archcalc: --input 3x32x32
# covers: Conv2d, ReLU, MaxPool2d, AdaptiveAvgPool2d, Flatten, Linear, Sequential, loop, super(), frozen
# Transfer learning: the backbone's parameters frozen (requires_grad = False), only the new head trains.
import torch.nn as nn


class FineTune(nn.Module):
    def __init__(self, num_classes=5):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        for param in self.backbone.parameters():
            param.requires_grad = False
        self.head = nn.Linear(32, num_classes)

    def forward(self, x):
        return self.head(self.backbone(x))
