# archcalc: --input 6x48
# covers: Conv1d, BatchNorm1d, ReLU, Linear, Sequential, torch.cat, super()
# A TCN tutorial's head: the last time step y[:, :, -1], the first channels x[:, :3], a window of time x[..., 8:40]
# and one channel x[:, 0] (its axis dropped), each read as a slice of the map.
import torch
import torch.nn as nn


class TCNHead(nn.Module):
    def __init__(self, channels=16):
        super().__init__()
        self.inp = nn.Conv1d(3, channels, 3, padding=1)
        self.tcn = nn.Sequential(
            nn.Conv1d(channels, channels, 3, padding=2, dilation=2), nn.BatchNorm1d(channels), nn.ReLU(),
            nn.Conv1d(channels, channels, 3, padding=4, dilation=4), nn.BatchNorm1d(channels), nn.ReLU(),
        )
        self.side = nn.Linear(32, 4)
        self.out = nn.Linear(channels + 4 + 5, 2)

    def forward(self, x):
        y = self.tcn(self.inp(x[:, :3]))
        window = x[..., 8:40]
        last = y[:, :, -1]
        side = self.side(window[:, 0])
        early = y[:, -5:, 0]
        return self.out(torch.cat([last, side, early], dim=1))
