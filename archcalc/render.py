"""Renderers: an :class:`~archcalc.analysis.Analysis` as JSON, CSV, Markdown, HTML or a rich table.

Nothing here computes a number; it formats what the analysis returned. ``rich`` is imported only
by the functions that draw terminal tables.
"""

from __future__ import annotations

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


def layout_shape(shape: tuple[int, ...], layout: str) -> str:
    """A channels-last shape as a table of that layout writes it: ``nchw`` puts the channels first.

    >>> layout_shape((224, 224, 64), "nchw"), layout_shape((224, 224, 64), "nhwc"), layout_shape((10,), "nchw")
    ('64x224x224', '224x224x64', '10')
    """
    if layout == "nchw" and len(shape) > 1:
        shape = (shape[-1], *shape[:-1])
    return shape_text(shape)


def shown_shape(a: Analysis, shape: tuple[int, ...]) -> str:
    """``shape`` in the layout of ``a``'s tables (:attr:`~archcalc.analysis.Analysis.shown_layout`)."""
    return layout_shape(shape, a.shown_layout)


def has_buffers(a: Analysis) -> bool:
    """Whether ``a``'s outputs show buffers: a network read from PyTorch, or any that keeps some."""
    return a.notation == "torch" or a.totals.buffers > 0


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

    m = re.fullmatch(r"\s*(\d{1,18}(?:\.\d{1,18})?)\s*([kmgt]?)(i?)(b?)\s*", text.lower())  # 18 digits: no overflow
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
    buffers = has_buffers(a)
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
                "receptive_field": {"size": max(r.rf_size), "stride": number(max(r.rf_stride)),
                                    "size_hw": list(r.rf_size), "stride_hw": [number(x) for x in r.rf_stride],
                                    "padding": number(max(r.rf_padding, default=0)),
                                    "padding_hw": [number(x) for x in r.rf_padding]},
                "inputs": list(r.inputs), "scope": list(r.scope), "activation": r.activation,
                **({"buffers": r.buffers} if buffers else {}),
                **({"module": r.module} if r.module else {}),
            }
            for r in a.rows
        ],
        "totals": {
            "params": t.params, "trainable_params": t.trainable_params,
            "non_trainable_params": t.non_trainable_params, "weights": t.weights, "biases": t.biases,
            "activations": t.activations, "activation_bytes": t.activation_bytes,
            "macs": t.macs, "flops": t.flops,
            **({"buffers": t.buffers} if buffers else {}),
        },
        "memory": {
            "batch": m.batch, "dtype": a.settings["dtype"], "bytes_per_value": m.dtype_bytes,
            "optimizer": m.optimizer, "parameters": m.parameters, "gradients": m.gradients,
            "optimizer_state": m.optimizer_state, "input": m.input,
            "activations_forward": m.forward, "activations_backward": m.backward,
            "training_total": m.training, "inference_total": m.inference,
            **({"training_model": _training_model(m.model)} if m.model is not None else {}),
        },
        "receptive_field": {"size": max(a.receptive_field), "size_hw": list(a.receptive_field)},
        "settings": dict(a.settings),
        **({"notation": a.notation} if a.notation == "torch" else {}),
        **({"unused_modules": [{"module": u.module, "kind": u.kind, "params": u.params, "buffers": u.buffers,
                                **({"tensor": u.tensor} if u.tensor else {})}
                               for u in a.unused]} if a.unused else {}),
    }


def _training_model(t: Any) -> dict[str, Any]:
    """The refined training estimate's pieces (archcalc/memory.py), for the JSON's ``memory`` object."""
    from dataclasses import asdict

    return {**asdict(t), "assumed": list(t.assumed), "fixed": t.fixed, "total": t.total}


