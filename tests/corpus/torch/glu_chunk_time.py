# archcalc: --input 10x16
# covers: Conv1d, Linear, torch.chunk, torch.cat, torch.sigmoid, permute, super()
# A gated convolution (GLU: a, b = h.chunk(2, dim=1); a * sigmoid(b)) and a sequence cut in three windows of
# time with torch.chunk(y, 3, dim=2): 16 steps make parts of 6, 6 and 4, as PyTorch cuts them.
import torch
import torch.nn as nn


class Gated(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(10, 2 * 12, 3, padding=1)
        self.heads = nn.ModuleList([nn.Linear(12, 3) for _ in range(3)])

    def forward(self, x):
        a, b = self.conv(x).chunk(2, dim=1)
        y = a * torch.sigmoid(b)
        windows = torch.chunk(y, 3, dim=2)
        outs = [head(w.permute(0, 2, 1)).mean(1) for head, w in zip(self.heads, windows)]
        return torch.cat(outs, dim=1)
