# A custom keras.layers.Layer made of Keras layers, used in a functional model.
import keras
from keras import layers


class ConvBlock(layers.Layer):
    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.conv = layers.Conv2D(filters, 3, padding="same")
        self.bn = layers.BatchNormalization()
        self.act = layers.Activation("relu")

    def call(self, x, training=False):
        return self.act(self.bn(self.conv(x), training=training))


inputs = keras.Input(shape=(32, 32, 3))
x = ConvBlock(16)(inputs)
x = layers.MaxPooling2D()(x)
x = ConvBlock(32)(x)
x = layers.GlobalAveragePooling2D()(x)
model = keras.Model(inputs, layers.Dense(10)(x))
