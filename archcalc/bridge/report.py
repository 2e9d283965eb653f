"""Renderers for ``archcalc verify``: reports as a rich table, JSON, CSV and Markdown.

Pure functions of :class:`~archcalc.bridge.verify.Report` data; nothing here talks to Keras.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..render import layout_shape, short_name
from .verify import Cell, Report

OK, WRONG, SKIPPED = "✓", "✗", "–"


def _value(field: str, v: Any, layout: str = "nhwc") -> str:
    if v is None:
        return "?"
    if field == "output_shape":
        return layout_shape(tuple(v), layout)
    return f"{v:,}"


def _cell_text(c: Cell, layout: str = "nhwc") -> str:
    """A table cell in the report's layout (data, CSV and JSON, stays channels-last)."""
    if c.skipped:
        return f"{_value(c.field, c.ours, layout)} ?"  # the notes say why
    if c.ok:
        return _value(c.field, c.ours, layout)
    return f"{_value(c.field, c.ours, layout)} ≠ {_value(c.field, c.keras, layout)}"


def _json_value(field: str, v: Any) -> Any:
    return list(v) if field == "output_shape" and v is not None else v


#: Per framework: the name of its value in a cell, of its layers in a row, and the fields of a row.
_NAMES = {"keras": ("keras", "keras_layers", "Keras", "Keras layers"),
          "torch": ("torch", "torch_modules", "PyTorch", "PyTorch modules")}
_FIELDS = {"keras": ("output_shape", "params", "trainable", "non_trainable"),
           "torch": ("output_shape", "params", "buffers")}
_HEADERS = {"output_shape": "Output", "params": "Params", "trainable": "Trainable", "non_trainable": "Non-train.",
            "buffers": "Buffers"}


def report_dict(r: Report, spec: str = "") -> dict[str, Any]:
    """The JSON of one report. ``archcalc`` holds archcalc's value, ``keras`` Keras' value (``torch``:
    PyTorch's, for ``--framework torch``, with ``torch_modules`` for ``keras_layers`` and ``torch_version``)."""
    value, layers = _NAMES[r.framework][:2]

    def cells(cs: list[Cell]) -> dict[str, Any]:
        return {c.field: {"archcalc": _json_value(c.field, c.ours), value: _json_value(c.field, c.keras),
                          "ok": c.ok, **({"skipped": c.skipped} if c.skipped else {})} for c in cs}

    return {
        "network": r.network, "spec": spec, "ok": r.ok, "mode": r.mode, "keras_version": r.keras_version,
        **({"torch_version": r.framework_version} if r.framework == "torch" else {}), "framework": r.framework,
        "seconds": round(r.seconds, 3), "checked": r.checked, "mismatches": len(r.mismatches),
        "layers": [{"index": x.index, "name": x.name, layers: x.keras_layers, "ok": x.ok,
                    "cause": x.cause, "checks": cells(x.cells)} for x in r.layers],
        "totals": cells(r.totals),
        "notes": r.notes,
        "refused": r.refused,
    }


def json_text(reports: list[tuple[str, Report]]) -> str:
    return json.dumps([report_dict(r, spec) for spec, r in reports], indent=2, ensure_ascii=False) + "\n"


