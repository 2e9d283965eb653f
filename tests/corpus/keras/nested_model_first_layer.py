# A feature extractor reused as the first layer of bigger Sequential models: Keras takes the
# input shape from the inner model when another layer follows it (our own example).
import keras
from keras import layers

features = keras.Sequential([
    keras.Input(shape=(32, 32, 3)),
    layers.Conv2D(16, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(32, 3, activation="relu"),
], name="features")

classifier = keras.Sequential([
    features,
    layers.GlobalAveragePooling2D(),
    layers.Dense(10, activation="softmax"),
])

inputs = keras.Input(shape=(64,))
hidden = layers.Dense(32, activation="relu")(inputs)
encoder = keras.Model(inputs, hidden)

head = keras.Sequential([encoder, layers.Dense(4)])
deeper = keras.Sequential([head, layers.Dropout(0.1), layers.Dense(2)])

built = keras.Sequential([layers.Dense(8), layers.ReLU()])
built.build((None, 5))
on_top = keras.Sequential([built, layers.Dense(3)])
