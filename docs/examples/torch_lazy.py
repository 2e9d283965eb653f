import torch.nn as nn

model = nn.Sequential(
    nn.Conv2d(1, 8, 4), nn.ReLU(),            # 28x28 -> 25x25
    nn.MaxPool2d(2, ceil_mode=True),          # 25x25 -> 13x13 (12x12 without ceil_mode)
    nn.Flatten(),
    nn.LazyLinear(10),                        # in_features comes from the shape: 8 * 13 * 13
)
