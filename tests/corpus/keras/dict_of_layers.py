# Layers kept in a dict and a list, then applied in a loop.
import keras
from keras import layers

blocks = {
    "stem": layers.Conv2D(8, 3, activation="relu"),
    "body": [layers.Conv2D(16, 3, activation="relu"), layers.Conv2D(16, 3, activation="relu")],
    "head": layers.Dense(5),
}
inputs = keras.Input(shape=(20, 20, 1))
x = blocks["stem"](inputs)
for layer in blocks["body"]:
    x = layer(x)
x = layers.Flatten()(x)
model = keras.Model(inputs, blocks["head"](x))
