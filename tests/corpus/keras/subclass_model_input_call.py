# A keras.Model subclass with constructor arguments, built by calling it on keras.Input.
import keras
from keras import layers


class SmallCNN(keras.Model):
    def __init__(self, num_classes=10, widths=(16, 32), **kwargs):
        super().__init__(**kwargs)
        self.blocks = []
        for w in widths:
            self.blocks.append(layers.Conv2D(w, 3, padding="same", activation="relu"))
            self.blocks.append(layers.MaxPooling2D())
        self.pool = layers.GlobalAveragePooling2D()
        self.head = layers.Dense(num_classes, activation="softmax")

    def call(self, inputs, training=False):
        x = inputs
        for block in self.blocks:
            x = block(x)
        return self.head(self.pool(x))


net = SmallCNN(num_classes=7, widths=(8, 16, 32))
_ = net(keras.Input(shape=(32, 32, 3)))
