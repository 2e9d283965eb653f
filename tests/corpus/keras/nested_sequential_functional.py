# A Sequential block used as a layer inside a functional model (the Keras guide's style).
import keras
from keras import layers

feature_extractor = keras.Sequential(
    [
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.GlobalMaxPooling2D(),
    ],
    name="features",
)
inputs = keras.Input(shape=(40, 40, 3))
features = feature_extractor(inputs)
outputs = layers.Dense(4, activation="softmax")(features)
model = keras.Model(inputs, outputs)
