"""MkDocs hooks: the parts of the site that archcalc writes itself, at build time, so they never go stale.

* Pictures (:data:`DIAGRAMS`, :data:`CHARTS`): drawn with ``archcalc draw``'s and ``summary --plot``'s
  own functions and added to the site as generated files; pages link them as ``images/NAME``.
* ``<!-- archcalc-cli -->`` in a page becomes the reference of every command: the text of its own
  ``--help``, in the order the app lists them.
* ``<!-- archcalc-run: ARGS -->`` becomes a ``text`` block with ``$ archcalc ARGS`` and what it prints,
  run in ``docs/examples/`` (so pages can use the spec files there). The build fails when the command
  fails, unless the expected exit code is written: ``<!-- archcalc-run[2]: summary broken.txt -->``
  shows an error message on purpose.
* Filters after the arguments, each after a ``|`` with blanks around it, show a part of the output:
  ``<!-- archcalc-run: summary conv.txt | table -->``. Arguments with blanks or a ``|`` of their own are
  quoted as in a shell: ``| json '.layers[] | [.index, .name]'``. A filter that finds nothing fails the
  build. Three filters are shown as the shell command a reader can run for the same output, after the
  command (they must come before the others):

  - ``head N``: the first N lines, shown ``| head -n N``;
  - ``grep REGEX``: the lines that match (a Python regular expression; keep to what ``grep -E`` reads
    alike), shown ``| grep -E 'REGEX'``;
  - ``json [-c] EXPR``: the values a small part of jq's language selects from JSON output: ``.``,
    ``.key``, ``.[N]``, ``.[]`` and chains of them (``.layers[].name``), ``,`` (several outputs), ``|``
    and ``[...]`` (collect into a list); pretty-printed as jq does (``-c``: one line each); shown
    ``| jq 'EXPR'``. It is implemented here, in Python: jq is not needed to build the site.

  The others cut an excerpt archcalc's own output has no option for; the command is followed by
  ``# (excerpt: ...)`` saying what was kept, and ``…`` marks where lines were left out:

  - ``table``: the table of each network, without the footer under it (totals, memory);
  - ``footer``: the footer only;
  - ``working``: the plain-text working that ``--format markdown --explain`` ends with;
  - ``layers 1-3,17-21``: those layers' rows of a table, or their blocks of the working;
  - ``lines 5-9,20-``: those lines (numbered from 1; ``20-`` runs to the end).

  ``status`` (alone, or last after excerpt filters) adds the exit code, shown as
  ``; echo "exit code $?"``.
* ``<!-- archcalc-md: ARGS -->`` inserts what the command prints as Markdown (``--format markdown``
  tables render as tables).
* ``<!-- archcalc-file[LANG]: ARGS -o NAME -->`` runs a command that writes the file ``NAME`` (into a
  temporary folder) and shows the command, then the file as a ``LANG`` block.

Registered in ``mkdocs.yml`` under ``hooks:``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
if str(ROOT) not in sys.path:  # the hook also works from a checkout that is not installed
    sys.path.insert(0, str(ROOT))

#: Diagrams drawn at build time: site path → (spec, options of :func:`archcalc.pictures.draw.diagram_svg`).
#: A spec is a bundled name or a file of ``docs/examples/``.
DIAGRAMS: dict[str, tuple[str, dict[str, Any]]] = {
    "images/vgg16.svg": ("vgg16", {}),
    "images/tiny.svg": ("tiny.txt", {}),
    "images/lenet5.svg": ("lenet5", {}),
    "images/alexnet.svg": ("alexnet", {}),
    "images/mnist_cnn.svg": ("mnist_cnn", {"title": "The lecture notes' MNIST CNN (Keras code)"}),
    "images/resnet50-collapsed.svg": ("resnet50", {"collapse": True}),
}
#: Per-layer charts drawn at build time (PNG, matplotlib): site path → spec.
CHARTS: dict[str, str] = {"images/vgg16-charts.png": "vgg16"}

RUN = re.compile(r"<!-- archcalc-run(?:\[(\d+)\])?: (.+?) -->")
MD = re.compile(r"<!-- archcalc-md: (.+?) -->")
FILE = re.compile(r"<!-- archcalc-file\[(\w+)\]: (.+?) -o (\S+) -->")
INCLUDE = re.compile(r"<!-- archcalc-include\[(\w+)\]: (\S+) -->")
CLI = "<!-- archcalc-cli -->"
END = "<!-- /archcalc -->"
#: A marker alone on its line, with the region an earlier run wrote under it (if any): blank lines,
#: then anything up to END that is not another marker.
REGION = re.compile(r"^(<!-- archcalc-(?:run(?:\[\d+\])?: .+?|md: .+?|file\[\w+\]: .+?|include\[\w+\]: \S+|cli) -->)"
                    r"(?:\n|\Z)(?:\n*(?:(?!<!-- archcalc-)[\s\S])*?<!-- /archcalc -->(?:\n|\Z))?", re.M)
COLUMNS = "100"  # help and tables are laid out for this terminal width, the same on every machine


def _spec(ref: str) -> str:
    path = EXAMPLES / ref
    return str(path) if path.exists() else ref


def _analyses(ref: str, net: str | None = None) -> list[Any]:
    from archcalc.analysis import analyze_network
    from archcalc.source import load

    return [analyze_network(n) for n in load(_spec(ref), net)]


def _diagrams() -> dict[str, bytes]:
    from archcalc.pictures.draw import diagram_svg

    out = {}
    for uri, (ref, options) in DIAGRAMS.items():
        options = dict(options)
        out[uri] = diagram_svg(_analyses(ref, options.pop("net", None)), **options).encode("utf-8")
    return out


def _charts() -> dict[str, bytes]:
    from archcalc.pictures.charts import _figure, _save

    out = {}
    for uri, ref in CHARTS.items():
        buf = io.BytesIO()
        _save(_figure(_analyses(ref)), buf, Path(uri).suffix.lstrip("."))
        out[uri] = buf.getvalue()
    return out


def on_files(files: Files, config: Any) -> Files:
    """Add the diagrams and charts to the site, drawn anew (``docs/images/`` holds the same for GitHub)."""
    for uri, content in {**_diagrams(), **_charts()}.items():
        _add(files, config, uri, content)
    return files


def _add(files: Files, config: Any, uri: str, content: bytes) -> None:
    old = files.get_file_from_path(uri)
    if old is not None:
        files.remove(old)
    files.append(File.generated(config, uri, content=content))


def run(args: list[str], expected: int = 0) -> str:
    """What ``archcalc ARGS`` prints (stdout, then stderr), run in ``docs/examples/``."""
    from archcalc.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_cwd, old_columns, old_argv = os.getcwd(), os.environ.get("COLUMNS"), sys.argv
    os.environ["COLUMNS"] = COLUMNS
    sys.argv = ["archcalc"]  # the program name in `Usage: archcalc ...` (else the name of the mkdocs script)
    code: int | str | None = 0
    try:
        os.chdir(EXAMPLES)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(args)
            except SystemExit as e:
                code = e.code
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
        if old_columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old_columns
    if int(code or 0) != expected:
        raise PluginError(f"`archcalc {' '.join(args)}` exited with {code}, expected {expected}:\n"
                          f"{out.getvalue()}{err.getvalue()}")
    return out.getvalue() + err.getvalue()


def cli_reference() -> str:
    """Markdown: the help of ``archcalc`` and of each of its commands, as the commands print it."""
    import typer

    from archcalc.cli import app

    group = typer.main.get_command(app)
    parts = ["## `archcalc`\n", "```text\n" + run(["--help"]).rstrip() + "\n```\n"]

    def add(path: list[str], command: Any, level: str) -> None:
        summary = (command.help or "").strip().split("\n\n")[0].replace("\n", " ")
        parts.append(f"{level} `archcalc {' '.join(path)}`\n\n{summary}\n")
        parts.append("```text\n" + run([*path, "--help"]).rstrip() + "\n```\n")
        for name, sub in getattr(command, "commands", {}).items():  # a group: `exercise new`, ...
            add([*path, name], sub, level + "#")

    for name, command in group.commands.items():  # type: ignore[attr-defined]
        add([name], command, "##")
    return "\n".join(parts)


def _file_block(lang: str, args: str, name: str) -> str:
    """An ``archcalc-file`` marker's Markdown: the command, what it printed, then the file it wrote."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        target = str(Path(tmp) / name)
        printed = run([*args.split(), "-o", target]).replace(target, name).rstrip()
        content = Path(target).read_text(encoding="utf-8").rstrip()
    return (f"```text\n$ archcalc {args} -o {name}\n{printed}\n```\n\n"
            f'```{lang} title="{name}"\n{content}\n```')


