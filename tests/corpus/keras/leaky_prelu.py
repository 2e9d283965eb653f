# LeakyReLU, PReLU and ELU as layers.
import keras
from keras import layers

model = keras.Sequential([
    layers.Input(shape=(16, 16, 3)),
    layers.Conv2D(8, 3),
    layers.LeakyReLU(negative_slope=0.2),
    layers.Conv2D(8, 3),
    layers.PReLU(),
    layers.Conv2D(8, 3),
    layers.PReLU(shared_axes=[1, 2]),
    layers.Flatten(),
    layers.Dense(4),
    layers.ELU(),
])
