# Import aliases: layers as L, keras as K.
import tensorflow as tf
import keras as K
from tensorflow.keras import layers as L

model = K.Sequential(name="aliased")
model.add(L.InputLayer(input_shape=(28, 28, 1)))
model.add(L.Conv2D(8, 5, activation=tf.nn.relu))
model.add(L.AveragePooling2D(2))
model.add(L.Flatten())
model.add(K.layers.Dense(10, activation=K.activations.softmax))
