# A plain Python class holds the hyper-parameters.
import keras
from keras import layers


class Config:
    image_size = 72
    channels = 3
    widths = (32, 64)
    classes = 100

    def __init__(self, dense_units=256):
        self.dense_units = dense_units

    def input_shape(self):
        return (self.image_size, self.image_size, self.channels)


cfg = Config(dense_units=128)
inputs = keras.Input(shape=cfg.input_shape())
x = inputs
for w in cfg.widths:
    x = layers.Conv2D(w, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
x = layers.Flatten()(x)
x = layers.Dense(cfg.dense_units, activation="relu")(x)
model = keras.Model(inputs, layers.Dense(cfg.classes, activation="softmax")(x))
