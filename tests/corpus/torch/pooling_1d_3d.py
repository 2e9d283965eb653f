# archcalc: --input 4x6x20x20
# covers: Conv3d, AvgPool3d, MaxPool3d, AdaptiveMaxPool3d, Dropout3d, ELU, Flatten, Linear, ceil_mode, Sequential, module-level
# 3-D pooling in all its forms on a small volume, with ceil_mode on an odd depth.
import torch.nn as nn

model = nn.Sequential(
    nn.Conv3d(4, 8, kernel_size=(3, 3, 3), padding=1), nn.ELU(),
    nn.AvgPool3d(kernel_size=2, ceil_mode=True),                 # 6x20x20 -> 3x10x10
    nn.Conv3d(8, 8, kernel_size=3, padding=(1, 1, 1)), nn.ELU(alpha=0.5),
    nn.Dropout3d(0.2),
    nn.MaxPool3d(kernel_size=(3, 2, 2), stride=(2, 2, 2), padding=(1, 0, 0)),
    nn.AdaptiveMaxPool3d((1, 2, 2)),
    nn.Flatten(),
    nn.Linear(8 * 4, 3),
)
