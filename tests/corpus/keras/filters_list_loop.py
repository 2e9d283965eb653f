# A loop over a list of filter counts, as the third example.
from tensorflow.keras import layers, models

model = models.Sequential()
model.add(layers.Input(shape=(64, 64, 3)))
for filters in [32, 64, 128]:
    model.add(layers.Conv2D(filters, (3, 3), activation="relu", padding="same"))
    model.add(layers.MaxPooling2D())
model.add(layers.GlobalAveragePooling2D())
model.add(layers.Dense(5, activation="softmax"))
