"""Rendering a training run, apart from running it: progress lines, the results table, JSON, and the
files of ``--output DIR`` (``model.keras``, ``history.json``, ``metrics.json``, ``history.png``).

Progress goes to stderr, results to stdout: ``archcalc train ... --format json > run.json`` still shows
the epochs going by. Every file is written through :mod:`archcalc.files` (complete or not at all).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from .. import files
from ..errors import DependencyError, OutputError
from .run import STATE, TrainResult

OUTPUT_FILES = ("model.keras", "history.json", "metrics.json", "history.png")
CHECKPOINT = ".checkpoint"  # inside --output DIR


def check_output_dir(path: str | Path, *, force: bool, resume: bool) -> Path:
    """Refuse an ``--output`` folder that exists (unless ``--force``, or ``--resume`` of the interrupted
    run it holds) before anything is loaded; return the folder of its checkpoint.

    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> check_output_dir(d, force=False, resume=False)
    Traceback (most recent call last):
    ...
    archcalc.errors.OutputError: the output folder `...` already exists; archcalc does not overwrite it
    """
    out = files.check_folder(path, what="the output folder")
    if out.exists() and not out.is_dir():
        raise OutputError(f"cannot write into `{path}`: it is a file, not a folder",
                          hint="--output names a folder that archcalc creates")
    from .run import killed_in_first_checkpoint

    interrupted = (out / CHECKPOINT / STATE).is_file() or killed_in_first_checkpoint(out / CHECKPOINT)
    if out.exists() and not force and not (resume and interrupted):
        done = _finished_epochs(out / CHECKPOINT / STATE) if interrupted else None
        about = ("" if not interrupted else "it holds an interrupted run: add --resume to continue it, " if done is None
                 else f"it holds a finished run of {done} epochs: `--epochs {2 * done} --resume` trains it longer, ")
        raise OutputError(f"the output folder `{path}` already exists; archcalc does not overwrite it",
                          hint=about + "add --force to replace its files, or choose another folder")
    if resume and not interrupted:
        # --resume with a fresh folder: train() says there is nothing to resume.
        pass
    return out / CHECKPOINT


def _finished_epochs(state: Path) -> int | None:
    """The epochs of the finished run whose checkpoint state this is, or ``None`` (interrupted, unreadable)."""
    try:
        saved = json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return int(saved["epoch"]) if isinstance(saved, dict) and saved.get("finished") else None


def make_output_dir(path: str | Path) -> Path:
    return files.make_folder(path, what="the output folder")


def history_rows(result: TrainResult) -> list[dict[str, float]]:
    """One dict per epoch: ``epoch``, ``seconds`` and each metric of the history.

    >>> r = _example()
    >>> history_rows(r)[1]
    {'epoch': 2, 'seconds': 0.5, 'accuracy': 0.9, 'loss': 0.3}
    """
    keys = sorted(result.history)
    return [{"epoch": i + 1, "seconds": result.epoch_seconds[i], **{k: result.history[k][i] for k in keys}}
            for i in range(len(result.epoch_seconds))]


def json_text(result: TrainResult) -> str:
    return json.dumps(result.to_dict(), indent=2) + "\n"


def csv_text(result: TrainResult) -> str:
    """One row per epoch (``epoch, seconds, loss, accuracy, val_loss, val_accuracy``), then a row
    ``test`` with the test set's loss and accuracy.

    >>> print(csv_text(_example()), end="")
    epoch,seconds,loss,accuracy,val_loss,val_accuracy
    1,1.5,0.9,0.7,,
    2,0.5,0.3,0.9,,
    test,,0.31,0.91,,
    """
    import csv
    import io

    cols = ["loss", "accuracy", "val_loss", "val_accuracy"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["epoch", "seconds", *cols])
    for row in history_rows(result):
        w.writerow([row["epoch"], f"{row['seconds']:.6g}", *(row.get(c, "") for c in cols)])
    w.writerow(["test", "", result.test_loss, result.test_accuracy, "", ""])
    return buf.getvalue()


def markdown_text(result: TrainResult) -> str:
    """The results table, then the epochs, as Markdown tables."""
    lines = [f"**{result.network} on {result.dataset}**: {result.train_examples:,} training, "
             f"{result.validation_examples:,} validation, {result.test_examples:,} test images", "",
             "| | |", "|---|---|"]
    lines += [f"| {label} | {value} |" for label, value in result_rows(result)]
    cols = [c for c in ("loss", "accuracy", "val_loss", "val_accuracy") if c in result.history]
    lines += ["", "| epoch | seconds | " + " | ".join(cols) + " |", "|" + "---:|" * (2 + len(cols))]
    lines += [f"| {r['epoch']} | {r['seconds']:.2f} | " + " | ".join(f"{r[c]:.4f}" for c in cols) + " |"
              for r in history_rows(result)]
    return "\n".join(lines) + "\n"


def write_outputs(result: TrainResult, model: Any, folder: Path, *, plot: bool = True) -> list[str]:
    """Write the four files of ``--output`` (each atomically); return their names.

    ``metrics.json`` is written last: its presence means the others are complete. Without matplotlib
    ``history.png`` is left out and a :class:`DependencyError` is raised after the rest is written.
    """
    written = []
    result.output_dir = str(folder)
    result.model_path = str(folder / "model.keras")
    with files.replacing(folder / "model.keras", overwrite=True) as tmp:
        model.save(tmp)
    written.append("model.keras")
    history = {"epochs": len(result.epoch_seconds), "seconds": result.epoch_seconds, **result.history}
    files.write_text(folder / "history.json", json.dumps(history, indent=2) + "\n", overwrite=True)
    written.append("history.json")
    missing_plot = None
    if plot:
        try:
            write_history_plot(result, folder / "history.png")
            written.append("history.png")
        except DependencyError as e:
            missing_plot = e
    result.files = [*written, "metrics.json"]
    files.write_text(folder / "metrics.json", json_text(result), overwrite=True)
    if missing_plot is not None:
        raise missing_plot
    return result.files


def write_history_plot(result: TrainResult, path: Path) -> None:
    """Loss and accuracy per epoch, training against validation, with the test result marked."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no window, no display needed
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise DependencyError("history.png needs matplotlib, which is not installed (the other files are written)",
                              hint="install it with `pip install 'archcalc[plot]'`") from None
    epochs = list(range(1, len(result.epoch_seconds) + 1))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for ax, metric, test in ((axes[0], "loss", result.test_loss), (axes[1], "accuracy", result.test_accuracy)):
        ax.plot(epochs, result.history.get(metric, []), "o-", label="training")
        if f"val_{metric}" in result.history:
            ax.plot(epochs, result.history[f"val_{metric}"], "s-", label="validation")
        ax.axhline(test, color="grey", linestyle=":", label=f"test ({test:.4g})")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    fig.suptitle(f"{result.network} on {result.dataset}")
    try:
        with files.replacing(path, overwrite=True) as tmp:
            fig.savefig(tmp, dpi=100)
    finally:
        plt.close(fig)


