# A function that builds and returns the model, called with arguments.
import tensorflow as tf
from tensorflow.keras import layers, models


def build_model(input_shape, num_classes, dropout=0.25):
    model = models.Sequential()
    model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=input_shape))
    model.add(layers.Conv2D(32, (3, 3), activation="relu"))
    model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Dropout(dropout))
    model.add(layers.Flatten())
    model.add(layers.Dense(num_classes, activation="softmax"))
    return model


model = build_model((28, 28, 1), 10)
model.summary()
