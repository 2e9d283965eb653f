# The Keras CIFAR-10 tutorial of "Convolutional Neural Network, DAY 10" (course notes), as
# written there with `model.add(...)`.
# Published: its printed `model.summary()`: conv2d 896, conv2d 18,496, flatten (None, 4096),
# dense 40,970; Total params: 60,362. Test accuracy after 5 epochs of SGD: 0.5565.
from keras.models import Sequential
from keras.layers import Dense, Conv2D, Flatten
from keras.layers import pooling

model = Sequential()
model.add(Conv2D(32, (3,3), padding = 'same', strides=(1,1), activation='relu', input_shape=(32, 32, 3)))
model.add(pooling.MaxPooling2D(pool_size=(2,2)))
model.add(Conv2D(64, (3,3), padding = 'same', strides=(1,1), activation='relu'))
model.add(pooling.MaxPooling2D(pool_size=(2,2)))
model.add(Flatten())
model.add(Dense(10, activation='softmax'))