def json_text(analyses: list[Analysis], *, fit_memory: int | None = None, explain: bool = False) -> str:
    """DESIGN §4's JSON; ``explain`` adds each layer's working as ``"explain"``, a list of lines."""
    objs = [analysis_dict(a) for a in analyses]
    if explain:
        for obj, a in zip(objs, analyses):
            for layer, r in zip(obj["layers"], a.rows):
                layer["explain"] = list(r.explain)
    if fit_memory is not None:
        for obj, a in zip(objs, analyses):
            obj["memory"]["fit_memory"] = {"budget": fit_memory, "largest_batch": largest_batch(a, fit_memory)}
    return json_dumps(objs[0] if len(objs) == 1 else objs) + "\n"


#: A network with more layers than this writes each layer of its JSON on one line.
JSON_INDENTED_LAYERS = 2_000


def json_dumps(doc: dict[str, Any] | list[dict[str, Any]]) -> str:
    """``json.dumps(doc, indent=2)`` of one analysis' JSON object (or a list of them), except that the
    layers of a network deeper than :data:`JSON_INDENTED_LAYERS` are written one a line.

    Python's JSON encoder is written in C only for compact output: with ``indent`` it runs in Python,
    2.6 s for a 100,000-layer network against 0.3 s for its layers one a line (the same fields and
    values, each layer a compact object; a network of up to 2,000 layers reads as before).

    >>> print(json_dumps({"network": "n", "layers": [{"index": i, "shape": [8]} for i in (1, 2)]}))
    {
      "network": "n",
      "layers": [
        {
          "index": 1,
          "shape": [
            8
          ]
        },
        {
          "index": 2,
          "shape": [
            8
          ]
        }
      ]
    }
    >>> import json
    >>> deep = {"network": "n", "layers": [{"index": i, "shape": [8]} for i in range(1, 2002)]}
    >>> text = json_dumps(deep)
    >>> print("\\n".join(text.splitlines()[:5]))
    {
      "network": "n",
      "layers": [
        {"index": 1, "shape": [8]},
        {"index": 2, "shape": [8]},
    >>> json.loads(text) == deep
    True
    """
    import json

    docs = doc if isinstance(doc, list) else [doc]
    held: list[tuple[str, list[Any], dict[str, Any]]] = []
    for k, d in enumerate(docs):
        if len(d.get("layers", ())) > JSON_INDENTED_LAYERS:
            held.append((f"\0layers {k}\0", d["layers"], d))
            d["layers"] = held[-1][0]  # a stand-in, replaced in the text below
    try:
        text = json.dumps(doc, indent=2)
    finally:
        for _, layers, d in held:
            d["layers"] = layers
    for marker, layers, _ in held:
        quoted = '"layers": ' + json.dumps(marker)
        at = text.index(quoted)
        pad = " " * (at - text.rfind("\n", 0, at) - 1)
        encode = json.JSONEncoder(separators=(", ", ": ")).encode  # the C encoder
        text = (text[:at] + '"layers": [\n' + ",\n".join(pad + "  " + encode(layer) for layer in layers)
                + "\n" + pad + "]" + text[at + len(quoted):])
    return text


CSV_COLUMNS = ("network", "index", "name", "kind", "output_shape", "params", "weights", "biases",
               "trainable_params", "non_trainable_params", "activations", "activation_bytes",
               "macs", "flops", "rf_size", "rf_stride", "inputs", "scope")


def csv_text(analyses: list[Analysis], *, explain: bool = False) -> str:
    """One row per layer (all networks in one table, the ``network`` column tells them apart);
    ``explain`` adds a last column with the layer's working, its lines joined by ``; ``. A ``buffers``
    column follows the others when a network shows buffers (:func:`has_buffers`). Shapes are
    channels-last, as in the JSON."""
    import csv
    import io

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    buffers = any(has_buffers(a) for a in analyses)
    w.writerow(CSV_COLUMNS + ("buffers",) * buffers + ("explain",) * explain)
    for a in analyses:
        scale = a.memory.dtype_bytes * a.memory.batch
        for r in a.rows:
            w.writerow([a.network, r.index, r.name, r.kind, shape_text(r.output_shape), r.params, r.weights,
                        r.biases, r.trainable, r.non_trainable, r.activations, r.activations * scale,
                        r.macs, 2 * r.macs, shape_text(r.rf_size), "x".join(str(number(x)) for x in r.rf_stride),
                        " ".join(map(str, r.inputs)), " / ".join(r.scope), *([r.buffers] * buffers),
                        *(["; ".join(r.explain)] * explain)])
    return out.getvalue()


