# archcalc: --input 3x32x32
# covers: Conv2d, LayerNorm, GELU, Linear, super(), nn.Parameter, permute, residual
# A small vision transformer's front, as ViT tutorials write it: patches by a strided convolution, a learned
# positional embedding added to every token (an nn.Parameter of shape 1 x N x D), and a mean over the tokens.
import torch
import torch.nn as nn


class PatchMLP(nn.Module):
    def __init__(self, image_size=32, patch_size=4, dim=48, num_classes=10):
        super().__init__()
        num_patches = (image_size // patch_size) ** 2
        self.patch_embed = nn.Conv2d(3, dim, kernel_size=patch_size, stride=patch_size)
        self.pos_embedding = nn.Parameter(torch.randn(1, num_patches, dim) * 0.02)
        self.norm1 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.patch_embed(x)
        x = x.flatten(2).transpose(1, 2)
        x = x + self.pos_embedding
        x = x + self.mlp(self.norm1(x))
        x = self.norm(x).mean(dim=1)
        return self.head(x)
