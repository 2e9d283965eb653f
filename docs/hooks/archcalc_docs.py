"""MkDocs hooks: the parts of the site that archcalc writes itself, at build time, so they never go stale.

* Pictures (:data:`DIAGRAMS`, :data:`CHARTS`): drawn with ``archcalc draw``'s and ``summary --plot``'s
  own functions and added to the site as generated files; pages link them as ``images/NAME``.
* ``<!-- archcalc-cli -->`` in a page becomes the reference of every command: the text of its own
  ``--help``, in the order the app lists them.
* ``<!-- archcalc-run: ARGS -->`` becomes a ``text`` block with ``$ archcalc ARGS`` and what it prints,
  run in ``docs/examples/`` (so pages can use the spec files there). The build fails when the command
  fails, unless the expected exit code is written: ``<!-- archcalc-run[2]: summary broken.txt -->``
  shows an error message on purpose.
* ``<!-- archcalc-md: ARGS -->`` inserts what the command prints as Markdown (``--format markdown``
  tables render as tables).
* ``<!-- archcalc-file[LANG]: ARGS -o NAME -->`` runs a command that writes the file ``NAME`` (into a
  temporary folder) and shows the command, then the file as a ``LANG`` block.

Registered in ``mkdocs.yml`` under ``hooks:``.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
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
}
#: Per-layer charts drawn at build time (PNG, matplotlib): site path → spec.
CHARTS: dict[str, str] = {"images/vgg16-charts.png": "vgg16"}

RUN = re.compile(r"<!-- archcalc-run(?:\[(\d+)\])?: (.+?) -->")
MD = re.compile(r"<!-- archcalc-md: (.+?) -->")
FILE = re.compile(r"<!-- archcalc-file\[(\w+)\]: (.+?) -o (\S+) -->")
CLI = "<!-- archcalc-cli -->"
COLUMNS = "100"  # help and tables are laid out for this terminal width, the same on every machine


def _spec(ref: str) -> str:
    path = EXAMPLES / ref
    return str(path) if path.exists() else ref


def _analyses(ref: str, net: str | None = None) -> list[Any]:
    from archcalc.analysis import analyze_network
    from archcalc.source import load

    return [analyze_network(n) for n in load(_spec(ref), net)]


def on_files(files: Files, config: Any) -> Files:
    """Add the diagrams and charts to the site."""
    from archcalc.pictures.charts import _figure, _save
    from archcalc.pictures.draw import diagram_svg

    for uri, (ref, options) in DIAGRAMS.items():
        options = dict(options)
        svg = diagram_svg(_analyses(ref, options.pop("net", None)), **options)
        _add(files, config, uri, svg.encode("utf-8"))
    for uri, ref in CHARTS.items():
        buf = io.BytesIO()
        _save(_figure(_analyses(ref)), buf, Path(uri).suffix.lstrip("."))
        _add(files, config, uri, buf.getvalue())
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


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Replace the markers with generated text."""
    if CLI in markdown:
        markdown = markdown.replace(CLI, cli_reference())

    def replace(m: re.Match[str]) -> str:
        args = m.group(2).split()
        text = "\n".join(line.rstrip() for line in run(args, int(m.group(1) or 0)).rstrip().splitlines())
        return f"```text\n$ archcalc {m.group(2)}\n{text}\n```"

    def file(m: re.Match[str]) -> str:
        import tempfile

        lang, args, name = m.group(1), m.group(2), m.group(3)
        with tempfile.TemporaryDirectory() as tmp:
            target = str(Path(tmp) / name)
            printed = run([*args.split(), "-o", target]).replace(target, name).rstrip()
            content = Path(target).read_text(encoding="utf-8").rstrip()
        return (f"```text\n$ archcalc {args} -o {name}\n{printed}\n```\n\n"
                f'```{lang} title="{name}"\n{content}\n```')

    markdown = FILE.sub(file, markdown)
    markdown = MD.sub(lambda m: run(m.group(1).split()).rstrip(), markdown)
    return RUN.sub(replace, markdown)
