# The first example: three identical convolutions added in a loop (Keras: 347,082 parameters).
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential()
model.add(keras.Input(shape=(32, 32, 3)))
for _ in range(3):
    model.add(layers.Conv2D(32, 3, padding="same", activation="relu"))
model.add(layers.Flatten())
model.add(layers.Dense(10, activation="softmax"))
