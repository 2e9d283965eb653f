# A multilayer perceptron from a list comprehension; sizes from arithmetic.
import tensorflow as tf

hidden = 3
width = 512
model = tf.keras.Sequential(
    [tf.keras.layers.Flatten(input_shape=(28, 28))]
    + [tf.keras.layers.Dense(width // 2 ** i, activation="relu") for i in range(hidden)]
    + [tf.keras.layers.Dropout(0.2), tf.keras.layers.Dense(10)]
)
