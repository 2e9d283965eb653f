"""Where training runs: the device, the distribution strategy and the precision.

Standard TensorFlow placement, nothing of archcalc's own: ``tf.config.list_physical_devices("GPU")``
decides what ``--device auto`` means, ``tf.device`` pins the model and its training to one device, and
``tf.distribute.MirroredStrategy`` (``--strategy mirrored``) copies the model to every GPU, or, without
one, to every logical CPU device (how the tests exercise it: two logical CPUs on one processor).
``tf.distribute.MultiWorkerMirroredStrategy`` (``--strategy multiworker``) does the same across machines:
every machine runs the same command with its own ``TF_CONFIG`` (the cluster's addresses and which worker it
is), and the workers average their gradients every step, so they end with the same weights.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError

DEVICES = ("auto", "cpu", "gpu")
STRATEGIES = ("mirrored", "multiworker")

NO_GPU_HINT = ("tensorflow-cpu has no GPU support: on Linux with an NVIDIA GPU and its driver, "
               "`pip install 'archcalc[gpu]'` (tensorflow[and-cuda]); check what TensorFlow sees with "
               "`python -c \"import tensorflow as tf; print(tf.config.list_physical_devices('GPU'))\"`; "
               "or train on the CPU with --device cpu (or auto)")


@dataclass
class Placement:
    """The device chosen for a run.

    Attributes:
        kind: ``"cpu"`` or ``"gpu"``.
        description: what the report prints: ``"CPU (2 cores)"``, ``"GPU: NVIDIA A100-SXM4-40GB"``.
        replicas: copies of the model trained in step (``--strategy mirrored``), else 1.
        strategy: the ``tf.distribute`` strategy, or ``None`` for plain placement on one device.
        device: the TensorFlow device name used without a strategy (``"/CPU:0"``).
    """

    kind: str
    description: str
    replicas: int = 1
    strategy: Any = None
    device: str = "/CPU:0"

    @contextlib.contextmanager
    def scope(self) -> Iterator[None]:
        """Build, compile and train the model inside this: the strategy's scope, or ``tf.device``."""
        from ..bridge.tf import tensorflow

        if self.strategy is not None:
            with self.strategy.scope():
                yield
        else:
            with tensorflow().device(self.device):
                yield


def cluster() -> tuple[int, int]:
    """(this worker's index, number of workers) from ``TF_CONFIG``, checked.

    >>> import json, os
    >>> config = {"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}
    >>> os.environ["TF_CONFIG"] = json.dumps(config)
    >>> cluster()
    (1, 2)
    >>> del os.environ["TF_CONFIG"]

    Raises:
        UsageError: no ``TF_CONFIG``, or one that is not JSON, names no workers or another task.
    """
    import json

    text = os.environ.get("TF_CONFIG")
    example = ('TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
               '"task": {"type": "worker", "index": 0}}\'')
    if not text:
        raise UsageError("--strategy multiworker needs TF_CONFIG: the cluster's workers and which one this is",
                         hint=f"on each machine set {example}, with its own index (0 on the first), then run the "
                              "same command; see docs/profiling.md")
    try:
        config = json.loads(text)
    except ValueError as e:
        raise UsageError(f"TF_CONFIG is not JSON ({e}): {text[:80]!r}", hint=f"write it like {example}") from None
    workers = (config.get("cluster") or {}).get("worker") if isinstance(config, dict) else None
    task = config.get("task") if isinstance(config, dict) else None
    if not isinstance(workers, list) or not workers or not all(isinstance(w, str) and ":" in w for w in workers):
        raise UsageError(f"TF_CONFIG's cluster names no workers as HOST:PORT: {text[:120]!r}",
                         hint=f"write it like {example}")
    if not isinstance(task, dict) or task.get("type") != "worker" or not isinstance(task.get("index"), int) \
            or not 0 <= task["index"] < len(workers):
        raise UsageError(f"TF_CONFIG's task must be a worker with an index from 0 to {len(workers) - 1}, got "
                         f"{task!r}", hint=f"write it like {example}")
    return task["index"], len(workers)


def _gpu_name(tf: Any, gpu: Any) -> str:
    try:
        return tf.config.experimental.get_device_details(gpu).get("device_name") or gpu.name
    except Exception:  # details are a nicety; a driver that cannot give them still trains
        return gpu.name