def _duration(seconds: float) -> str:
    """
    >>> _duration(0.0123), _duration(2.5), _duration(75)
    ('12 ms', '2.50 s', '1 min 15 s')
    """
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    return f"{int(seconds // 60)} min {seconds % 60:.0f} s"


def rich_parts(result: TrainResult) -> list[Any]:
    """The results table of a run (for a rich console)."""
    from rich.table import Table
    from rich.text import Text

    head = Text(f"{result.network} on {result.dataset}", style="bold")
    head.append(f"  ·  {result.train_examples:,} training, {result.validation_examples:,} validation, "
                f"{result.test_examples:,} test images", style="")
    table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 2))
    table.add_column(justify="right", style="bold")
    table.add_column()
    for label, value in result_rows(result):
        table.add_row(label, value)
    return [head, table]


def result_rows(result: TrainResult) -> list[tuple[str, str]]:
    """The rows of the results table, as text.

    >>> dict(result_rows(_example()))["test accuracy"]
    '0.9100 (91.00%)'
    """
    steady = result.epoch_seconds[1:]
    per_epoch = f"{_duration(result.seconds_per_epoch)} per epoch"
    if steady:
        per_epoch += f" ({_duration(sum(steady) / len(steady))} after the first, which builds the graph)"
    rows = [
        ("test accuracy", f"{result.test_accuracy:.4f} ({result.test_accuracy:.2%})"),
        ("test loss", f"{result.test_loss:.4f}"),
        ("epochs", f"{result.epochs}" + (f" (resumed after epoch {result.resumed_from_epoch})"
                                         if result.resumed_from_epoch else "")),
        ("time", f"{per_epoch}; {_duration(result.train_seconds)} of training"),
        ("images/s", f"{result.images_per_second:,.0f} (training)"),
        ("device", result.device + (", mixed_float16" if result.mixed_precision else "")
         + (", XLA" if result.jit else "")),
        ("batches", f"{result.batch_size} images, {result.optimizer} (learning rate {result.learning_rate:g}), "
                    f"seed {result.seed}" + ("" if result.deterministic else " (not deterministic: no --seed)")),
        ("parameters", f"{result.keras_params:,}" + (" (as archcalc counts)" if result.keras_params == result.params
                                                     else f" (archcalc counts {result.params:,})")),
    ]
    if result.conversion != "as stored":
        rows.append(("images", result.conversion))
    if result.output_dir:
        rows.append(("output", f"{result.output_dir}: " + ", ".join(result.files)))
    return rows


