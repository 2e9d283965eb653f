# A dense autoencoder: the decoder's widths are the encoder's reversed; three models in one file.
import keras
from keras import layers

widths = [256, 64, 16]
inputs = keras.Input(shape=(784,))
x = inputs
for w in widths:
    x = layers.Dense(w, activation="relu")(x)
encoder = keras.Model(inputs, x, name="encoder")

code = keras.Input(shape=(widths[-1],))
y = code
for w in reversed(widths[:-1]):
    y = layers.Dense(w, activation="relu")(y)
y = layers.Dense(784, activation="sigmoid")(y)
decoder = keras.Model(code, y, name="decoder")

auto_in = keras.Input(shape=(784,))
autoencoder = keras.Model(auto_in, decoder(encoder(auto_in)))
