# archcalc: --input 3x32x32
# covers: Conv2d, Flatten, LayerNorm, Linear, GELU, residual, helper-class, Sequential, *layers, super()
# An MLP-Mixer: patches by a strided conv, then Linear and LayerNorm on the last axis of (C, tokens) and (tokens, C).
import torch
import torch.nn as nn


class MixerBlock(nn.Module):
    def __init__(self, tokens, channels, hidden=32):
        super().__init__()
        self.norm1 = nn.LayerNorm(channels)
        self.token_mlp = nn.Sequential(nn.Linear(tokens, hidden), nn.GELU(), nn.Linear(hidden, tokens))
        self.norm2 = nn.LayerNorm(channels)
        self.channel_mlp = nn.Sequential(nn.Linear(channels, hidden), nn.GELU(), nn.Linear(hidden, channels))

    def forward(self, x):                          # x: (batch, tokens, channels)
        y = self.norm1(x).transpose(1, 2)          # (batch, channels, tokens)
        x = x + self.token_mlp(y).transpose(1, 2)
        return x + self.channel_mlp(self.norm2(x))


class Mixer(nn.Module):
    def __init__(self, patch=8, channels=24, depth=2, num_classes=10):
        super().__init__()
        tokens = (32 // patch) ** 2
        self.stem = nn.Conv2d(3, channels, patch, stride=patch)
        self.flat = nn.Flatten(2)
        self.blocks = nn.Sequential(*[MixerBlock(tokens, channels) for _ in range(depth)])
        self.norm = nn.LayerNorm(channels)
        self.head = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.flat(self.stem(x)).transpose(1, 2)   # (batch, tokens, channels)
        x = self.norm(self.blocks(x))
        return self.head(x.mean(dim=1))
