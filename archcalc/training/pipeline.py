"""The ``tf.data`` input pipeline: cache, shuffle, batch, convert, prefetch.

The examples are kept as stored (``uint8`` MNIST is 47 MB, not the 188 MB of the ``float32`` arrays
a notebook makes with ``x / 255.0``) and converted a whole batch at a time, on tf.data's threads, while
the model trains on the previous batch (``prefetch``): scale to [0, 1], add the channel axis, and with
``--resize`` resize and turn grey into RGB or back.

Each epoch has its own shuffle, seeded by ``(seed, epoch)`` rather than drawn from a stream of
shuffles. So epoch 7 sees the same order whether the run started at epoch 1 or resumed at epoch 7:
``--resume`` continues exactly where the interrupted run would have gone.
"""

from __future__ import annotations

from typing import Any

from .datasets import Conversion


def epoch_seed(seed: int, epoch: int) -> int:
    """The shuffle seed of one epoch (0-based), a function of the run's seed and the epoch alone.

    >>> epoch_seed(7, 0) != epoch_seed(7, 1) != epoch_seed(8, 0)
    True
    """
    return (seed * 1_000_003 + epoch * 7919 + 1) % (2**31 - 1)


def converter(conversion: Conversion, scale: float):
    """The function that turns a batch of stored images into the network's input (runs in TensorFlow)."""
    from ..bridge.tf import tensorflow

    tf = tensorflow()
    h, w, _ = conversion.target
    grey_to_rgb = conversion.channels == (1, 3)
    rgb_to_grey = conversion.channels == (3, 1)

    def convert(x: Any, y: Any) -> tuple[Any, Any]:
        x = tf.cast(x, tf.float32) * scale
        if x.shape.rank == 3:  # (N, H, W): the channel axis grey images are stored without
            x = x[..., None]
        if conversion.resize:
            x = tf.image.resize(x, (h, w))
        if grey_to_rgb:
            x = tf.image.grayscale_to_rgb(x)
        elif rgb_to_grey:
            x = tf.image.rgb_to_grayscale(x)
        return x, y

    return convert


def source(x: Any, y: Any) -> Any:
    """The examples as a ``tf.data.Dataset``, made once per run and cached.

    ``cache()`` keeps the examples in memory after the first pass, so a source that is slow to read is
    read once; :func:`batches` shuffles after it, so each epoch is ordered anew.
    """
    from ..bridge.tf import tensorflow

    return tensorflow().data.Dataset.from_tensor_slices((x, y)).cache()


def batches(examples: Any, count: int, *, batch_size: int, conversion: Conversion, scale: float,
            shuffle_seed: int | None = None, drop_remainder: bool = False) -> Any:
    """Converted batches of the ``count`` examples of :func:`source`, shuffled when ``shuffle_seed`` is
    given; ``drop_remainder`` leaves out the last, partial batch (for MirroredStrategy's training, where
    a replica could get no example)."""
    from ..bridge.tf import tensorflow

    tf = tensorflow()
    ds = examples
    if shuffle_seed is not None:
        # A buffer as large as the set: a true shuffle of the whole set, as Keras' fit(shuffle=True) does.
        ds = ds.shuffle(count, seed=shuffle_seed, reshuffle_each_iteration=False)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    ds = ds.map(converter(conversion, scale), num_parallel_calls=tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.deterministic = True  # the default; said here because --seed relies on it
    return ds.with_options(options).prefetch(tf.data.AUTOTUNE)
