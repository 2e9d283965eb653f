import torch.nn as nn


class Generator(nn.Module):
    def __init__(self, nz=100, width=32):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, width * 4, 4, 1, 0, bias=False),    # 1x1 -> 4x4
            nn.BatchNorm2d(width * 4), nn.ReLU(True),
            nn.ConvTranspose2d(width * 4, width * 2, 4, 2, 1, bias=False),  # -> 8x8
            nn.BatchNorm2d(width * 2), nn.ReLU(True),
            nn.ConvTranspose2d(width * 2, 3, 4, 2, 1, bias=False),     # -> 16x16
            nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(3, width, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(width, width * 2, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(width * 2 * 4 * 4, 1),
        )

    def forward(self, x):
        return self.main(x)
