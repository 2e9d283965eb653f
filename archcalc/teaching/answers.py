"""Reading a student's table: the CS231n line format, CSV, Markdown, YAML and JSON, into rows of cells.

Every cell keeps where it was written (file, line, column) so that a grade or an error can point
at it. Nothing is interpreted here beyond finding the cells: numbers are read by
:mod:`archcalc.teaching.numbers` when they are graded, shapes by :func:`parse_shape`.

The CS231n format is the one of the "VGGNet in detail" table of the CS231n notes::

    CONV3-64: [224x224x64]  memory:  224*224*64=3.2M   weights: (3*3*3)*64 = 1,728
    ...
    TOTAL memory: 24M * 4 bytes ~= 93MB / image (only forward! ~*2 for bwd)
    TOTAL params: 138M parameters
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Location, SourceError
from ..limits import MAX_LINE_LENGTH, MAX_SHEET_DEPTH, MAX_SHEET_NODES, MAX_SHEET_ROWS

#: The graded columns, and the header words that name each (matched loosely: case, spaces, punctuation).
COLUMNS: dict[str, tuple[str, ...]] = {
    "layer": ("layer", "layers", "name", "kind", "type", "layer name", "layer type", "operation", "op"),
    "shape": ("output shape", "shape", "output", "output size", "size", "dims", "dimensions", "volume",
              "output volume", "out shape", "activation shape", "feature map"),
    "memory": ("memory", "activations", "acts", "mem", "values", "activation memory", "output values",
               "memory values", "number of activations", "memory (values)", "neurons"),
    "params": ("params", "parameters", "weights", "param", "#params", "number of parameters", "n params",
               "num params", "trainable params", "weights and biases"),
}
#: Keys of the totals a sheet may give.
TOTAL_KEYS = ("memory", "memory_bytes", "params")


@dataclass(frozen=True)
class Cell:
    """One answer as written, and where."""

    text: str
    location: Location


@dataclass
class AnswerRow:
    """One row of a student's table. A column that the file does not have is ``None``."""

    name: str
    location: Location
    shape: Cell | None = None
    memory: Cell | None = None
    params: Cell | None = None


@dataclass
class Sheet:
    """A student's whole answer: rows in order, the totals given, and which columns exist."""

    path: str
    student: str
    rows: list[AnswerRow]
    totals: dict[str, Cell] = field(default_factory=dict)
    columns: tuple[str, ...] = ("shape", "memory", "params")
    format: str = "cs231n"
    spec_name: str | None = None  # the network the sheet says it answers (`# spec: exercise-easy-7`)


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9#]+", " ", header.lower()).strip()


def match_column(header: str) -> str | None:
    """The graded column a header names, or ``None``.

    >>> match_column("Output Shape"), match_column("Memory (values)"), match_column("# Params"), match_column("x")
    ('shape', 'memory', 'params', None)
    """
    k = _key(header)
    if not k:
        return None
    for column, names in COLUMNS.items():
        if k in {_key(n) for n in names}:
            return column
    # Loose: a header that starts with a known word ("params (with bias)", "memory in values").
    for column, names in COLUMNS.items():
        for n in names:
            if re.match(rf"{re.escape(_key(n))}\b", k) and len(_key(n)) >= 4:
                return column
    if k.startswith("#") and "param" in k:
        return "params"
    return None


def _loc(path: str, number: int, line: str, start: int, length: int) -> Location:
    return Location(path, number, start + 1, line, max(1, length))


# ---------------------------------------------------------------------------------------------
# The CS231n line format.

_LEAD = re.compile(r"\s*(?:[-*+]\s+|\d+[.)]\s+)?")
_MEMORY_KEY = re.compile(r"(memory|mem|activations|acts)\s*:\s*", re.I)
_PARAMS_KEY = re.compile(r"(weights|params|parameters)\s*:\s*", re.I)
# On a line without trailing spaces (`_total_cells` strips them): no two `\s*` meet, so it is linear.
_TOTAL = re.compile(r"^\s*(?:[-*+]\s+)?[\s*]*total\s+(?P<what>memory|params|parameters|weights|activations)"
                    r"[\s*]*:[\s*]*(?P<value>.*)$", re.I)


