# Shared keyword arguments passed with ** and a *args helper.
import keras
from keras import layers

conv_args = dict(kernel_size=3, padding="same", activation="relu")


def stack(x, *widths):
    for w in widths:
        x = layers.Conv2D(w, **conv_args)(x)
    return x


inputs = keras.Input(shape=(24, 24, 3))
x = stack(inputs, 8, 16)
x = layers.MaxPooling2D()(x)
x = stack(x, *[32, 32])
x = layers.GlobalAveragePooling2D()(x)
model = keras.Model(inputs, layers.Dense(2, activation="softmax")(x))
