from keras import Sequential
from keras.layers import Dense, Flatten, Input

model = Sequential([
    Input(shape=(7, 7, 512)),
    Dense(10),             # Keras: acts on the last axis
    Flatten(),
    Dense(10, activation='softmax'),
])
