# archcalc: --input 1x28x28 --define latent_dim=16
# covers: Flatten, Unflatten, Linear, Conv2d, ConvTranspose2d, ReLU, Sigmoid, Sequential, --define, super()
# An autoencoder with a dense bottleneck: Flatten to a vector, Linear to the code, Unflatten back to maps.
import torch.nn as nn


class DenseBottleneckAE(nn.Module):
    def __init__(self, latent_dim=32):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(start_dim=1),
            nn.Linear(16 * 7 * 7, latent_dim),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 16 * 7 * 7), nn.ReLU(),
            nn.Unflatten(dim=1, unflattened_size=(16, 7, 7)),
            nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.decoder(self.encoder(x))
