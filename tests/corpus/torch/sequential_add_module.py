# archcalc: --input 3x32x32
# covers: Sequential, add_module, loop, Conv2d, BatchNorm2d, ReLU, MaxPool2d, Flatten, Linear, Dropout, super()
# Layers added to an empty nn.Sequential with add_module under generated names (features.conv0, features.bn0...).
import torch.nn as nn


class NamedVGG(nn.Module):
    def __init__(self, cfg=(32, "M", 64, "M", 128, 128, "M"), num_classes=10):
        super().__init__()
        self.features = nn.Sequential()
        in_ch = 3
        for i, v in enumerate(cfg):
            if v == "M":
                self.features.add_module(f"pool{i}", nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                self.features.add_module(f"conv{i}", nn.Conv2d(in_ch, v, kernel_size=3, padding=1))
                self.features.add_module(f"bn{i}", nn.BatchNorm2d(v))
                self.features.add_module(f"relu{i}", nn.ReLU(inplace=True))
                in_ch = v
        self.classifier = nn.Sequential()
        self.classifier.add_module("flatten", nn.Flatten())
        self.classifier.add_module("drop", nn.Dropout(0.5))
        self.classifier.add_module("fc", nn.Linear(in_ch * 4 * 4, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))
