# archcalc: --input 3x64x64
# covers: helper-class, Conv2d, BatchNorm2d, ReLU, MaxPool2d, AdaptiveAvgPool2d, Flatten, Linear, Sequential, ModuleList, loop, old-super, super()
# Three levels of helper classes (ConvBNReLU inside Stage inside Net), both spellings of super().
import torch.nn as nn


class ConvBNReLU(nn.Sequential):
    def __init__(self, in_planes, out_planes, kernel_size=3, stride=1):
        padding = (kernel_size - 1) // 2
        super(ConvBNReLU, self).__init__(
            nn.Conv2d(in_planes, out_planes, kernel_size, stride, padding, bias=False),
            nn.BatchNorm2d(out_planes),
            nn.ReLU(inplace=True),
        )


class Stage(nn.Module):
    def __init__(self, in_planes, out_planes, n):
        super().__init__()
        self.convs = nn.ModuleList(
            [ConvBNReLU(in_planes if i == 0 else out_planes, out_planes) for i in range(n)])
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        for conv in self.convs:
            x = conv(x)
        return self.pool(x)


class Net(nn.Module):
    def __init__(self, num_classes=10):
        super(Net, self).__init__()
        self.stem = ConvBNReLU(3, 16, kernel_size=5, stride=2)
        self.stage1 = Stage(16, 32, 2)
        self.stage2 = Stage(32, 64, 3)
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, num_classes))

    def forward(self, x):
        return self.classifier(self.stage2(self.stage1(self.stem(x))))
