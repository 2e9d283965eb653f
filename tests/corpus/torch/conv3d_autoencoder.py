# archcalc: --input 1x8x16x16
# covers: Conv3d, ConvTranspose3d, ReLU, Tanh, Sequential, super()
# A volumetric autoencoder (e.g. for small CT crops): strided Conv3d down, ConvTranspose3d back up.
import torch.nn as nn


class VolumeAE(nn.Module):
    def __init__(self, base=8):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv3d(1, base, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv3d(base, base * 2, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        )
        self.dec = nn.Sequential(
            nn.ConvTranspose3d(base * 2, base, kernel_size=4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose3d(base, 1, kernel_size=(4, 4, 4), stride=(2, 2, 2), padding=(1, 1, 1)), nn.Tanh(),
        )

    def forward(self, x):
        return self.dec(self.enc(x))
