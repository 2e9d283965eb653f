# model.add with keras.Input first and separate Activation layers.
import keras

model = keras.models.Sequential()
model.add(keras.Input(shape=(784,)))
model.add(keras.layers.Dense(300))
model.add(keras.layers.Activation("relu"))
model.add(keras.layers.Dense(100))
model.add(keras.layers.Activation("relu"))
model.add(keras.layers.Dense(10))
model.add(keras.layers.Softmax())