def _include_block(lang: str, path: str) -> str:
    """An ``archcalc-include`` marker's Markdown: the file (a path from the repository's root) in a block."""
    source = ROOT / path
    if not source.is_file():
        raise PluginError(f"`archcalc-include`: no file `{path}`")
    return f"```{lang}\n{source.read_text(encoding='utf-8').rstrip()}\n```"


def generate(marker: str) -> str:
    """The Markdown that one marker stands for (the marker's full text, ``<!-- ... -->``)."""
    if marker == CLI:
        return cli_reference().rstrip()
    if m := FILE.fullmatch(marker):
        return _file_block(m.group(1), m.group(2), m.group(3))
    if m := MD.fullmatch(marker):
        return run(m.group(1).split()).rstrip()
    if m := INCLUDE.fullmatch(marker):
        return _include_block(m.group(1), m.group(2))
    if m := RUN.fullmatch(marker):
        return run_block(m.group(2), int(m.group(1) or 0))
    raise PluginError(f"unknown marker `{marker}`")


def expand(markdown: str) -> str:
    """Put each marker's generated Markdown under it, between the marker and :data:`END`, replacing
    what an earlier run put there. The result is what the page file should hold: GitHub shows it as
    it is, and the site shows the same (the build expands again, so it is never stale there).

    >>> expand("a\\n<!-- archcalc-include[text]: docs/examples/tiny.txt -->\\nb\\n").splitlines()[:4]
    ['a', '<!-- archcalc-include[text]: docs/examples/tiny.txt -->', '', '```text']
    >>> expand(expand("<!-- archcalc-run: --version -->\\n")) == expand("<!-- archcalc-run: --version -->\\n")
    True
    """
    return REGION.sub(lambda m: f"{m.group(1)}\n\n{generate(m.group(1))}\n\n{END}\n", markdown)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Replace each marker's region with freshly generated text (the page file holds the same, see
    :func:`expand`; ``tests/test_docs_fresh.py`` fails when it does not)."""
    return expand(markdown)


def pages() -> list[Path]:
    """The Markdown pages that may hold markers."""
    return sorted((ROOT / "docs").rglob("*.md"))


def write_pictures(check: bool = False) -> list[str]:
    """Write the diagrams (SVG) into ``docs/`` where pages link them, so GitHub shows them too; with
    ``check``, write nothing and return the ones that differ. The charts (PNG) are written if missing
    (their bytes depend on matplotlib's version, so they are not compared)."""
    stale = []
    for uri, content in _diagrams().items():
        path = ROOT / "docs" / uri
        if not path.exists() or path.read_bytes() != content:
            stale.append(uri)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
    for uri, content in _charts().items():
        path = ROOT / "docs" / uri
        if not path.exists():
            stale.append(uri)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
    return stale


#: What differs from run to run in an output (verify's timings): not a reason to call a page stale.
TIMING = re.compile(r"\b\d+\.\d+ s\b|\"seconds\": \d+(?:\.\d+)?")


def same(generated: str, page: str) -> bool:
    """Whether a page holds what :func:`expand` generated, timings apart.

    >>> same("built (0.90 s)", "built (1.01 s)"), same("81 checks", "80 checks")
    (True, False)
    """
    return TIMING.sub("", generated) == TIMING.sub("", page)


def main(argv: list[str]) -> int:
    """``python docs/hooks/archcalc_docs.py [--check]``: regenerate every page's generated regions and
    the diagrams in place (``--check``: change nothing, list what is stale, exit 1 if anything is)."""
    check = "--check" in argv
    stale = write_pictures(check)
    for page in pages():
        old = page.read_text(encoding="utf-8")
        new = expand(old)
        if not same(new, old):
            stale.append(str(page.relative_to(ROOT)))
            if not check:
                page.write_text(new, encoding="utf-8")
    for name in stale:
        print(("stale: " if check else "wrote ") + name)
    return 1 if check and stale else 0


# --- Filters of ``archcalc-run`` markers -------------------------------------------------------------

TOTAL = re.compile(r"^\s+Total\s")  # the totals row of a text table; the footer follows it
LAYER = re.compile(r"^(\s*)(\d+)(?:\.\s|\s{2,}\S)")  # a table row (`  3   maxpool`) or working block (` 3. maxpool`)
WORKING = re.compile(r"^```text\n(.*?)\n```$", re.M | re.S)
ELLIPSIS = "…"


def run_block(marker: str, expected: int = 0) -> str:
    """The Markdown of an ``archcalc-run`` marker: the command as a reader would type it and its output.

    Args:
        marker: the marker's text after ``archcalc-run:``, arguments then filters (``summary x.txt | table``).
        expected: the exit code the command must end with.

    Returns:
        A ``text`` block: ``$ archcalc ...`` (with the shell filters, or ``# (excerpt: ...)``), then the
        output, trailing blanks removed.

    Raises:
        PluginError: the command ends with another exit code, a filter is unknown, misplaced or keeps nothing.
    """
    args, filters = parse_marker(marker)
    text = "\n".join(line.rstrip() for line in run(args, expected).rstrip().splitlines())
    shown, labels = shlex.join(args), []
    for number, (name, *params) in enumerate(filters):
        if name in SHELL_FILTERS:
            if labels:
                raise PluginError(f"`{marker}`: `{name}` must come before the excerpt filters")
            text, command = SHELL_FILTERS[name](text, params)
            shown += f" | {command}"
        elif name in EXCERPT_FILTERS:
            text, label = EXCERPT_FILTERS[name](text, params)
            labels.append(label)
        elif name == "status" and not params:
            if number != len(filters) - 1 or any(f[0] in SHELL_FILTERS for f in filters):
                raise PluginError(f"`{marker}`: `status` comes last, and not after a shell filter")
            text += f"\nexit code {expected}"
            shown += '; echo "exit code $?"'
        else:
            raise PluginError(f"`{marker}`: unknown filter `{shlex.join([name, *params])}`")
    if labels:
        shown += f"   # (excerpt: {', '.join(labels)})"
    return f"```text\n$ archcalc {shown}\n{text}\n```"


def parse_marker(marker: str) -> tuple[list[str], list[list[str]]]:
    """Split a marker's text into archcalc's arguments and the filters, read with shell quoting.

    >>> parse_marker("summary vgg16 --format json | json -c '.layers[] | .name' | head 2")
    (['summary', 'vgg16', '--format', 'json'], [['json', '-c', '.layers[] | .name'], ['head', '2']])
    """
    try:
        tokens = shlex.split(marker)
    except ValueError as e:
        raise PluginError(f"`{marker}`: {e}") from None
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token == "|":
            parts.append([])
        else:
            parts[-1].append(token)
    if not parts[0] or not all(parts[1:]):
        raise PluginError(f"`{marker}`: an empty command or filter")
    return parts[0], parts[1:]


def _nonempty(text: str, what: str) -> str:
    if not text.strip():
        raise PluginError(f"the filter `{what}` kept nothing")
    return text


def _one(params: list[str], what: str) -> str:
    if len(params) != 1:
        raise PluginError(f"the filter `{what}` takes one argument, got {params}")
    return params[0]


def head(text: str, params: list[str]) -> tuple[str, str]:
    """``head N``: the first N lines."""
    n = _one(params, "head")
    if not n.isdigit() or int(n) < 1:
        raise PluginError(f"`head {n}`: N is a number of lines")
    return _nonempty("\n".join(text.split("\n")[: int(n)]), "head"), f"head -n {n}"


def grep(text: str, params: list[str]) -> tuple[str, str]:
    """``grep REGEX``: the lines in which the regular expression matches."""
    regex = _one(params, "grep")
    pattern = re.compile(regex)
    kept = "\n".join(line for line in text.split("\n") if pattern.search(line))
    return _nonempty(kept, f"grep {regex}"), f"grep -E {shlex.quote(regex)}"


def json_filter(text: str, params: list[str]) -> tuple[str, str]:
    """``json [-c] EXPR``: what ``jq [-c] EXPR`` prints, for the part of jq's language of :func:`jq`."""
    compact = params[:1] == ["-c"]
    expr = _one(params[1:] if compact else params, "json")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise PluginError(f"`json {expr}`: the output is not JSON ({e}); add `--format json`") from None
    out = "\n".join(json.dumps(value, ensure_ascii=False, **({"separators": (",", ":")} if compact else
                                                               {"indent": 2}))
                    for value in jq(expr, data))
    return _nonempty(out, f"json {expr}"), f"jq {'-c ' if compact else ''}{shlex.quote(expr)}"


def _keep(lines: list[str], keep: list[bool]) -> str:
    """The kept lines, with one ``…`` (indented as the first left-out line) for each run left out."""
    out: list[str] = []
    for i, line in enumerate(lines):
        if keep[i]:
            out.append(line)
        elif i == 0 or keep[i - 1]:
            out.append(line[: len(line) - len(line.lstrip())] + ELLIPSIS)
    return "\n".join(out)


def _ranges(spec: str, what: str) -> tuple[Callable[[int], bool], str]:
    """``1-3,17-21`` (``20-``: to the end) as a test of a number, and its label: ``1-3 and 17-21``."""
    pieces: list[tuple[int, float]] = []
    labels: list[str] = []
    for part in spec.split(","):
        m = re.fullmatch(r"(\d+)(?:(-)(\d*))?", part.strip())
        if not m:
            raise PluginError(f"`{what} {spec}`: write numbers and ranges such as 1-3,17-21 or 20-")
        first = int(m.group(1))
        last = float("inf") if m.group(2) and not m.group(3) else int(m.group(3) or first)
        pieces.append((first, last))
        labels.append(str(first) if last == first else f"{first}-" + ("end" if last == float("inf") else
                                                                      str(int(last))))
    return (lambda n: any(a <= n <= b for a, b in pieces)), " and ".join(labels)


def lines(text: str, params: list[str]) -> tuple[str, str]:
    """``lines 5-9,20-``: those lines of the output, numbered from 1."""
    wanted, label = _ranges(_one(params, "lines"), "lines")
    all_lines = text.split("\n")
    keep = [wanted(i + 1) for i in range(len(all_lines))]
    if not any(keep):
        raise PluginError(f"`lines {params[0]}`: the output has {len(all_lines)} lines")
    return _keep(all_lines, keep), f"lines {label}"


def layers(text: str, params: list[str]) -> tuple[str, str]:
    """``layers 1-3,17-21``: those layers' rows of a table, or blocks of the working; every other line stays."""
    wanted, label = _ranges(_one(params, "layers"), "layers")
    all_lines = text.split("\n")
    keep = [True] * len(all_lines)
    found = False
    i = 0
    while i < len(all_lines):
        m = LAYER.match(all_lines[i])
        if not m:
            i += 1
            continue
        found, indent, end = True, len(m.group(1)), i + 1
        while (end < len(all_lines) and all_lines[end].strip() and not LAYER.match(all_lines[end])
               and len(all_lines[end]) - len(all_lines[end].lstrip()) > indent):
            end += 1  # the working under the row: more indented
        for j in range(i, end):
            keep[j] = wanted(int(m.group(2)))
        i = end
    if not found:
        raise PluginError(f"`layers {params[0]}`: no table rows or working in the output")
    return _keep(all_lines, keep), f"layers {label}"


def _split_footers(text: str) -> tuple[list[str], list[str]]:
    """The output without the footers (the paragraph after each ``Total`` row), and the footers."""
    all_lines = text.split("\n")
    rest: list[str] = []
    footers: list[str] = []
    i = 0
    while i < len(all_lines):
        rest.append(all_lines[i])
        i += 1
        if TOTAL.match(rest[-1]):
            while i < len(all_lines) and not all_lines[i].strip():
                i += 1
            start = i
            while i < len(all_lines) and all_lines[i].strip():
                i += 1
            footers.append("\n".join(all_lines[start:i]))
    if not footers or not all(footers):
        raise PluginError("`table`/`footer`: no table with a footer under its `Total` row in the output")
    return rest, footers


def table(text: str, params: list[str]) -> tuple[str, str]:
    """``table``: the tables, without the footer (totals, receptive field, memory) under each."""
    if params:
        raise PluginError("the filter `table` takes no argument")
    rest, _ = _split_footers(text)
    return "\n".join(rest).rstrip(), "the table"


def footer(text: str, params: list[str]) -> tuple[str, str]:
    """``footer``: the footers under the tables only."""
    if params:
        raise PluginError("the filter `footer` takes no argument")
    _, footers = _split_footers(text)
    return "\n\n".join(footers), "the footer"


def working(text: str, params: list[str]) -> tuple[str, str]:
    """``working``: the plain-text working that ``--format markdown --explain`` prints after the tables."""
    if params:
        raise PluginError("the filter `working` takes no argument")
    blocks = WORKING.findall(text)
    if not blocks:
        raise PluginError("`working`: no ```text block in the output; run with `--format markdown --explain`")
    return "\n".join(blocks), "the working"


#: Filters shown as the shell command that prints the same: name → function(text, params) → (text, command).
SHELL_FILTERS: dict[str, Callable[[str, list[str]], tuple[str, str]]] = {
    "head": head, "grep": grep, "json": json_filter}
#: Filters that cut an excerpt: name → function(text, params) → (text, label for ``# (excerpt: ...)``).
EXCERPT_FILTERS: dict[str, Callable[[str, list[str]], tuple[str, str]]] = {
    "table": table, "footer": footer, "working": working, "layers": layers, "lines": lines}


# --- A small part of jq ------------------------------------------------------------------------------

JQ_TOKEN = re.compile(r'\s*(?:(\.)|(\[)|(\])|(,)|(\|)|([A-Za-z_]\w*)|(-?\d+)|("(?:[^"\\]|\\.)*"))')
Program = Callable[[Any], Iterator[Any]]


def jq(expr: str, data: Any) -> list[Any]:
    """The values the jq program ``expr`` outputs for ``data``, for a small part of jq's language.

    ``.`` (the value), ``.key`` and ``.["key"]`` (``null`` when missing), ``.[N]`` (``null`` out of
    range), ``.[]`` (every item of a list or value of an object), chains of them (``.layers[].name``),
    ``A, B`` (the outputs of both), ``A | B`` (B on each output of A) and ``[A]`` (A's outputs as a list).

    >>> data = {"a": [{"n": 1}, {"n": 2, "m": 3}], "b": "x"}
    >>> jq(".a[] | [.n, .m]", data), jq(".b, .a[1].m", data)
    ([[1, None], [2, 3]], ['x', 3])

    Raises:
        PluginError: anything else jq has (functions, arithmetic, ``..``, slices), or a value that
            cannot be indexed so.
    """
    tokens: list[tuple[str, str]] = []
    pos = 0
    kinds = ("dot", "open", "close", "comma", "pipe", "name", "int", "str")
    while expr[pos:].strip():
        m = JQ_TOKEN.match(expr, pos)
        if not m:
            raise PluginError(f"`json {expr}`: cannot read `{expr[pos:].strip()}` (only paths, `,`, `|`, `[...]`)")
        kind = kinds[m.lastindex - 1]  # type: ignore[operator]
        tokens.append((kind, m.group(m.lastindex)))  # type: ignore[arg-type]
        pos = m.end()
    tokens.append(("end", ""))
    at = 0

    def peek(offset: int = 0) -> str:
        return tokens[min(at + offset, len(tokens) - 1)][0]

    def take(kind: str) -> str:
        nonlocal at
        if peek() != kind:
            raise PluginError(f"`json {expr}`: expected {kind}, found `{tokens[at][1] or 'the end'}`")
        at += 1
        return tokens[at - 1][1]

    def pipe() -> Program:
        left = comma()
        while peek() == "pipe":
            take("pipe")
            left = (lambda a, b: lambda v: (out for x in a(v) for out in b(x)))(left, comma())
        return left

    def comma() -> Program:
        left = term()
        while peek() == "comma":
            take("comma")
            left = (lambda a, b: lambda v: (out for f in (a, b) for out in f(v)))(left, term())
        return left

    def term() -> Program:
        if peek() == "open":  # [A]: collect
            take("open")
            if peek() == "close":
                take("close")
                return lambda v: iter([[]])
            inner = pipe()
            take("close")
            return (lambda f: lambda v: iter([list(f(v))]))(inner)
        take("dot")
        program: Program = lambda v: iter([v])
        if peek() in ("name", "str"):
            program = step(program, key=name_or_str())
        while peek() == "open" or (peek() == "dot" and peek(1) in ("name", "str", "open")):
            if peek() == "dot":
                take("dot")
                if peek() != "open":
                    program = step(program, key=name_or_str())
                    continue
            take("open")
            if peek() == "close":
                program = step(program, each=True)
            elif peek() == "int":
                program = step(program, index=int(take("int")))
            else:
                program = step(program, key=json.loads(take("str")))
            take("close")
        return program

    def name_or_str() -> str:
        return take("name") if peek() == "name" else json.loads(take("str"))

    def step(program: Program, key: str | None = None, index: int | None = None, each: bool = False) -> Program:
        def apply(v: Any) -> Iterator[Any]:
            for x in program(v):
                if each and isinstance(x, list | dict):
                    yield from (x.values() if isinstance(x, dict) else x)
                elif key is not None and isinstance(x, dict | type(None)):
                    yield None if x is None else x.get(key)
                elif index is not None and isinstance(x, list | type(None)):
                    yield x[index] if x is not None and -len(x) <= index < len(x) else None
                else:
                    raise PluginError(f"`json {expr}`: cannot index a {type(x).__name__} so")
        return apply

    program = pipe()
    take("end")
    return list(program(data))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
