# A notebook exported as a script: cell markers, installs commented out, prints of shapes.
# In[1]:
# !pip install tensorflow
import numpy as np
import tensorflow as tf
from tensorflow import keras

# In[2]:
num_classes = 10
input_shape = (28, 28, 1)
x_train = np.zeros((10, 28, 28))
x_train = np.expand_dims(x_train, -1)
print("x_train shape:", x_train.shape)

# In[3]:
model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(num_classes, activation="softmax"),
    ]
)
model.summary()

# In[4]:
batch_size = 128
epochs = 15
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
