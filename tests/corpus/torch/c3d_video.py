# archcalc: --input 3x8x32x32
# covers: Conv3d, BatchNorm3d, ReLU, MaxPool3d, AdaptiveAvgPool3d, Dropout, Linear, Sequential, view(size0), super()
# A small C3D-style video classifier: 8 frames of 32x32, pooling space before time.
import torch.nn as nn


class C3DSmall(nn.Module):
    def __init__(self, num_classes=6):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv3d(3, 16, kernel_size=3, padding=1), nn.BatchNorm3d(16), nn.ReLU(inplace=True),
            nn.MaxPool3d(kernel_size=(1, 2, 2), stride=(1, 2, 2)),
            nn.Conv3d(16, 32, kernel_size=3, padding=1), nn.BatchNorm3d(32), nn.ReLU(inplace=True),
            nn.MaxPool3d(kernel_size=2, stride=2),
            nn.Conv3d(32, 64, kernel_size=(3, 3, 3), padding=(1, 1, 1)), nn.BatchNorm3d(64), nn.ReLU(inplace=True),
            nn.MaxPool3d(kernel_size=2, stride=2, padding=(1, 0, 0)),
        )
        self.pool = nn.AdaptiveAvgPool3d((1, 1, 1))
        self.dropout = nn.Dropout(p=0.3)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.pool(self.features(x))
        x = x.view(x.size(0), -1)
        return self.fc(self.dropout(x))
