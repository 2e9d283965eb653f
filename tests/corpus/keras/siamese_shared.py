# A Siamese-style tower: the same Sequential applied to one input twice in series, then a head.
import keras
from keras import layers

tower = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(32, activation="relu")], name="tower")
inputs = keras.Input(shape=(32,))
a = tower(inputs)
b = tower(a)
merged = layers.Add()([a, b])
model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(merged))
