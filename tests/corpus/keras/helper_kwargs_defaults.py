# Helpers with keyword and default arguments calling each other.
import keras
from keras import layers


def conv_bn(x, filters, kernel_size=3, strides=1, activation="relu"):
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    if activation is not None:
        x = layers.Activation(activation)(x)
    return x


def stage(x, filters, blocks=2, downsample=True):
    for i in range(blocks):
        x = conv_bn(x, filters, strides=2 if (downsample and i == 0) else 1)
    return x


def build(input_shape=(64, 64, 3), classes=6):
    inputs = keras.Input(input_shape)
    x = conv_bn(inputs, 24, kernel_size=5, strides=2)
    x = stage(x, 32, downsample=False)
    x = stage(x, 64, blocks=3)
    x = conv_bn(x, 128, kernel_size=1, activation=None)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(classes, activation="softmax")(x))


net = build(classes=4)
