# archcalc: --input 2x256
# covers: Conv1d, ConvTranspose1d, BatchNorm1d, LeakyReLU, Sequential, loop, *layers, old-super
# A 1-D autoencoder for two-channel sensor signals, encoder and decoder built in loops from one width list.
import torch.nn as nn


class SignalAE(nn.Module):
    def __init__(self, widths=(16, 32, 64)):
        super(SignalAE, self).__init__()
        down, channels = [], 2
        for w in widths:
            down += [nn.Conv1d(channels, w, kernel_size=5, stride=2, padding=2), nn.BatchNorm1d(w), nn.LeakyReLU(0.1)]
            channels = w
        up = []
        for w in reversed((2,) + tuple(widths[:-1])):
            up += [nn.ConvTranspose1d(channels, w, kernel_size=5, stride=2, padding=2, output_padding=1)]
            if w != 2:
                up += [nn.BatchNorm1d(w), nn.LeakyReLU(0.1)]
            channels = w
        self.encoder = nn.Sequential(*down)
        self.decoder = nn.Sequential(*up)

    def forward(self, x):
        return self.decoder(self.encoder(x))
