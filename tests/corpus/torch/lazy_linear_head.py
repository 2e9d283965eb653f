# archcalc: --input 3x40x40
# covers: LazyLinear, Conv2d, ReLU, MaxPool2d, Flatten, Sequential, module-level
# The head's input size left to torch: nn.LazyLinear learns in_features from the first batch (here 32 * 5 * 5).
import torch.nn as nn

model = nn.Sequential(
    nn.Conv2d(3, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
    nn.Conv2d(32, 32, kernel_size=1), nn.ReLU(), nn.MaxPool2d(kernel_size=2, ceil_mode=True),
    nn.Flatten(),
    nn.LazyLinear(64), nn.ReLU(),
    nn.LazyLinear(10),
)
