"""The ``archcalc train`` command.

Only typer and :mod:`archcalc.cli_common` are imported at the top: ``archcalc summary`` imports this
module too and must stay fast. numpy, TensorFlow and scikit-learn load inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli_common import DefineOpt, Format, InputOpt, NetOpt, emit, make_console, spec_options


def train(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help="A spec file or a bundled spec's name (digits_cnn).")],
    dataset: Annotated[str | None, typer.Option(
        "--dataset", "-d", metavar="NAME",
        help="mnist, fashion_mnist, cifar10, cifar100 (Keras' loaders: downloaded once, cached), digits "
             "(scikit-learn's 8x8 digits: always offline), or a FILE.npz with x_train, y_train, x_test, y_test.")]
    = None,
    data: Annotated[Path | None, typer.Option(
        "--data", metavar="FILE.npz", help="A local copy of the --dataset in the same layout: no network.")] = None,
    epochs: Annotated[int, typer.Option("--epochs", "-e", min=1, help="Passes over the training set.")] = 5,
    batch_size: Annotated[int, typer.Option("--batch-size", "-b", min=1, help="Images per training step.")] = 32,
    optimizer: Annotated[str, typer.Option(
        "--optimizer", metavar="sgd|adam|adadelta|rmsprop", help="Keras' optimizer, with its default learning "
                                                                 "rate unless --lr.")] = "adam",
    lr: Annotated[float | None, typer.Option("--lr", metavar="RATE", help="Learning rate.")] = None,
    validation_split: Annotated[float, typer.Option(
        "--validation-split", metavar="FRACTION",
        help="The last part of the training set kept apart for validation, as in Keras' fit (0 for none).")] = 0.1,
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Seed every random choice; same seed, same result on the CPU (deterministic kernels).")]
    = None,
    limit: Annotated[int | None, typer.Option(
        "--limit", metavar="N", min=1, help="Train on the first N training examples only.")] = None,
    resize: Annotated[bool, typer.Option(
        "--resize", help="Resize images to the spec's input (bilinear), grey ↔ RGB as needed.")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="DIR",
        help="Write model.keras, history.json, metrics.json and history.png into this new folder.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the files of an existing --output folder.")] = False,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue an interrupted run (same command) from its last completed epoch.")] = False,
    device: Annotated[str, typer.Option(
        "--device", metavar="auto|cpu|gpu", help="auto: the GPU when TensorFlow sees one, else the CPU.")] = "auto",
    mixed_precision: Annotated[bool, typer.Option(
        "--mixed-precision", help="mixed_float16 (GPU only).")] = False,
    jit: Annotated[bool, typer.Option("--jit", help="Compile the training step with XLA.")] = False,
    strategy: Annotated[str | None, typer.Option(
        "--strategy", metavar="mirrored|multiworker",
        help="mirrored: tf.distribute.MirroredStrategy over every GPU (the batch is split among them); "
             "multiworker: MultiWorkerMirroredStrategy over the machines TF_CONFIG names (run the same command "
             "on each).")] = None,
    format: Annotated[Format, typer.Option(
        "--format", "-f", help="The results (progress goes to stderr); csv: one row per epoch, then the test "
                               "set's.")] = Format.table,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, only the results.")] = False,
    net: NetOpt = None,
    define: DefineOpt = None,
    input: InputOpt = None,
) -> None:
    """Train the spec's network on a dataset and report test accuracy, loss, time and images/s.

    Checkpointed after every epoch: Ctrl-C keeps the last completed one, and --resume continues from it.
    """
    from ..analysis import analyze_network
    from ..bridge.verify import check_depth, deep_build
    from ..errors import UsageError
    from ..source import load, resolve
    from . import report
    from .datasets import load as load_dataset
    from .run import TrainOptions, finish
    from .run import train as run

    options = TrainOptions(epochs=epochs, batch_size=batch_size, optimizer=optimizer.lower(), lr=lr,
                           validation_split=validation_split, seed=seed, limit=limit, device=device.lower(),
                           mixed_precision=mixed_precision, jit=jit,
                           strategy=strategy.lower() if strategy else None, resize=resize)
    options.check()
    if options.strategy == "multiworker":
        from .devices import cluster

        cluster()  # TF_CONFIG checked before any data is read
    checkpoint = report.check_output_dir(output, force=force, resume=resume) if output is not None else None
    networks = load(spec, net, **spec_options(define, input))
    if len(networks) > 1:
        raise UsageError(f"`{spec}` holds {len(networks)} networks: " + ", ".join(n.name for n in networks),
                         hint="pick one with --net NAME")
    network = networks[0]
    analysis = analyze_network(network)
    depth = check_depth(network, "train")  # before TensorFlow and the data
    _require_tensorflow()
    ds = load_dataset(dataset, str(data) if data is not None else None, limit=limit)
    progress = None if quiet else report.ProgressPrinter()
    if output is not None:
        report.make_output_dir(output)
    with deep_build(depth):  # Keras builds and saves (each checkpoint) a model recursing a few calls a layer
        trained = run(network, analysis, ds, options, spec=spec, spec_text=resolve(spec)[0].text,
                      checkpoint_dir=checkpoint, resume=resume, progress=progress)
        result = trained.result
        error = None
        if output is not None:
            from ..errors import DependencyError

            try:
                report.write_outputs(result, trained.model, output)
            except DependencyError as e:  # history.png only: the rest is written; say so after the results
                error = e
    finish(trained.checkpoint, keep=output is not None)  # an --output run can be trained longer
    if not emit(format, json=lambda: report.json_text(result), csv=lambda: report.csv_text(result),
                markdown=lambda: report.markdown_text(result)):
        console = make_console()
        for part in report.rich_parts(result):
            console.print(part)
    if error is not None:
        raise error


def register(app: typer.Typer) -> None:
    """Add ``train`` to ``app``."""
    app.command()(train)


def _require_tensorflow() -> None:
    """TensorFlow, or the error with the hint of the `train` extra (TensorFlow and scikit-learn in one)."""
    from ..bridge.tf import keras
    from ..errors import DependencyError
    from .datasets import TRAIN_HINT

    try:
        keras()
    except DependencyError as e:
        raise DependencyError(e.message, hint=TRAIN_HINT) from None
