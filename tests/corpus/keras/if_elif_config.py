# A configuration dict chooses the model size with if/elif/else.
import keras
from keras import layers

config = {"size": "medium", "classes": 12, "dropout": 0.3}

if config["size"] == "small":
    widths = [16, 32]
elif config["size"] == "medium":
    widths = [32, 64, 96]
else:
    widths = [64, 128, 256, 512]

model = keras.Sequential(name="configured")
model.add(keras.Input(shape=(96, 96, 3)))
for w in widths:
    model.add(layers.Conv2D(w, 3, activation="relu"))
    model.add(layers.MaxPooling2D())
model.add(layers.Flatten())
if config["dropout"] > 0:
    model.add(layers.Dropout(config["dropout"]))
model.add(layers.Dense(config["classes"], activation="softmax"))
