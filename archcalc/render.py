"""Renderers: an :class:`~archcalc.analysis.Analysis` as JSON, CSV, Markdown, HTML or a rich table.

Nothing here computes a number; it formats what the analysis returned. ``rich`` is imported only
by the functions that draw terminal tables.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import TYPE_CHECKING, Any

from .analysis import Analysis, largest_batch

if TYPE_CHECKING:
    from rich.console import RenderableType

# --------------------------------------------------------------------------------------------
# Number formatting.


def human_bytes(n: int) -> str:
    """Binary units, as memory is sold to programmers: KiB, MiB, GiB.

    >>> human_bytes(60348320), human_bytes(512), human_bytes(3 * 2**30)
    ('57.55 MiB', '512 B', '3.00 GiB')
    """
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} B"


def human_count(n: int) -> str:
    """Decimal SI prefixes for counts: 15.47 G, 138.36 M, 1.79 K.

    >>> human_count(15470264320), human_count(1792), human_count(10)
    ('15.47 G', '1.79 K', '10')
    """
    for unit, size in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("K", 10**3)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return str(n)


def shape_text(shape: tuple[int, ...]) -> str:
    """``224x224x64`` or ``4096``."""
    return "x".join(map(str, shape))


def one_line(text: str) -> str:
    r"""``text`` with every character that could end a line or is not printable written as an escape.

    For the user's text (names, paths) put in a ``#`` comment of a file archcalc writes: a Keras layer
    named ``"a\nFC-99999"`` must not add a layer to an imported spec, nor a line of code to an export.

    >>> print(one_line("a\nFC-99999"))
    a\nFC-99999
    """
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def parse_bytes(text: str) -> int:
    """``16GiB``, ``16 GB``, ``512MiB``, ``1.5G`` (binary when ambiguous), or plain bytes.

    >>> parse_bytes("16GiB"), parse_bytes("1GB"), parse_bytes("2k")
    (17179869184, 1000000000, 2048)
    """
    import re

    from .errors import UsageError

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)(b?)\s*", text.lower())
    if not m:
        raise UsageError(f"cannot read the size `{text}`", hint="write e.g. `16GiB`, `16GB` or `512MiB`")
    number, prefix, binary, b = m.groups()
    power = " kmgt".index(prefix) if prefix else 0
    # "GB" is decimal (10^9), "GiB" and a bare "G" binary (2^30): how GPU memory is usually quoted.
    base = 1000 if (prefix and b and not binary) else 1024
    return int(float(number) * base**power)


# --------------------------------------------------------------------------------------------
# Data formats.


def analysis_dict(a: Analysis) -> dict[str, Any]:
    """The JSON object of DESIGN §4; extra fields are added, the fixed ones never renamed."""
    m, t = a.memory, a.totals
    return {
        "network": a.network,
        "input_shape": list(a.input_shape),
        "layers": [
            {
                "index": r.index, "name": r.name, "kind": r.kind, "output_shape": list(r.output_shape),
                "params": r.params, "weights": r.weights, "biases": r.biases,
                "trainable_params": r.trainable, "non_trainable_params": r.non_trainable,
                "activations": r.activations, "activation_bytes": r.activations * m.dtype_bytes * m.batch,
                "macs": r.macs, "flops": 2 * r.macs,
                "receptive_field": {"size": max(r.rf_size), "stride": max(r.rf_stride),
                                    "size_hw": list(r.rf_size), "stride_hw": list(r.rf_stride)},
                "inputs": list(r.inputs), "scope": list(r.scope), "activation": r.activation,
            }
            for r in a.rows
        ],
        "totals": {
            "params": t.params, "trainable_params": t.trainable_params,
            "non_trainable_params": t.non_trainable_params, "weights": t.weights, "biases": t.biases,
            "activations": t.activations, "activation_bytes": t.activation_bytes,
            "macs": t.macs, "flops": t.flops,
        },
        "memory": {
            "batch": m.batch, "dtype": a.settings["dtype"], "bytes_per_value": m.dtype_bytes,
            "optimizer": m.optimizer, "parameters": m.parameters, "gradients": m.gradients,
            "optimizer_state": m.optimizer_state, "input": m.input,
            "activations_forward": m.forward, "activations_backward": m.backward,
            "training_total": m.training, "inference_total": m.inference,
        },
        "receptive_field": {"size": max(a.receptive_field), "size_hw": list(a.receptive_field)},
        "settings": dict(a.settings),
    }


def json_text(analyses: list[Analysis], *, fit_memory: int | None = None) -> str:
    objs = [analysis_dict(a) for a in analyses]
    if fit_memory is not None:
        for obj, a in zip(objs, analyses):
            obj["memory"]["fit_memory"] = {"budget": fit_memory, "largest_batch": largest_batch(a, fit_memory)}
    return json.dumps(objs[0] if len(objs) == 1 else objs, indent=2) + "\n"


CSV_COLUMNS = ("network", "index", "name", "kind", "output_shape", "params", "weights", "biases",
               "trainable_params", "non_trainable_params", "activations", "activation_bytes",
               "macs", "flops", "rf_size", "rf_stride", "inputs", "scope")


def csv_text(analyses: list[Analysis]) -> str:
    """One row per layer (all networks in one table, the ``network`` column tells them apart)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for a in analyses:
        scale = a.memory.dtype_bytes * a.memory.batch
        for r in a.rows:
            w.writerow([a.network, r.index, r.name, r.kind, shape_text(r.output_shape), r.params, r.weights,
                        r.biases, r.trainable, r.non_trainable, r.activations, r.activations * scale,
                        r.macs, 2 * r.macs, shape_text(r.rf_size), shape_text(r.rf_stride),
                        " ".join(map(str, r.inputs)), " / ".join(r.scope)])
    return out.getvalue()


