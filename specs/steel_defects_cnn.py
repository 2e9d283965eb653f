# The steel-surface-defect CNN (NEU dataset, 200x200 grey images, 6 classes) of the lecture notes
# "Convolutional Neural Networks (CNN)", Prof. Seungchul Lee, Industrial AI Lab, POSTECH
# (section 4), as written there.
# Published: no summary printed; by hand, 320 + 18,496 + 73,856 + (25*25*128+1)*128 = 10,240,128
# + (128+1)*6 = 774: Total params 10,333,574. The notes reach 94% test accuracy after 10 epochs.
import tensorflow as tf

model = tf.keras.models.Sequential([
    tf.keras.layers.Conv2D(32,
                           (3,3),
                           activation = 'relu',
                           padding = 'SAME',
                           input_shape = (200, 200, 1)),

    tf.keras.layers.MaxPool2D((2,2)),

    tf.keras.layers.Conv2D(64,
                           (3,3),
                           activation = 'relu',
                           padding = 'SAME',
                           input_shape = (100, 100, 32)),

    tf.keras.layers.MaxPool2D((2,2)),

    tf.keras.layers.Conv2D(128,
                           (3,3),
                           activation = 'relu',
                           padding = 'SAME',
                           input_shape = (50, 50, 64)),

    tf.keras.layers.MaxPool2D((2,2)),

    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(128, activation = 'relu'),
    tf.keras.layers.Dense(6, activation = 'softmax')
])
