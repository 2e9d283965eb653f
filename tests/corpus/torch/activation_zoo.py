# archcalc: --input 1x16x16
# covers: ReLU, LeakyReLU, PReLU, ELU, SELU, GELU, SiLU, Mish, Tanh, Sigmoid, Softplus, Hardswish, Hardsigmoid, Hardtanh, ReLU6, LogSoftmax, AlphaDropout, Dropout2d, Conv2d, Flatten, Linear, Sequential, module-level
# Every activation module once, between small layers; PReLU has one slope, or one per channel.
import torch.nn as nn

net = nn.Sequential(
    nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(),
    nn.Conv2d(4, 4, 3, padding=1), nn.LeakyReLU(negative_slope=0.2),
    nn.Conv2d(4, 4, 3, padding=1), nn.PReLU(),
    nn.Conv2d(4, 4, 3, padding=1), nn.PReLU(num_parameters=4, init=0.1),
    nn.Conv2d(4, 4, 3, padding=1), nn.ELU(), nn.Dropout2d(0.1),
    nn.Conv2d(4, 4, 3, padding=1), nn.SELU(),
    nn.Conv2d(4, 4, 3, padding=1), nn.GELU(approximate="tanh"),
    nn.Conv2d(4, 4, 3, padding=1), nn.SiLU(),
    nn.Conv2d(4, 4, 3, padding=1), nn.Mish(),
    nn.Conv2d(4, 4, 3, padding=1), nn.Tanh(),
    nn.Conv2d(4, 4, 3, padding=1), nn.Sigmoid(),
    nn.Conv2d(4, 4, 3, padding=1), nn.Softplus(beta=2.0),
    nn.Conv2d(4, 4, 3, padding=1), nn.Hardswish(),
    nn.Conv2d(4, 4, 3, padding=1), nn.Hardsigmoid(),
    nn.Conv2d(4, 4, 3, padding=1), nn.Hardtanh(),
    nn.Conv2d(4, 4, 3, stride=2), nn.ReLU6(),
    nn.Flatten(), nn.AlphaDropout(0.1),
    nn.Linear(4 * 7 * 7, 10), nn.LogSoftmax(dim=1),
)
