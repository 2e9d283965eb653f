# archcalc: --input 3x35x35
# covers: MaxPool2d, AvgPool2d, ceil_mode, pool-padding, AdaptiveMaxPool2d, Conv2d, BatchNorm2d, ReLU6, Flatten, Linear, Sequential, module-level
# GoogLeNet-style ceil-mode pooling on odd sizes, average pooling with ceil_mode and padding, adaptive max pooling.
import torch.nn as nn

features = nn.Sequential(
    nn.Conv2d(3, 16, 3, stride=1, padding=1), nn.BatchNorm2d(16), nn.ReLU6(),
    nn.MaxPool2d(3, stride=2, ceil_mode=True),                               # 35 -> 17
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU6(inplace=True),
    nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),  # 17 -> 9
    nn.MaxPool2d(kernel_size=2, stride=2, padding=1, ceil_mode=True),        # 9 -> 6
    nn.AdaptiveMaxPool2d((2, 3)),
    nn.Flatten(),
    nn.Linear(32 * 2 * 3, 10),
)
