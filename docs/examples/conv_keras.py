from keras import Sequential
from keras.layers import Conv2D

model = Sequential([
    Conv2D(16, (3, 3), input_shape=(32, 32, 3)),   # padding='valid', no activation
    Conv2D(32, 5, strides=2, padding='same', activation='relu',
           use_bias=False),
])
