# A while loop whose bound is known: halve the map until it is small.
import keras
from keras import layers

size = 128
model = keras.Sequential()
model.add(layers.Input(shape=(size, size, 1)))
channels = 8
while size > 8:
    model.add(layers.Conv2D(channels, 3, padding="same", activation="relu"))
    model.add(layers.MaxPooling2D(2))
    size //= 2
    channels = min(channels * 2, 64)
model.add(layers.Flatten())
model.add(layers.Dense(2))
