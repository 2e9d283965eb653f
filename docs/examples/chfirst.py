from keras import Sequential
from keras.layers import Conv2D

model = Sequential([
    Conv2D(32, 3, data_format='channels_first', input_shape=(1, 28, 28)),
])
