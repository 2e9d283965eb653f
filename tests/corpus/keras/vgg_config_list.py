# VGG built from a configuration list with "M" for pooling (torchvision's way, in Keras).
import keras
from keras import layers

cfg = [64, "M", 128, "M", 256, 256, "M"]


def make_features(config, in_shape):
    inputs = keras.Input(shape=in_shape)
    x = inputs
    for v in config:
        if v == "M":
            x = layers.MaxPooling2D(pool_size=2, strides=2)(x)
        else:
            x = layers.Conv2D(v, kernel_size=3, padding="same", activation="relu")(x)
    return inputs, x


inputs, features = make_features(cfg, (64, 64, 3))
x = layers.Flatten()(features)
x = layers.Dense(512, activation="relu")(x)
x = layers.Dropout(0.5)(x)
vgg_small = keras.Model(inputs, layers.Dense(10)(x))
