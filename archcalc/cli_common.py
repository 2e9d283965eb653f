"""Options and output helpers shared by the commands of :mod:`archcalc.cli` and the command
modules of the subpackages (``archcalc.bridge.commands``, ``archcalc.teaching.commands``,
``archcalc.pictures.commands``).

Kept apart from ``cli_app.py`` so that a command module can import them without a circular import.
Nothing here may import a heavy module: every ``archcalc`` invocation that builds the typer app imports
this file. What the fast path of :mod:`archcalc.cli` needs (formats, output) lives in
:mod:`archcalc.cli_output`, which imports neither typer nor rich, and is re-exported here.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .cli_output import (
    DType,
    Format,
    Layout,
    Optimizer,
    emit,
    make_console,
    out,
    spec_options,
    table_width,
    with_layout,
)

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


LayoutOpt = Annotated[Layout | None, typer.Option(
    "--layout", help="How tables write shapes: nchw (channels first, PyTorch's) or nhwc (channels last, Keras'). "
                     "Default: the network's own (nchw for PyTorch code, nhwc otherwise); JSON and CSV are "
                     "channels-last always.")]

WideOpt = Annotated[bool, typer.Option("--wide", help="Every column at full width, however wide the terminal.")]


__all__ = [
    "BatchOpt", "DType", "DTypeOpt", "DefineOpt", "Format", "FormatOpt", "InputOpt", "Layout", "LayoutOpt", "NetOpt",
    "NoBiasOpt", "Optimizer", "WideOpt", "emit", "make_console", "out", "spec_options", "table_width", "with_layout",
]
