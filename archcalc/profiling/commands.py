"""The ``archcalc profile`` command.

Only typer and :mod:`archcalc.cli_common` at the top: every ``archcalc`` invocation imports this module.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ..cli_common import (
    BatchOpt,
    DefineOpt,
    DType,
    DTypeOpt,
    Format,
    FormatOpt,
    InputOpt,
    NetOpt,
    Optimizer,
    emit,
    make_console,
    spec_options,
)


def profile(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help="A spec file or a bundled spec's name (vgg16).")],
    batch: BatchOpt = 32,
    optimizer: Annotated[Optimizer, typer.Option(help="Optimizer, for its state and update.")]
    = "adam",  # type: ignore[assignment]
    dtype: DTypeOpt = DType.float32,
    device: Annotated[str, typer.Option(
        "--device", metavar="cpu|gpu|NAME",
        help="cpu: measure here (and this CPU's peak, for the roofline); gpu: measure on TensorFlow's first GPU; "
             "a device of the table (h100, a100, l4, t4, rtx4090, ...): estimate only, from its published "
             "figures.")] = "cpu",
    fit_memory: Annotated[str | None, typer.Option(
        "--fit-memory", metavar="SIZE",
        help="A memory size (8GiB, 512MiB): the largest batch that fits, predicted, then confirmed by measuring "
             "around the prediction.")] = None,
    run: Annotated[bool, typer.Option("--run/--no-run", help="Measure (default), or only estimate.")] = True,
    warmup: Annotated[int, typer.Option("--warmup", min=1, help="Steps run before timing (the first traces "
                                                                "the step).")] = 2,
    steps: Annotated[int, typer.Option("--steps", min=1, max=1000, help="Timed steps.")] = 5,
    format: FormatOpt = Format.table,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    net: NetOpt = None,
    define: DefineOpt = None,
    input: InputOpt = None,
) -> None:
    """Measure a training step (peak memory, median step time, images/s) in a fresh process, next to
    archcalc's memory estimate and a roofline step time."""
    from ..errors import UsageError
    from ..render import parse_bytes
    from ..source import load
    from .profile import profile as run_profile
    from .report import csv_text, json_text, markdown_text, rich_parts

    budget = parse_bytes(fit_memory) if fit_memory else None
    networks = load(spec, net, **spec_options(define, input))
    if len(networks) > 1:
        raise UsageError(f"`{spec}` holds {len(networks)} networks: " + ", ".join(n.name for n in networks),
                         hint="pick one with --net NAME")
    with _Progress(quiet) as progress:
        result = run_profile(networks[0], spec=spec, batch=batch, dtype=dtype.value,
                             optimizer=Optimizer(optimizer).value, device=device, run=run, fit_memory=budget,
                             warmup=warmup, steps=steps, progress=progress.update)
    if not emit(format, json=lambda: json_text(result), csv=lambda: csv_text(result),
                markdown=lambda: markdown_text(result)):
        console = make_console()
        for part in rich_parts(result):
            console.print(part)


class _Progress:
    """What the measurement is doing, on stderr: a spinner line on a terminal; elsewhere (a log, CI) one line
    per phase, without the step counts."""

    def __init__(self, quiet: bool) -> None:
        from rich.console import Console

        self.quiet = quiet
        self.console = Console(stderr=True, highlight=False)
        self.status = None
        self.last = ""

    def __enter__(self) -> _Progress:
        if not self.quiet and self.console.is_terminal:
            self.status = self.console.status("starting")
            self.status.start()
        return self

    def update(self, text: str) -> None:
        if self.quiet:
            return
        if self.status is not None:
            self.status.update(text)
            return
        phase = text.rsplit(" ", 1)[0] if text[-1].isdigit() and "/" in text else text
        if phase != self.last:
            self.console.print(phase)
            self.last = phase

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.stop()


def register(app: typer.Typer) -> None:
    """Add ``profile`` to ``app``."""
    app.command()(profile)
