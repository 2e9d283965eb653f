"""Per-layer bar charts of parameters and activation memory (``archcalc summary SPEC --plot FILE``).

The picture shows at once what the table says in numbers: VGG-16's three FC layers hold about 90%
of its weights, while its first convolutions hold most of the activation memory. Bars are coloured
like the blocks of ``archcalc draw`` (convolution, pooling, FC, parameter-free), and every bar that
holds at least :data:`ANNOTATE_SHARE` of its chart's total is labelled with its share.

matplotlib is an optional extra (``pip install 'archcalc[plot]'``), imported inside
:func:`write_charts`; the summary itself never needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

from ..analysis import Analysis
from ..render import human_bytes, human_count, short_name
from .layout import COLOURS, STYLE_NAMES, STYLE_OF_KIND
from .output import picture_format, require_matplotlib, write_atomic

FORMATS = ("png", "svg", "pdf")
#: A bar holding at least this share of its chart's total gets its percentage written on it.
ANNOTATE_SHARE = 0.05
#: At most this many layer names under the bars (the figure is at most 40 inches wide).
MAX_LABELS = 80


def _style(kind: str, inputs: tuple[int, ...]) -> str:
    return "merge" if len(inputs) > 1 else STYLE_OF_KIND.get(kind, "op")


def shares(values: Sequence[int], styles: Sequence[str]) -> list[tuple[str, float]]:
    """Share of the total held by each style, largest first (styles holding nothing left out).

    >>> shares([10, 0, 30], ["conv", "pool", "fc"])
    [('fc', 0.75), ('conv', 0.25)]
    """
    total = sum(values)
    if not total:
        return []
    by: dict[str, int] = {}
    for v, s in zip(values, styles):
        by[s] = by.get(s, 0) + v
    return sorted(((s, v / total) for s, v in by.items() if v), key=lambda p: (-p[1], p[0]))


def _share_text(parts: list[tuple[str, float]]) -> str:
    """``FC 89.6%, convolution 10.4%``.

    >>> _share_text([("fc", 0.896), ("conv", 0.104)])
    'FC 89.6%, convolution 10.4%'
    """
    short = {"fc": "FC", "conv": "convolution", "pool": "pooling", "op": "parameter-free", "input": "input",
             "merge": "merge"}
    return ", ".join(f"{short.get(s, s)} {p:.1%}" for s, p in parts)


def tick_step(largest: float, *, binary: bool = False) -> float:
    """A round distance between y ticks giving five to ten ticks up to ``largest``: 1, 2 or 5 times a
    power of ten, or for bytes a power of two times 1, 2 or 5 of a binary unit (so ticks read
    ``2 MiB, 4 MiB``, not ``1.91 MiB``).

    >>> tick_step(102_764_544), tick_step(12 * 2**20, binary=True) / 2**20, tick_step(0)
    (20000000.0, 2.0, 1.0)
    """
    if largest <= 0:
        return 1.0
    unit = 1.0
    if binary:
        while unit * 1024 <= largest:
            unit *= 1024
        candidates = [0.125, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
    else:
        candidates = [m * 10.0**k for k in range(16) for m in (1, 2, 5)]
    rough = largest / unit / 6
    return float(next((c for c in candidates if c >= rough), candidates[-1]) * unit)


def _trim(text: str) -> str:
    """``100.00 M`` → ``100 M``, ``2.50 MiB`` → ``2.5 MiB``.

    >>> _trim("100.00 M"), _trim("2.50 MiB"), _trim("0 B")
    ('100 M', '2.5 MiB', '0 B')
    """
    number, _, unit = text.partition(" ")
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return f"{number} {unit}".strip()


def write_charts(analyses: Sequence[Analysis], path: str, *, overwrite: bool = True) -> Path:
    """Write bar charts of parameters and activation memory per layer to ``path``.

    One pair of charts per network (parameters above, activation memory below, the layers shared),
    stacked when the spec holds several networks. The suffix of ``path`` picks the format.

    Args:
        analyses: the analysed networks (their batch and dtype set the memory in bytes).
        path: ``.png``, ``.svg`` or ``.pdf``.
        overwrite: replace an existing file of that name (``summary --plot FILE --force``).

    Raises:
        UsageError: the suffix names no format matplotlib writes here.
        MissingDependency: matplotlib is not installed.
        OutputError: the file cannot be written.
    """
    fmt = picture_format(path, FORMATS, "--plot")
    require_matplotlib("`--plot`")
    figure = _figure(analyses)
    return write_atomic(path, lambda f: _save(figure, f, fmt), overwrite=overwrite)


def _save(figure: object, file: IO[bytes], fmt: str) -> None:
    # No dates, no software versions, a fixed id salt: the same analysis gives the same file.
    metadata = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
                "pdf": {"Creator": None, "Producer": None, "CreationDate": None}}[fmt]
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "archcalc"}):
        figure.savefig(file, format=fmt, metadata=metadata, dpi=150,
                       bbox_inches="tight", pad_inches=0.15)  # type: ignore[attr-defined]


def _figure(analyses: Sequence[Analysis]) -> object:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    most = max((len(a.rows) for a in analyses), default=1)
    width = min(max(8.0, 0.42 * most + 2.5), 40.0)
    fig = Figure(figsize=(width, 7.2 * len(analyses)), layout="constrained")
    grids = fig.subplots(2 * len(analyses), 1, squeeze=False)
    for i, a in enumerate(analyses):
        top, bottom = grids[2 * i][0], grids[2 * i + 1][0]
        styles = [_style(r.kind, r.inputs) for r in a.rows]
        colours = [COLOURS[s] for s in styles]
        xs = list(range(len(a.rows)))
        every = -(-len(xs) // MAX_LABELS)  # a deep network names every n-th layer, so the names stay legible
        per_value = a.memory.dtype_bytes * a.memory.batch
        params = [r.params for r in a.rows]
        memory = [r.activations * per_value for r in a.rows]
        batch = a.memory.batch
        charts = (
            (top, params, human_count,
             f"{a.network}: parameters per layer\n"
             f"total {human_count(sum(params))}: {_share_text(shares(params, styles))}", "parameters"),
            (bottom, memory, human_bytes,
             f"{a.network}: activation memory per layer ({a.settings.get('dtype', 'float32')}, "
             f"batch {batch})\ntotal {human_bytes(sum(memory))}: {_share_text(shares(memory, styles))}",
             "activation memory"),
        )
        for ax, values, fmt, title, ylabel in charts:
            # Outlines would paint a deep network's thin bars black.
            ax.bar(xs, values, color=colours, edgecolor="#333333", linewidth=0.4 if len(xs) <= 100 else 0, width=0.75)
            ax.set_title(title, fontsize=10, loc="left")
            ax.set_ylabel(ylabel)
            ax.yaxis.set_major_locator(MultipleLocator(tick_step(max(values, default=0), binary=fmt is human_bytes)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos, fmt=fmt: _trim(fmt(int(v))) if v >= 0 else ""))
            ax.grid(axis="y", color="#dddddd", linewidth=0.6)
            ax.set_axisbelow(True)
            ax.spines[["top", "right"]].set_visible(False)
            ax.set_xlim(-0.6, len(xs) - 0.4)
            total = sum(values)
            if total:
                ax.set_ylim(0, max(values) * 1.15)
                for x, v in zip(xs, values):
                    if v / total >= ANNOTATE_SHARE:
                        ax.text(x, v, f"{v / total:.0%}", ha="center", va="bottom", fontsize=8, color="#333333")
            ax.set_xticks(xs[::every])
        top.tick_params(axis="x", labelbottom=False)
        bottom.set_xticklabels([f"{r.index} {short_name(r.name).split()[0]}" for r in a.rows[::every]],
                               rotation=55, ha="right", fontsize=8)
        if i == 0:
            used = [s for s in STYLE_NAMES if s in styles]
            top.legend(handles=[Patch(facecolor=COLOURS[s], edgecolor="#333333", label=STYLE_NAMES[s])
                                for s in used], fontsize=8, frameon=False, loc="upper left",
                       bbox_to_anchor=(0.0, 0.93))
    return fig