def csv_text(reports: list[tuple[str, Report]]) -> str:
    """One line per compared value: network, layer, field, archcalc, keras, ok, note."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    # A run verified with PyTorch only names its columns for it; a mixed run keeps Keras' names, and the last
    # column says whose value each line holds.
    torch_only = bool(reports) and all(r.framework == "torch" for _, r in reports)
    value, layers = _NAMES["torch" if torch_only else "keras"][:2]
    w.writerow(["spec", "network", "index", "layer", layers, "field", "archcalc", value, "ok", "note", "framework"])
    for spec, r in reports:
        if r.refused:
            w.writerow([spec, r.network, "", "", "", "build", "", "", "false",
                        f"{_NAMES[r.framework][2]} refused: {r.refused}", r.framework])
        for x in r.layers:
            for c in x.cells:
                w.writerow([spec, r.network, x.index, x.name, " ".join(x.keras_layers), c.field,
                            _value(c.field, c.ours), "" if c.skipped else _value(c.field, c.keras),
                            "skipped" if c.skipped else str(c.ok).lower(), c.skipped or (x.cause or ""), r.framework])
        for c in r.totals:
            w.writerow([spec, r.network, "", "total", "", c.field, _value(c.field, c.ours),
                        "" if c.skipped else _value(c.field, c.keras),
                        "skipped" if c.skipped else str(c.ok).lower(), c.skipped or "", r.framework])
    return buf.getvalue()


def _mark(ok: bool, skipped: bool) -> str:
    return WRONG if not ok else (SKIPPED if skipped else OK)


def headline(r: Report) -> str:
    if r.framework == "torch":
        if r.refused:
            return f"{r.network}: PyTorch refused to build it — {r.refused} (PyTorch {r.framework_version})"
        verdict = "all agree" if r.ok else f"{len(r.mismatches)} layer(s) differ"
        return (f"{r.network}: {verdict} — {r.checked} checks against a PyTorch module built on the meta device "
                f"(PyTorch {r.framework_version}, {r.seconds:.2f} s)")
    if r.refused:
        return f"{r.network}: Keras refused to build it — {r.refused} (Keras {r.keras_version})"
    how = "a Keras model built" if r.mode == "model" else "Keras shape inference, layer by layer"
    verdict = "all agree" if r.ok else f"{len(r.mismatches)} layer(s) differ"
    return (f"{r.network}: {verdict} — {r.checked} checks against {how} (Keras {r.keras_version}, "
            f"{r.seconds:.2f} s)")


def markdown(reports: list[tuple[str, Report]]) -> str:
    out = []
    for _spec, r in reports:
        out.append(f"### {r.network}\n\n{headline(r)}\n")
        if r.refused:
            out.extend([f"- note: {n}" for n in r.notes] + [""])
            continue
        fields = _FIELDS[r.framework]
        heads = {"output_shape": "output", "params": "params", "trainable": "trainable",
                 "non_trainable": "non-trainable", "buffers": "buffers"}
        out.append(f"| # | layer | {_NAMES[r.framework][3]} | " + " | ".join(heads[f] for f in fields) + " | ok |")
        out.append("|---:|---|---|---|" + "---:|" * (len(fields) - 1) + ":---:|")
        for x in r.layers:
            cells = {c.field: c for c in x.cells}
            out.append(f"| {x.index} | {short_name(x.name)} | {', '.join(x.keras_layers)} | "
                       + " | ".join(_cell_text(cells[f], r.layout) for f in fields)
                       + f" | {_mark(x.ok, bool(x.skipped))} |")
        t = {c.field: c for c in r.totals}
        out.append("| | **total** | | | " + " | ".join(_cell_text(t[f], r.layout) for f in fields[1:])
                   + f" | {_mark(all(c.ok for c in r.totals), False)} |")
        for x in r.mismatches:
            out.append(f"\n- layer {x.index} ({short_name(x.name)}): {x.cause}")
        out.extend(f"\n- note: {n}" for n in r.notes)
        out.append("")
    return "\n".join(out) + "\n"


def rich_parts(r: Report) -> list[Any]:
    """The report for a terminal: a headline, a table with a mark per layer, causes and notes."""
    from rich.table import Table
    from rich.text import Text

    if r.refused:
        return [Text(headline(r), style="bold red"), *(Text(f"  note: {n}", style="yellow") for n in r.notes),
                Text("")]
    fields = _FIELDS[r.framework]
    table = Table(header_style="bold", pad_edge=False, box=None)
    for name, justify in (("#", "right"), ("Layer", "left"), (_NAMES[r.framework][3], "left"),
                          *((_HEADERS[f], "left" if f == "output_shape" else "right") for f in fields), ("", "center")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for x in r.layers:
        cells = {c.field: c for c in x.cells}
        style = None if x.ok else "red"
        table.add_row(str(x.index), short_name(x.name), ", ".join(x.keras_layers),
                      *(Text(_cell_text(cells[f], r.layout), style="red" if not cells[f].ok else None) for f in fields),
                      Text(_mark(x.ok, bool(x.skipped)), style=style or ("dim" if x.skipped else "green")))
    t = {c.field: c for c in r.totals}
    table.add_section()
    table.add_row("", "Total", "", "", *(Text(_cell_text(t[f]), style=None if t[f].ok else "red")
                                          for f in fields[1:]),
                  Text(_mark(all(c.ok for c in r.totals), any(c.skipped for c in r.totals))))
    parts: list[Any] = [Text(headline(r), style="bold" if r.ok else "bold red"), table]
    for x in r.mismatches:
        parts.append(Text(f"  layer {x.index} ({short_name(x.name)}): {x.cause}", style="red"))
    parts.extend(Text(f"  note: {n}", style="yellow") for n in r.notes)
    parts.append(Text(""))
    return parts
