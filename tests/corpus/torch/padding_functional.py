# archcalc: --input 3x30x30
# covers: ZeroPad2d, F.pad, Conv2d, AvgPool2d, pool-padding, F.avg_pool2d, F.max_pool2d, F.adaptive_avg_pool2d, F.relu, torch.flatten, Linear, super()
# Explicit padding: ZeroPad2d with four different sides, F.pad, average pooling with padding and count_include_pad.
import torch
import torch.nn as nn
import torch.nn.functional as F


class PaddedNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.pad = nn.ZeroPad2d((1, 2, 0, 3))         # left, right, top, bottom
        self.conv1 = nn.Conv2d(3, 8, 3)
        self.pool1 = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=(0, 1))
        self.fc = nn.Linear(16 * 3 * 3, 10)

    def forward(self, x):
        x = F.relu(self.conv1(self.pad(x)))            # 8 x 31 x 31
        x = self.pool1(x)                              # 8 x 16 x 16
        x = F.pad(x, (1, 1, 1, 1))                     # 8 x 18 x 18
        x = F.relu(self.conv2(x))                      # 16 x 16 x 18
        x = F.avg_pool2d(x, 2, padding=1)              # 16 x 9 x 10
        x = F.max_pool2d(x, kernel_size=2, stride=2, ceil_mode=True)
        x = F.adaptive_avg_pool2d(x, (3, 3))
        return self.fc(torch.flatten(x, 1))
