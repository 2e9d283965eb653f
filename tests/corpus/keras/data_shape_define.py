# archcalc: --input 500x1
# The input shape comes from the data (x_train.shape[1:]): given with --input.
import numpy as np
import keras
from keras import layers

x_train = np.load("FordA_TRAIN.npy") if False else np.zeros((4, 500, 1))
num_classes = 2


def make_model(input_shape):
    input_layer = keras.layers.Input(input_shape)
    x = layers.Reshape((500, 1, 1))(input_layer)
    x = layers.Conv2D(16, (3, 1), padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    output_layer = layers.Dense(num_classes, activation="softmax")(x)
    return keras.models.Model(inputs=input_layer, outputs=output_layer)


model = make_model(input_shape=x_train.shape[1:])
