# ZeroPadding2D before a strided convolution, then average pooling (ResNet's stem style).
import keras
from keras import layers

inputs = keras.Input(shape=(64, 64, 3))
x = layers.ZeroPadding2D(padding=(3, 3))(inputs)
x = layers.Conv2D(32, 7, strides=2)(x)
x = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(x)
x = layers.MaxPooling2D(3, strides=2)(x)
x = layers.AveragePooling2D(pool_size=(2, 2))(x)
x = layers.Flatten()(x)
stem = keras.Model(inputs, layers.Dense(10)(x))
