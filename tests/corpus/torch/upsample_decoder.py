# archcalc: --input 3x32x32
# covers: Upsample, F.interpolate, Conv2d, BatchNorm2d, MaxPool2d, Softmax, F.relu, super()
# A segmentation-style encoder-decoder that upsamples with nn.Upsample and F.interpolate instead of transposed convs.
import torch.nn as nn
import torch.nn.functional as F


class UpsampleSeg(nn.Module):
    def __init__(self, n_classes=4):
        super().__init__()
        self.enc1 = nn.Conv2d(3, 16, 3, padding=1)
        self.enc2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.dec1 = nn.Conv2d(32, 16, 3, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.dec2 = nn.Conv2d(16, n_classes, 1)
        self.up_to_input = nn.Upsample(size=(32, 32), mode="bilinear", align_corners=False)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = self.pool(F.relu(self.enc1(x)))       # 16 x 16 x 16
        x = self.pool(F.relu(self.enc2(x)))       # 32 x 8 x 8
        x = self.up(x)                            # 32 x 16 x 16
        x = F.relu(self.bn(self.dec1(x)))
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        x = self.pool(self.dec2(x))
        return self.softmax(self.up_to_input(x))
