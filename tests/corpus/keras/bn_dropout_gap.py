# Batch norm, dropout and global max pooling in a Sequential list.
from keras import Sequential, Input
from keras.layers import Conv2D, BatchNormalization, Dropout, GlobalMaxPooling2D, Dense, Activation

model = Sequential([
    Input((50, 50, 3)),
    Conv2D(24, 3),
    BatchNormalization(),
    Activation("relu"),
    Dropout(0.1),
    Conv2D(48, 3, strides=2),
    BatchNormalization(center=False),
    Activation("elu"),
    GlobalMaxPooling2D(),
    Dense(7, activation="sigmoid"),
])
