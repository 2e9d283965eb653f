# The MNIST CNN of the lecture notes "Convolutional Neural Networks (CNN)", Prof. Seungchul Lee,
# Industrial AI Lab, POSTECH (section 3, "Lab: CNN with TensorFlow (MNIST)"), as written there.
# Published: the notes print no summary; by hand, (3*3*1+1)*32 = 320, (3*3*32+1)*64 = 18,496,
# (7*7*64+1)*128 = 401,536, (128+1)*10 = 1,290: Total params 421,642. The notes reach
# "accuracy: 0.9847" on the MNIST test set after one epoch.
import tensorflow as tf

model = tf.keras.models.Sequential([
    tf.keras.layers.Conv2D(32,
                           (3,3),
                           activation = 'relu',
                           padding = 'SAME',
                           input_shape = (28, 28, 1)),

    tf.keras.layers.MaxPool2D((2,2)),

    tf.keras.layers.Conv2D(64,
                           (3,3),
                           activation = 'relu',
                           padding = 'SAME',
                           input_shape = (14, 14, 32)),

    tf.keras.layers.MaxPool2D((2,2)),

    tf.keras.layers.Flatten(),

    tf.keras.layers.Dense(128, activation = 'relu'),

    tf.keras.layers.Dense(10, activation = 'softmax')
])
