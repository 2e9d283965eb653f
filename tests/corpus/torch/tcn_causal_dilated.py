# archcalc: --input 4x100
# covers: Conv1d, Dropout, ReLU, F.pad, residual, condition, helper-class, Sequential, *layers, loop, Linear, super()
# A temporal convolutional network: causal dilated Conv1d (F.pad on the left only), residual with a 1x1 when widths change.
import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalBlock(nn.Module):
    def __init__(self, n_in, n_out, kernel_size, dilation, dropout=0.1):
        super().__init__()
        self.left = (kernel_size - 1) * dilation   # pad the past only: no output sees the future
        self.conv1 = nn.Conv1d(n_in, n_out, kernel_size, dilation=dilation)
        self.conv2 = nn.Conv1d(n_out, n_out, kernel_size, dilation=dilation)
        self.relu = nn.ReLU()
        self.drop = nn.Dropout(dropout)
        self.downsample = nn.Conv1d(n_in, n_out, 1) if n_in != n_out else None

    def forward(self, x):
        y = self.drop(self.relu(self.conv1(F.pad(x, (self.left, 0)))))
        y = self.drop(self.relu(self.conv2(F.pad(y, (self.left, 0)))))
        res = x if self.downsample is None else self.downsample(x)
        return self.relu(y + res)


class TCN(nn.Module):
    def __init__(self, n_inputs=4, channels=(16, 16, 32), kernel_size=3, n_outputs=3):
        super().__init__()
        blocks = []
        for i, c in enumerate(channels):
            blocks.append(CausalBlock(n_inputs if i == 0 else channels[i - 1], c, kernel_size, dilation=2 ** i))
        self.network = nn.Sequential(*blocks)
        self.linear = nn.Linear(channels[-1], n_outputs)

    def forward(self, x):
        y = self.network(x)
        return self.linear(y.mean(dim=2))   # the average over time
