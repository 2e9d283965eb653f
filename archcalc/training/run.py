"""Training itself: build the spec's model, fit it epoch by epoch, checkpoint, evaluate.

:func:`train` returns a :class:`TrainResult`, plain data that :mod:`.report` renders and writes.

Nothing is lost when a run stops: after every epoch the model (weights and optimizer state) and the
history so far are saved in a checkpoint folder, the state file last, each file written atomically. So
Ctrl-C or a killed process leaves the last completed epoch, and ``--resume`` continues from it. This is
what Keras' ``BackupAndRestore`` callback does, done here instead because a resumed run must also
continue the history (``history.json`` covers every epoch) and the shuffling: each epoch's order is
seeded by ``(seed, epoch)`` (:func:`.pipeline.epoch_seed`), so epoch 7 sees the same batches whether
the run started at epoch 1 or resumed at 7, and on the CPU with ``--seed`` the resumed run ends with
the same weights as one that was never interrupted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import random
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from .. import files
from ..errors import ArchcalcError, KerasError, UsageError
from ..network import Network
from . import pipeline
from .datasets import Dataset, check_output, conform

OPTIMIZERS = ("sgd", "adam", "adadelta", "rmsprop")
#: Keras' class for each ``--optimizer`` (their default learning rates apply without ``--lr``).
_OPTIMIZER_CLASSES = {"sgd": "SGD", "adam": "Adam", "adadelta": "Adadelta", "rmsprop": "RMSprop"}
STATE = "state.json"
#: Test hook: stop as if by Ctrl-C right after the checkpoint of this epoch (1-based) is written.
STOP_AFTER_ENV = "ARCHCALC_TRAIN_STOP_AFTER"


class Interrupted(ArchcalcError):
    """Training stopped by Ctrl-C; the checkpoint of the last completed epoch is kept."""

    exit_code = 130


@dataclass(frozen=True)
class TrainOptions:
    """What ``archcalc train`` was asked (the options of the command, nothing derived)."""

    epochs: int = 5
    batch_size: int = 32
    optimizer: str = "adam"
    lr: float | None = None
    validation_split: float = 0.1
    seed: int | None = None
    limit: int | None = None
    device: str = "auto"
    mixed_precision: bool = False
    jit: bool = False
    strategy: str | None = None
    resize: bool = False

    def check(self) -> None:
        """Refuse impossible values before any work is done."""
        if self.epochs < 1:
            raise UsageError(f"--epochs must be at least 1, got {self.epochs}")
        if self.batch_size < 1:
            raise UsageError(f"--batch-size must be at least 1, got {self.batch_size}")
        if self.optimizer not in OPTIMIZERS:
            raise UsageError(f"unknown optimizer `{self.optimizer}`", hint="--optimizer takes " + ", ".join(OPTIMIZERS))
        if self.lr is not None and not self.lr > 0:
            raise UsageError(f"--lr must be positive, got {self.lr}")
        if not 0 <= self.validation_split < 1:
            raise UsageError(f"--validation-split must be in [0, 1), got {self.validation_split}",
                             hint="0.1 keeps the last 10% of the training examples for validation")
        if self.limit is not None and self.limit < 1:
            raise UsageError(f"--limit must be at least 1, got {self.limit}")


@dataclass
class TrainResult:
    """What a training run did and reached: plain data for the renderers and ``metrics.json``.

    ``history`` maps ``loss``, ``accuracy`` (and ``val_loss``, ``val_accuracy`` with a validation
    split) to one value per epoch; ``epoch_seconds`` is the training time of each epoch (validation
    excluded); ``images_per_second`` counts training images over those seconds.
    """

    network: str
    spec: str
    dataset: str
    dataset_source: str
    classes: int
    input_shape: list[int]
    conversion: str
    train_examples: int
    validation_examples: int
    test_examples: int
    epochs: int
    batch_size: int
    optimizer: str
    learning_rate: float
    seed: int
    deterministic: bool
    device: str
    device_kind: str
    replicas: int
    strategy: str | None
    mixed_precision: bool
    jit: bool
    steps_per_execution: int
    params: int
    keras_params: int
    history: dict[str, list[float]]
    epoch_seconds: list[float]
    test_loss: float
    test_accuracy: float
    train_seconds: float
    images_per_second: float
    resumed_from_epoch: int | None = None
    model_path: str | None = None
    output_dir: str | None = None
    files: list[str] = field(default_factory=list)

    @property
    def seconds_per_epoch(self) -> float:
        return self.train_seconds / max(1, len(self.epoch_seconds))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["seconds_per_epoch"] = self.seconds_per_epoch
        return d


class Trained(NamedTuple):
    """What :func:`train` returns: the result, the trained Keras model, and the checkpoint folder
    (removed by :func:`finish` once the results are safely written)."""

    result: TrainResult
    model: Any
    checkpoint: Path


class Progress(Protocol):
    """What :func:`train` tells as it goes (:class:`.report.ProgressPrinter` prints it)."""

    def epoch_begin(self, epoch: int, epochs: int, steps: int) -> None: ...
    def batch_end(self, step: int, logs: dict[str, float]) -> None: ...
    def epoch_end(self, epoch: int, epochs: int, seconds: float, logs: dict[str, float], images: int) -> None: ...
    def note(self, text: str) -> None: ...


def config_key(config: dict[str, Any]) -> str:
    """A short digest of a run's configuration: names its checkpoint folder and checks a resume.

    >>> config_key({"a": 1}) == config_key({"a": 1}) != config_key({"a": 2})
    True
    """
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


def default_checkpoint_dir(config: dict[str, Any]) -> Path:
    """Where a run without ``--output`` keeps its checkpoint: the user's cache folder, one folder per
    configuration, so the same command with ``--resume`` finds it."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "archcalc" / "train" / config_key(config)


