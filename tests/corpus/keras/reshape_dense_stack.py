# Reshape between dense and convolution layers, with a final flatten.
import keras
from keras import layers

inputs = keras.Input(shape=(64,))
x = layers.Dense(8 * 8 * 4, activation="relu")(inputs)
x = layers.Reshape((8, 8, 4))(x)
x = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
x = layers.Flatten()(x)
model = keras.Model(inputs, layers.Dense(3)(x))
