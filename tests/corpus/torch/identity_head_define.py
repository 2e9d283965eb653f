# archcalc: --input 3x32x32 --define num_classes=0
# covers: Identity, condition, Conv2d, BatchNorm2d, ReLU, AdaptiveAvgPool2d, Flatten, Sequential, --define, super()
# A backbone whose classifier becomes nn.Identity when num_classes is 0 (a feature extractor, as timm does).
import torch.nn as nn


class Backbone(nn.Module):
    def __init__(self, num_classes=1000, width=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, width * 2, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(width * 2),
            nn.ReLU(inplace=True),
        )
        self.global_pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.num_features = width * 2
        self.fc = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()

    def forward(self, x):
        return self.fc(self.global_pool(self.features(x)))
