"""Renderers of grades: a rich table with marks and hints, JSON, Gradescope's ``results.json``,
CSV and Markdown, and the one-line-per-student summary of a class.

Nothing here grades: it formats the :class:`~archcalc.teaching.grade.Result` it is given.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..errors import ArchcalcError
from .grade import Item, Result

RIGHT, WRONG = "✓", "✗"
_FIELD_NAMES = {"shape": "output shape", "memory": "memory", "params": "params",
                "total_memory": "TOTAL memory", "total_memory_bytes": "TOTAL memory (bytes)",
                "total_params": "TOTAL params"}


def _where(item: Item) -> str:
    return f"layer {item.row} `{item.layer}`" if item.row is not None else "TOTAL"


def item_dict(item: Item) -> dict[str, Any]:
    return {
        "row": item.row, "layer": item.layer, "field": item.field, "answer": item.answer,
        "expected": item.expected, "right": item.right, "points": item.points, "max_points": item.max_points,
        "diagnosis": item.diagnosis, "hint": item.hint, "note": item.note,
        "location": str(item.location) if item.location else None,
    }


def result_dict(r: Result) -> dict[str, Any]:
    """The JSON of one graded sheet: the score and every item."""
    return {
        "file": r.path, "student": r.student, "network": r.network,
        "score": r.score, "max_score": r.max_score, "percent": round(r.percent, 2),
        "all_right": r.all_right, "settings": r.settings,
        "items": [item_dict(i) for i in r.items],
        "missing_rows": [{"row": i, "layer": n} for i, n in r.missing],
        "advice": r.advice,
        "extra_rows": [{"name": n, "location": str(loc)} for n, loc in r.extra],
        "addition_slips": [item_dict(i) for i in r.slips],
    }


def error_dict(path: str, e: ArchcalcError) -> dict[str, Any]:
    return {"file": path, "error": e.message, "location": str(e.location) if e.location else None,
            "hint": e.hint}


def json_text(results: list[tuple[str, Result | ArchcalcError]]) -> str:
    """One object for one file, a list for several."""
    objs = [result_dict(r) if isinstance(r, Result) else error_dict(p, r) for p, r in results]
    return json.dumps(objs[0] if len(objs) == 1 else objs, indent=2, ensure_ascii=False) + "\n"


def _explain(item: Item) -> str:
    parts = [f"{_FIELD_NAMES.get(item.field, item.field)}: "]
    parts.append(f"you wrote {item.answer!r}, " if item.answer is not None else "")
    parts.append(f"expected {item.expected}")
    if item.hint:
        parts.append(f". {item.hint[0].upper()}{item.hint[1:]}")
    return "".join(parts)


def gradescope(r: Result, *, points: float | None = None) -> dict[str, Any]:
    """Gradescope's autograder ``results.json``: one test a layer (and one for the totals).

    The schema (Gradescope's "Autograder specifications"): a top-level ``score``, optional
    ``max_score``, ``output``, ``visibility``, ``stdout_visibility``; ``tests`` a list of
    ``{name, score, max_score, status, output, number, tags, visibility}``.
    ``points`` rescales the whole sheet to that many points (default: one a cell).
    """
    scale = (points / r.max_score) if (points is not None and r.max_score) else 1.0
    groups: dict[str, list[Item]] = {}
    order: list[str] = []
    for item in r.items:
        key = f"{item.row}. {item.layer}" if item.row is not None else "Totals"
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(item)
    tests = []
    for n, key in enumerate(order, start=1):
        items = groups[key]
        got = sum(i.points for i in items)
        right = all(i.right for i in items)
        lines = [f"{RIGHT if i.right else WRONG} " + (_FIELD_NAMES.get(i.field, i.field) + ": " + (i.answer or "")
                 if i.right else _explain(i)) + (f" ({i.note})" if i.note else "") for i in items]
        if key == "Totals":
            lines += [f"{WRONG} addition slip: {s.hint}" for s in r.slips]
        tests.append({
            "name": f"Layer {key}" if key != "Totals" else "Totals",
            "number": str(n),
            "score": round(got * scale, 4), "max_score": round(sum(i.max_points for i in items) * scale, 4),
            "status": "passed" if right else "failed",
            "output": "\n".join(lines),
            "tags": sorted({i.diagnosis for i in items if i.diagnosis}),
            "visibility": "visible",
        })
    right = sum(i.right for i in r.items)
    summary = [f"{right}/{r.max_score} cells right, score {r.score}/{r.max_score} ({r.percent:.0f}%) "
               f"for `{r.network}`."]
    if r.missing:
        summary.append("Missing: " + ", ".join(_missing_text(i, n) for i, n in r.missing) + ".")
    summary += r.advice
    if r.extra:
        summary.append("Rows that match no layer: " + ", ".join(f"`{n}` ({loc})" for n, loc in r.extra) + ".")
    if r.slips:
        summary += [f"Addition slip: {s.hint}." for s in r.slips]
    return {
        "score": round(r.score * scale, 4),
        "max_score": round(r.max_score * scale, 4),
        "output": "\n".join(summary),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _missing_text(row: int | None, name: str) -> str:
    """``row 3 `conv3-64``` for a layer, ``TOTAL params`` for a total."""
    return name if row is None else f"row {row} `{name}`"


def items_csv(results: list[tuple[str, Result | ArchcalcError]]) -> str:
    """One line per graded cell (and one per unreadable file)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "file", "row", "layer", "field", "answer", "expected", "right", "points", "diagnosis",
                "hint", "location"])
    for path, r in results:
        if isinstance(r, ArchcalcError):
            w.writerow(["", path, "", "", "error", "", "", "", "", "unreadable", r.message,
                        str(r.location) if r.location else ""])
            continue
        for i in [*r.items, *r.slips]:
            w.writerow([r.student, r.path, "" if i.row is None else i.row, i.layer, i.field, i.answer or "",
                        i.expected, "yes" if i.right else "no", f"{i.points:g}", i.diagnosis or "",
                        i.hint or i.note or "",
                        str(i.location) if i.location else ""])
    return buf.getvalue()


