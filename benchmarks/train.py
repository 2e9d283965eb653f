"""Training benchmark: `archcalc train` against the lecture notes' plain Keras script, on the CPU.

Same model (the lecture notes' MNIST CNN: Conv2D 32, MaxPool, Conv2D 64, MaxPool, Dense 128,
Dense 10; archcalc trains the bundled `mnist_cnn`, which is that Keras code), same batch size (32,
what the notes' `model.fit(train_x, train_y)` uses), same in-memory data (one .npz in MNIST's
layout), same number of epochs, no validation. Every run is a fresh interpreter, round-robin:

  plain     the notes' script (/work/shared/seeds, section 3.1): x / 255.0, reshape to (N, 28, 28, 1),
            Sequential([...]), compile('adam', 'sparse_categorical_crossentropy', ['accuracy']),
            model.fit(train_x, train_y, epochs=E, batch_size=32), timed by a callback
  archcalc  archcalc train mnist_cnn --dataset mnist --data FILE --limit N --epochs E
            --batch-size 32 --validation-split 0 --format json --quiet

Both are timed the same way: the training time of each epoch, from Keras' on_epoch_begin to the
end of its last batch (archcalc reports it as `epoch_seconds`). Images per second = N / that time.
The first epoch includes tracing the training step into a graph; the later ones are the steady state.
The verdict compares steady-state medians: archcalc must be at least as fast.

The data: `--data FILE.npz` (x_train uint8 (N, 28, 28), y_train), e.g. a real MNIST or Fashion-MNIST
file; by default a generated file of random images in that layout (speed does not depend on the pixels).

Usage: python benchmarks/train.py [--examples 12000] [--epochs 3] [--repeat 3] [--data FILE.npz]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
ARCHCALC = str(Path(PY).parent / "archcalc")
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow", "CUDA_VISIBLE_DEVICES": ""}

# The lecture notes' cells 2-6, with the data read from the .npz instead of mnist.load_data() and a
# callback that times each epoch; nothing else changed.
PLAIN = r'''
import json, sys, time
import numpy as np
import tensorflow as tf

path, n, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with np.load(path) as f:
    train_x, train_y = f["x_train"][:n], f["y_train"][:n]

train_x = train_x/255.0
train_x = train_x.reshape((train_x.shape[0], 28, 28, 1))

model = tf.keras.models.Sequential([
    tf.keras.layers.Conv2D(32, (3,3), activation = 'relu', padding = 'SAME', input_shape = (28, 28, 1)),
    tf.keras.layers.MaxPool2D((2,2)),
    tf.keras.layers.Conv2D(64, (3,3), activation = 'relu', padding = 'SAME', input_shape = (14, 14, 32)),
    tf.keras.layers.MaxPool2D((2,2)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(128, activation = 'relu'),
    tf.keras.layers.Dense(10, activation = 'softmax')
])
model.compile(optimizer = 'adam', loss = 'sparse_categorical_crossentropy', metrics = ['accuracy'])

class Timer(tf.keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = self.last = time.perf_counter()
    def on_train_batch_end(self, batch, logs=None):
        self.last = time.perf_counter()
    def on_epoch_end(self, epoch, logs=None):
        seconds.append(self.last - self.start)

seconds = []
model.fit(train_x, train_y, epochs = epochs, batch_size = 32, verbose = 0, callbacks = [Timer()])
print(json.dumps({"epoch_seconds": seconds, "params": model.count_params()}))
'''


def generated(folder: Path, n: int) -> Path:
    import numpy as np

    rng = np.random.RandomState(0)
    path = folder / "mnist-layout.npz"
    np.savez(path, x_train=rng.randint(0, 256, (n, 28, 28)).astype(np.uint8), y_train=rng.randint(0, 10, n),
             x_test=rng.randint(0, 256, (1000, 28, 28)).astype(np.uint8), y_test=rng.randint(0, 10, 1000))
    return path


def run(label: str, data: Path, n: int, epochs: int) -> tuple[list[float], float, int]:
    """(epoch seconds, wall seconds of the whole process, parameters) of one run."""
    if label == "plain":
        argv = [PY, "-c", PLAIN, str(data), str(n), str(epochs)]
    else:
        argv = [ARCHCALC, "train", "mnist_cnn", "--dataset", "mnist", "--data", str(data), "--limit", str(n),
                "--epochs", str(epochs), "--batch-size", "32", "--validation-split", "0", "--device", "cpu",
                "--format", "json", "--quiet"]
    t0 = time.perf_counter()
    p = subprocess.run(argv, capture_output=True, text=True, env=ENV)
    wall = time.perf_counter() - t0
    if p.returncode:
        raise SystemExit(f"{label} failed (exit {p.returncode}):\n{p.stderr[-2000:]}")
    out = json.loads(p.stdout.strip().splitlines()[-1] if label == "plain" else p.stdout)
    params = out["params"] if label == "plain" else out["keras_params"]
    if label == "archcalc" and out["train_examples"] != n:
        raise SystemExit(f"archcalc trained on {out['train_examples']} examples, not {n}")
    return out["epoch_seconds"], wall, params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=12000, help="training images per epoch")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="an .npz in MNIST's layout (default: generated)")
    args = parser.parse_args()
    if args.epochs < 2:
        raise SystemExit("--epochs must be at least 2: the steady state starts at the second epoch")
    print(f"archcalc train benchmark: python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs, {platform.platform()}")
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or generated(Path(tmp), args.examples)
        print(f"data: {data if args.data else 'generated random uint8 images, MNIST layout'}; "
              f"{args.examples:,} training images, batch 32, {args.epochs} epochs, no validation; "
              f"{args.repeat} runs each, round-robin, fresh interpreter each\n")
        first: dict[str, list[float]] = {"plain": [], "archcalc": []}
        steady: dict[str, list[float]] = {"plain": [], "archcalc": []}
        walls: dict[str, list[float]] = {"plain": [], "archcalc": []}
        print(f"{'run':<10} {'epoch 1 img/s':>14} {'later epochs img/s':>20} {'process wall s':>15}")
        for i in range(args.repeat):
            for label in ("plain", "archcalc") if i % 2 == 0 else ("archcalc", "plain"):
                seconds, wall, params = run(label, data, args.examples, args.epochs)
                if params != 421_642:
                    raise SystemExit(f"{label}: the model has {params:,} parameters, not the notes' 421,642")
                rates = [args.examples / s for s in seconds]
                first[label].append(rates[0])
                steady[label].append(args.examples * (len(seconds) - 1) / sum(seconds[1:]))
                walls[label].append(wall)
                print(f"{label:<10} {rates[0]:>14,.0f} {steady[label][-1]:>20,.0f} {wall:>15.1f}"
                      f"   ({', '.join(f'{r:,.0f}' for r in rates[1:])})")
    print(f"\n{'median':<10} {'epoch 1 img/s':>14} {'later epochs img/s':>20} {'process wall s':>15}")
    for label in ("plain", "archcalc"):
        print(f"{label:<10} {statistics.median(first[label]):>14,.0f} {statistics.median(steady[label]):>20,.0f} "
              f"{statistics.median(walls[label]):>15.1f}")
    ratio_steady = statistics.median(steady["archcalc"]) / statistics.median(steady["plain"])
    ratio_first = statistics.median(first["archcalc"]) / statistics.median(first["plain"])
    print(f"\narchcalc / plain, images/s: later epochs x{ratio_steady:.2f}, first epoch x{ratio_first:.2f}")
    print(f"archcalc at least as fast (later epochs): {'yes' if ratio_steady >= 1 else 'NO'}")


if __name__ == "__main__":
    main()
