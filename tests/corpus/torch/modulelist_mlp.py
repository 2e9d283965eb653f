# archcalc: --input 1x28x28 --define hidden=256,128,64
# covers: ModuleList, loop, Linear, LayerNorm, Dropout, F.relu, F.dropout, view(size0), --define, super()
# An MLP whose hidden widths come from a tuple: Linear and LayerNorm pairs in two ModuleLists, zipped in forward.
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, hidden=(512, 256), in_features=28 * 28, num_classes=10, p=0.2):
        super().__init__()
        sizes = [in_features] + list(hidden)
        self.linears = nn.ModuleList()
        self.norms = nn.ModuleList()
        for a, b in zip(sizes[:-1], sizes[1:]):
            self.linears.append(nn.Linear(a, b))
            self.norms.append(nn.LayerNorm(b))
        self.drop = nn.Dropout(p)
        self.out = nn.Linear(sizes[-1], num_classes)
        self.p = p

    def forward(self, x):
        x = x.view(x.size(0), -1)
        for linear, norm in zip(self.linears, self.norms):
            x = self.drop(F.relu(norm(linear(x))))
        x = F.dropout(x, p=self.p, training=self.training)
        return self.out(x)