class _Row:
    """The parts of a CS231n row, ``CONV3-64: [224x224x64]  memory: ...  weights: ...``, with their
    offsets (``group`` and ``start`` as a regular expression's match has them).

    Read by hand: the regular expression it replaces, with optional spaces around optional parts,
    backtracked cubically on long runs of spaces (2,000 spaces and an `x` took 10 s).
    """

    def __init__(self, parts: dict[str, tuple[str, int]]) -> None:
        self.parts = parts

    def group(self, name: str) -> str | None:
        return self.parts[name][0] if name in self.parts else None

    def start(self, name: str) -> int:
        return self.parts[name][1]

    @staticmethod
    def match(line: str) -> _Row | None:
        """The row's parts, or ``None`` when the line is not shaped like a row.

        >>> r = _Row.match("CONV3-64: [224x224x64]  memory:  224*224*64=3.2M   weights: (3*3*3)*64")
        >>> r.group("name"), r.group("shape"), r.group("memory"), r.group("params"), r.start("params")
        ('CONV3-64', '[224x224x64]', '224*224*64=3.2M', '(3*3*3)*64', 60)
        >>> _Row.match("CONV3-64: [224x224x64]" + " " * 2000 + "x") is None
        True
        """
        end = len(line.rstrip())
        lead = _LEAD.match(line).end()  # type: ignore[union-attr]
        colon = line.find(":", lead)
        if colon < 0:
            return None
        if not line[lead:colon].strip():  # `- : ...`: the dash is the name, not a bullet
            lead = len(line) - len(line.lstrip())
        name = line[lead:colon].rstrip()
        if not name.strip() or "[" in name or "]" in name:
            return None
        parts = {"name": (name, lead)}
        at = _skip_spaces(line, colon + 1)
        if at < end and line[at] in "[(":
            close = line.find("]" if line[at] == "[" else ")", at)
            if close < 0:
                return None
            parts["shape"] = (line[at:close + 1], at)
            at = _skip_spaces(line, close + 1)
        if (m := _MEMORY_KEY.match(line, at)) and at < end:
            parts["mkey"] = (m.group(1), at)
            value_at = m.end()
            p = _PARAMS_KEY.search(line, value_at)
            stop = p.start() if p else end
            parts["memory"] = (line[value_at:stop].rstrip(), value_at)
            at = stop
        if at < end and (m := _PARAMS_KEY.match(line, at)):
            parts["pkey"] = (m.group(1), at)
            parts["params"] = (line[m.end():end], m.end())
            at = end
        return _Row(parts) if at >= end else None


def _skip_spaces(line: str, at: int) -> int:
    while at < len(line) and line[at].isspace():
        at += 1
    return at
_BYTES_OF = re.compile(r"^(?P<values>.*?)\*\s*(?P<size>\d+)\s*bytes?\s*(?:~=|≈|=|~)\s*(?P<bytes>.+)$", re.I)


def _strip_comment(line: str) -> str:
    """Drop a trailing ``// remark`` (the CS231n slides write them)."""
    i = line.find("//")
    return line if i < 0 else line[:i].rstrip()


def _total_cells(line: str, raw: str, number: int, path: str) -> dict[str, Cell] | None:
    """The cells of a ``TOTAL memory: ...`` or ``TOTAL params: ...`` line; None for another line.

    ``line`` is ``raw`` without its trailing remark (same positions), ``number`` its line number.
    """
    t = _TOTAL.match(line.rstrip())
    if not t:
        return None
    what = t.group("what").lower()
    value, start = t.group("value"), t.start("value")
    key = "memory" if what in ("memory", "activations") else "params"
    if key == "memory" and (b := _BYTES_OF.match(value)):
        # "24M * 4 bytes ~= 93MB": a count of values, then the same in bytes.
        values, written = b.group("values"), b.group("bytes")
        return {"memory": Cell(values.strip(), _loc(path, number, raw, start, len(values))),
                "memory_bytes": Cell(written.strip(), _loc(path, number, raw, start + b.start("bytes"), len(written)))}
    if key == "memory" and re.search(r"\d\s*(?:[kmgt]i?b|bytes?)\b", value, re.I):
        return {"memory_bytes": Cell(value, _loc(path, number, raw, start, len(value)))}
    return {key: Cell(value, _loc(path, number, raw, start, len(value)))}