def number(x: Any) -> int | float:
    """A stride or padding for JSON: an int, or a float below one pixel (after upsampling).

    >>> from fractions import Fraction
    >>> number(32), number(Fraction(1, 2))
    (32, 0.5)
    """
    return x if isinstance(x, int) else int(x) if x == int(x) else round(float(x), 6)


def _axes_text(values: tuple[Any, ...]) -> str:
    """One number when every axis agrees (``3``), else one per axis (``7x3``); ``0.5`` below one."""
    shown = [str(number(v)) for v in values]
    return shown[0] if len(set(shown)) == 1 else "x".join(shown)


def _rf(r_size: tuple[int, ...], r_stride: tuple[Any, ...]) -> str:
    return f"{_axes_text(r_size)} /{_axes_text(r_stride)}"


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


def _cells(a: Analysis, indent: str = "  ", *, compact: bool = False) -> list[tuple[list[str], Any]]:
    """The table's rows as text cells, each with its :class:`Row`; a row of ``None`` is a heading
    that opens a block or a branch (the structure of a branching network, indented as in the spec).
    ``compact`` writes parameters and activations with SI prefixes (``138.36 M``), for narrow terminals."""
    count = human_count if compact else "{:,}".format
    scale = a.memory.dtype_bytes * a.memory.batch
    buffers = has_buffers(a)
    out: list[tuple[list[str], Any]] = []
    previous: tuple[str, ...] = ()
    # The cells of equal layers are equal: a deep chain (`relu x100000`) formats each kind of row once.
    texts: dict[tuple[Any, ...], tuple[str, ...]] = {}
    fields: dict[tuple[Any, ...], str] = {}
    for r in a.rows:
        scope = r.scope
        common = 0
        while common < min(len(scope), len(previous)) and scope[common] == previous[common]:
            common += 1
        for depth in range(common, len(scope)):
            out.append((["", indent * depth + scope[depth] + ":", *[""] * (6 + buffers)], None))
        previous = scope
        key = (r.name, r.output_shape, r.params, r.buffers, r.activations, r.macs, len(scope))
        if (known := texts.get(key)) is None:
            known = texts[key] = (indent * len(scope) + short_name(r.name), shown_shape(a, r.output_shape),
                                  count(r.params), *([count(r.buffers)] * buffers), count(r.activations),
                                  human_bytes(r.activations * scale), human_count(r.macs))
        name, *numbers = known
        if len(r.inputs) > 1:
            name = merge_name(name, r.inputs)
        rf_key = (r.rf_size, r.rf_stride)
        if (rf := fields.get(rf_key)) is None:
            rf = fields[rf_key] = _rf(r.rf_size, r.rf_stride)
        out.append(([str(r.index), name, *numbers, rf], r))
    return out


HEADERS = ("#", "Layer", "Output", "Params", "Activations", "Memory", "MACs", "RF /stride")


def headers(a: Analysis) -> tuple[str, ...]:
    """The table's columns: :data:`HEADERS`, with ``Buffers`` after ``Params`` when ``a`` shows buffers."""
    return HEADERS[:4] + ("Buffers",) * has_buffers(a) + HEADERS[4:]


