n = 10
n = n * n
n = n * n
n = n * n
n = n * n
n = n * n
n = n * n
n = n * n
n = n * n
n = n * n
n = n * n
n = n * n
n = n * n
n = n * n
n = n * n
from tensorflow import keras
model = keras.Sequential([keras.layers.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(n)])
print(f'{n}')
