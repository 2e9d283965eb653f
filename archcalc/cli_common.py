"""Options and output helpers shared by the commands of :mod:`archcalc.cli` and the command
modules of the subpackages (``archcalc.bridge.commands``, ``archcalc.teaching.commands``,
``archcalc.pictures.commands``).

Kept apart from ``cli.py`` so that a command module can import them without a circular import.
Nothing here may import a heavy module: every ``archcalc`` invocation imports this file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import Enum
from typing import Annotated

import typer

from .analysis import OPTIMIZER_SLOTS


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class DType(str, Enum):
    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"
    int8 = "int8"
    float64 = "float64"


class Layout(str, Enum):
    nchw = "nchw"
    nhwc = "nhwc"


Optimizer = Enum("Optimizer", {k: k for k in OPTIMIZER_SLOTS}, type=str)  # type: ignore[misc]

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
BatchOpt = Annotated[int, typer.Option("--batch", "-b", min=1, metavar="N",
                                       help="Examples per batch, for the byte counts.")]
DTypeOpt = Annotated[DType, typer.Option("--dtype", help="Bytes per value of weights and activations.")]
NoBiasOpt = Annotated[bool, typer.Option("--no-bias", help="Count weights only (the CS231n table's convention).")]
NetOpt = Annotated[str | None, typer.Option("--net", metavar="NAME",
                                            help="Pick one network of a file that holds several.")]

DefineOpt = Annotated[list[str] | None, typer.Option(
    "--define", "-D", metavar="NAME=VALUE",
    help="A value the code uses but does not define (repeatable): a number, a string, a shape like 28x28x1 "
         "or a tuple: --define num_classes=10.")]
InputOpt = Annotated[str | None, typer.Option(
    "--input", metavar="SHAPE", help="The input shape of the network (any notation), e.g. 28x28x1 or 500x1.")]


def spec_options(define: list[str] | None, input: str | None) -> dict[str, object]:
    """The keyword arguments of ``source.load`` for ``--define`` and ``--input``.

    >>> spec_options(["n=10"], "28x28x1")
    {'defines': {'n': 10}, 'input_shape': (28, 28, 1)}
    """
    from .code.defines import parse_defines, parse_input_shape

    return {"defines": parse_defines(define), "input_shape": parse_input_shape(input)}


def out(text: str) -> None:
    sys.stdout.write(text)


def emit(format: Format, **renderers: Callable[[], str]) -> bool:
    """Print the text of a data format (``json=``, ``csv=``, ``markdown=``: functions that render it)
    and return True; return False for ``table``, which each command draws on its console itself.

    >>> emit(Format.csv, json=lambda: "{}", csv=lambda: "a,b\\n")
    a,b
    True
    """
    render = renderers.get(format.value)
    if format is Format.table or render is None:
        return False
    out(render())
    return True


LayoutOpt = Annotated[Layout | None, typer.Option(
    "--layout", help="How tables write shapes: nchw (channels first, PyTorch's) or nhwc (channels last, Keras'). "
                     "Default: the network's own (nchw for PyTorch code, nhwc otherwise); JSON and CSV are "
                     "channels-last always.")]


def with_layout(analyses: list, layout: Layout | None) -> list:
    """The analyses with ``--layout`` set (``None`` keeps each network's own)."""
    if layout is not None:
        for a in analyses:
            a.layout = layout.value
    return analyses


WideOpt = Annotated[bool, typer.Option("--wide", help="Every column at full width, however wide the terminal.")]


def table_width(wide: bool = False) -> int | None:
    """The width a table must fit: the terminal's (``COLUMNS`` or its size) when the output is one,
    else ``None`` — piped output and ``--wide`` get every column, complete."""
    import shutil

    if wide or not sys.stdout.isatty():
        return None
    return max(shutil.get_terminal_size((80, 24)).columns, 40)


def make_console():
    import shutil

    from rich.console import Console

    # Piped output (files, CI logs, `| less`) gets a table as wide as it needs, not rich's 80 columns.
    width = None if sys.stdout.isatty() else max(shutil.get_terminal_size((120, 24)).columns, 120)
    console = Console(highlight=False, width=width)
    console.on_broken_pipe = _pipe_closed  # type: ignore[method-assign]  # rich would exit 1: cli.main ends with 0
    return console


def _pipe_closed() -> None:
    raise BrokenPipeError


__all__ = [
    "BatchOpt", "DType", "DTypeOpt", "DefineOpt", "Format", "FormatOpt", "InputOpt", "Layout", "LayoutOpt", "NetOpt",
    "NoBiasOpt", "Optimizer", "WideOpt", "emit", "make_console", "out", "spec_options", "table_width", "with_layout",
]