def _md(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def markdown(r: Result) -> str:
    """A Markdown report of one sheet: a table of every cell, then the totals and remarks."""
    lines = [f"## {r.student}: {r.score}/{r.max_score} ({r.percent:.0f}%)", "",
             "| row | layer | field | answer | expected | mark | hint |", "|---|---|---|---|---|---|---|"]
    for i in r.items:
        lines.append(f"| {'' if i.row is None else i.row} | `{_md(i.layer)}` | {_FIELD_NAMES.get(i.field, i.field)} "
                     f"| {_md(i.answer)} | {_md(i.expected)} | {RIGHT if i.right else WRONG} "
                     f"| {_md(i.hint if not i.right else i.note)} |")
    lines.append("")
    for s in r.slips:
        lines.append(f"- **Addition slip** ({_FIELD_NAMES.get(s.field, s.field)}): {s.hint}")
    for n, loc in r.extra:
        lines.append(f"- Extra row `{n}` ({loc}) matches no layer of the spec")
    for i, n in r.missing:
        lines.append(f"- Missing: {_missing_text(i, n)}")
    for a in r.advice:
        lines.append(f"- {a}")
    return "\n".join(lines).rstrip() + "\n"


def one_line(path: str, r: Result | ArchcalcError) -> str:
    if isinstance(r, ArchcalcError):  # a zero for that student, with the reason; the others are still graded
        from pathlib import Path

        return f"{WRONG} {Path(path).stem:<20} {0:>4}      {0.0:5.1f}%   unreadable: {r}"
    extra = []
    if r.missing:
        extra.append(f"{len(r.missing)} missing row(s) or total(s)")
    if r.extra:
        extra.append(f"{len(r.extra)} extra row(s)")
    if r.slips:
        extra.append(f"{len(r.slips)} addition slip(s)")
    codes = sorted({i.diagnosis for i in r.wrong if i.diagnosis and i.diagnosis != "missing-row"})
    if codes:
        extra.append("mistakes: " + ", ".join(codes))
    mark = RIGHT if r.all_right else WRONG
    return (f"{mark} {r.student:<20} {r.score!s:>4}/{r.max_score:<4} {r.percent:5.1f}%"
            + (f"   {'; '.join(extra)}" if extra else ""))


def scores_csv(results: list[tuple[str, Result | ArchcalcError]]) -> str:
    """One line per student: the file a teacher imports into a gradebook."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "file", "score", "max_score", "percent", "wrong", "missing_rows", "extra_rows",
                "addition_slips", "status"])
    for path, r in results:
        if isinstance(r, ArchcalcError):
            from pathlib import Path

            w.writerow([Path(path).stem, path, 0, "", "0.0", "", "", "", "", f"unreadable: {r}"])
            continue
        w.writerow([r.student, r.path, r.score, r.max_score, f"{r.percent:.1f}", len(r.wrong), len(r.missing),
                    len(r.extra), len(r.slips), "all right" if r.all_right else "some wrong"])
    return buf.getvalue()


def rich_report(r: Result) -> list[Any]:
    """The terminal view: the table with a mark in every cell, then numbered hints under it."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{r.student} — {r.path} (spec: {r.network})", header_style="bold", pad_edge=False)
    for c, j in (("#", "right"), ("layer", "left"), ("output shape", "left"), ("memory", "left"),
                 ("params", "left")):
        table.add_column(c, justify=j)  # type: ignore[arg-type]
    hints: list[tuple[int, Item]] = []
    rows: dict[Any, dict[str, Item]] = {}
    order: list[Any] = []
    for i in r.items:
        if i.row is None:
            continue
        if i.row not in rows:
            rows[i.row] = {}
            order.append(i.row)
        rows[i.row][i.field] = i

    def mark(item: Item | None) -> Text:
        if item is None:
            return Text("")
        if item.right:
            return Text(f"{RIGHT} {item.answer}", style="green")
        if item.diagnosis == "missing-row":  # listed once, under the table, with the other missing rows
            return Text(f"{WRONG} (no row)", style="red")
        hints.append((len(hints) + 1, item))
        shown = item.answer if item.answer is not None else "(no row)"
        credit = f" +{item.points:g}" if item.points else ""  # follow-through credit
        return Text(f"{WRONG} {shown} [{len(hints)}]{credit}", style="yellow" if credit else "red")

    for row in order:
        cells = rows[row]
        layer = next(iter(cells.values())).layer
        table.add_row(str(row), layer, mark(cells.get("shape")), mark(cells.get("memory")), mark(cells.get("params")))
    parts: list[Any] = [table]
    for i in r.items:
        if i.row is None:
            text = Text(f"{_FIELD_NAMES[i.field]}: ")
            shown = i.answer if i.answer is not None else "(not written)"
            text.append(f"{RIGHT} {shown}" if i.right else f"{WRONG} {shown}",
                        style="green" if i.right else "red")
            if not i.right:
                hints.append((len(hints) + 1, i))
                text.append(f" [{len(hints)}]", style="red")
            if not i.max_points:
                text.append(" (checked, not scored: the memory total counts once)", style="dim")
            parts.append(text)
    # One remark for a sheet that leaves out every bias, instead of one slip a layer.
    swept = bool(r.advice) and any(i.diagnosis == "forgot-bias" for _, i in hints)
    if swept:
        nums = [n for n, i in hints if i.diagnosis == "forgot-bias"]
        marks = (f"[{nums[0]}]–[{nums[-1]}]" if nums == list(range(nums[0], nums[-1] + 1))
                 else ", ".join(f"[{n}]" for n in nums))
        hints = [(n, i) for n, i in hints if i.diagnosis != "forgot-bias"]
    for n, item in hints:
        diag = f" ({item.diagnosis})" if item.diagnosis and item.diagnosis not in ("missing-row", "blank") else ""
        hint = item.hint or ""
        hint = "" if hint.startswith("expected ") and item.diagnosis is None else hint[:1].upper() + hint[1:]
        parts.append(Text(f"[{n}] {_where(item)}, {_FIELD_NAMES.get(item.field, item.field)}{diag}: "
                          f"expected {item.expected}. {hint}".rstrip()))
    for a in r.advice:
        parts.append(Text((f"{marks}: " if swept else "") + a, style="yellow"))
    for s in r.slips:
        parts.append(Text(f"Addition slip, {_FIELD_NAMES.get(s.field, s.field)}: {s.hint}", style="yellow"))
    if r.missing:
        parts.append(Text("Missing: " + ", ".join(_missing_text(i, n) for i, n in r.missing), style="yellow"))
    for n, loc in r.extra:
        parts.append(Text(f"Extra row `{n}` at {loc}: it matches no layer of the spec", style="yellow"))
    notes = [i for i in r.items if i.right and i.note]
    for i in notes:
        parts.append(Text(f"Note, {_where(i)}: {i.note}", style="dim"))
    verdict = "all right" if r.all_right else f"{len(r.wrong)} wrong"
    parts.append(Text(f"Score: {r.score}/{r.max_score} ({r.percent:.0f}%) — {verdict}", style="bold"))
    return parts