def run_config(spec_text: str, network: Network, ds: Dataset, options: TrainOptions) -> dict[str, Any]:
    """Everything a resumed run must share with the interrupted one (``--epochs`` may grow; the
    device may change)."""
    return {
        "spec": hashlib.sha256(spec_text.encode()).hexdigest()[:16], "network": network.name,
        "dataset": ds.name, "train_examples": len(ds.x_train), "test_examples": len(ds.x_test),
        "batch_size": options.batch_size, "optimizer": options.optimizer, "lr": options.lr,
        "validation_split": options.validation_split, "seed": options.seed, "limit": options.limit,
        "resize": options.resize, "mixed_precision": options.mixed_precision, "strategy": options.strategy,
        **({"worker": _worker()} if options.strategy == "multiworker" else {}),  # one checkpoint per worker
    }


def _worker() -> int:
    from .devices import cluster

    return cluster()[0]


def read_checkpoint(folder: Path) -> dict[str, Any] | None:
    """The state of the checkpoint in ``folder``, or ``None`` when there is none."""
    try:
        state = json.loads((folder / STATE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise UsageError(f"the checkpoint in {folder} cannot be read ({e})",
                         hint=f"delete {folder} and train from the start") from None
    if not (folder / state.get("model", "")).is_file():
        raise UsageError(f"the checkpoint in {folder} names a model file that is not there",
                         hint=f"delete {folder} and train from the start")
    return state


def _differences(saved: dict[str, Any], now: dict[str, Any]) -> list[str]:
    return [f"{k}: {saved.get(k)!r} then, {now.get(k)!r} now" for k in sorted(set(saved) | set(now))
            if saved.get(k) != now.get(k)]


def _write_checkpoint(folder: Path, model: Any, state: dict[str, Any]) -> None:
    """Save the model, then the state that names it: a kill between the two leaves the previous pair."""
    name = f"epoch-{state['epoch']:04d}.keras"
    files.make_folder(folder, what="the checkpoint folder")
    with files.replacing(folder / name, overwrite=True) as tmp:
        model.save(tmp)
    files.write_text(folder / STATE, json.dumps({**state, "model": name}, indent=2) + "\n", overwrite=True)
    for old in folder.glob("epoch-*.keras"):
        if old.name != name:
            old.unlink(missing_ok=True)


#: The temporary files of :func:`archcalc.files.replacing` for a checkpoint and for the final model:
#: a process killed while it saves leaves one behind (a hidden file, beside the one it would replace).
TEMPORARIES = (".epoch-*.keras", ".model.*.keras")


def remove_temporaries(*folders: Path) -> None:
    """Delete what killed saves left in these folders (before a run, so that none survives it).

    >>> import tempfile; d = Path(tempfile.mkdtemp()); _ = (d / ".epoch-0001.x1y2.keras").write_bytes(b"")
    >>> remove_temporaries(d); list(d.iterdir())
    []
    """
    for folder in folders:
        for pattern in TEMPORARIES:
            for p in folder.glob(pattern):
                p.unlink(missing_ok=True)


def killed_in_first_checkpoint(folder: Path) -> bool:
    """Whether ``folder`` holds only what a run killed while writing its first checkpoint leaves: a
    temporary model file and no state. ``--resume`` then starts from epoch 1 rather than refusing.

    >>> import tempfile; d = Path(tempfile.mkdtemp()); _ = (d / ".epoch-0001.x1y2.keras").write_bytes(b"")
    >>> killed_in_first_checkpoint(d), killed_in_first_checkpoint(d / "nothing")
    (True, False)
    """
    return folder.is_dir() and not (folder / STATE).exists() and any(folder.glob(TEMPORARIES[0]))


def remove_checkpoint(folder: Path) -> None:
    """Delete a checkpoint folder's files (and the folder when nothing else is in it)."""
    for p in [*folder.glob("epoch-*.keras"), folder / STATE]:
        p.unlink(missing_ok=True)
    for p in folder.glob(".epoch-*"):  # a temporary file of a save that was killed
        p.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()


def _seed_variables(model: Any) -> list[Any]:
    """The random-number states of the model's layers (Dropout's ``SeedGenerator``), in layer order.

    A saved model keeps its weights and its optimizer's state but not these; without them a resumed
    run would drop other units than the uninterrupted one. Matched by order, not by name: Keras
    numbers the generators' names per process.
    """
    return [v for v in model.variables if "seed_generator_state" in v.path]


def steps_per_execution(steps: int) -> int:
    """Batches run per call into TensorFlow: about 20 calls an epoch (fewer round trips through
    Python, which dominate small models on a CPU), and never more than 32 batches per call.

    >>> steps_per_execution(45), steps_per_execution(1875), steps_per_execution(3)
    (2, 32, 1)
    """
    return max(1, min(32, steps // 20))


def make_optimizer(name: str, lr: float | None) -> Any:
    from ..bridge.tf import keras

    cls = getattr(keras().optimizers, _OPTIMIZER_CLASSES[name])
    return cls() if lr is None else cls(learning_rate=lr)


class _CtrlC:
    """Ctrl-C during training, turned into a request to stop at the next safe point.

    A ``KeyboardInterrupt`` raised at a random point inside Keras and TensorFlow leaves their
    threads mid-work: in a test, one process then died in the C library ("free(): invalid next
    size") before saying anything, and one trained on to the end as if Ctrl-C had never been pressed.
    So the first Ctrl-C only sets a flag: the callback turns it into ``model.stop_training`` (Keras
    ends the epoch after the current batch; that partial epoch is dropped), and the loop stops after
    writing a checkpoint. A second Ctrl-C interrupts at once, as usual.
    """

    def __init__(self) -> None:
        self.pressed = False
        self._previous: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        self.pressed = True
        signal.signal(signal.SIGINT, self._previous)  # a second Ctrl-C: KeyboardInterrupt at once

    def __enter__(self) -> _CtrlC:
        if threading.current_thread() is threading.main_thread():  # signals are for the main thread only
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *_: Any) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def _callback(progress: Progress | None, epochs: int, steps: int, times: list[float], ctrl_c: _CtrlC) -> Any:
    """A Keras callback that times the training part of each epoch, reports progress, and stops the
    training after the batch during which Ctrl-C was pressed."""
    from ..bridge.tf import keras

    class _Watch(keras().callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.start = self.last = time.perf_counter()
            if progress:
                progress.epoch_begin(epoch, epochs, steps)

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            self.last = time.perf_counter()
            if ctrl_c.pressed:
                self.model.stop_training = True
            if progress:
                progress.batch_end(batch + 1, _floats(logs))

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if not ctrl_c.pressed:  # a stopped epoch is not a completed one
                times.append(self.last - self.start)

    return _Watch()


def _evaluator(model: Any, probabilities: bool, where: Any) -> Callable[[Any], dict[str, float]]:
    """A function that evaluates the model on a dataset: ``{"loss": ..., "accuracy": ...}``.

    With replicas, on a copy of the model on one device, given the trained weights each time: Keras 3
    under MirroredStrategy fails on a batch that leaves a replica without an example (the last batch
    of a set of 25 on two replicas) and validation sets are seldom a multiple of the batch size.
    """
    from ..bridge.tf import keras, tensorflow

    def direct(data: Any) -> dict[str, float]:
        with where.scope():
            return _floats(model.evaluate(data, verbose=0, return_dict=True))

    if where.replicas == 1:
        return direct
    k = keras()
    with tensorflow().device(where.device):
        copy = k.models.clone_model(model)
        copy.compile(loss=k.losses.SparseCategoricalCrossentropy(from_logits=not probabilities),
                     metrics=[k.metrics.SparseCategoricalAccuracy(name="accuracy")])

    def on_one_device(data: Any) -> dict[str, float]:
        copy.set_weights(model.get_weights())
        with tensorflow().device(where.device):
            return _floats(copy.evaluate(data, verbose=0, return_dict=True))

    return on_one_device


def _floats(logs: Any) -> dict[str, float]:
    return {k: float(v) for k, v in (logs or {}).items()}


def train(network: Network, analysis: Any, ds: Dataset, options: TrainOptions, *, spec: str, spec_text: str,
          checkpoint_dir: Path | None = None, resume: bool = False,
          progress: Progress | None = None) -> Trained:
    """Train ``network`` on ``ds``; return the result, the trained Keras model and the checkpoint folder.

    Args:
        network: the parsed spec (one network).
        analysis: archcalc's analysis of it (its shapes build the model; its parameter count is reported).
        ds: the dataset, already limited by ``--limit``.
        options: the command's options.
        spec: the spec as the user named it, for the report.
        spec_text: the spec's text (part of the checkpoint's identity).
        checkpoint_dir: where to checkpoint each epoch; ``None``: the user's cache folder.
        resume: continue from the checkpoint there.
        progress: told of each epoch and batch.

    Raises:
        UsageError: options, dataset and network that do not fit together; ``--resume`` without a
            matching checkpoint.
        Interrupted: Ctrl-C (the checkpoint of the last completed epoch is kept).
    """
    options.check()
    conversion = conform(ds, network, resize=options.resize)
    probabilities = check_output(network, tuple(analysis.rows[-1].output_shape), ds.classes, ds.name)
    config = run_config(spec_text, network, ds, options)
    folder = checkpoint_dir or default_checkpoint_dir(config)
    state = read_checkpoint(folder) if folder.is_dir() else None
    if resume and state is None and killed_in_first_checkpoint(folder):
        if progress:
            progress.note(f"the interrupted run was stopped while writing its first checkpoint in {folder}: "
                          "starting from epoch 1")
        resume = False
    if folder.is_dir():
        remove_temporaries(folder, *([folder.parent] if checkpoint_dir is not None else []))
    if resume:
        if state is None:
            raise UsageError(f"nothing to resume: no checkpoint in {folder}",
                             hint="a run keeps a checkpoint only until it finishes; train without --resume")
        if state.get("finished") and options.epochs <= state["epoch"]:
            raise UsageError(f"the run in {folder.parent} finished: its {state['epoch']} epochs are done",
                             hint=f"to train it longer, give the new total: `--epochs {2 * state['epoch']} "
                                  f"--resume` continues from epoch {state['epoch']}")
        diff = _differences(state["config"], config)
        if diff:
            raise UsageError(f"the checkpoint in {folder} is of another run: " + "; ".join(diff),
                             hint="resume with the options of the interrupted run (only --epochs and --device "
                                  "may change), or train without --resume")
    elif state is not None:
        if progress:
            progress.note(f"starting over: the checkpoint of an interrupted run (epoch {state['epoch']}) in "
                          f"{folder} is replaced (--resume continues it)")
        remove_checkpoint(folder)
        state = None

    from ..bridge.tf import keras

    seed = options.seed if options.seed is not None else (state or {}).get("seed", random.randrange(2**31 - 1))
    keras().utils.set_random_seed(seed)
    with _deterministic(options.seed is not None):
        return _train(network, analysis, ds, options, spec=spec, config=config, folder=folder, state=state,
                      seed=seed, conversion=conversion, probabilities=probabilities, progress=progress)


@contextlib.contextmanager
def _deterministic(on: bool) -> Iterator[None]:
    """TensorFlow's deterministic kernels for the block (``--seed``: same seed, same result).

    TensorFlow otherwise picks the fastest kernels, some of which add in a different order from run to
    run. The switch is process-wide: it is turned back off after the run, so that a later run in the
    same process (a notebook, the tests) without ``--seed`` is not slowed down, and may use XLA, which
    Keras turns off under determinism.
    """
    if not on:
        yield
        return
    from tensorflow.python.framework import config as tf_config  # the switch back off is not public

    from ..bridge.tf import tensorflow

    before = tf_config.is_op_determinism_enabled()
    tensorflow().config.experimental.enable_op_determinism()
    try:
        yield
    finally:
        if not before:
            tf_config.disable_op_determinism()


def _train(network: Network, analysis: Any, ds: Dataset, options: TrainOptions, *, spec: str,
           config: dict[str, Any], folder: Path, state: dict[str, Any] | None, seed: int, conversion: Any,
           probabilities: bool, progress: Progress | None) -> Trained:
    """:func:`train` once the checks are done and the random seeds set."""
    import numpy as np

    from ..bridge import build as B
    from ..bridge.tf import keras, tensorflow
    from .devices import place, precision

    k, tf = keras(), tensorflow()
    where = place(options.device, strategy=options.strategy, mixed_precision=options.mixed_precision)

    n = len(ds.x_train)
    split_at = math.ceil(n * (1 - options.validation_split))  # Keras' validation_split: the last part
    if split_at < 1:
        raise UsageError(f"--validation-split {options.validation_split} leaves no training example of {n}")
    x_tr, y_tr = ds.x_train[:split_at], ds.y_train[:split_at]
    x_val, y_val = ds.x_train[split_at:], ds.y_train[split_at:]
    replicas = where.replicas
    if replicas > 1:
        # MirroredStrategy splits every batch among the replicas: each must get its share.
        if options.batch_size % replicas:
            raise UsageError(f"--batch-size {options.batch_size} does not split evenly over {replicas} replicas",
                             hint=f"use a multiple of {replicas}, e.g. --batch-size "
                                  f"{options.batch_size + replicas - options.batch_size % replicas}")
        if split_at < options.batch_size:
            raise UsageError(f"{split_at} training examples do not fill one batch of {options.batch_size} "
                             f"for {replicas} replicas", hint="use a smaller --batch-size")
    # With replicas the last partial batch of each epoch is left out (a replica could get nothing).
    steps = split_at // options.batch_size if replicas > 1 else math.ceil(split_at / options.batch_size)
    per_epoch = steps * options.batch_size if replicas > 1 else split_at
    # Keras 3 fails to run several steps per call under MirroredStrategy: one step per call there.
    spe = 1 if where.strategy is not None else steps_per_execution(steps)

    with where.scope(), precision(options.mixed_precision):
        model = B.build_model(B.plan(network, [tuple(network.input_shape)]
                                     + [tuple(r.output_shape) for r in analysis.rows]))
        if options.mixed_precision:
            # The loss is computed in float32: softmax and log of float16 values lose the small ones.
            model = k.Model(model.inputs, k.layers.Activation("linear", dtype="float32", name="output_float32")(
                model.outputs[0]), name=model.name)
        optimizer = make_optimizer(options.optimizer, options.lr)
        with warnings.catch_warnings():  # said below, in archcalc's words
            warnings.filterwarnings("ignore", message="Model doesn't support `jit_compile")
            model.compile(optimizer=optimizer,
                          loss=k.losses.SparseCategoricalCrossentropy(from_logits=not probabilities),
                          metrics=[k.metrics.SparseCategoricalAccuracy(name="accuracy")],
                          jit_compile=options.jit, steps_per_execution=spe)
        if options.strategy == "multiworker":
            from .devices import multiworker_fixes

            multiworker_fixes(model)
        if options.jit and not model.jit_compile and progress:
            progress.note("Keras turned XLA off for this model" + (" (not with --seed: TensorFlow's deterministic"
                                                                   " kernels are not all available in XLA)"
                                                                   if options.seed is not None else ""))
        if state is not None:
            optimizer.build(model.trainable_variables)
            try:
                model.load_weights(folder / state["model"])
            except (ValueError, OSError) as e:
                raise UsageError(f"the checkpoint in {folder} does not fit this model: {e}",
                                 hint=f"delete {folder} and train from the start") from None
            saved, seeds = state.get("seed_states", []), _seed_variables(model)
            if len(saved) == len(seeds):
                for var, value in zip(seeds, saved):
                    var.assign(np.asarray(value, dtype=var.dtype))

    convert = dict(conversion=conversion, scale=ds.scale)
    examples = pipeline.source(x_tr, y_tr)

    val, test = (pipeline.batches(pipeline.source(x, y), len(x), batch_size=options.batch_size, **convert)
                 for x, y in ((x_val, y_val), (ds.x_test, ds.y_test)))
    if not len(x_val):
        val = None
    evaluate = _evaluator(model, probabilities, where)

    history: dict[str, list[float]] = {k_: list(v) for k_, v in (state or {}).get("history", {}).items()}
    times: list[float] = list((state or {}).get("epoch_seconds", []))
    start = state["epoch"] if state else 0
    ctrl_c = _CtrlC()
    watch = _callback(progress, options.epochs, steps, times, ctrl_c)
    stop_after = int(os.environ.get(STOP_AFTER_ENV, "0") or 0)
    try:
        with ctrl_c:  # Ctrl-C sets a flag, acted on at the safe points below
            for epoch in range(start, options.epochs):
                batches = pipeline.batches(examples, split_at, batch_size=options.batch_size,
                                           drop_remainder=replicas > 1,
                                           shuffle_seed=pipeline.epoch_seed(seed, epoch), **convert)
                with where.scope():
                    h = model.fit(batches, validation_data=val if replicas == 1 else None, epochs=epoch + 1,
                                  initial_epoch=epoch, verbose=0, shuffle=False, callbacks=[watch])
                if ctrl_c.pressed:  # the epoch stopped part-way: keep the checkpoint of the one before
                    raise KeyboardInterrupt
                for key, values in h.history.items():
                    history.setdefault(key, []).extend(float(v) for v in values)
                if replicas > 1 and val is not None:
                    for key, value in evaluate(val).items():
                        history.setdefault(f"val_{key}", []).append(value)
                if progress:
                    progress.epoch_end(epoch, options.epochs, times[-1], {k_: v[-1] for k_, v in history.items()},
                                       per_epoch)
                _write_checkpoint(folder, model, {"version": 1, "config": config, "epoch": epoch + 1, "seed": seed,
                                                  "history": history, "epoch_seconds": times,
                                                  "seed_states": [np.asarray(v.numpy()).tolist()
                                                                  for v in _seed_variables(model)]})
                if (ctrl_c.pressed or epoch + 1 == stop_after) and epoch + 1 < options.epochs:
                    raise KeyboardInterrupt  # after the checkpoint: this epoch is kept
    except KeyboardInterrupt:
        done = (read_checkpoint(folder) or {}).get("epoch", 0) if folder.is_dir() else 0
        raise Interrupted(f"training interrupted; {done} of {options.epochs} epochs completed"
                          + (f" and kept in {folder}" if done else ""),
                          hint="run the same command with --resume to continue" if done else
                          "no epoch was completed: nothing was kept") from None
    except (tf.errors.ResourceExhaustedError, tf.errors.InvalidArgumentError) as e:
        raise KerasError(f"TensorFlow stopped the training: {_tf_message(e)}",
                         hint="a smaller --batch-size needs less memory" if isinstance(
                             e, tf.errors.ResourceExhaustedError) else None) from None

    scores = evaluate(test)
    train_seconds = float(sum(times))
    result = TrainResult(
        network=network.name, spec=spec, dataset=ds.name, dataset_source=ds.source, classes=ds.classes,
        input_shape=list(network.input_shape), conversion=conversion.describe(),
        train_examples=split_at, validation_examples=n - split_at, test_examples=len(ds.x_test),
        epochs=len(times), batch_size=options.batch_size, optimizer=options.optimizer,
        learning_rate=float(np.asarray(k.ops.convert_to_numpy(optimizer.learning_rate))),
        seed=seed, deterministic=options.seed is not None,
        device=where.description, device_kind=where.kind, replicas=where.replicas, strategy=options.strategy,
        mixed_precision=options.mixed_precision, jit=bool(model.jit_compile), steps_per_execution=spe,
        params=analysis.totals.params, keras_params=int(model.count_params()),
        history=history, epoch_seconds=[float(t) for t in times],
        test_loss=float(scores["loss"]), test_accuracy=float(scores["accuracy"]),
        train_seconds=train_seconds,
        images_per_second=per_epoch * len(times) / train_seconds if train_seconds else 0.0,
        resumed_from_epoch=start if state else None,
    )
    return Trained(result, model, folder)


def finish(folder: Path, *, keep: bool = False) -> None:
    """Remove the checkpoint of a run whose results are safe; with ``keep`` (a run with ``--output``),
    keep its state instead, marked finished and pointing at the output's ``model.keras`` (the same
    model, optimizer state included), so that ``--epochs N --resume`` can train it longer."""
    if not folder.is_dir():
        return
    state = read_checkpoint(folder) if keep and (folder.parent / "model.keras").is_file() else None
    if state is None:
        remove_checkpoint(folder)
        return
    files.write_text(folder / STATE, json.dumps({**state, "finished": True, "model": "../model.keras"}, indent=2)
                     + "\n", overwrite=True)
    for p in folder.glob("epoch-*.keras"):  # the output's model.keras stands for it now
        p.unlink(missing_ok=True)


__all__ = ["OPTIMIZERS", "Interrupted", "TrainOptions", "TrainResult", "Trained", "finish", "train"]


def _tf_message(e: Exception) -> str:
    """The line of a TensorFlow error that says what went wrong (its first is often "Graph execution error:")."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    useful = [ln for ln in lines if ln.startswith(("(0)", "INVALID_ARGUMENT", "RESOURCE_EXHAUSTED", "INTERNAL"))]
    text = (useful or lines or [type(e).__name__])[0]
    return text if len(text) < 300 else text[:297] + "..."
