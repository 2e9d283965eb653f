"""The calculator for the documentation site's playground: text and options in, what the page shows out.

The playground (``docs/playground/``) runs this module in the browser, in Pyodide, on every edit. It
imports only the standard library and archcalc's calculation path (readers, kinds, analysis, the
renderers and the SVG drawing), so the page needs no typer, rich or PyYAML, and no network. Everything
it returns is made by the functions the command line uses: the table is :func:`archcalc.render.html_table`,
the downloads are ``summary --format json|csv|markdown``, the working is ``--explain``, the drawing is
``archcalc draw``, and an error is :meth:`archcalc.errors.ArchcalcError.render`, the text the CLI prints.

>>> out = calculate("input 28x28\\nconv3-8\\nmaxpool\\nFC-10")
>>> out["ok"], out["networks"][0]["totals"]["params"], out["svg"].startswith("<?xml")
(True, 15770, True)
>>> bad = calculate("input 28x28\\nconv3-8 strid=2")["error"]
>>> bad["line"], bad["text"].splitlines()[1]
(2, ' --> spec.txt:2:9')
"""

from __future__ import annotations

import json
from typing import Any

from . import render
from .analysis import DTYPES, OPTIMIZER_SLOTS, Analysis, analyze_network
from .errors import ArchcalcError, Location, SourceError, SpecError
from .network import Network
from .source import bundled_files, network_names, read_file, resolve

#: The longest text the page analyses (characters): the largest bundled spec is about 12,000.
MAX_TEXT = 200_000
#: The name the text goes by in messages (``--> spec.txt:3:1``): the playground's download of the spec.
SPEC_NAME = "spec.txt"


def examples() -> list[dict[str, Any]]:
    """The bundled specs for the page's menu: name (what ``?example=`` takes), first comment line, networks.

    >>> next(e for e in examples() if e["name"] == "vgg16")["networks"]
    ['vgg16']
    """
    out = []
    for f in bundled_files():
        text = read_file(f).text
        about = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), "")
        out.append({"name": f.stem, "file": f.name, "description": about, "networks": network_names(f)})
    return out


def example(name: str) -> dict[str, Any]:
    """A bundled spec's text, by file or network name as ``archcalc summary NAME`` finds it.

    Returns:
        ``{"ok": True, "name", "text", "net"}``, ``net`` being the network the name picks inside its file
        (``resnet50`` in ``resnet.txt``) or ``None``; or ``{"ok": False, "error": ...}`` for an unknown name.

    >>> e = example("resnet50")
    >>> e["net"], e["text"].startswith("# ResNet-50")
    ('resnet50', True)
    >>> example("vgg61")["error"]["message"]
    '`vgg61` is neither a file nor a bundled spec'
    """
    try:
        if "/" in name or "\\" in name or name.startswith("."):  # a bundled name, never a path of the page's FS
            raise SourceError(f"`{name}` is not a bundled spec", hint="`?example=` takes a name such as vgg16")
        spec, net = resolve(name)
    except ArchcalcError as e:
        return {"ok": False, "error": error_dict(e)}
    return {"ok": True, "name": name, "text": spec.text, "net": net}


def calculate(text: str, *, batch: int = 1, dtype: str = "float32", optimizer: str = "adam",
              no_bias: bool = False, net: str | None = None, name: str = SPEC_NAME) -> dict[str, Any]:
    """Everything the page shows for a spec text, as ``archcalc summary`` computes it.

    Args:
        text: a spec in the paper notation or Keras code (several networks allowed).
        batch: examples per batch (``--batch``).
        dtype: value type of weights and activations (``--dtype``).
        optimizer: for the optimizer state in the training memory (``--optimizer``).
        no_bias: count weights only (``--no-bias``).
        net: the one network of the text to show (``--net``); ``None``: all of them.
        name: the file name the text goes by in error messages.

    Returns:
        ``{"ok": True, "networks": [...], "svg", "json", "csv", "markdown"}`` and the same three with
        ``--explain`` (``"json_explain"``, ...), each network with ``name``, ``html`` (the table and its
        footer), ``explain`` (the working alone), ``text_explain`` (the table as ``summary --explain --wide``
        prints it, the working under each row) and ``totals``. Or ``{"ok": False, "error": {...}}``, with
        ``text`` (what the CLI prints for the same file), ``message``, ``hint``, ``line`` and ``column``.
        Nothing raises: a bug becomes an ``internal error``.
    """
    try:
        analyses = _analyses(text, name, net, batch=batch, dtype=dtype, count_bias=not no_bias,
                             optimizer=optimizer)
        return _result(analyses)
    except ArchcalcError as e:
        return {"ok": False, "error": error_dict(e)}
    except RecursionError:  # the browser's stack is smaller than the one the readers' limits assume
        return {"ok": False, "error": error_dict(SpecError(
            "the spec is nested too deeply for the browser's stack", location=deepest_point(text, name),
            hint="nest blocks, branches or brackets less deeply, or run `archcalc summary` on it"))}
    except Exception as e:  # a bug: the same words as the CLI's exit code 70
        message = f"internal error: {type(e).__name__}: {e}"
        return {"ok": False, "error": {"text": message + "\nThis is a bug in archcalc. Please report it with "
                                       "the spec that caused it.", "message": message, "hint": None,
                                       "line": None, "column": None}}


