# A recursive helper that stacks n convolution blocks.
import keras
from keras import layers


def tower(x, n, filters):
    if n == 0:
        return x
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return tower(x, n - 1, filters * 2)


inputs = keras.Input(shape=(16, 16, 2))
outputs = layers.Flatten()(tower(inputs, 4, 4))
model = keras.Model(inputs, outputs)
