# MobileNet-style depthwise separable blocks with ReLU6 and batch norm.
import tensorflow as tf
from tensorflow.keras import layers


def depthwise_block(x, pointwise_filters, stride):
    x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU(6.0)(x)
    x = layers.Conv2D(pointwise_filters, 1, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU(max_value=6)(x)


inputs = tf.keras.Input(shape=(96, 96, 3))
x = layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False)(inputs)
x = layers.BatchNormalization()(x)
x = layers.ReLU(6.0)(x)
for filters, stride in zip([32, 64, 64, 128], [1, 2, 1, 2]):
    x = depthwise_block(x, filters, stride)
x = layers.SeparableConv2D(128, 3, padding="same")(x)
x = layers.GlobalAveragePooling2D()(x)
mobilenet_tiny = tf.keras.Model(inputs, layers.Dense(3, activation="softmax")(x))
