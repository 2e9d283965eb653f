# Shapes from tuple arithmetic, sizes from integer arithmetic.
import keras
from keras import layers

img_size = (180, 180)
base = 16
inputs = keras.Input(shape=img_size + (3,))
x = layers.Rescaling(1.0 / 255)(inputs) if False else inputs
x = layers.Conv2D(base, 3, strides=2, padding="same", activation="relu")(x)
x = layers.Conv2D(base * 2, 3, padding="same", activation="relu")(x)
x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
x = layers.Conv2D(base * 4 // 2 + 8, 3, padding="same", activation="relu")(x)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(1, activation=None)(x)
model = keras.Model(inputs, outputs)