class ProgressPrinter:
    """Progress of each epoch on ``stream`` (stderr): on a terminal a bar redrawn in place with loss,
    accuracy and the time left; elsewhere (logs, CI) one line per epoch.
    """

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.steps = 0
        self.start = 0.0

    def note(self, text: str) -> None:
        self.stream.write(f"note: {text}\n")
        self.stream.flush()

    def epoch_begin(self, epoch: int, epochs: int, steps: int) -> None:
        self.steps, self.start, self.epoch, self.epochs = steps, time.perf_counter(), epoch, epochs

    def batch_end(self, step: int, logs: dict[str, float]) -> None:
        if not self.live:
            return
        elapsed = time.perf_counter() - self.start
        eta = elapsed / step * (self.steps - step) if step else 0.0
        width = 24
        done = int(width * step / max(1, self.steps))
        bar = "=" * done + (">" if done < width else "") + " " * (width - done - 1)
        self.stream.write(f"\rEpoch {self.epoch + 1}/{self.epochs} [{bar[:width]}] {step}/{self.steps}"
                          f" - ETA {_duration(eta)} - {_metrics(logs)}\x1b[K")
        self.stream.flush()

    def epoch_end(self, epoch: int, epochs: int, seconds: float, logs: dict[str, float], images: int) -> None:
        rate = images / seconds if seconds else 0.0
        self.stream.write(("\r" if self.live else "") + f"Epoch {epoch + 1}/{epochs} - {_duration(seconds)}"
                          f" - {rate:,.0f} images/s - {_metrics(logs)}" + ("\x1b[K" if self.live else "") + "\n")
        self.stream.flush()


def _metrics(logs: dict[str, float]) -> str:
    order = ("loss", "accuracy", "val_loss", "val_accuracy")
    return " - ".join(f"{k}: {logs[k]:.4f}" for k in order if k in logs)


def _example() -> TrainResult:
    """A small result for the doctests."""
    return TrainResult(
        network="tiny", spec="tiny.txt", dataset="digits", dataset_source="scikit-learn", classes=10,
        input_shape=[8, 8, 1], conversion="as stored", train_examples=100, validation_examples=0,
        test_examples=50, epochs=2, batch_size=32, optimizer="adam", learning_rate=0.001, seed=1,
        deterministic=True, device="CPU (2 cores)", device_kind="cpu", replicas=1, strategy=None,
        mixed_precision=False, jit=False, steps_per_execution=1, params=650, keras_params=650,
        history={"loss": [0.9, 0.3], "accuracy": [0.7, 0.9]}, epoch_seconds=[1.5, 0.5], test_loss=0.31,
        test_accuracy=0.91, train_seconds=2.0, images_per_second=100.0)