def _totals_cells(a: Analysis, count: Any = "{:,}".format, bold: str = "") -> list[str]:
    """The totals row's cells under :func:`headers`."""
    t = a.totals
    return ["", f"{bold}Total{bold}", "", f"{bold}{count(t.params)}{bold}",
            *([f"{bold}{count(t.buffers)}{bold}"] * has_buffers(a)), f"{bold}{count(t.activations)}{bold}",
            f"{bold}{human_bytes(t.activation_bytes)}{bold}", f"{bold}{human_count(t.macs)}{bold}", ""]


def markdown_table(a: Analysis) -> str:
    """A GitHub-flavoured Markdown table with a totals row and the memory estimate."""
    heads = headers(a)
    lines = [f"### {a.network} (input {shown_shape(a, a.input_shape)})", "",
             "| " + " | ".join(heads) + " |",
             "|" + "|".join(":---" if h in ("Layer", "Output") else "---:" for h in heads) + "|"]
    for row, _r in _cells(a, indent="\u00a0\u00a0"):  # no-break spaces: Markdown keeps them
        row[1] = "`" + row[1].replace("|", "\\|") + "`"
        lines.append("| " + " | ".join(row) + " |")
    lines.append(("| " + " | ".join(_totals_cells(a, bold="**")) + " |").replace("|  |", "| |"))
    lines += ["", *(f"- {k}: {v}" if k else f"  {v}" for k, v in summary_lines(a))]
    return "\n".join(lines) + "\n"


def html_table(a: Analysis) -> str:
    """For Jupyter's ``_repr_html_``."""
    from html import escape

    head = "".join(f"<th>{escape(h)}</th>" for h in headers(a))
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                   for row, _r in _cells(a, indent="\u00a0\u00a0"))
    foot = "<tr>" + "".join(f"<th>{escape(c)}</th>" if c else "<td></td>" for c in _totals_cells(a)) + "</tr>"
    items = "".join(f"<li>{escape(k)}: {escape(v)}</li>" if k else f"<li>{escape(v)}</li>"
                    for k, v in summary_lines(a))
    return (f"<b>{escape(a.network)}</b> (input {shown_shape(a, a.input_shape)})"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}{foot}</tbody></table><ul>{items}</ul>")


