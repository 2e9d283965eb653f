from keras import Sequential
from keras.layers import Conv2D


def build(n_filters):
    return Sequential([
        Conv2D(n_filters, 3, input_shape=(28, 28, 1)),
    ])
