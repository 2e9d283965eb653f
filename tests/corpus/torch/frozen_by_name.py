# archcalc: --input 3x32x32
# covers: Conv2d, LayerNorm, GELU, Linear, super(), nn.Parameter, frozen, loop, condition, unused-module, permute
# Freezing by parameter name (everything but the head), as the fine-tuning recipes loop over
# named_parameters(); a positional embedding that never trains (requires_grad=False) and an auxiliary head
# forward never calls, frozen with the rest.
import torch
import torch.nn as nn


class TinyViTHead(nn.Module):
    def __init__(self, dim=32, num_classes=4):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, dim, kernel_size=8, stride=8)
        self.pos_embedding = nn.Parameter(torch.zeros(1, 16, dim), requires_grad=False)
        self.scale = nn.Parameter(torch.ones(dim))
        self.norm = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 64), nn.GELU(), nn.Linear(64, dim))
        self.aux_head = nn.Linear(dim, num_classes)
        self.head = nn.Linear(dim, num_classes)
        for name, param in self.named_parameters():
            if not name.startswith("head."):
                param.requires_grad = False

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = (x + self.pos_embedding) * self.scale
        x = x + self.mlp(self.norm(x))
        return self.head(x.mean(dim=1))
