# Two models in one file: a baseline and a wider one (pick one with --net).
from tensorflow.keras import Sequential
from tensorflow.keras.layers import Conv2D, Dense, Flatten, MaxPooling2D


def cnn(width):
    return Sequential([
        Conv2D(width, 3, activation="relu", input_shape=(28, 28, 1)),
        MaxPooling2D(),
        Conv2D(width * 2, 3, activation="relu"),
        Flatten(),
        Dense(10, activation="softmax"),
    ])


baseline = cnn(16)
wide = cnn(64)
