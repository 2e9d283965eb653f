import keras
from keras import layers

inputs = keras.Input(shape=(28, 28, 1))
x = layers.Rescaling(1 / 255)(inputs)
x = layers.Conv2D(16, 3)(x)
x = layers.Lambda(lambda t: t * 2)(x)
model = keras.Model(inputs, layers.Dense(10)(layers.Flatten()(x)))
