# The Keras MNIST tutorial of "Convolutional Neural Network, DAY 10" (course notes), as written
# there with `model.add(...)`.
# Published: its printed `model.summary()`: conv2d 320, conv2d 18,496, dense 31,370;
# Total params: 50,186, Trainable params: 50,186. Test accuracy after 5 epochs of SGD: 0.9775.
from keras.models import Sequential
from keras.layers import Dense, Conv2D, Flatten
from keras.layers import pooling

model = Sequential()
model.add(Conv2D(32, (3,3), padding = 'same', strides=(1,1), activation='relu', input_shape=(28,28,1)))
model.add(pooling.MaxPooling2D(pool_size=(2,2)))
model.add(Conv2D(64, (3,3), padding = 'same', strides=(1,1), activation='relu'))
model.add(pooling.MaxPooling2D(pool_size=(2,2)))
model.add(Flatten())
model.add(Dense(10, activation='softmax'))