def _rf(r_size: tuple[int, int], r_stride: tuple[int, int]) -> str:
    size = str(r_size[0]) if r_size[0] == r_size[1] else shape_text(r_size)
    stride = str(r_stride[0]) if r_stride[0] == r_stride[1] else shape_text(r_stride)
    return f"{size} /{stride}"


def short_name(name: str) -> str:
    """The layer's spec text, its activation written short for the table: ``FC-1000 +softmax``.

    >>> short_name("FC-1000 activation=softmax"), short_name("conv3-64 activation=none")
    ('FC-1000 +softmax', 'conv3-64 linear')
    """
    return name.replace(" activation=none", " linear").replace(" activation=", " +")


def merge_name(name: str, inputs: tuple[int, ...]) -> str:
    """A merge's row names its parents by row number (0 is the input): ``add ← 7, 15``.

    >>> merge_name("concat", (3, 5, 9))
    'concat ← 3, 5, 9'
    """
    return f"{name} ← {', '.join(map(str, inputs))}"


def _cells(a: Analysis, indent: str = "  ") -> list[tuple[list[str], Any]]:
    """The table's rows as text cells, each with its :class:`Row`; a row of ``None`` is a heading
    that opens a block or a branch (the structure of a branching network, indented as in the spec)."""
    scale = a.memory.dtype_bytes * a.memory.batch
    out: list[tuple[list[str], Any]] = []
    previous: tuple[str, ...] = ()
    for r in a.rows:
        scope = r.scope
        common = 0
        while common < min(len(scope), len(previous)) and scope[common] == previous[common]:
            common += 1
        for depth in range(common, len(scope)):
            out.append((["", indent * depth + scope[depth] + ":", "", "", "", "", "", ""], None))
        previous = scope
        name = short_name(r.name)
        if len(r.inputs) > 1:
            name = merge_name(name, r.inputs)
        out.append(([str(r.index), indent * len(scope) + name, shape_text(r.output_shape), f"{r.params:,}",
                     f"{r.activations:,}", human_bytes(r.activations * scale), human_count(r.macs),
                     _rf(r.rf_size, r.rf_stride)], r))
    return out


HEADERS = ("#", "Layer", "Output", "Params", "Activations", "Memory", "MACs", "RF /stride")


def markdown_table(a: Analysis) -> str:
    """A GitHub-flavoured Markdown table with a totals row and the memory estimate."""
    t = a.totals
    lines = [f"### {a.network} (input {shape_text(a.input_shape)})", "",
             "| " + " | ".join(HEADERS) + " |",
             "|" + "|".join(["---:", ":---", ":---", "---:", "---:", "---:", "---:", "---:"]) + "|"]
    for row, _r in _cells(a, indent="\u00a0\u00a0"):  # no-break spaces: Markdown keeps them
        row[1] = "`" + row[1].replace("|", "\\|") + "`"
        lines.append("| " + " | ".join(row) + " |")
    lines.append(f"| | **Total** | | **{t.params:,}** | **{t.activations:,}** | "
                 f"**{human_bytes(t.activation_bytes)}** | **{human_count(t.macs)}** | |")
    lines += ["", *(f"- {k}: {v}" if k else f"  {v}" for k, v in summary_lines(a))]
    return "\n".join(lines) + "\n"


