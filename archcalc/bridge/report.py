"""Renderers for ``archcalc verify``: reports as a rich table, JSON, CSV and Markdown.

Pure functions of :class:`~archcalc.bridge.verify.Report` data; nothing here talks to Keras.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..render import shape_text, short_name
from .verify import Cell, Report

OK, WRONG, SKIPPED = "✓", "✗", "–"


def _value(field: str, v: Any) -> str:
    if v is None:
        return "?"
    if field == "output_shape":
        return shape_text(tuple(v))
    return f"{v:,}"


def _cell_text(c: Cell) -> str:
    if c.skipped:
        return f"{_value(c.field, c.ours)} ?"  # the notes say why
    if c.ok:
        return _value(c.field, c.ours)
    return f"{_value(c.field, c.ours)} ≠ {_value(c.field, c.keras)}"


def _json_value(field: str, v: Any) -> Any:
    return list(v) if field == "output_shape" and v is not None else v


def report_dict(r: Report, spec: str = "") -> dict[str, Any]:
    """The JSON of one report. ``archcalc`` holds archcalc's value, ``keras`` Keras' value."""
    def cells(cs: list[Cell]) -> dict[str, Any]:
        return {c.field: {"archcalc": _json_value(c.field, c.ours), "keras": _json_value(c.field, c.keras),
                          "ok": c.ok, **({"skipped": c.skipped} if c.skipped else {})} for c in cs}

    return {
        "network": r.network, "spec": spec, "ok": r.ok, "mode": r.mode, "keras_version": r.keras_version,
        "seconds": round(r.seconds, 3), "checked": r.checked, "mismatches": len(r.mismatches),
        "layers": [{"index": x.index, "name": x.name, "keras_layers": x.keras_layers, "ok": x.ok,
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
    w.writerow(["spec", "network", "index", "layer", "keras_layers", "field", "archcalc", "keras", "ok", "note"])
    for spec, r in reports:
        if r.refused:
            w.writerow([spec, r.network, "", "", "", "build", "", "", "false", f"Keras refused: {r.refused}"])
        for x in r.layers:
            for c in x.cells:
                w.writerow([spec, r.network, x.index, x.name, " ".join(x.keras_layers), c.field,
                            _value(c.field, c.ours), "" if c.skipped else _value(c.field, c.keras),
                            "skipped" if c.skipped else str(c.ok).lower(), c.skipped or (x.cause or "")])
        for c in r.totals:
            w.writerow([spec, r.network, "", "total", "", c.field, _value(c.field, c.ours),
                        "" if c.skipped else _value(c.field, c.keras),
                        "skipped" if c.skipped else str(c.ok).lower(), c.skipped or ""])
    return buf.getvalue()


def _mark(ok: bool, skipped: bool) -> str:
    return WRONG if not ok else (SKIPPED if skipped else OK)


def headline(r: Report) -> str:
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
        out.append("| # | layer | Keras layers | output | params | trainable | non-trainable | ok |")
        out.append("|---:|---|---|---|---:|---:|---:|:---:|")
        for x in r.layers:
            cells = {c.field: c for c in x.cells}
            out.append(f"| {x.index} | {short_name(x.name)} | {', '.join(x.keras_layers)} | "
                       + " | ".join(_cell_text(cells[f]) for f in ("output_shape", "params", "trainable",
                                                                  "non_trainable"))
                       + f" | {_mark(x.ok, bool(x.skipped))} |")
        t = {c.field: c for c in r.totals}
        out.append(f"| | **total** | | | {_cell_text(t['params'])} | {_cell_text(t['trainable'])} | "
                   f"{_cell_text(t['non_trainable'])} | {_mark(all(c.ok for c in r.totals), False)} |")
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
    table = Table(header_style="bold", pad_edge=False, box=None)
    for name, justify in (("#", "right"), ("Layer", "left"), ("Keras layers", "left"), ("Output", "left"),
                          ("Params", "right"), ("Trainable", "right"), ("Non-train.", "right"), ("", "center")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for x in r.layers:
        cells = {c.field: c for c in x.cells}
        style = None if x.ok else "red"
        table.add_row(str(x.index), short_name(x.name), ", ".join(x.keras_layers),
                      *(Text(_cell_text(cells[f]), style="red" if not cells[f].ok else None)
                        for f in ("output_shape", "params", "trainable", "non_trainable")),
                      Text(_mark(x.ok, bool(x.skipped)), style=style or ("dim" if x.skipped else "green")))
    t = {c.field: c for c in r.totals}
    table.add_section()
    table.add_row("", "Total", "", "", *(Text(_cell_text(t[f]), style=None if t[f].ok else "red")
                                          for f in ("params", "trainable", "non_trainable")),
                  Text(_mark(all(c.ok for c in r.totals), any(c.skipped for c in r.totals))))
    parts: list[Any] = [Text(headline(r), style="bold" if r.ok else "bold red"), table]
    for x in r.mismatches:
        parts.append(Text(f"  layer {x.index} ({short_name(x.name)}): {x.cause}", style="red"))
    parts.extend(Text(f"  note: {n}", style="yellow") for n in r.notes)
    parts.append(Text(""))
    return parts
