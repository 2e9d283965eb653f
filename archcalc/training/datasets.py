"""Datasets for ``archcalc train``: Keras' loaders, scikit-learn's digits, or a ``.npz`` file.

Every source ends as a :class:`Dataset`: the raw arrays as they were stored (``uint8`` pixels stay
``uint8``, four times smaller than ``float32``; :mod:`.pipeline` scales each batch) and the factor that
scales them to [0, 1]. The checks against the network (:func:`conform`, :func:`check_output`) are
plain arithmetic on shapes, so they fail before TensorFlow is even imported.

The ``.npz`` layout is Keras' own ``mnist.npz``: arrays ``x_train``, ``y_train``, ``x_test``, ``y_test``;
images ``(N, H, W)`` or ``(N, H, W, C)``; labels ``(N,)``, ``(N, 1)`` or one-hot ``(N, classes)``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DependencyError, SourceError, UsageError
from ..limits import MAX_LABEL
from ..network import Network, Shape

# The `train` extra holds TensorFlow and scikit-learn both: one install gives all that training needs.
TRAIN_HINT = ("install TensorFlow and scikit-learn with `pip install 'archcalc[train]'` "
              "(in a checkout of archcalc: `pip install -e '.[train]'`)")


@dataclass(frozen=True)
class Known:
    """A dataset Keras can download: its loader, its classes, and the files of its cache.

    Attributes:
        classes: the number of classes.
        files: the cached files, relative to Keras' ``datasets`` folder, each with the file to put there
            (which differs for CIFAR: Keras keeps the downloaded archive under another name).
        origin: where Keras downloads it from (for the offline message).
    """

    classes: int
    files: tuple[tuple[str, str], ...]
    origin: str


_GCS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FASHION = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")

#: The datasets of ``keras.datasets`` that ``--dataset`` names (Keras 3's cache layout).
KNOWN: dict[str, Known] = {
    "mnist": Known(10, (("mnist.npz", "mnist.npz"),), _GCS + "mnist.npz"),
    "fashion_mnist": Known(10, tuple((f"fashion-mnist/{f}", f) for f in _FASHION), _GCS + "fashion-mnist/"),
    "cifar10": Known(10, (("cifar-10-batches-py-target_archive", "cifar-10-python.tar.gz"),),
                     "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"),
    "cifar100": Known(100, (("cifar-100-python-target_archive", "cifar-100-python.tar.gz"),),
                      "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"),
}
#: Every name ``--dataset`` takes besides a ``.npz`` path.
NAMES = (*KNOWN, "digits")


@dataclass
class Dataset:
    """Training and test images and labels, as stored, with what is needed to use them.

    Attributes:
        name: ``mnist``, ``digits``, or the ``.npz`` file's name.
        source: where the arrays came from, for the report (a path, "scikit-learn").
        x_train, y_train, x_test, y_test: numpy arrays; images ``(N, H, W)`` or ``(N, H, W, C)``,
            labels ``(N,)`` integers.
        scale: the factor that maps the stored pixels to [0, 1] (1/255 for ``uint8``).
        classes: the number of classes.
    """

    name: str
    source: str
    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any
    scale: float
    classes: int

    @property
    def image_shape(self) -> Shape:
        """``(H, W, C)`` of one image, the channel axis added when the arrays have none."""
        return image_shape(tuple(self.x_train.shape[1:]))

    def limited(self, n: int | None) -> Dataset:
        """The dataset with only its first ``n`` training examples (``--limit``); the test set is kept."""
        if n is None or n >= len(self.x_train):
            return self
        return Dataset(self.name, self.source, self.x_train[:n], self.y_train[:n], self.x_test, self.y_test,
                       self.scale, self.classes)


def image_shape(stored: tuple[int, ...]) -> Shape:
    """The ``(H, W, C)`` of one stored image.

    >>> image_shape((28, 28)), image_shape((32, 32, 3))
    ((28, 28, 1), (32, 32, 3))
    """
    return (*stored, 1) if len(stored) == 2 else stored


def keras_home() -> Path:
    """Keras' cache folder: ``$KERAS_HOME``, else ``~/.keras`` (Keras falls back to ``/tmp/.keras`` when
    that is not writable). Once Keras is loaded, the folder it settled on (it reads the variable once)."""
    import sys

    config = sys.modules.get("keras.src.backend.config")
    home = getattr(config, "keras_home", None)
    base = Path(os.path.expanduser(home() if home else os.environ.get("KERAS_HOME") or "~/.keras"))
    if base.exists() and not os.access(base, os.W_OK):
        return Path("/tmp/.keras")
    return base


def cache_paths(name: str) -> list[tuple[Path, str]]:
    """Where Keras keeps the files of a known dataset, each with the file to put there."""
    return [(keras_home() / "datasets" / rel, src) for rel, src in KNOWN[name].files]


def load(dataset: str | None, data: str | None = None, *, limit: int | None = None) -> Dataset:
    """Load what ``--dataset`` and ``--data`` name.

    Args:
        dataset: a name of :data:`NAMES`, a ``.npz`` path, or ``None`` when ``data`` is given.
        data: a local ``.npz`` copy of the dataset (no network).
        limit: keep only the first ``limit`` training examples.

    Raises:
        UsageError: an unknown name, or neither argument.
        SourceError: a file that cannot be read or has the wrong layout; a dataset that is neither
            cached nor downloadable.
        DependencyError: scikit-learn missing for ``digits``.
    """
    if dataset is None and data is None:
        raise UsageError("no dataset given", hint="add --dataset NAME (" + ", ".join(NAMES) + ") or --data FILE.npz")
    if data is not None:
        ds = load_npz(data, name=dataset if dataset in KNOWN else None)
        if dataset is not None and dataset not in KNOWN and dataset != data:
            raise UsageError(f"--data {data} gives a local copy of a Keras dataset, but --dataset is `{dataset}`",
                             hint="use --data with --dataset " + "|".join(KNOWN) + ", or give the file alone")
    elif dataset == "digits":
        ds = load_digits()
    elif dataset in KNOWN:
        ds = load_keras(dataset)
    elif dataset.endswith(".npz") or Path(dataset).exists():
        ds = load_npz(dataset)
    else:
        import difflib

        close = difflib.get_close_matches(dataset.lower(), NAMES, n=1)
        raise UsageError(f"unknown dataset `{dataset}`",
                         hint=(f"did you mean `{close[0]}`? " if close else "")
                         + "--dataset takes " + ", ".join(NAMES) + " or a FILE.npz")
    return ds.limited(limit)


def load_digits() -> Dataset:
    """scikit-learn's 1,797 handwritten digits (8x8, grey levels 0-16), split once and for all: a
    fixed permutation (``RandomState(0)``) puts 360 images (20%) in the test set, 1,437 in training.

    The digits ship inside scikit-learn: no network, ever.
    """
    try:
        from sklearn.datasets import load_digits as sk_digits
    except ImportError:
        raise DependencyError("`--dataset digits` needs scikit-learn, which is not installed",
                              hint=TRAIN_HINT) from None
    import numpy as np

    bunch = sk_digits()
    x = bunch.images.astype(np.uint8)  # whole numbers 0-16: exact in uint8
    y = bunch.target.astype(np.int64)
    order = np.random.RandomState(0).permutation(len(x))
    test, train = order[:360], order[360:]
    return Dataset("digits", "scikit-learn (bundled)", x[train], y[train], x[test], y[test], 1 / 16, 10)


def load_keras(name: str) -> Dataset:
    """A dataset of ``keras.datasets``, from Keras' cache, or downloaded once into it.

    Offline and not cached: a :class:`SourceError` that says which file to put where.
    """
    from ..bridge.tf import keras

    k = keras()
    import contextlib
    import sys

    cached = all(p.exists() for p, _ in cache_paths(name))
    try:
        # Keras prints "Downloading data from ..." on stdout, which is for results (--format json).
        with contextlib.redirect_stdout(sys.stderr):
            (x_train, y_train), (x_test, y_test) = getattr(k.datasets, name).load_data()
    except Exception as e:  # Keras raises a bare Exception for a failed download
        if cached:
            raise SourceError(f"Keras cannot read its cached copy of `{name}`: {e}",
                              hint="delete " + ", ".join(str(p) for p, _ in cache_paths(name))
                              + " and run again (Keras downloads it anew), or use --data FILE.npz") from None
        where = "; ".join(f"`{src}` as {p}" for p, src in cache_paths(name))
        raise SourceError(f"cannot download `{name}` and it is not in Keras' cache ({_short(e)})",
                          hint=f"on a machine with internet access Keras downloads it once from {KNOWN[name].origin}; "
                               f"to use a copy you have, put {where} (Keras' cache), or pass a file in Keras' "
                               "mnist.npz layout (x_train, y_train, x_test, y_test) with --data FILE.npz") from None
    return _dataset(name, f"Keras ({cache_paths(name)[0][0].parent})", x_train, y_train, x_test, y_test,
                    KNOWN[name].classes)


def _short(e: Exception) -> str:
    text = str(e)
    return text if len(text) < 160 else text[:157] + "..."


def load_npz(path: str, name: str | None = None) -> Dataset:
    """A ``.npz`` file in Keras' layout (see the module's docstring)."""
    import zipfile

    import numpy as np

    p = Path(path)
    _check_file(p, path)
    try:
        with np.load(p, allow_pickle=False) as f:
            missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in f.files]
            if missing:
                raise SourceError(f"`{path}` has no array " + ", ".join(f"`{k}`" for k in missing)
                                  + " (it holds " + (", ".join(f.files) or "nothing") + ")",
                                  hint="save it as np.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)")
            arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    except MemoryError:  # a header that declares a huge array (numpy allocates it before reading)
        raise SourceError(f"`{path}` holds an array too big to load into memory",
                          hint="train on a smaller dataset, or take part of it (--limit takes effect after "
                               "loading)") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        # numpy's words for pickles suggest loading them unsafely: never, from a file a student hands in
        reason = ("an array of it holds Python objects (pickled), which archcalc never loads (they can run code)"
                  if "Object arrays" in str(e) else
                  "it is not a zip archive of .npy arrays (numpy would read it as pickled Python objects, which "
                  "archcalc never loads: they can run code)" if "allow_pickle" in str(e) else str(e))
        raise SourceError(f"cannot read `{path}` as a .npz file: {reason}",
                          hint="save it with numpy: np.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)"
                          ) from None
    for k, value in arrays.items():
        if not isinstance(value, np.ndarray):  # numpy hands back the bytes of a member that is no .npy
            raise SourceError(f"`{k}` of `{path}` is not a numpy array (its file in the archive is no .npy)",
                              hint="save it with numpy: np.savez(path, x_train=..., y_train=..., x_test=..., "
                                   "y_test=...)")
    labels = [_labels(arrays[k], k, path) for k in ("y_train", "y_test")]
    top = max((int(y.max()) for y in labels if len(y)), default=0)
    classes = KNOWN[name].classes if name else top + 1
    if top >= classes:  # Keras' loss would read past its outputs: NaN, or an error deep in TensorFlow
        raise SourceError(f"`{path}` holds the label {top}, but `{name}` has {classes} classes (0 to {classes - 1})",
                          hint=f"--data gives a copy of `{name}`; for another dataset, give the file alone: "
                               f"--dataset {path}")
    return _dataset(name or p.name, str(path), arrays["x_train"], labels[0], arrays["x_test"], labels[1], classes)


def _check_file(p: Path, path: str) -> None:
    """Only a regular file is a .npz file: a FIFO would block and ``/dev/zero`` never ends."""
    import stat

    try:
        info = p.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise SourceError(f"no such file: `{path}`", hint="give a .npz file with x_train, y_train, x_test and "
                                                          "y_test") from None
    except OSError as e:
        raise SourceError(f"cannot read `{path}`: {e.strerror or e}",
                          hint="check the permissions of the file and of the folders above it") from None
    if stat.S_ISDIR(info.st_mode):
        raise SourceError(f"`{path}` is a folder, not a .npz file",
                          hint="give a .npz file with x_train, y_train, x_test and y_test")
    if not stat.S_ISREG(info.st_mode):
        what = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a character device",
                stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}.get(stat.S_IFMT(info.st_mode),
                                                                                 "not a regular file")
        raise SourceError(f"`{path}` is {what}, not a .npz file", hint="save the arrays to a file with np.savez "
                                                                       "and give that file")


def _labels(y: Any, key: str, path: str) -> Any:
    """Integer class labels from ``(N,)``, ``(N, 1)`` or one-hot ``(N, K)``."""
    import numpy as np

    if y.dtype.kind not in "iuf":
        raise SourceError(f"`{key}` of `{path}` holds {y.dtype} values, not class numbers",
                          hint="labels are integers 0..K-1")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    elif y.ndim == 2:
        if y.shape[1] == 0:
            raise SourceError(f"`{key}` of `{path}` has shape {y.shape}: one-hot labels of no class",
                              hint="give labels as (N,) integers, (N, 1), or one-hot (N, classes)")
        y = y.argmax(axis=1)
    if y.ndim != 1:
        raise SourceError(f"`{key}` of `{path}` has shape {y.shape}; labels are one integer per image",
                          hint="give labels as (N,) integers, (N, 1), or one-hot (N, classes)")
    if y.dtype.kind == "f":
        if len(y) and not np.isfinite(y).all():
            raise SourceError(f"`{key}` of `{path}` holds NaN or infinite labels", hint="labels are class numbers "
                                                                                       "0..K-1")
        if not np.all(y == np.round(y)):
            raise SourceError(f"`{key}` of `{path}` holds fractional labels", hint="labels are class numbers 0..K-1")
    if len(y) and int(y.min()) < 0:
        raise SourceError(f"`{key}` of `{path}` holds a negative label ({int(y.min())})",
                          hint="labels are class numbers 0..K-1")
    if len(y) and int(y.max()) > MAX_LABEL:
        top = f"{int(y.max()):,}" if y.dtype.kind in "iu" else f"{float(y.max()):g}"
        raise SourceError(f"`{key}` of `{path}` holds the label {top}, larger than any class number "
                          f"({MAX_LABEL:,}, MAX_LABEL)", hint="labels are class numbers 0..K-1")
    return y.astype(np.int64)


def _dataset(name: str, source: str, x_train: Any, y_train: Any, x_test: Any, y_test: Any,
             classes: int) -> Dataset:
    import numpy as np

    y_train, y_test = (np.asarray(y).reshape(-1).astype(np.int64) for y in (y_train, y_test))
    for x, y, part in ((x_train, y_train, "train"), (x_test, y_test, "test")):
        if x.ndim not in (3, 4):
            raise SourceError(f"the {part} images of `{name}` have shape {x.shape}; expected (N, H, W) or (N, H, W, C)",
                              hint="store images as an array of N images")
        if len(x) != len(y):
            raise SourceError(f"`{name}` has {len(x)} {part} images but {len(y)} labels",
                              hint="x_" + part + " and y_" + part + " must have one label per image")
        if x.dtype.kind not in "uif":
            raise SourceError(f"the {part} images of `{name}` hold {x.dtype} values, not numbers",
                              hint="store pixels as uint8 (0-255) or floats")
        if x.dtype.kind == "f" and x.size and not (np.isfinite(x.min()) and np.isfinite(x.max())):
            raise SourceError(f"the {part} images of `{name}` hold NaN or infinite values",
                              hint="every pixel must be a number: training on NaN gives NaN")
    if x_train.shape[1:] != x_test.shape[1:]:
        raise SourceError(f"the training images of `{name}` are {x_train.shape[1:]} but the test images "
                          f"{x_test.shape[1:]}", hint="both sets must have images of one size")
    if len(x_train) == 0:
        raise SourceError(f"`{name}` has no training images", hint="x_train must hold at least one image")
    if len(x_test) == 0:
        raise SourceError(f"`{name}` has no test images", hint="x_test must hold at least one image: the run "
                                                               "ends with the test set's accuracy")
    return Dataset(name, source, x_train, y_train, x_test, y_test, pixel_scale(x_train), classes)


def pixel_scale(x: Any) -> float:
    """The factor that maps stored pixels to [0, 1]: 1/255 for ``uint8``, 1 for floats already in
    [0, 1], else 1/max (``digits`` stores 0-16).

    >>> import numpy as np
    >>> pixel_scale(np.zeros(3, np.uint8)), pixel_scale(np.array([0.0, 0.5])), pixel_scale(np.array([0, 16]))
    (0.00392156862745098, 1.0, 0.0625)
    """
    import numpy as np

    if x.dtype == np.uint8:
        return 1 / 255
    top = float(x.max()) if x.size else 1.0
    return 1.0 if top <= 1.0 else 1 / top


@dataclass(frozen=True)
class Conversion:
    """How the stored images become the network's input (``--resize``).

    Attributes:
        stored: ``(H, W, C)`` of the dataset's images.
        target: the network's input shape.
    """

    stored: Shape
    target: Shape

    @property
    def resize(self) -> bool:
        return self.stored[:2] != self.target[:2]

    @property
    def channels(self) -> tuple[int, int]:
        return self.stored[2], self.target[2]

    def describe(self) -> str:
        """What is done to each image, for the report.

        >>> Conversion((28, 28, 1), (32, 32, 3)).describe()
        'resized 28x28 → 32x32, grey → RGB'
        """
        parts = []
        if self.resize:
            parts.append(f"resized {_hw(self.stored)} → {_hw(self.target)}")
        if self.channels == (1, 3):
            parts.append("grey → RGB")
        elif self.channels == (3, 1):
            parts.append("RGB → grey")
        return ", ".join(parts) or "as stored"


def _hw(s: Shape) -> str:
    return f"{s[0]}x{s[1]}"


def _shape(s: Shape) -> str:
    return "x".join(map(str, s))


def conform(ds: Dataset, network: Network, *, resize: bool) -> Conversion:
    """Check the dataset's images against the network's input; with ``resize``, say how to convert them.

    Raises:
        UsageError: the images differ from the input and ``resize`` is off, or the channels cannot be
            converted (only grey ↔ RGB can).

    >>> from archcalc.source import parse_text
    >>> import numpy as np
    >>> net = parse_text("network tiny\\ninput 32x32x3\\nFC-10\\nsoft-max")[0]
    >>> ds = Dataset("grey", "test", np.zeros((2, 28, 28), np.uint8), np.zeros(2), np.zeros((1, 28, 28)),
    ...              np.zeros(1), 1 / 255, 10)
    >>> conform(ds, net, resize=True).describe()
    'resized 28x28 → 32x32, grey → RGB'
    >>> conform(ds, net, resize=False)
    Traceback (most recent call last):
    ...
    archcalc.errors.UsageError: `grey` has 28x28x1 images but `tiny` takes 32x32x3
    """
    stored, target = ds.image_shape, tuple(network.input_shape)
    if len(target) != 3:
        raise UsageError(f"`{network.name}` takes input {_shape(target)}, not images",
                         hint="train needs a network whose input is an image: `input HxWxC`")
    conv = Conversion(stored, target)
    if stored == target:
        return conv
    if not resize:
        fixes = [f"add --resize to resize them to {_shape(target)}" + (
            f" ({'grey → RGB' if conv.channels == (1, 3) else 'RGB → grey'})"
            if conv.channels in ((1, 3), (3, 1)) else "")]
        fixes.append(f"or change the spec's input to `input {_shape(stored)}`")
        raise UsageError(f"`{ds.name}` has {_shape(stored)} images but `{network.name}` takes {_shape(target)}",
                         hint=", ".join(fixes))
    if conv.channels[0] != conv.channels[1] and conv.channels not in ((1, 3), (3, 1)):
        raise UsageError(f"`{ds.name}` has {stored[2]}-channel images and `{network.name}` takes {target[2]} channels;"
                         " --resize converts only grey ↔ RGB",
                         hint=f"change the spec's input to `input {_hw(target)}x{stored[2]}`")
    return conv


def output_activation(network: Network) -> str | None:
    """The activation applied to the network's output, looking back over layers that have none of
    their own (dropout, flatten, pooling); ``None`` for a linear output.

    >>> from archcalc.source import parse_text
    >>> [output_activation(parse_text(t)[0]) for t in ("input 8x8\\nFC-10\\nsoft-max",
    ...  "input 8x8\\nFC-10 activation=none\\ndropout 0.5", "input 8x8\\nFC-10")]
    ['softmax', None, 'relu']
    """
    for node in reversed(network.layers):
        if node.kind == "activation":
            return node.args.get("function") or None
        if "activation" in node.args:
            return node.args["activation"] or None
    return None


def check_output(network: Network, output_shape: Shape, classes: int, dataset: str) -> bool:
    """Check the network's last layer against the number of classes; return whether the output is
    probabilities (softmax) rather than logits (linear).

    Raises:
        UsageError: an output that is not one score per class, or an activation other than softmax or
            none; the hint gives the line to write.
    """
    last = network.layers[-1] if network.layers else None
    keras = network.notation != "paper"
    fix = {"keras": f"end the model with `Dense({classes}, activation='softmax')`",
           "torch": f"end the model with `nn.Linear(..., {classes})` (logits)"}.get(
               network.notation, f"end the spec with `FC-{classes}` then `soft-max`")
    where = last.location if last is not None else None
    if len(output_shape) != 1:
        raise UsageError(f"the output of `{network.name}` is a {_shape(output_shape)} feature map, not one score "
                         f"per class of `{dataset}` ({classes})", location=where, hint=fix)
    if output_shape[0] != classes:
        raise UsageError(f"the last layer of `{network.name}` has {output_shape[0]} outputs but `{dataset}` has "
                         f"{classes} classes", location=where, hint=fix)
    act = output_activation(network)
    if act not in (None, "softmax", "linear"):
        why = (" (in the paper notation an FC layer is followed by ReLU unless `soft-max` follows it)"
               if not keras and act == "relu" else "")
        raise UsageError(f"the last layer of `{network.name}` applies `{act}` to its outputs; a classifier ends with "
                         f"softmax (probabilities) or no activation (logits){why}", location=where, hint=fix)
    return act == "softmax"
