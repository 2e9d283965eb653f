"""The ``archcalc`` command: its entry point, and a fast path for the most common command.

:func:`main` turns errors into messages and exit codes. This is the only module that catches
:class:`~archcalc.errors.ArchcalcError`: it prints the error's message (file:line:column, the line, a
caret and a hint) to stderr and exits with the error's code. Anything else is a bug, reported as one
with exit code 70.

The commands themselves are typer commands in :mod:`archcalc.cli_app`. Building that app imports typer
and every command module (about 25 ms, a quarter of ``archcalc summary vgg16``), so a plain
``archcalc summary SPEC`` with well-formed options is answered here without it: :func:`fast_summary`
reads exactly the options of ``summary`` in their ordinary spellings and hands anything else (``--help``,
a typo, a bad value, an unusual spelling like ``-fjson``) to typer, which then answers as it always has.
Both paths run the same :func:`run_summary`, so they print the same bytes (``tests/test_cli_fast.py``
compares them). Importing this module loads neither typer nor rich.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import TYPE_CHECKING

from .acyclic import acyclic_work
from .errors import EXIT_INTERNAL, ArchcalcError, UsageError

if TYPE_CHECKING:
    from .analysis import Analysis
    from .cli_output import Format


def analyses_of(specs: list[str], net: str | None, reading: dict[str, object] | None = None,
                **options: object) -> list[Analysis]:
    """Every network the specs name (or the one ``net`` picks), analysed with ``options``."""
    from .analysis import analyze_network
    from .network import Network
    from .source import load

    with acyclic_work():
        networks: list[Network] = []
        for spec in specs:
            networks.extend(load(spec, net, **(reading or {})))  # type: ignore[arg-type]
        return [analyze_network(n, **options) for n in networks]  # type: ignore[arg-type]


def run_summary(spec: str, format: str = "table", batch: int = 1, dtype: str = "float32", no_bias: bool = False,
                net: str | None = None, define: list[str] | None = None, input: str | None = None,
                explain: bool = False, optimizer: str = "adam", fit_memory: str | None = None,
                plot: str | None = None, force: bool = False, wide: bool = False, layout: str | None = None) -> None:
    """``archcalc summary``: what the typer command and the fast path both run."""
    from . import render
    from .cli_output import Format, Layout, spec_options, with_layout

    format = Format(format)
    budget = render.parse_bytes(fit_memory) if fit_memory else None
    analyses = analyses_of([spec], net, spec_options(define, input), batch=batch, dtype=dtype,
                           count_bias=not no_bias, optimizer=optimizer)
    with_layout(analyses, None if layout is None else Layout(layout))
    if plot is not None:
        from .pictures.charts import write_charts

        write_charts(analyses, plot, overwrite=force)
    with acyclic_work():
        _print_summary(analyses, format, budget, explain, wide)


def _print_summary(analyses: list[Analysis], format: Format, budget: int | None, explain: bool, wide: bool) -> None:
    from . import render
    from .analysis import largest_batch
    from .cli_output import Format, make_console, out, styled_output, table_width, write_lines

    if format is Format.json:
        out(render.json_text(analyses, fit_memory=budget, explain=explain))
    elif format is Format.csv:
        out(render.csv_text(analyses, explain=explain))
    elif format is Format.markdown:
        out("\n".join(render.markdown_table(a) for a in analyses))
        if explain:
            out("\n```text\n" + "".join(render.explain_text(a) for a in analyses) + "```\n")
        if budget is not None:
            out("".join(f"\nLargest training batch of {a.network} in {render.human_bytes(budget)}: "
                        f"{largest_batch(a, budget):,}\n" for a in analyses))
    elif not styled_output():  # a pipe or a file: the same characters, without importing rich
        width = table_width(wide)
        for a in analyses:
            write_lines(render.text_lines(a, explain=explain, fit_memory=budget, width=width))
    else:
        console, width = make_console(), table_width(wide)
        for a in analyses:
            for part in render.rich_table(a, explain=explain, fit_memory=budget, width=width):
                console.print(part, soft_wrap=True)  # long rows run on rather than fold mid-cell
            console.print()


# The options of `archcalc summary` as the fast path reads them: spelling -> (parameter, takes a value).
_SUMMARY_OPTIONS = {
    "--format": ("format", True), "-f": ("format", True), "--batch": ("batch", True), "-b": ("batch", True),
    "--dtype": ("dtype", True), "--net": ("net", True), "--define": ("define", True), "-D": ("define", True),
    "--input": ("input", True), "--optimizer": ("optimizer", True), "--fit-memory": ("fit_memory", True),
    "--plot": ("plot", True), "--no-bias": ("no_bias", False), "--explain": ("explain", False),
    "-e": ("explain", False), "--force": ("force", False), "--wide": ("wide", False), "--layout": ("layout", True),
}
_CHOICES = {"format": ("table", "json", "csv", "markdown"), "layout": ("nchw", "nhwc"),
            "dtype": ("float32", "float16", "bfloat16", "int8", "float64")}


def fast_summary(args: list[str]) -> dict[str, object] | None:
    """The keyword arguments of :func:`run_summary` for ``args``, or ``None`` when typer must read them.

    Only the ordinary spellings are read here: one SPEC, ``--option VALUE`` or ``--option=VALUE``, each
    option at most once (``--define`` repeatable), every value one that the typer command accepts as it
    is. Anything else, right or wrong, goes to typer, whose answer (help, an error message) is the
    reference.

    >>> fast_summary(["summary", "vgg16", "-f", "json", "--batch=8", "-D", "n=3", "--define", "m=4"])
    {'spec': 'vgg16', 'format': 'json', 'batch': 8, 'define': ['n=3', 'm=4']}
    >>> [fast_summary(a) for a in (["summary", "vgg16", "--help"], ["summary", "-fjson", "vgg16"],
    ...                            ["summary", "vgg16", "--batch", "0"], ["summary", "a", "b"], ["list"])]
    [None, None, None, None, None]
    """
    if not args or args[0] != "summary":
        return None
    kwargs: dict[str, object] = {}
    rest = iter(args[1:])
    for arg in rest:
        if not arg.startswith("-") and arg:
            if "spec" in kwargs:
                return None  # an extra argument: typer's message
            kwargs["spec"] = arg
            continue
        name, _, attached = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        known = _SUMMARY_OPTIONS.get(name)
        if known is None:
            return None
        param, takes_value = known
        if not takes_value:
            if "=" in arg or param in kwargs:
                return None
            kwargs[param] = True
            continue
        value = attached if "=" in arg and arg.startswith("--") else next(rest, None)
        if value is None or not value or value.startswith("-"):
            return None
        if param == "define":
            kwargs.setdefault("define", []).append(value)  # type: ignore[union-attr]
            continue
        if param in kwargs or (param in _CHOICES and value not in _CHOICES[param]):
            return None
        if param == "optimizer":
            from .memory import OPTIMIZER_SLOTS

            if value not in OPTIMIZER_SLOTS:
                return None
        if param == "batch":
            # past 18 digits (Python converts no more than 4,300): typer's path says what is wrong
            if not (value.isascii() and value.isdigit()) or len(value) > 18 or int(value) < 1:
                return None
            kwargs[param] = int(value)
            continue
        kwargs[param] = value
    return kwargs if "spec" in kwargs else None


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: runs the command and turns errors into messages and exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        args = ["--help"]  # bare `archcalc` asked for nothing wrong: the help, with exit code 0
    try:
        fast = fast_summary(args)
        if fast is not None:
            run_summary(**fast)  # type: ignore[arg-type]
        else:
            from .cli_app import app

            # Outside standalone mode click returns the code of a `typer.Exit` instead of raising it.
            code = app(args=args, standalone_mode=False, prog_name="archcalc")
            if isinstance(code, int) and code:
                raise SystemExit(code)
    except SystemExit as e:
        # click ends a command whose output pipe closed (`archcalc summary resnet152 | head -1`) with exit 1,
        # which here means "a check failed"; the reader stopping early is not a failure: end quietly.
        if e.code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
            raise SystemExit(0) from None
        raise
    except BrokenPipeError:
        # What is left in the buffer goes nowhere, so that the interpreter's last flush fails no more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(0) from None
    except ArchcalcError as e:
        sys.stderr.write(e.render() + "\n")
        raise SystemExit(e.exit_code) from None
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    except Exception as e:
        _unexpected(e)
    raise SystemExit(0)


def _unexpected(e: Exception) -> None:
    """End with typer's and click's own exits and usage errors; anything else is a bug: say so, and how
    to report it."""
    typer = sys.modules.get("typer")
    if typer is not None:  # only the typer path raises these
        if isinstance(e, typer.Exit):
            raise SystemExit(e.exit_code) from None
        # typer 0.28 vendors click as typer._click; older typers use click itself.
        click_exc = getattr(typer, "_click", None)
        click_exc = getattr(click_exc, "exceptions", None) or __import__("click").exceptions
        if isinstance(e, click_exc.ClickException):
            e.show()
            raise SystemExit(2 if isinstance(e, click_exc.UsageError) else e.exit_code) from None
    if isinstance(e, OSError) and e.errno == errno.ENAMETOOLONG and e.filename is not None:
        # Python's path tests (`exists`, `is_dir`) raise on a name the file system cannot even look up;
        # only a name the user gave is that long, wherever the command first looks at it.
        name = os.fsdecode(e.filename)
        error = UsageError(f"the file name `{name[:60]}…` ({len(name):,} characters) is longer than the file "
                           "system allows", hint="give a shorter path (at most 255 bytes a name)")
        sys.stderr.write(error.render() + "\n")
        raise SystemExit(error.exit_code) from None
    if os.environ.get("ARCHCALC_DEBUG"):
        raise e
    sys.stderr.write(f"internal error: {type(e).__name__}: {e}\n"
                     "This is a bug in archcalc. Run again with ARCHCALC_DEBUG=1 for the traceback "
                     "and report it with the spec that caused it.\n")
    raise SystemExit(EXIT_INTERNAL) from None


def __getattr__(name: str) -> object:
    """``archcalc.cli.app`` (and the typer commands) as before, built on first use."""
    if name.startswith("__"):
        raise AttributeError(name)
    from . import cli_app

    try:
        return getattr(cli_app, name)
    except AttributeError:
        raise AttributeError(f"module 'archcalc.cli' has no attribute {name!r}") from None


__all__ = ["UsageError", "analyses_of", "fast_summary", "main", "run_summary"]
