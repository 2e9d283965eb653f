# archcalc: --input 3x32x32
# covers: Conv2d, ReLU, MaxPool2d, Linear, Sequential, torch.flatten, super(), torch.chunk
# A Sequential indexed and sliced in forward (features[:4], then features[4:]), a chunk of the channels.
import torch
import torch.nn as nn


class Sliced(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.fc = nn.Linear(16 * 8 * 8, 10)

    def forward(self, x):
        low = self.features[:3](x)
        x = self.features[3:](low)
        a, b = torch.chunk(x, 2, dim=1)
        return self.fc(torch.flatten(a + b, 1))
