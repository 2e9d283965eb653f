import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(8,))])
while True:
    model.add(layers.Dense(8))
