# archcalc: --input 3x30x30
# covers: Conv2d, MaxPool2d, AvgPool2d, ConvTranspose2d, Upsample, AdaptiveAvgPool2d, Flatten, Unflatten, Linear, Softmax2d, F.interpolate, Sequential, super()
# Options that change shapes in less common ways: dilated pooling, grouped dilated transposed conv, fractional scales.
import torch.nn as nn
import torch.nn.functional as F


class Edge(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding="valid")
        self.pool = nn.MaxPool2d(3, stride=2, dilation=2)
        self.avg = nn.AvgPool2d(2, divisor_override=3)
        self.up = nn.ConvTranspose2d(8, 12, 3, stride=2, dilation=2, groups=4, output_padding=1)
        self.scale = nn.Upsample(scale_factor=1.5, mode="nearest")
        self.adapt = nn.AdaptiveAvgPool2d((None, 4))
        self.flat = nn.Flatten(start_dim=2)
        self.unflat = nn.Unflatten(2, (4, -1))
        self.sm = nn.Softmax2d()
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(12 * 4 * 6, 3))

    def forward(self, x):
        x = self.pool(self.conv(x))          # 8 x 12 x 12
        x = self.avg(x)                      # 8 x 6 x 6
        x = self.up(x)                       # 12 x 16 x 16
        x = self.scale(x)                    # 12 x 24 x 24
        x = F.interpolate(x, scale_factor=0.5)
        x = self.adapt(x)                    # 12 x 12 x 4
        x = self.unflat(self.flat(x))        # 12 x 4 x 12
        x = self.sm(x)
        x = F.max_pool2d(x, (1, 2))
        return self.head(x)
