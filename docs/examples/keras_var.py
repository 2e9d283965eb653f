from keras import Sequential
from keras.layers import Conv2D

filters = [32, 64]
model = Sequential([
    Conv2D(filters[0], 3, input_shape=(28, 28, 1)),
    Conv2D(filters[1], 3),
])
