# archcalc: --input 3x64x64
# covers: Conv2d, BatchNorm2d, LeakyReLU, Sigmoid, Flatten, Sequential, *layers, loop, super()
# A DCGAN discriminator written as a loop over doubling widths; the last class defined is the one read.
import torch.nn as nn


class Critic(nn.Module):
    def __init__(self, channels=3, width=16, depth=4):
        super().__init__()
        layers = [nn.Conv2d(channels, width, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
        for i in range(1, depth):
            layers.append(nn.Conv2d(width * 2 ** (i - 1), width * 2 ** i, 4, 2, 1, bias=False))
            layers.append(nn.BatchNorm2d(width * 2 ** i))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
        layers += [nn.Conv2d(width * 2 ** (depth - 1), 1, 4, 1, 0), nn.Flatten(), nn.Sigmoid()]
        self.model = nn.Sequential(*layers)

    def forward(self, img):
        return self.model(img)