def summary_lines(a: Analysis, fit_memory: int | None = None) -> list[tuple[str, str]]:
    """The footer: totals and the memory estimate, as (label, value) pairs."""
    t, m = a.totals, a.memory
    per = f"batch {m.batch}, {a.settings['dtype']} ({m.dtype_bytes} B/value)"
    uncalled = [u for u in a.unused if not u.tensor]
    held = [u for u in a.unused if u.tensor]
    from .analysis import OPTIMIZER_SLOTS

    slots = f"{OPTIMIZER_SLOTS[m.optimizer]} per parameter"
    lines = [
        ("parameters", f"{t.params:,} ({human_count(t.params)}): trainable {t.trainable_params:,}, "
                       f"non-trainable {t.non_trainable_params:,}"
                       + ("" if a.settings.get("count_bias", True) else "  [weights only: --no-bias]")),
        *([("buffers", f"{t.buffers:,} ({human_count(t.buffers)}): kept, not parameters (batch norm's running "
                        "statistics; PyTorch's model.buffers())")] if has_buffers(a) else []),
        *([("never called", f"{sum(u.params for u in uncalled):,} parameters of modules forward does not call, "
                             "in the totals, not in the table: " + ", ".join(
                                 f"{u.module} ({u.params:,})" for u in uncalled[:6])
            + (", …" if len(uncalled) > 6 else ""))] if uncalled else []),
        *([("held", f"{sum(u.params for u in held):,} parameters and {sum(u.buffers for u in held):,} buffers that "
                    "modules hold themselves (nn.Parameter, register_buffer), in the totals, not in the table: "
                    + ", ".join(f"{_held_name(u)} ({u.params + u.buffers:,})" for u in held[:6])
            + (", …" if len(held) > 6 else ""))] if held else []),
        ("compute", f"{t.macs:,} MACs = {human_count(t.macs)} MACs = {human_count(t.flops)} FLOPs "
                    "per example (FLOPs = 2 x MACs)"),
        ("activations", f"{t.activations:,} values per example = {human_bytes(t.activation_bytes)} for {per}"),
        ("receptive field", f"{_rf(a.receptive_field, a.receptive_field).split(' /')[0]} pixels "
                            "(last layer)"),
        ("memory, inference", f"{human_bytes(m.inference)} = weights {human_bytes(m.parameters)} "
                              f"+ widest layer in+out {human_bytes(m.inference_peak)}"),
        ("memory, training", f"{human_bytes(m.training)} for {per}, {m.optimizer}"
                             + (f", {m.model.convention}" if m.model is not None else "")),
        # The breakdown on lines of their own: as one line it wrapped mid-word in 120 columns.
        ("", f"= weights {human_bytes(m.parameters)} + gradients {human_bytes(m.gradients)} + {m.optimizer} state "
             f"{human_bytes(m.optimizer_state)} ({slots})"),
    ]
    if m.model is None:
        lines.append(("", f"+ input {human_bytes(m.input)} + activations {human_bytes(m.forward)} forward "
                          f"+ {human_bytes(m.backward)} backward"))
    else:
        t = m.model
        lines += [("", f"+ {m.optimizer}'s temporaries {human_bytes(t.optimizer_temporaries)} + framework "
                       f"{human_bytes(t.framework)} + input {human_bytes(t.input)}"),
                  ("", f"+ at the peak ({t.peak_phase} pass, layer {t.peak_layer}): saved activations "
                       f"{human_bytes(t.saved)}"),
                  ("", f"+ their gradients {human_bytes(t.gradients_in_flight)} + workspace "
                       f"{human_bytes(t.workspace)}")]
    if fit_memory is not None:
        n = largest_batch(a, fit_memory)
        lines.append(("fits in " + human_bytes(fit_memory),
                      f"largest training batch: {n:,}" if n else
                      "no batch fits: the weights, gradients and optimizer state alone need "
                      f"{human_bytes(m.parameters + m.gradients + m.optimizer_state)}"
                      + (f" ({human_bytes(m.model.fixed)} with the optimizer's temporaries and the framework)"
                         if m.model is not None else "")))
    return lines


# --------------------------------------------------------------------------------------------
# Terminal.


_JUSTIFY = ("right", "left", "left", "right", "right", "right", "right", "right")
_LEFT = ("Layer", "Output")


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
    widths = [max(map(len, col)) for col in zip(headers, footer, *rows)]
    # One format string for every line: `str.format` pads (never cuts) as rjust/ljust do, in C.
    template = " " + " ".join(f" {{:{'>' if j == 'right' else '<'}{w}}} " for w, j in zip(widths, justify)) + " "

    def line(cells: list[str] | tuple[str, ...]) -> str:
        return template.format(*cells)

    total = sum(widths) + 3 * len(widths) + 1
    blank = " " * total
    out = [(title.ljust(total), "bold"), (blank, ""), (line(headers), "bold"),
           (" " + "─" * (total - 2) + " ", "")]
    if not notes:
        out += [(template.format(*r), "") for r in rows]
    for i, r in enumerate(rows if notes else ()):
        out.append((line(r), ""))
        # `--explain`: the working under its row, indented to the Layer column, as long as it needs.
        out += [((" " * (widths[0] + 5) + note) if note else "", "dim") for note in notes[i]]
    out += [(blank, ""), (line(footer), "bold"), (blank, "")]
    return out


# The columns a narrow terminal gives up, first to last: Activations repeat the Memory column in
# other units, and the receptive field matters to fewer readers than the cost of each layer.
DROP_ORDER = ("Activations", "RF /stride", "Memory", "MACs")
#: Where ``Buffers`` goes in :data:`DROP_ORDER` when a table has it: right after Activations.
_DROP_WITH_BUFFERS = (DROP_ORDER[0], "Buffers", *DROP_ORDER[1:])


