"""The command line's formats and output helpers, without typer or rich.

:mod:`archcalc.cli` answers the common commands (``archcalc summary vgg16``) without building the
typer app: this module holds what that fast path shares with the typer commands, so that neither
typer (about 20 ms to import) nor rich (about 17 ms) is loaded for output that goes to a pipe or a
file. Rich is imported only when a styled table goes to a terminal (:func:`make_console`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import Enum

from .memory import OPTIMIZER_SLOTS


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


def with_layout(analyses: list, layout: Layout | None) -> list:
    """The analyses with ``--layout`` set (``None`` keeps each network's own)."""
    if layout is not None:
        for a in analyses:
            a.layout = layout.value
    return analyses


def spec_options(define: list[str] | None, input: str | None) -> dict[str, object]:
    """The keyword arguments of ``source.load`` for ``--define`` and ``--input``.

    >>> spec_options(["n=10"], "28x28x1")
    {'defines': {'n': 10}, 'input_shape': (28, 28, 1)}
    >>> spec_options(None, None)
    {'defines': {}, 'input_shape': None}
    """
    if not define and input is None:  # the code reader is imported only when it is needed
        return {"defines": {}, "input_shape": None}
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


def table_width(wide: bool = False) -> int | None:
    """The width a table must fit: the terminal's (``COLUMNS`` or its size) when the output is one,
    else ``None`` — piped output and ``--wide`` get every column, complete."""
    if wide or not sys.stdout.isatty():
        return None
    import shutil

    return max(shutil.get_terminal_size((80, 24)).columns, 40)


# Variables that make rich style output that is not a terminal (rich's own, and the common convention).
_COLOR_ANYWAY = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")


def styled_output() -> bool:
    """Whether tables go through rich (bold headers, dim notes): the output is a terminal, or the
    environment asks rich for styles anyway. Otherwise a table is plain text, written without rich
    (the same characters rich would write, as :func:`write_lines` does)."""
    return sys.stdout.isatty() or any(os.environ.get(k) for k in _COLOR_ANYWAY)


def write_lines(lines: list[tuple[str, str]]) -> None:
    """Write (line, style) pairs as rich prints a ``Text`` of them unstyled, then a blank line.

    >>> write_lines([("a", "bold"), ("b", "")])
    a
    b
    <BLANKLINE>
    """
    out("\n".join(line for line, _ in lines) + "\n\n")


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


__all__ = ["DType", "Format", "Layout", "Optimizer", "emit", "make_console", "out", "spec_options", "styled_output",
           "table_width", "with_layout", "write_lines"]
