# A Sequential model without an input shape, built later with model.build.
import tensorflow as tf

model = tf.keras.Sequential()
model.add(tf.keras.layers.Conv2D(16, 3, activation="relu"))
model.add(tf.keras.layers.MaxPooling2D())
model.add(tf.keras.layers.Flatten())
model.add(tf.keras.layers.Dense(10))
model.build(input_shape=(None, 32, 32, 3))
