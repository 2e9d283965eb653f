# archcalc: --input 1x16x16
# covers: LayerNorm, Conv2d, Hardtanh, Flatten, Linear, Sequential, module-level
# LayerNorm over whole feature maps ([C, H, W]): its weight and bias have C * H * W values each.
import torch.nn as nn

net = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1),
    nn.LayerNorm([8, 16, 16]),
    nn.Hardtanh(),
    nn.Conv2d(8, 8, 3, stride=2, padding=1),
    nn.LayerNorm([8, 8, 8], elementwise_affine=False),
    nn.Hardtanh(min_val=-2.0, max_val=2.0),
    nn.Flatten(),
    nn.Linear(8 * 8 * 8, 10),
)
