# archcalc: --input 1x28x28
# covers: Conv2d, ReLU, ConvTranspose2d, Sigmoid, Linear, Flatten, Sequential, super()
# An autoencoder that returns both the code and the reconstruction; forward goes through helper methods.
import torch
import torch.nn as nn


class AE(nn.Module):
    def __init__(self, code=8):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 8, 4, 2, 1), nn.ReLU(), nn.Conv2d(8, 16, 4, 2, 1), nn.ReLU())
        self.to_code = nn.Sequential(nn.Flatten(), nn.Linear(16 * 7 * 7, code))
        self.from_code = nn.Linear(code, 16 * 7 * 7)
        self.dec = nn.Sequential(nn.ConvTranspose2d(16, 8, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(8, 1, 4, 2, 1),
                                 nn.Sigmoid())

    def encode(self, x):
        return self.to_code(self.enc(x))

    def decode(self, z):
        return self.dec(self.from_code(z).view(-1, 16, 7, 7))

    def forward(self, x):
        z = self.encode(x)
        return z, self.decode(z)