def text_lines(a: Analysis, *, explain: bool = False, fit_memory: int | None = None,
               width: int | None = None) -> list[tuple[str, str]]:
    """The summary table and its footer as (line, style) pairs, fitted to ``width`` columns.

    With ``width=None`` every column is shown as it is (piped output, ``--wide``). Otherwise the
    table first writes parameters and activations with SI prefixes, then leaves out columns in the
    order of :data:`DROP_ORDER` until it fits, and says so in a last line; the footer's values
    wrap under their label. ``#``, Layer, Output and Params are always shown.

    >>> from archcalc import analyze
    >>> lines = [line for line, _ in text_lines(analyze("vgg16"), width=80)]
    >>> max(map(len, lines)) <= 80, lines[2].split()
    (True, ['#', 'Layer', 'Output', 'Params', 'Memory', 'MACs'])
    >>> lines[-1]
    'narrowed to 80 columns, Activations and RF /stride left out: --wide shows all'
    """
    heads = headers(a)
    justify = tuple("left" if h in _LEFT else "right" for h in heads)
    order = tuple(h for h in _DROP_WITH_BUFFERS if h in heads)
    title = f"{a.network}  ·  input {shown_shape(a, a.input_shape)}"
    for compact, dropped in [(False, ()), *((True, order[:n]) for n in range(len(order) + 1))]:
        keep = [i for i, h in enumerate(heads) if h not in dropped]
        cells = _cells(a, compact=compact)
        count = human_count if compact else "{:,}".format
        footers = _totals_cells(a, count)
        notes = [(*r.explain, "") if r is not None else () for _, r in cells] if explain else None
        kept = [c for c, _ in cells] if len(keep) == len(heads) else [[c[i] for i in keep] for c, _ in cells]
        lines = plain_table(title, tuple(heads[i] for i in keep), kept,
                            [footers[i] for i in keep], tuple(justify[i] for i in keep), notes=notes)
        if width is None or len(lines[2][0].rstrip()) <= width:
            break
    out: list[tuple[str, str]] = [] if explain else lines
    for line, style in lines if explain else ():  # the working wraps under its own indent
        out += [(part, style) for part in _wrap(line, width, len(line) - len(line.lstrip(" ")))] \
            if style == "dim" else [(line, style)]
    for k, v in summary_lines(a, fit_memory):
        out += [(part, "") for part in _wrap((f"{k:>18}: " if k else " " * 20) + v, width, 20)]
    if width is not None and (compact or dropped):
        names = ", ".join(dropped[:-1]) + " and " * (len(dropped) > 1) + dropped[-1] if dropped else ""
        left = f", {names} left out" if dropped else ", numbers shortened"
        out += [(part, "dim") for part in _wrap(f"narrowed to {width} columns{left}: --wide shows all", width, 2)]
    return out


