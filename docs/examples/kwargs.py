from keras import Sequential
from keras.layers import Conv2D

conv = dict(kernel_size=3, padding='same')
model = Sequential([
    Conv2D(32, **conv, input_shape=(28, 28, 1)),
])
