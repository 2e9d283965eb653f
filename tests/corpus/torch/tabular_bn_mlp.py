# archcalc: --input 20
# covers: Linear, BatchNorm1d, GELU, Dropout, Sequential, *layers, loop, helper-class, super()
# A Kaggle tabular-data MLP: 20 numeric features, blocks of Linear, BatchNorm1d, GELU and dropout.
import torch.nn as nn


class DenseBlock(nn.Module):
    def __init__(self, n_in, n_out, dropout):
        super().__init__()
        self.block = nn.Sequential(nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.GELU(), nn.Dropout(dropout))

    def forward(self, x):
        return self.block(x)


class TabularNet(nn.Module):
    def __init__(self, n_features=20, widths=(128, 64, 32), dropout=0.15, n_targets=1):
        super().__init__()
        blocks, n = [], n_features
        for w in widths:
            blocks.append(DenseBlock(n, w, dropout))
            n = w
        self.body = nn.Sequential(*blocks)
        self.out = nn.Linear(n, n_targets)

    def forward(self, x):
        return self.out(self.body(x))