def read_cs231n(text: str, path: str, student: str) -> Sheet:
    """Read the CS231n line format. Unreadable lines are errors that point at them."""
    rows: list[AnswerRow] = []
    totals: dict[str, Cell] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _strip_comment(raw)
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "```", "~~~")) or re.fullmatch(r"[-=_*\s]+", stripped):
            continue
        found = _total_cells(line, raw, number, path)
        if found is not None:
            totals.update(found)
            continue
        m = _Row.match(line)
        if not m or not (m.group("shape") or m.group("memory") is not None or m.group("params") is not None):
            raise SourceError(
                f"cannot read this line of `{path}` as a layer row",
                location=_loc(path, number, raw, len(raw) - len(raw.lstrip()), len(stripped)),
                hint="write rows as `CONV3-64: [224x224x64]  memory: 224*224*64  weights: (3*3*3)*64`, "
                     "and `TOTAL memory: ...`, `TOTAL params: ...` at the end; `#` starts a comment")
        name = m.group("name").strip()
        row = AnswerRow(name, _loc(path, number, raw, m.start("name"), len(name)))
        if m.group("shape"):
            row.shape = Cell(m.group("shape"), _loc(path, number, raw, m.start("shape"), len(m.group("shape"))))
        if m.group("mkey"):
            row.memory = Cell(m.group("memory"), _loc(path, number, raw, m.start("memory"), len(m.group("memory"))))
        if m.group("pkey"):
            row.params = Cell(m.group("params"), _loc(path, number, raw, m.start("params"), len(m.group("params"))))
        rows.append(row)
    if not rows:
        raise SourceError(f"`{path}` holds no layer rows",
                          hint="write one row a layer: `CONV3-64: [224x224x64]  memory: ...  weights: ...`")
    return Sheet(path, student, rows, totals, ("shape", "memory", "params"), "cs231n")


# ---------------------------------------------------------------------------------------------
# Tables: CSV and Markdown share the header logic.

def _cell_at(cells: list[tuple[str, int]], i: int, path: str, number: int, line: str) -> Cell:
    """Column ``i`` of a table row, stripped, located; a row too short gives an empty cell at its end."""
    text, start = cells[i] if i < len(cells) else ("", len(line))
    return Cell(text.strip(), _loc(path, number, line, start, len(text.strip()) or 1))


def _table(records: list[tuple[int, str, list[tuple[str, int]]]], path: str, student: str, fmt: str) -> Sheet:
    """Rows of a table (line number, line text, cells with their 0-based columns) into a sheet.

    The first record with a cell in it is the header.
    """
    while records and not any(c.strip() for c, _ in records[0][2]):
        records = records[1:]
    if not records:
        raise SourceError(f"`{path}` holds no table", hint="the first line names the columns: layer, "
                                                            "output shape, memory, params")
    number, line, header = records[0]
    columns: dict[str, int] = {}
    for i, (h, _c) in enumerate(header):
        col = match_column(h)
        if col and col not in columns:
            columns[col] = i
    graded = tuple(c for c in ("shape", "memory", "params") if c in columns)
    if not graded:
        import difflib

        names = [n for ns in COLUMNS.values() for n in ns]
        first = header[0][0] if header else ""
        close = difflib.get_close_matches(_key(first), names, n=1)
        raise SourceError(
            f"the header of `{path}` names no column archcalc grades: "
            + ", ".join(f"`{h}`" for h, _ in header),
            location=_loc(path, number, line, header[0][1] if header else 0, len(line.strip()) or 1),
            hint=(f"did you mean `{close[0]}`? " if close else "")
            + "name the columns e.g. `layer, output shape, memory, params`")
    rows: list[AnswerRow] = []
    totals: dict[str, Cell] = {}
    for number, line, cells in records[1:]:
        if not any(c.strip() for c, _ in cells):
            continue
        found = {col: _cell_at(cells, i, path, number, line) for col, i in columns.items()}
        name_i = columns.get("layer", 0)
        name, nstart = cells[name_i] if name_i < len(cells) else ("", 0)
        name = name.strip().strip("`*")
        if re.match(r"^total\b", name, re.I):
            for col in ("memory", "params"):
                c = found.get(col)
                if c is None:
                    continue
                if col == "memory" and (b := _BYTES_OF.match(c.text)):
                    # "24M * 4 bytes ~= 93MB" in one cell: the count of values, then the bytes.
                    totals["memory"] = Cell(b.group("values").strip(), c.location)
                    totals["memory_bytes"] = Cell(b.group("bytes").strip(), c.location)
                elif col == "memory" and re.search(r"\d\s*(?:[kmgt]i?b|bytes?)\b", c.text, re.I):
                    totals["memory_bytes"] = c
                else:
                    totals[col] = c  # a TOTAL row left blank is graded as blank
            continue
        rows.append(AnswerRow(name, _loc(path, number, line, nstart, len(name) or 1),
                              found.get("shape"), found.get("memory"), found.get("params")))
    if not rows:
        raise SourceError(f"`{path}` has a header but no rows", hint="add one row a layer under the header")
    return Sheet(path, student, rows, totals, graded, fmt)