def html_table(a: Analysis) -> str:
    """For Jupyter's ``_repr_html_``."""
    head = "".join(f"<th>{escape(h)}</th>" for h in HEADERS)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                   for row, _r in _cells(a, indent="\u00a0\u00a0"))
    t = a.totals
    foot = (f"<tr><td></td><th>Total</th><td></td><th>{t.params:,}</th><th>{t.activations:,}</th>"
            f"<th>{human_bytes(t.activation_bytes)}</th><th>{human_count(t.macs)}</th><td></td></tr>")
    items = "".join(f"<li>{escape(k)}: {escape(v)}</li>" if k else f"<li>{escape(v)}</li>"
                    for k, v in summary_lines(a))
    return (f"<b>{escape(a.network)}</b> (input {shape_text(a.input_shape)})"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}{foot}</tbody></table><ul>{items}</ul>")


def summary_lines(a: Analysis, fit_memory: int | None = None) -> list[tuple[str, str]]:
    """The footer: totals and the memory estimate, as (label, value) pairs."""
    t, m = a.totals, a.memory
    per = f"batch {m.batch}, {a.settings['dtype']} ({m.dtype_bytes} B/value)"
    from .analysis import OPTIMIZER_SLOTS

    slots = f"{OPTIMIZER_SLOTS[m.optimizer]} per parameter"
    lines = [
        ("parameters", f"{t.params:,} ({human_count(t.params)}): trainable {t.trainable_params:,}, "
                       f"non-trainable {t.non_trainable_params:,}"
                       + ("" if a.settings.get("count_bias", True) else "  [weights only: --no-bias]")),
        ("compute", f"{t.macs:,} MACs = {human_count(t.macs)} MACs = {human_count(t.flops)} FLOPs "
                    "per example (FLOPs = 2 x MACs)"),
        ("activations", f"{t.activations:,} values per example = {human_bytes(t.activation_bytes)} for {per}"),
        ("receptive field", f"{_rf(a.receptive_field, a.receptive_field).split(' /')[0]} pixels "
                            "(last layer)"),
        ("memory, inference", f"{human_bytes(m.inference)} = weights {human_bytes(m.parameters)} "
                              f"+ widest layer in+out {human_bytes(m.inference_peak)}"),
        ("memory, training", f"{human_bytes(m.training)} for {per}, {m.optimizer}"),
        # The breakdown on lines of their own: as one line it wrapped mid-word in 120 columns.
        ("", f"= weights {human_bytes(m.parameters)} + gradients {human_bytes(m.gradients)} + {m.optimizer} state "
             f"{human_bytes(m.optimizer_state)} ({slots})"),
        ("", f"+ input {human_bytes(m.input)} + activations {human_bytes(m.forward)} forward "
             f"+ {human_bytes(m.backward)} backward"),
    ]
    if fit_memory is not None:
        n = largest_batch(a, fit_memory)
        lines.append(("fits in " + human_bytes(fit_memory),
                      f"largest training batch: {n:,}" if n else
                      "no batch fits: the weights, gradients and optimizer state alone need "
                      f"{human_bytes(m.parameters + m.gradients + m.optimizer_state)}"))
    return lines


# --------------------------------------------------------------------------------------------
# Terminal.


_JUSTIFY = ("right", "left", "left", "right", "right", "right", "right", "right")


def plain_table(title: str, headers: tuple[str, ...], rows: list[list[str]], footer: list[str],
                justify: tuple[str, ...] = _JUSTIFY,
                notes: list[tuple[str, ...]] | None = None) -> list[tuple[str, str]]:
    """A table laid out as rich's ``box.SIMPLE_HEAD`` does, as (line, style) pairs.

    Drawn by hand because rich's :class:`~rich.table.Table` measures every cell as a renderable:
    for ResNet-152's 516 rows that took 0.35 s, more than the whole rest of ``summary``.

    >>> for line, _ in plain_table("t", ("#", "Name"), [["1", "conv3-8"]], ["", "Total"], ("right", "left")):
    ...     print(repr(line))
    't              '
    '               '
    '  #   Name     '
    ' ───────────── '
    '  1   conv3-8  '
    '               '
    '      Total    '
    '               '
    """
    widths = [max(len(c) for c in col) for col in zip(headers, footer, *rows)]

    def line(cells: list[str] | tuple[str, ...]) -> str:
        parts = [c.rjust(w) if j == "right" else c.ljust(w) for c, w, j in zip(cells, widths, justify)]
        return " " + " ".join(f" {p} " for p in parts) + " "

    total = sum(widths) + 3 * len(widths) + 1
    blank = " " * total
    out = [(title.ljust(total), "bold"), (blank, ""), (line(headers), "bold"),
           (" " + "─" * (total - 2) + " ", "")]
    for i, r in enumerate(rows):
        out.append((line(r), ""))
        # `--explain`: the working under its row, indented to the Layer column, as long as it needs.
        out += [((" " * (widths[0] + 5) + note) if note else "", "dim") for note in (notes[i] if notes else ())]
    out += [(blank, ""), (line(footer), "bold"), (blank, "")]
    return out


