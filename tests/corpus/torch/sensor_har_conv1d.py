# archcalc: --input 9x128
# covers: Conv1d, BatchNorm1d, ReLU, MaxPool1d, AvgPool1d, Dropout1d, AdaptiveAvgPool1d, AdaptiveMaxPool1d, torch.cat, torch.flatten, Linear, F.adaptive_avg_pool1d, super()
# Human-activity recognition from 9 inertial channels x 128 steps: average and max pooled summaries concatenated.
import torch
import torch.nn as nn
import torch.nn.functional as F


class HARNet(nn.Module):
    def __init__(self, n_channels=9, n_classes=6):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(n_channels, 32, kernel_size=5, padding=2), nn.BatchNorm1d(32), nn.ReLU(),
            nn.MaxPool1d(2),
            nn.Conv1d(32, 64, kernel_size=5, padding=2, dilation=1), nn.BatchNorm1d(64), nn.ReLU(),
            nn.AvgPool1d(3, stride=2, padding=1),
            nn.Dropout1d(0.1),
            nn.Conv1d(64, 64, kernel_size=3, dilation=2, padding=2), nn.ReLU(),
        )
        self.avg = nn.AdaptiveAvgPool1d(1)
        self.max = nn.AdaptiveMaxPool1d(1)
        self.fc = nn.Linear(64 * 3, n_classes)

    def forward(self, x):
        x = self.body(x)
        summary = torch.cat([self.avg(x), self.max(x), F.adaptive_avg_pool1d(x, 1)], dim=1)
        return self.fc(torch.flatten(summary, 1))