def read_csv(text: str, path: str, student: str) -> Sheet:
    import csv

    lines = text.split("\n")
    if not lines:
        raise SourceError(f"`{path}` is empty", hint="the first line names the columns: layer, output shape, "
                                                    "memory, params")
    first = next((ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")), lines[0])
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    records = []
    csv.field_size_limit(MAX_LINE_LENGTH + 1)  # lines are checked before: this never fires first
    # One record a line (`read_text` made the line ends `\n`): a quoted cell running over a line end is an
    # error at that line, not a record whose line numbers drift from the text's.
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith("#"):
            continue
        try:
            cells = next(csv.reader([line], dialect), [])
        except csv.Error as e:
            raise SourceError(f"cannot read line {number} of `{path}` as CSV: {e}",
                              location=_loc(path, number, line, 0, len(line)),
                              hint="quote a cell that holds a comma or a quote: \"a, b\"") from None
        # Columns of each cell in the line, for carets: search left to right.
        placed, at = [], 0
        for c in cells:
            i = line.find(c, at) if c else -1
            placed.append((c, i if i >= 0 else at))
            at = (i + len(c)) if i >= 0 else at
        records.append((number, line, placed))
    return _table(records, path, student, "csv")


def read_markdown(text: str, path: str, student: str) -> Sheet:
    """The first pipe table with a recognised header; CS231n-style TOTAL lines outside it count too."""
    records: list[tuple[int, str, list[tuple[str, int]]]] = []
    tables: list[list[tuple[int, str, list[tuple[str, int]]]]] = []
    outside_totals: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if s.startswith("|") or (s.count("|") >= 2 and records):
            if re.fullmatch(r"\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?", s):
                continue  # the |---|---| line
            cells, at = [], 0
            for m in re.finditer(r"(?<!\\)\|", line):
                cells.append((line[at:m.start()], at))
                at = m.end()
            cells.append((line[at:], at))
            # Leading and trailing pipes leave empty edge cells.
            if cells and not cells[0][0].strip() and s.startswith("|"):
                cells = cells[1:]
            if cells and not cells[-1][0].strip() and s.endswith("|"):
                cells = cells[:-1]
            cells = [(c.replace("\\|", "|"), i + len(c) - len(c.lstrip())) for c, i in cells]
            records.append((number, line, cells))
        else:
            if records:
                tables.append(records)
                records = []
            if _TOTAL.match(line):
                outside_totals.append((number, line))
    if records:
        tables.append(records)
    for table in tables:
        if any(match_column(h) in ("shape", "memory", "params") for h, _ in table[0][2]):
            sheet = _table(table, path, student, "markdown")
            break
    else:
        raise SourceError(f"`{path}` holds no Markdown table with the graded columns",
                          hint="write `| layer | output shape | memory | params |`, then `|---|---|---|---|` "
                               "and one row a layer")
    for number, line in outside_totals:  # a TOTAL row inside the table wins over a line after it
        found = _total_cells(_strip_comment(line), line, number, path) or {}
        sheet.totals.update({k: v for k, v in found.items() if k not in sheet.totals})
    return sheet


# ---------------------------------------------------------------------------------------------
# YAML and JSON: {student:, layers: [{name:, output_shape:, memory:, params:}], totals: {...}}

def read_structured(text: str, path: str, student: str, fmt: str) -> Sheet:
    """YAML or JSON (read as YAML, of which JSON is a subset, to keep line numbers)."""
    import yaml

    separators = sum(text.count(c) for c in ",:-\n[{")  # every value but the first follows one of them
    if separators > MAX_SHEET_NODES:  # the YAML reader takes seconds for 100,000 values: refuse before it
        raise SourceError(f"`{path}` is too big to be a sheet: {separators:,} separators (`,` `:` `-` `[` `{{` and "
                          f"line ends) where a sheet holds at most {MAX_SHEET_NODES:,} values (MAX_SHEET_NODES)",
                          hint=f"a sheet has one entry a layer of the network (at most {MAX_SHEET_ROWS:,})")
    _check_brackets(text, path)
    try:
        # libyaml's reader when it is there: the same nodes and marks, five times faster.
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except RecursionError:  # block-style nesting (`- - - - x`) the bracket count does not see
        lines = text.splitlines() or [""]
        deepest = max(range(len(lines)), key=lambda i: len(lines[i]) - len(lines[i].lstrip(" -")))
        column = len(lines[deepest]) - len(lines[deepest].lstrip(" -")) + 1
        raise SourceError(f"`{path}` is nested too deeply to read (at most {MAX_SHEET_DEPTH} levels, MAX_SHEET_DEPTH)",
                          location=Location(path, deepest + 1, column, lines[deepest], 1),
                          hint="a sheet is `layers:`, a list of `{name: ..., params: ...}` and `totals:`") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        lines = text.splitlines()
        loc = None
        if mark is not None:
            line = lines[mark.line] if mark.line < len(lines) else ""
            loc = Location(path, mark.line + 1, mark.column + 1, line, 1)
        raise SourceError(f"`{path}` is not valid {fmt.upper()}: {getattr(e, 'problem', None) or e}",
                          location=loc, hint="check the brackets, quotes and indentation") from None
    lines = text.splitlines()

    def loc(node: yaml.Node) -> Location:
        m = node.start_mark
        line = lines[m.line] if m.line < len(lines) else ""
        length = max(1, (node.end_mark.column - m.column) if node.end_mark.line == m.line else len(line) - m.column)
        return Location(path, m.line + 1, m.column + 1, line, length)

    def scalar_text(node: yaml.Node) -> str:
        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        if isinstance(node, yaml.SequenceNode):  # [224, 224, 64]
            return "x".join(scalar_text(n) for n in node.value)
        raise SourceError("expected a value here, found a mapping", location=loc(node),
                          hint="write e.g. `params: 1792` or `output_shape: [224, 224, 64]`")

    def mapping(node: yaml.Node) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise SourceError("expected a mapping (`key: value` lines) here", location=loc(node),
                              hint="each layer is e.g. `{name: conv3-64, output_shape: 224x224x64, "
                                   "memory: 3211264, params: 1792}`")
        return {str(k.value).strip().lower(): v for k, v in node.value}

    if root is None:
        raise SourceError(f"`{path}` is empty", hint="write `layers:` and one entry a layer")
    _check_nodes(root, path, loc)
    layers_node: yaml.Node
    totals_node: yaml.Node | None = None
    spec_name: str | None = None
    if isinstance(root, yaml.SequenceNode):
        layers_node = root
    else:
        top = mapping(root)
        if "student" in top and isinstance(top["student"], yaml.ScalarNode):
            student = str(top["student"].value)
        if "spec" in top and isinstance(top["spec"], yaml.ScalarNode):
            spec_name = str(top["spec"].value)
        layers_node = top.get("layers") or top.get("rows") or top.get("table")  # type: ignore[assignment]
        if layers_node is None:
            raise SourceError(f"`{path}` has no `layers:` list", location=loc(root),
                              hint="write `layers:` followed by one entry a layer (and `totals:`)")
        totals_node = top.get("totals") or top.get("total")
    if not isinstance(layers_node, yaml.SequenceNode):
        raise SourceError("`layers` must be a list", location=loc(layers_node),
                          hint="write `layers:` and then `- {name: ..., output_shape: ..., ...}` lines")
    rows: list[AnswerRow] = []
    seen: set[str] = set()
    for item in layers_node.value:
        fields = mapping(item)
        row = AnswerRow("", loc(item))
        for key, node in fields.items():
            col = match_column(key.replace("_", " "))
            if col == "layer":
                row.name, row.location = scalar_text(node), loc(node)
            elif col in ("shape", "memory", "params"):
                setattr(row, col, Cell(scalar_text(node), loc(node)))
                seen.add(col)
        rows.append(row)
    totals: dict[str, Cell] = {}
    if totals_node is not None:
        for key, node in mapping(totals_node).items():
            k = key.replace("_", " ").strip()
            if k in ("memory bytes", "bytes", "memory in bytes", "activation bytes"):
                totals["memory_bytes"] = Cell(scalar_text(node), loc(node))
            elif (col := match_column(k)) in ("memory", "params"):
                text = scalar_text(node)
                bytes_written = col == "memory" and re.search(r"\d\s*(?:[kmgt]i?b|bytes?)\b", text, re.I)
                totals["memory_bytes" if bytes_written else col] = Cell(text, loc(node))
    if not rows:
        raise SourceError(f"`{path}` lists no layers", hint="add one entry a layer under `layers:`")
    graded = tuple(c for c in ("shape", "memory", "params") if c in seen)
    return Sheet(path, student, rows, totals, graded or ("shape", "memory", "params"), fmt, spec_name)


_BRACKETS = re.compile(r"[\[\]{}\"'\\\n]")


def _check_brackets(text: str, path: str) -> None:
    """Refuse JSON/YAML brackets nested deeper than MAX_SHEET_DEPTH before the YAML reader, which
    recurses once a level, sees them. Quoted text is skipped; only the characters that matter are visited.

    >>> _check_brackets('{"a": "[[[["}', "x.json")
    >>> try:
    ...     _check_brackets("[" * 30, "x.json")
    ... except SourceError as e:
    ...     print(e)
    x.json:1:21: `x.json` nests brackets 21 deep, more than archcalc reads (20, MAX_SHEET_DEPTH)
    """
    depth, quote, skip = 0, "", -1
    number, line_start = 1, 0
    for m in _BRACKETS.finditer(text):
        at, ch = m.start(), m.group()
        if ch == "\n":
            number, line_start = number + 1, at + 1
        if at < skip:  # the character after a backslash in "..."
            continue
        if quote:
            if ch == "\\" and quote == '"':
                skip = at + 2
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > MAX_SHEET_DEPTH:
                line = text[line_start:].split("\n", 1)[0]
                raise SourceError(f"`{path}` nests brackets {depth} deep, more than archcalc reads "
                                  f"({MAX_SHEET_DEPTH}, MAX_SHEET_DEPTH)",
                                  location=_loc(path, number, line[:200], min(at - line_start, 199), 1),
                                  hint="a sheet is `layers:`, a list of `{name: ..., params: ...}` and `totals:`")
        elif ch in "]}":
            depth = max(0, depth - 1)


def _check_nodes(root: Any, path: str, loc: Any) -> None:
    """Count the sheet's values the way they would be read, through YAML's aliases (``*a``), and refuse
    a sheet of more than MAX_SHEET_NODES (the "billion laughs": 500 bytes of aliases of aliases) or
    deeper than MAX_SHEET_DEPTH (an alias of itself is infinitely deep); and a lone surrogate (``"\\ud800"``
    in JSON), which is not a character."""
    import yaml

    count = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_SHEET_NODES or depth > MAX_SHEET_DEPTH:
            what = (f"more than {MAX_SHEET_NODES:,} values (MAX_SHEET_NODES)" if count > MAX_SHEET_NODES
                    else f"values nested more than {MAX_SHEET_DEPTH} deep (MAX_SHEET_DEPTH)")
            raise SourceError(f"`{path}` holds {what} once its aliases (`*name`) are expanded",
                              location=loc(node), hint="write each layer's values out; a sheet needs no aliases")
        if isinstance(node, yaml.ScalarNode):
            if _SURROGATE.search(node.value):
                raise SourceError("a lone surrogate (half a UTF-16 pair), which is not a character",
                                  location=loc(node), hint="remove the `\\ud800`-style escape")
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((n, depth + 1) for n in node.value)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.extend(((k, depth + 1), (v, depth + 1)))


# ---------------------------------------------------------------------------------------------

FORMATS = ("cs231n", "csv", "markdown", "yaml", "json")


def detect_format(path: Path, text: str) -> str:
    """The format of an answer file, by its extension, else by its first lines."""
    suffix = path.suffix.lower()
    by_suffix = {".csv": "csv", ".tsv": "csv", ".md": "markdown", ".markdown": "markdown",
                 ".yaml": "yaml", ".yml": "yaml", ".json": "json"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    first = next((ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    if first.startswith(("{", "[")) and not re.match(r"^\[\d", first):
        return "json"
    if first.startswith("|"):
        return "markdown"
    if first.count(",") >= 2 and any(match_column(c) for c in first.split(",")):
        return "csv"
    if re.match(r"^(student|layers)\s*:", first):
        return "yaml"
    return "cs231n"


ANSWER_SUFFIXES = (".txt", ".csv", ".tsv", ".md", ".markdown", ".yaml", ".yml", ".json")


#: The files ``exercise new --out DIR`` writes that are not answers (``answers.csv`` is the sheet to fill).
EXERCISE_OWN_FILES = {"spec.txt": "its spec", "key.csv": "its answer key", "key.md": "its answer key"}


def exercise_own_files(names: set[str]) -> set[str]:
    """The names, among a folder's files, that are the exercise's own (spec and key), not answers: only
    in a folder made by ``exercise new``, which holds a ``spec.txt`` beside a key.

    >>> sorted(exercise_own_files({"spec.txt", "answers.csv", "key.csv", "key.md"}))
    ['key.csv', 'key.md', 'spec.txt']
    >>> exercise_own_files({"spec.txt", "alice.csv"})   # no key: a student's file named spec.txt is graded
    set()
    """
    if "spec.txt" not in names or not names & {"key.csv", "key.md"}:
        return set()
    return names & set(EXERCISE_OWN_FILES)


def expand_folders(paths: list[str], skipped: list[str] | None = None) -> list[str]:
    """Each folder replaced by the answer files in it (sorted, hidden files skipped), so that
    ``check submissions/`` works where the shell does not expand ``*.csv`` (Windows).

    In a folder made by ``exercise new --out DIR``, the exercise's own spec and key are not answers:
    they are left out, and appended to ``skipped`` so that the caller can say so.

    Raises:
        SourceError: a folder with no answer file in it.
    """
    out: list[str] = []
    for p in paths:
        folder = Path(p)
        try:
            if not folder.is_dir():
                out.append(p)  # a file: read (or refused) in its turn
                continue
            files = [f for f in folder.iterdir()
                     if f.is_file() and f.suffix.lower() in ANSWER_SUFFIXES and not f.name.startswith(".")]
        except OSError as e:  # a folder that cannot be entered or listed
            raise SourceError(f"cannot read the folder `{p}`: {e.strerror or e}",
                              hint="check its permissions (chmod +rx)") from None
        own = exercise_own_files({f.name for f in files})
        found = sorted(str(f) for f in files if f.name not in own)
        if skipped is not None:
            skipped += sorted(str(f) for f in files if f.name in own)
        if not found:
            raise SourceError(f"`{p}` holds no answer files" + (" (only the exercise's spec and key)" if own else ""),
                              hint="answer files end in " + ", ".join(ANSWER_SUFFIXES))
        out.extend(found)
    return out


_SPEC_LINE = re.compile(r"^\s*(?:#|//|<!--)\s*(?:spec|exercise)\s*:\s*([A-Za-z0-9_.\-]+)", re.I)


def find_spec_name(text: str) -> str | None:
    """The network a sheet names in a comment line, ``# spec: exercise-easy-7`` (the blank tables
    that ``exercise new`` writes start with one), so that ``check --spec FOLDER`` can find it.

    >>> find_spec_name("# spec: exercise-easy-7\\nlayer,output shape"), find_spec_name("layer,params")
    ('exercise-easy-7', None)
    """
    for line in text.splitlines():
        if m := _SPEC_LINE.match(line):
            return m.group(1)
    return None


def read_sheet(path: Path, shown: str | None = None, fmt: str | None = None) -> Sheet:
    """Read one answer file. ``student`` is the file's stem unless the file names one.

    Raises:
        SourceError: unreadable file or table, with the location of the first problem.
    """
    from ..source import read_file

    shown = shown or str(path)
    text = read_file(path, shown).text
    return read_text(text, fmt or detect_format(path, text), shown, path.stem)


def read_text(text: str, fmt: str = "cs231n", path: str = "<text>", student: str = "student") -> Sheet:
    """Read answers given as text (for the Python API and tests).

    >>> s = read_text("CONV3-64: [224x224x64]  memory:  224*224*64=3.2M   weights: (3*3*3)*64 = 1,728")
    >>> s.rows[0].name, s.rows[0].shape.text, s.rows[0].params.text
    ('CONV3-64', '[224x224x64]', '(3*3*3)*64 = 1,728')
    """
    readers = {"csv": read_csv, "markdown": read_markdown, "cs231n": read_cs231n}
    if not text.strip():
        raise SourceError(f"`{path}` is empty", hint="write one row a layer")
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # one kind of line end for every reader
    structured = fmt in ("yaml", "json")
    _check_text(text, path, lines=not structured)
    sheet = read_structured(text, path, student, fmt) if structured else readers[fmt](text, path, student)
    if len(sheet.rows) > MAX_SHEET_ROWS:
        raise SourceError(f"`{path}` has {len(sheet.rows):,} rows, more than archcalc grades "
                          f"({MAX_SHEET_ROWS:,}, MAX_SHEET_ROWS)", location=sheet.rows[MAX_SHEET_ROWS].location,
                          hint="a sheet has one row a layer of the network")
    sheet.spec_name = sheet.spec_name or find_spec_name(text)
    return sheet


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_text(text: str, path: str, *, lines: bool) -> None:
    """Refuse what no reader should meet: a lone surrogate (half a UTF-16 pair, which no file can hold
    and no terminal can print), more lines than a sheet has rows, or (``lines``: the line formats) a line
    longer than MAX_LINE_LENGTH."""
    if m := _SURROGATE.search(text):
        number = text.count("\n", 0, m.start()) + 1
        line_start = text.rfind("\n", 0, m.start()) + 1
        line = text[line_start:].split("\n", 1)[0].encode("utf-8", "replace").decode()  # printable
        raise SourceError(f"`{path}` holds a lone surrogate U+{ord(m.group()):04X}, which is not a character",
                          location=_loc(path, number, line, m.start() - line_start, 1),
                          hint="save the file as UTF-8 text")
    if lines and text.count("\n") > 2 * MAX_SHEET_ROWS:
        raise SourceError(f"`{path}` has {text.count(chr(10)) + 1:,} lines, more than archcalc reads in a sheet "
                          f"({2 * MAX_SHEET_ROWS:,}: MAX_SHEET_ROWS rows and as many comments)",
                          hint="a sheet has one row a layer of the network")
    if lines:
        for number, line in enumerate(text.split("\n"), start=1):
            if len(line) > MAX_LINE_LENGTH:
                raise SourceError(f"line {number} of `{path}` has {len(line):,} characters, more than archcalc "
                                  f"reads ({MAX_LINE_LENGTH:,}, MAX_LINE_LENGTH)",
                                  location=_loc(path, number, line[:80] + "…", 0, 1),
                                  hint="a row holds a layer's name, shape, memory and parameters")


# ---------------------------------------------------------------------------------------------
# Shapes as written: [224x224x64], (224, 224, 64), 224 x 224 x 64, 1x1x4096, 4096.

class BadShape(ValueError):
    pass


def parse_shape(text: str) -> tuple[int, ...]:
    """A written shape as a tuple of integers (arithmetic inside is allowed: ``(224-3+2)/1+1``).

    >>> parse_shape("[224x224x64]"), parse_shape("(7, 7, 512)"), parse_shape("1x1x4096"), parse_shape("4096")
    ((224, 224, 64), (7, 7, 512), (1, 1, 4096), (4096,))
    """
    from .numbers import MAX_LENGTH, BadNumber, parse_value

    t = text.strip()
    if len(t) > MAX_LENGTH:  # a shape, not a program: also keeps the splitting below fast
        raise BadShape(f"a shape of {len(t):,} characters is longer than archcalc reads ({MAX_LENGTH})")
    t = re.sub(r"^[\[(]\s*|\s*[\])]$", "", t)
    if not t:
        raise BadShape("no shape written")
    parts = re.split(r"\s*[x×X*,]\s*|\s+by\s+|\s+", t) if not re.search(r"[+/-]", t) else re.split(r"\s*[x×,]\s*", t)
    dims = []
    for p in parts:
        if not p:
            raise BadShape(f"an empty size in `{text.strip()}`")
        try:
            v = parse_value(p)
        except BadNumber as e:
            raise BadShape(f"cannot read `{p}` in the shape `{text.strip()}`: {e.message}") from None
        if v.exact is None or v.exact < 0:
            raise BadShape(f"`{p}` in the shape `{text.strip()}` is not a whole number")
        dims.append(v.exact)
    if not dims:
        raise BadShape("no shape written")
    return tuple(dims)
