# A whole tutorial script: data, model, training and plotting; only the model is read.
import os

import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

SEED = 42
np.random.seed(SEED)
x_train = np.random.rand(64, 32, 32, 3).astype("float32")
y_train = np.random.randint(0, 10, size=(64,))
class_names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
print(x_train.shape, y_train.shape)


def plot_history(history):
    plt.plot(history.history["accuracy"], label="accuracy")
    plt.xlabel("Epoch")
    plt.legend(loc="lower right")
    plt.savefig(os.path.join("out", "history.png"))


model = keras.Sequential([
    layers.Conv2D(32, (3, 3), activation="relu", input_shape=(32, 32, 3)),
    layers.MaxPooling2D((2, 2)),
    layers.Conv2D(64, (3, 3), activation="relu"),
    layers.MaxPooling2D((2, 2)),
    layers.Conv2D(64, (3, 3), activation="relu"),
    layers.Flatten(),
    layers.Dense(64, activation="relu"),
    layers.Dense(len(class_names)),
])
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])

if __name__ == "__main__":
    history = model.fit(x_train, y_train, epochs=10, validation_split=0.1)
    plot_history(history)
