# LeNet-5 as course notes write it in Keras: tanh, average pooling, 32x32 input.
from tensorflow import keras

lenet = keras.Sequential([
    keras.layers.Conv2D(6, kernel_size=5, strides=1, activation="tanh", input_shape=(32, 32, 1)),
    keras.layers.AveragePooling2D(pool_size=2),
    keras.layers.Conv2D(16, kernel_size=5, strides=1, activation="tanh"),
    keras.layers.AveragePooling2D(pool_size=2),
    keras.layers.Flatten(),
    keras.layers.Dense(120, activation="tanh"),
    keras.layers.Dense(84, activation="tanh"),
    keras.layers.Dense(10, activation="softmax"),
], name="lenet5")
