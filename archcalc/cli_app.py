"""The typer app of the ``archcalc`` command: thin typer commands over the library.

Each command parses its options, calls library functions and hands the result to a renderer.
:func:`archcalc.cli.main` runs this app (and catches the errors); it answers a plain
``archcalc summary SPEC`` itself, without building the app, through the same :func:`run_summary`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from . import __version__
from .analysis import analyze_network
from .bridge import commands as bridge_commands
from .cli import analyses_of, run_summary
from .cli_common import (
    BatchOpt,
    DefineOpt,
    DType,
    DTypeOpt,
    Format,
    FormatOpt,
    InputOpt,
    LayoutOpt,
    NetOpt,
    NoBiasOpt,
    Optimizer,
    WideOpt,
    emit,
    make_console,
    out,
    spec_options,
    table_width,
    with_layout,
)
from .pictures import commands as pictures_commands
from .profiling import commands as profiling_commands
from .teaching import commands as teaching_commands
from .training import commands as training_commands

app = typer.Typer(
    name="archcalc",
    help="Shapes, parameters, memory, MACs and receptive fields of CNNs, before anything is trained.\n\n"
         "SPEC is a file (paper notation or Keras code) or a bundled spec's name: `archcalc list`.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.command()
def summary(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help="A spec file or a bundled spec's name (vgg16).")],
    format: FormatOpt = Format.table,
    batch: BatchOpt = 1,
    dtype: DTypeOpt = DType.float32,
    no_bias: NoBiasOpt = False,
    net: NetOpt = None,
    define: DefineOpt = None,
    input: InputOpt = None,
    explain: Annotated[bool, typer.Option("--explain", "-e", help="Show the working behind each number.")] = False,
    optimizer: Annotated[Optimizer, typer.Option(help="Optimizer, for its state in the training memory.")]
    = "adam",  # type: ignore[assignment]
    fit_memory: Annotated[str | None, typer.Option(
        "--fit-memory", metavar="SIZE",
        help="A memory size (16GiB, 12GB): print the largest training batch that fits.")] = None,
    plot: Annotated[str | None, typer.Option(
        "--plot", metavar="FILE",
        help="Also write bar charts of parameters and activation memory per layer (.png, .svg, .pdf; "
             "needs matplotlib: pip install 'archcalc[plot]').")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --plot file if it exists.")] = False,
    wide: WideOpt = False,
    layout: LayoutOpt = None,
) -> None:
    """Per-layer table: output shape, parameters, activations, memory, MACs, receptive field.

    In a terminal the table fits its width: numbers are shortened, then the Activations, RF, Memory
    and MACs columns are left out in that order (a last line says which); `--wide` shows them all.
    """
    run_summary(spec, format.value, batch, dtype.value, no_bias, net, define, input, explain,
                Optimizer(optimizer).value, fit_memory, plot, force, wide, None if layout is None else layout.value)


@app.command()
def compare(
    specs: Annotated[list[str], typer.Argument(
        metavar="SPEC...", help="One file holding several networks, or several specs.")],
    format: FormatOpt = Format.table,
    batch: BatchOpt = 1,
    dtype: DTypeOpt = DType.float32,
    no_bias: NoBiasOpt = False,
    define: DefineOpt = None,
    input: InputOpt = None,
    layout: LayoutOpt = None,
) -> None:
    """Networks side by side: parameters, MACs, memory, receptive field (`compare vgg` is the
    VGG paper's Table 2)."""
    from . import render

    analyses = with_layout(analyses_of(specs, None, spec_options(define, input), batch=batch, dtype=dtype.value,
                                       count_bias=not no_bias), layout)
    if not emit(format, json=lambda: render.json_text(analyses) if len(analyses) > 1
                else "[" + render.json_text(analyses) + "]\n",
                csv=lambda: render.compare_csv(analyses), markdown=lambda: render.compare_markdown(analyses)):
        make_console().print(render.compare_table(analyses))


@app.command("list")
def list_specs(format: FormatOpt = Format.table) -> None:
    """The bundled specs, each with its source and totals."""
    import json

    from . import render
    from .source import bundled_files, description, parse_text, read_file

    items = []
    for f in bundled_files():
        text = read_file(f).text
        about = description(text)
        for n in parse_text(text, f.name):
            a = analyze_network(n)
            items.append({"spec": f.stem, "network": n.name, "description": about,
                          "input_shape": list(a.input_shape), "layers": len(a.rows),
                          "params": a.totals.params, "macs": a.totals.macs})
    if format is Format.json:
        out(json.dumps(items, indent=2) + "\n")
    elif format in (Format.csv, Format.markdown):
        cols = ["spec", "network", "input", "layers", "params", "MACs", "description"]
        rows = [[i["spec"], i["network"], render.shape_text(tuple(i["input_shape"])), str(i["layers"]),
                 f"{i['params']:,}", render.human_count(i["macs"]), i["description"]] for i in items]
        if format is Format.csv:
            import csv
            import io

            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(cols)
            w.writerows(rows)
            out(buf.getvalue())
        else:
            out("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n"
                 + "".join("| " + " | ".join(r) + " |\n" for r in rows))
    else:
        from rich.table import Table

        table = Table(header_style="bold", pad_edge=False)
        for c, j in (("spec", "left"), ("network", "left"), ("input", "left"), ("layers", "right"),
                     ("params", "right"), ("MACs", "right"), ("source", "left")):
            table.add_column(c, justify=j, no_wrap=True)  # type: ignore[arg-type]
        rows = [[i["spec"], i["network"], render.shape_text(tuple(i["input_shape"])), str(i["layers"]),
                 f"{i['params']:,}", render.human_count(i["macs"]), i["description"]] for i in items]
        console, width = make_console(), table_width()
        if width is not None:  # one line a network: what does not fit the terminal ends in "…"
            room = width - sum(max(len(r[k]) for r in rows) + 3 for k in range(6)) - 4
            for r in rows:
                r[6] = r[6] if len(r[6]) <= room else r[6][:max(room - 1, 0)].rstrip() + "…"
        for r in rows:
            table.add_row(*r)
        console.print(table)


# The commands of the subpackages (verify/export/import, check/exercise, draw) live beside their code.
bridge_commands.register(app)
teaching_commands.register(app)
pictures_commands.register(app)
training_commands.register(app)
profiling_commands.register(app)


def _version(value: bool) -> None:
    if value:
        out(f"archcalc {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """Shapes, parameters, memory, MACs and receptive fields of CNNs, before anything is trained."""


__all__ = ["app"]
