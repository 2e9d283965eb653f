# An Inception-style module: parallel branches joined with concatenate.
import keras
from keras import layers


def inception(x, f1, f3r, f3, f5r, f5, fp):
    b1 = layers.Conv2D(f1, 1, padding="same", activation="relu")(x)
    b3 = layers.Conv2D(f3r, 1, padding="same", activation="relu")(x)
    b3 = layers.Conv2D(f3, 3, padding="same", activation="relu")(b3)
    b5 = layers.Conv2D(f5r, 1, padding="same", activation="relu")(x)
    b5 = layers.Conv2D(f5, 5, padding="same", activation="relu")(b5)
    bp = layers.MaxPooling2D(3, strides=1, padding="same")(x)
    bp = layers.Conv2D(fp, 1, padding="same", activation="relu")(bp)
    return layers.concatenate([b1, b3, b5, bp], axis=-1)


inputs = keras.Input(shape=(28, 28, 192))
x = inception(inputs, 64, 96, 128, 16, 32, 32)
x = inception(x, 128, 128, 192, 32, 96, 64)
model = keras.Model(inputs, layers.GlobalAveragePooling2D()(x), name="inception3")
