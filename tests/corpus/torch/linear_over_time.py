# archcalc: --input 4x50
# covers: Conv1d, Linear, LayerNorm, ReLU, Flatten, Sequential, super()
# Linear and LayerNorm over the last axis of a channels-first (C, L) tensor: they mix time steps, not channels.
import torch.nn as nn


class TimeMix(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 3, padding=1)     # (8, 50)
        self.time = nn.Linear(50, 20)                 # (8, 20): acts on the 50 steps
        self.norm = nn.LayerNorm(20)
        self.act = nn.ReLU()
        self.conv2 = nn.Conv1d(8, 8, 5)               # (8, 16)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(8 * 16, 3))

    def forward(self, x):
        x = self.act(self.norm(self.time(self.conv(x))))
        return self.head(self.conv2(x))