def _wrap(line: str, width: int | None, indent: int) -> list[str]:
    """``line`` folded at spaces to ``width`` columns, its continuation lines indented by ``indent``.

    >>> _wrap("   a bb ccc", 10, 5)
    ['   a bb', '     ccc']
    """
    import textwrap

    if width is None or len(line) <= width:
        return [line]
    start = len(line) - len(line.lstrip(" "))
    return textwrap.wrap(line.lstrip(" "), width, initial_indent=" " * start,
                         subsequent_indent=" " * min(indent, width // 2), break_on_hyphens=False) or [line]


def text_table(a: Analysis, *, explain: bool = False, fit_memory: int | None = None,
               width: int | None = None) -> str:
    """The summary table as plain text: what ``archcalc summary`` prints, and ``print(analysis)``."""
    return "\n".join(line.rstrip() for line, _ in text_lines(a, explain=explain, fit_memory=fit_memory,
                                                               width=width)) + "\n"


def rich_table(a: Analysis, *, explain: bool = False, fit_memory: int | None = None,
               width: int | None = None) -> list[RenderableType]:
    """The summary table and its footer as rich renderables (styles for a terminal)."""
    from rich.text import Text

    table = Text(no_wrap=True, overflow="ignore", end="")
    for i, (text, style) in enumerate(text_lines(a, explain=explain, fit_memory=fit_memory, width=width)):
        table.append(("\n" if i else "") + text, style=style or None)
    return [table]


def explain_text(a: Analysis) -> str:
    """The working of every layer as plain text (``--explain`` outside a terminal table)."""
    out = [f"{a.network}: input {shown_shape(a, a.input_shape)}"]
    for r in a.rows:
        name = merge_name(r.name, r.inputs) if len(r.inputs) > 1 else r.name
        out.append(f"{r.index:>3}. {name}  ->  {shown_shape(a, r.output_shape)}")
        out.extend(f"       {line}" for line in r.explain)
    return "\n".join(out) + "\n"


def millions(n: int) -> str:
    """A count in millions to three significant digits, whole millions from 100 up (the VGG paper's
    Table 2 writes 133 and 138): never a misleading 0 for a small network.

    >>> millions(138_357_544), millions(23_851_784), millions(4_253_864), millions(61_706), millions(0)
    ('138', '23.9', '4.25', '0.0617', '0')
    """
    m = n / 1e6
    return f"{m:,.0f}" if m >= 100 else f"{m:.3g}"


def _compare_quantities() -> list[tuple[str, str, Any, Any]]:
    """What ``compare`` shows: (label in tables, label in CSV with its unit, value as data, value as text)."""
    count = "{:,}".format
    return [
        ("input", "input", lambda a: shown_shape(a, a.input_shape), str),
        ("layers", "layers", lambda a: len(a.rows), str),
        ("weight layers", "weight layers", lambda a: sum(1 for r in a.rows if r.weights), str),
        ("parameters", "parameters", lambda a: a.totals.params, count),
        ("parameters (millions)", "parameters (millions)", lambda a: millions(a.totals.params), str),
        ("trainable", "trainable parameters", lambda a: a.totals.trainable_params, count),
        ("activations / example", "activations per example", lambda a: a.totals.activations, count),
        ("activation memory", "activation memory (bytes)", lambda a: a.totals.activation_bytes, human_bytes),
        ("MACs / example", "MACs per example", lambda a: a.totals.macs, human_count),
        ("FLOPs / example", "FLOPs per example", lambda a: a.totals.flops, human_count),
        ("training memory", "training memory (bytes)", lambda a: a.memory.training, human_bytes),
        ("receptive field", "receptive field (pixels)", lambda a: max(a.receptive_field), str),
        ("output", "output", lambda a: shown_shape(a, a.rows[-1].output_shape) if a.rows else "", str),
    ]


def compare_rows(analyses: list[Analysis]) -> tuple[list[str], list[list[str]]]:
    """Networks side by side, for people: one column per network, one row per quantity."""
    header = ["", *(a.network for a in analyses)]
    return header, [[label, *(text(value(a)) for a in analyses)] for label, _, value, text in _compare_quantities()]


def compare_markdown(analyses: list[Analysis]) -> str:
    header, rows = compare_rows(analyses)
    lines = ["| " + " | ".join(header) + " |", "|:---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def compare_csv(analyses: list[Analysis]) -> str:
    """Networks side by side, for programs: plain numbers, each quantity's unit in its name."""
    import csv
    import io

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["quantity", *(a.network for a in analyses)])
    w.writerows([label, *(value(a) for a in analyses)] for _, label, value, _ in _compare_quantities())
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


def _held_name(u: Any) -> str:
    """A tensor a module holds itself, by its qualified name (``mean``, ``blocks.0.gamma``)."""
    return f"{u.module}.{u.tensor}" if u.module else u.tensor
