# archcalc: --input 64
# covers: Embedding, Dropout, Sequential, Conv1d, ReLU, MaxPool1d, AdaptiveMaxPool1d, Flatten, Linear, permute, super()
# A character-level text CNN: embedding, dropout on the vectors, transpose to channels first, a Sequential.
import torch.nn as nn


class CharCNN(nn.Module):
    def __init__(self, num_chars=70, embed_dim=16, num_classes=5):
        super().__init__()
        self.embed = nn.Embedding(num_chars, embed_dim, padding_idx=0)
        self.embed_drop = nn.Dropout(0.1)
        self.encoder = nn.Sequential(
            nn.Conv1d(embed_dim, 64, kernel_size=7, padding=3), nn.ReLU(),
            nn.MaxPool1d(kernel_size=3),
            nn.Conv1d(64, 64, kernel_size=3, padding=1), nn.ReLU(),
            nn.AdaptiveMaxPool1d(1),
            nn.Flatten(),
        )
        self.head = nn.Linear(64, num_classes)

    def forward(self, tokens):
        x = self.embed_drop(self.embed(tokens))
        x = x.transpose(1, 2)
        return self.head(self.encoder(x))
