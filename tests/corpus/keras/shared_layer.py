# One Dense layer object called twice: its weights are shared and count once.
import keras
from keras import layers

shared = layers.Dense(64, activation="relu")
inputs = keras.Input(shape=(64,))
x = shared(inputs)
x = shared(x)
x = layers.Dense(8)(x)
model = keras.Model(inputs, x)
