# archcalc: --input 3x24x24
# covers: Conv2d, BatchNorm2d, ReLU, Sigmoid, Linear, Sequential, torch.max, torch.amax, residual, super()
# Global max pooling written as reductions (torch.amax over (2, 3), torch.max over a flattened map) beside a mean,
# and torch.max of two tensors: the elementwise maximum of two branches.
import torch
import torch.nn as nn


class MaxGate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc = nn.Sequential(nn.Conv2d(c, c // 2, 1), nn.ReLU(), nn.Conv2d(c // 2, c, 1), nn.Sigmoid())

    def forward(self, x):
        avg = x.mean((2, 3), keepdim=True)
        peak = torch.amax(x, dim=(2, 3), keepdim=True)
        return x * self.fc(avg + peak)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.b = nn.Sequential(nn.Conv2d(3, 16, 5, padding=2), nn.BatchNorm2d(16), nn.ReLU())
        self.gate = MaxGate(16)
        self.head = nn.Linear(16, 7)

    def forward(self, x):
        y = self.gate(torch.max(self.a(x), self.b(x)))
        y = torch.max(torch.flatten(y, 2), dim=2, keepdim=False)[0]
        return self.head(y)
