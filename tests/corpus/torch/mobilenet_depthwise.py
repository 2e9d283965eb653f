# archcalc: --input 3x32x32
# covers: Conv2d, BatchNorm2d, ReLU6, AdaptiveAvgPool2d, Linear, Dropout, Sequential, *layers, loop, view(size0), super()
# A MobileNet-v1 for CIFAR: depthwise (groups = channels) and pointwise convolutions from a config list.
import torch.nn as nn


def conv_dw(inp, oup, stride):
    return nn.Sequential(
        nn.Conv2d(inp, inp, 3, stride, 1, groups=inp, bias=False),
        nn.BatchNorm2d(inp),
        nn.ReLU6(inplace=True),
        nn.Conv2d(inp, oup, 1, 1, 0, bias=False),
        nn.BatchNorm2d(oup),
        nn.ReLU6(inplace=True),
    )


class MobileNet(nn.Module):
    cfg = [64, (128, 2), 128, (256, 2), 256, (512, 2), 512]

    def __init__(self, num_classes=10):
        super().__init__()
        layers = [nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU6(inplace=True)]
        in_planes = 32
        for x in self.cfg:
            out_planes = x if isinstance(x, int) else x[0]
            stride = 1 if isinstance(x, int) else x[1]
            layers.append(conv_dw(in_planes, out_planes, stride))
            in_planes = out_planes
        self.model = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.2)
        self.linear = nn.Linear(512, num_classes)

    def forward(self, x):
        out = self.pool(self.model(x))
        out = out.view(out.size(0), -1)
        return self.linear(self.dropout(out))