def place(device: str = "auto", *, strategy: str | None = None, mixed_precision: bool = False) -> Placement:
    """Choose the device for ``--device``, ``--strategy`` and ``--mixed-precision``.

    Raises:
        UsageError: ``--device gpu`` without a GPU; ``--mixed-precision`` on the CPU (float16 arithmetic
            on a CPU is emulated: slower than float32, and no memory is saved that matters there).
    """
    from ..bridge.tf import tensorflow

    tf = tensorflow()
    if device not in DEVICES:
        raise UsageError(f"unknown device `{device}`", hint="--device takes auto, cpu or gpu")
    gpus = tf.config.list_physical_devices("GPU")
    if device == "gpu" and not gpus:
        raise UsageError("--device gpu: TensorFlow sees no GPU on this machine", hint=NO_GPU_HINT)
    kind = "gpu" if gpus and device != "cpu" else "cpu"
    if mixed_precision and kind == "cpu":
        raise UsageError("--mixed-precision needs a GPU: on the CPU, float16 arithmetic is emulated and "
                         "slower than float32" + (" (a GPU is there, but --device cpu was asked)" if gpus else ""),
                         hint="drop --mixed-precision, or train on a GPU (--device gpu)")
    if kind == "gpu":
        names = [_gpu_name(tf, g) for g in gpus]
        description = "GPU: " + names[0] if len(names) == 1 else f"{len(names)} GPUs: " + ", ".join(names)
    else:
        description = f"CPU ({os.cpu_count()} cores)"
    if strategy is None:
        one = "/GPU:0" if kind == "gpu" else "/CPU:0"
        if kind == "gpu" and len(gpus) > 1:
            description = "GPU: " + names[0] + f" (1 of {len(gpus)}; --strategy mirrored uses all)"
        return Placement(kind, description, 1, None, one)
    if strategy not in STRATEGIES:
        raise UsageError(f"unknown strategy `{strategy}`", hint="--strategy takes mirrored or multiworker")
    if strategy == "multiworker":
        index, count = cluster()
        # Collective ops over gRPC between the workers; on GPUs NCCL, chosen by TensorFlow (AUTO).
        multi = tf.distribute.MultiWorkerMirroredStrategy()
        return Placement(kind, f"{description}, worker {index} of {count} (MultiWorkerMirroredStrategy)",
                         multi.num_replicas_in_sync, multi, "/GPU:0" if kind == "gpu" else "/CPU:0")
    if kind == "gpu":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")]
    else:
        # Without a GPU, mirror over the logical CPU devices; there is one unless the process
        # split the processor with tf.config.set_logical_device_configuration before TF started.
        devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    mirrored = tf.distribute.MirroredStrategy(devices=devices)
    label = "GPU" if kind == "gpu" else "CPU device"
    description += f", mirrored over {len(devices)} {label}{'s' if len(devices) != 1 else ''}"
    return Placement(kind, description, mirrored.num_replicas_in_sync, mirrored, devices[0])


def multiworker_fixes(model: Any) -> None:
    """Let Keras 3's ``fit`` train under ``MultiWorkerMirroredStrategy`` (two of its steps fail there, in
    Keras 3.15 on TensorFlow 2.21, seen with two workers on one machine):

    - ``fit`` first all-reduces a batch of data to learn its shapes (``_maybe_symbolic_build``), which the
      strategy refuses (a ``PerReplica`` it cannot convert). The model is built already: without a strategy
      of its own Keras skips that step, and takes the strategy of the scope ``fit`` runs in
      (:meth:`Placement.scope`), so the training is still distributed.
    - the step's logs (the loss, the accuracy: scalars) are averaged over the workers with
      ``strategy.reduce("MEAN", v, axis=0)``, which needs an axis 0: the step returns them as 1-vectors.
    """
    from ..bridge.tf import keras

    ops = keras().ops
    step = model.train_step

    def train_step(data: Any) -> Any:
        return {k: ops.reshape(v, (1,)) for k, v in step(data).items()}

    model.train_step = train_step
    model._distribute_strategy = None


@contextlib.contextmanager
def precision(mixed: bool) -> Iterator[None]:
    """Keras' global dtype policy ``mixed_float16`` for the block (``--mixed-precision``), then back to
    what it was: the policy is global, and a later model in the same process must not inherit it."""
    from ..bridge.tf import keras

    if not mixed:
        yield
        return
    k = keras()
    before = k.mixed_precision.global_policy()
    k.mixed_precision.set_global_policy("mixed_float16")
    try:
        yield
    finally:
        k.mixed_precision.set_global_policy(before)