def rich_table(a: Analysis, *, explain: bool = False, fit_memory: int | None = None) -> list[RenderableType]:
    """The summary table and its footer as rich renderables."""
    from rich.text import Text

    t = a.totals
    footers = ["", "Total", "", f"{t.params:,}", f"{t.activations:,}", human_bytes(t.activation_bytes),
               human_count(t.macs), ""]
    title = f"{a.network}  ·  input {shape_text(a.input_shape)}"
    cells = _cells(a)
    notes = [(*r.explain, "") if r is not None and explain else () for _, r in cells]
    table = Text(no_wrap=True, overflow="ignore", end="")
    for i, (text, style) in enumerate(plain_table(title, HEADERS, [c for c, _ in cells], footers, notes=notes)):
        table.append(("\n" if i else "") + text, style=style or None)
    lines = Text()
    for k, v in summary_lines(a, fit_memory):
        lines.append(f"{k:>18}: " if k else " " * 20, style="bold")
        lines.append(v + "\n")
    return [table, lines]


def explain_text(a: Analysis) -> str:
    """The working of every layer as plain text (``--explain`` outside a terminal table)."""
    out = [f"{a.network}: input {shape_text(a.input_shape)}"]
    for r in a.rows:
        name = merge_name(r.name, r.inputs) if len(r.inputs) > 1 else r.name
        out.append(f"{r.index:>3}. {name}  ->  {shape_text(r.output_shape)}")
        out.extend(f"       {line}" for line in r.explain)
    return "\n".join(out) + "\n"


def compare_rows(analyses: list[Analysis]) -> tuple[list[str], list[list[str]]]:
    """Networks side by side: one column per network, one row per quantity."""
    header = ["", *(a.network for a in analyses)]

    def row(label: str, fn: Any) -> list[str]:
        return [label, *(fn(a) for a in analyses)]

    rows = [
        row("input", lambda a: shape_text(a.input_shape)),
        row("layers", lambda a: str(len(a.rows))),
        row("weight layers", lambda a: str(sum(1 for r in a.rows if r.weights))),
        row("parameters", lambda a: f"{a.totals.params:,}"),
        row("parameters (millions)", lambda a: f"{round(a.totals.params / 1e6):,}"),
        row("trainable", lambda a: f"{a.totals.trainable_params:,}"),
        row("activations / example", lambda a: f"{a.totals.activations:,}"),
        row("activation memory", lambda a: human_bytes(a.totals.activation_bytes)),
        row("MACs / example", lambda a: human_count(a.totals.macs)),
        row("FLOPs / example", lambda a: human_count(a.totals.flops)),
        row("training memory", lambda a: human_bytes(a.memory.training)),
        row("receptive field", lambda a: str(max(a.receptive_field))),
        row("output", lambda a: shape_text(a.rows[-1].output_shape) if a.rows else ""),
    ]
    return header, rows


def compare_markdown(analyses: list[Analysis]) -> str:
    header, rows = compare_rows(analyses)
    lines = ["| " + " | ".join(header) + " |", "|:---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def compare_csv(analyses: list[Analysis]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    header, rows = compare_rows(analyses)
    w.writerow(["quantity", *header[1:]])
    w.writerows(rows)
    return out.getvalue()


def compare_table(analyses: list[Analysis]) -> RenderableType:
    from rich.table import Table

    header, rows = compare_rows(analyses)
    table = Table(header_style="bold", pad_edge=False)
    table.add_column(header[0], justify="left")
    for h in header[1:]:
        table.add_column(h, justify="right")
    for r in rows:
        table.add_row(*r)
    return table
