# archcalc: --input 3x32x32
# covers: Sequential, OrderedDict, Conv2d, ReLU, Flatten, Linear, module-level
# A three-layer ConvNet with named layers: nn.Sequential over an OrderedDict (named_modules gives the names).
from collections import OrderedDict

import torch.nn as nn

channel_1, channel_2, num_classes = 32, 16, 10

model = nn.Sequential(OrderedDict([
    ("conv1", nn.Conv2d(3, channel_1, kernel_size=5, padding=2)),
    ("relu1", nn.ReLU()),
    ("conv2", nn.Conv2d(channel_1, channel_2, kernel_size=3, padding=1)),
    ("relu2", nn.ReLU()),
    ("flatten", nn.Flatten()),
    ("fc", nn.Linear(channel_2 * 32 * 32, num_classes)),
]))