def calculate_json(text: str, options: str = "{}") -> str:
    """:func:`calculate` with its options as a JSON object, returning JSON: what the page's worker calls."""
    return json.dumps(calculate(text, **json.loads(options)))


def example_json(name: str) -> str:
    """:func:`example` as JSON (for the page's worker)."""
    return json.dumps(example(name))


def options() -> dict[str, Any]:
    """The choices of the page's settings: ``--dtype`` and ``--optimizer`` values.

    >>> options()["optimizers"][:2]
    ['sgd', 'momentum']
    """
    return {"dtypes": list(DTYPES), "optimizers": list(OPTIMIZER_SLOTS)}


def error_dict(e: ArchcalcError) -> dict[str, Any]:
    """An error as the page shows it: the CLI's text, and where it points (for marking the line)."""
    loc = e.location
    return {"text": e.render(), "message": e.message, "hint": e.hint,
            "line": loc.line if loc else None, "column": loc.column if loc else None}


def deepest_point(text: str, name: str = SPEC_NAME) -> Location:
    """Where a text is nested deepest: the innermost bracket, or else the most indented line.

    It points a "nested too deeply" error at its cause when the stack ran out somewhere that does not know
    the text (the browser's stack is smaller than the readers' limits assume). One pass, no recursion.

    >>> deepest_point("x = f(g(h(1)))\\nrelu").column
    10
    >>> loc = deepest_point("input 8x8\\n- add\\n  - add\\n    - relu\\nrelu")
    >>> loc.line, loc.column, loc.text
    (4, 5, '    - relu')
    """
    lines = text.splitlines() or [""]
    best = (-1, 0, 0, 1)  # (depth, line index, column index, caret length)
    depth = 0
    for number, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped:  # indentation counts as a level per 2 columns, below any bracket
            indent = len(line[: len(line) - len(stripped)].expandtabs(4)) // 2
            if depth * 1000 + indent > best[0]:
                best = (depth * 1000 + indent, number, len(line) - len(stripped), len(stripped.rstrip()))
        for column, char in enumerate(line):
            if char in "([{":
                depth += 1
                if depth * 1000 > best[0]:
                    best = (depth * 1000, number, column, 1)
            elif char in ")]}":
                depth = max(0, depth - 1)
    _, number, column, length = best
    return Location(name, number + 1, column + 1, lines[number], max(1, length))


def _analyses(text: str, name: str, net: str | None, **settings: Any) -> list[Analysis]:
    """Read and analyse the text as ``archcalc summary FILE [--net NET]`` reads a file of that content."""
    from .source import parse_text

    if len(text) > MAX_TEXT:
        raise SourceError(f"`{name}` has {len(text):,} characters, more than the playground reads "
                          f"({MAX_TEXT:,})", hint="run `archcalc summary` on it instead")
    if "\0" in text:
        raise SourceError(f"`{name}` holds a NUL character, not a spec",
                          hint="a spec is plain text: `input 224x224x3` and one layer a line")
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise SourceError(f"`{name}` is empty", hint="write `input 224x224x3` and one layer a line")
    networks = parse_text(text, name, only=net)
    if net is not None:
        networks = _pick(networks, net, name)
    return [analyze_network(n, **settings) for n in networks]


def _pick(networks: list[Network], wanted: str, name: str) -> list[Network]:
    """The network ``--net`` names; the CLI's message when there is none (:func:`archcalc.source.load`)."""
    for n in networks:
        if n.name.lower() == wanted.lower():
            return [n]
    import difflib

    names = [n.name for n in networks]
    close = difflib.get_close_matches(wanted, names, n=1)
    raise SourceError(f"{name} has no network `{wanted}`",
                      hint=(f"did you mean `{close[0]}`? " if close else "") + "it holds: " + ", ".join(names))


def _result(analyses: list[Analysis]) -> dict[str, Any]:
    from .pictures.draw import diagram_svg

    markdown = "\n".join(render.markdown_table(a) for a in analyses)
    working = "".join(render.explain_text(a) for a in analyses)
    return {
        "ok": True,
        "networks": [{"name": a.network, "html": render.html_table(a), "explain": render.explain_text(a),
                      "text_explain": render.text_table(a, explain=True),
                      "totals": render.analysis_dict(a)["totals"]} for a in analyses],
        "svg": diagram_svg(analyses),
        "json": render.json_text(analyses),
        "json_explain": render.json_text(analyses, explain=True),
        "csv": render.csv_text(analyses),
        "csv_explain": render.csv_text(analyses, explain=True),
        "markdown": markdown,
        "markdown_explain": markdown + "\n```text\n" + working + "```\n",
    }


__all__ = ["MAX_TEXT", "calculate", "calculate_json", "deepest_point", "error_dict", "example", "example_json",
           "examples", "options"]
