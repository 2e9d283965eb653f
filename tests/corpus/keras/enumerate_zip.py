# Layers from parallel lists with enumerate and zip, names built with f-strings.
import keras

filters = [16, 32, 48]
kernels = [5, 3, 3]
inputs = keras.Input(shape=(48, 48, 1), name="image")
x = inputs
for i, (f, k) in enumerate(zip(filters, kernels)):
    x = keras.layers.Conv2D(f, k, activation="relu", name=f"conv_{i + 1}")(x)
    if i < len(filters) - 1:
        x = keras.layers.MaxPooling2D(name=f"pool_{i + 1}")(x)
x = keras.layers.Flatten()(x)
outputs = keras.layers.Dense(3)(x)
classifier = keras.Model(inputs=inputs, outputs=outputs)
