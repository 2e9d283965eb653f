"""TensorFlow and Keras, imported on first use only.

``archcalc summary`` never comes here; ``verify``, ``export`` and ``import`` do. TensorFlow's
C++ start-up chatter (oneDNN notices, CPU feature lines) is silenced unless the user asked for it
by setting ``TF_CPP_MIN_LOG_LEVEL`` themselves.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from types import ModuleType

from ..errors import DependencyError

INSTALL_HINT = ("install it with `pip install 'archcalc[keras]'` (tensorflow-cpu, for laptops and CI) "
                "or `pip install 'archcalc[gpu]'` (tensorflow[and-cuda], for a Linux machine with an NVIDIA GPU); "
                "in a checkout of archcalc: `pip install -e '.[keras]'`")


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 while TensorFlow loads.

    Its C++ start-up lines (absl's "All log messages before absl::InitializeLog()", oneDNN's notice)
    are written before ``TF_CPP_MIN_LOG_LEVEL`` is read, straight to the descriptor, so only this
    hides them. Python exceptions are unaffected: they are raised, not printed, in here.
    ``ARCHCALC_DEBUG=1`` shows everything.
    """
    if os.environ.get("ARCHCALC_DEBUG"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@cache
def keras() -> ModuleType:
    """The ``keras`` module (Keras 3 on the TensorFlow backend), or a :class:`DependencyError` with the fix."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    try:
        with _quiet_stderr():
            import keras as k
            import tensorflow  # noqa: F401  (the LRN layer and device placement need it, not just Keras)
    except ImportError as e:
        raise DependencyError(f"this command needs TensorFlow and Keras 3, which are not installed ({e.name})",
                              hint=INSTALL_HINT) from None
    if int(k.__version__.split(".")[0]) < 3:
        raise DependencyError(f"this command needs Keras 3, found Keras {k.__version__}",
                              hint="upgrade with `pip install -U 'tensorflow>=2.16'`")
    return k


def tensorflow() -> ModuleType:
    """The ``tensorflow`` module (after :func:`keras`, so the same hints apply)."""
    keras()
    import tensorflow as tf

    return tf
