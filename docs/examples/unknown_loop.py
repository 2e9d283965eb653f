import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(64, 64, 3))])
for filters in config["filters"]:
    model.add(layers.Conv2D(filters, 3, activation="relu"))
