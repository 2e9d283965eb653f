"""Command-line commands of this subpackage, added to the ``archcalc`` app by :func:`register`.

Only typer and :mod:`archcalc.cli_common` are imported at the top: ``archcalc summary`` imports
this module too and must stay fast. Everything else is imported inside the commands.
"""

from __future__ import annotations

from typing import Annotated

import typer

from archcalc.cli_common import DefineOpt, InputOpt, NetOpt, NoBiasOpt, out, spec_options


def draw(
    spec: Annotated[str, typer.Argument(help="A spec file or a bundled spec's name (vgg16).")],
    output: Annotated[str | None, typer.Option(
        "--output", "-o", metavar="FILE",
        help="The picture to write: .svg (no extra needed), .png or .pdf (need matplotlib: "
             "pip install 'archcalc[plot]'). Default: NAME.svg in the current folder, NAME being the "
             "network's (or the spec's) name.")] = None,
    net: NetOpt = None,
    define: DefineOpt = None,
    input: InputOpt = None,
    title: Annotated[str | None, typer.Option(
        metavar="TEXT", help="Heading of the picture instead of the network's name.")] = None,
    max_width: Annotated[int, typer.Option(
        "--max-width", min=0, metavar="PX",
        help="Wrap a network wider than this many pixels into several rows (0: one row, however wide).")] = 1400,
    no_params: Annotated[bool, typer.Option("--no-params", help="Leave the parameter counts out of the labels.")]
    = False,
    no_bias: NoBiasOpt = False,
    scale: Annotated[float, typer.Option(
        min=0.5, max=8.0, metavar="N",
        help="PNG pixels per diagram pixel (2: sharp on high-resolution screens).")] = 2.0,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace the output file if it exists (as `export --force`).")] = False,
    collapse: Annotated[bool, typer.Option(
        "--collapse", help="One box per block of the spec and per run of equal layers, labelled xN "
                           "(ResNet-50: 10 boxes instead of 176).")] = False,
) -> None:
    """Draw the architecture: one box per layer sized by its output (height H, depth W, thickness C,
    on log scales), labelled with its shape and parameters; pooling, FC and parameter-free layers
    in their own colours. A file holding several networks (`vgg`) gives one panel per network."""
    from pathlib import Path

    from archcalc.analysis import analyze_network
    from archcalc.pictures.draw import write_diagram
    from archcalc.source import load

    networks = load(spec, net, **spec_options(define, input))
    analyses = [analyze_network(n, count_bias=not no_bias) for n in networks]
    if output is None:
        stem = net or (networks[0].name if len(networks) == 1 else Path(spec).stem)
        output = _safe_stem(stem or "network") + ".svg"
    path = write_diagram(analyses, output, overwrite=force, title=title,
                         max_width=max_width or None, show_params=not no_params, scale=scale, collapse=collapse)
    layers = sum(len(a.rows) for a in analyses)
    if collapse:
        from archcalc.pictures.collapse import collapse as one_box_per_unit

        boxes = sum(len(one_box_per_unit(a).rows) for a in analyses)
        drawn = f"{_count(layers, 'layer')} in {_count(boxes, 'box')}"
    else:
        drawn = _count(layers, "layer")
    out(f"wrote {path} ({len(analyses)} network{'s' if len(analyses) > 1 else ''}, {drawn})\n")


def _count(n: int, noun: str) -> str:
    """``1 layer``, ``2 layers``, ``3 boxes``.

    >>> _count(1, "layer"), _count(2, "layer"), _count(3, "box")
    ('1 layer', '2 layers', '3 boxes')
    """
    return f"{n} {noun}" if n == 1 else f"{n} {noun}{'es' if noun.endswith('x') else 's'}"


def _safe_stem(name: str) -> str:
    """A file name from a network name: letters, digits, ``-``, ``_`` and ``.`` kept, the rest ``_``.

    >>> _safe_stem("vgg16"), _safe_stem("A/B net"), _safe_stem("<text>")
    ('vgg16', 'A_B_net', 'text')
    """
    kept = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("_.")
    return kept or "network"


def register(app: typer.Typer) -> None:
    """Add this subpackage's commands to ``app``."""
    app.command("draw")(draw)
