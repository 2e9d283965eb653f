"""`export -o net.py` writes code that is safe to run whatever the spec's names and paths hold.

The network's name, the spec's path and the layers' names are the user's text; they reach the
generated file's docstring and comments. None of them may end the docstring or the comment and so
become code (issue 18: a network named ``x\"\"\";__import__("os").system(...);\"\"\"`` ran a command).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from archcalc import analyze, parse
from archcalc.bridge.export import python_code

TINY = "network tiny\ninput 8x8\nconv3-4\nmaxpool\nFC-2\nsoft-max\n"
HOSTILE = [
    'x""";__import__("os").system("touch MARK");"""',
    "x'''\n__import__('os').system('touch MARK')\n'''",
    "ends with a backslash \\",
    "line\nbreak\r\u2028\x0c\x00",
    "lone \ud800 surrogate",
]


def _structure(code: str) -> tuple[str | None, list[str]]:
    """The generated module's docstring and the kinds of its top-level statements."""
    tree = ast.parse(code)
    return ast.get_docstring(tree, clean=False), [type(s).__name__ for s in tree.body]


def _layers(code: str) -> str:
    """The list of layers handed to ``keras.Sequential``, as an AST dump."""
    model = ast.parse(code).body[3]
    assert isinstance(model, ast.Assign) and isinstance(model.value, ast.Call)
    return ast.dump(model.value.args[0])


EXPECTED = ["Expr", "Import", "ImportFrom", "Assign", "If"]


@settings(max_examples=300, deadline=None)
@given(name=st.text(), spec=st.text(), layer=st.text())
@example(name=HOSTILE[0], spec=HOSTILE[0], layer=HOSTILE[1])
@example(name=HOSTILE[2], spec=HOSTILE[3], layer=HOSTILE[3])
@example(name=HOSTILE[4], spec=HOSTILE[4], layer=HOSTILE[4])
def test_any_text_stays_inside_the_docstring_and_comments(name: str, spec: str, layer: str) -> None:
    network = replace(parse(TINY)[0], name=name)
    a = analyze(TINY)
    a = replace(a, rows=[replace(r, name=layer + r.name) for r in a.rows])
    code = python_code(network, a, spec)
    code.encode("utf-8")  # the file is written as UTF-8: a lone surrogate must have been escaped
    doc, statements = _structure(code)
    assert statements == EXPECTED
    # The docstring reads back as the user's text, escapes undone by Python itself.
    assert doc is not None and doc.startswith(f"{name}: Keras code written by archcalc")
    assert f"from `{spec}`." in doc if spec else "from `" not in doc.splitlines()[0]
    # The model's list of layers is the one written for harmless names: the notes stayed comments.
    assert _layers(code) == _layers(python_code(parse(TINY)[0], analyze(TINY)))


def test_hostile_names_and_paths_do_not_run_when_the_exported_file_runs(tmp_path: Path) -> None:
    """The real thing: specs with hostile network names and file names, exported through the CLI,
    then run with Python and real Keras; the command they carry must leave no trace."""
    pytest.importorskip("keras")
    specs = {
        "a.txt": 'network x""";__import__("os").system("touch MARK");"""\ninput 8x8\nconv3-4\nFC-2\n',
        'q""";__import__("os").system("touch MARK");""".txt': TINY,
        "slash\\.txt": "network n\\\ninput 8x8\nconv3-4\nFC-2\n",
    }
    outputs = []
    for i, (file_name, text) in enumerate(specs.items()):
        (tmp_path / file_name).write_text(text)
        out = tmp_path / f"out{i}.py"
        done = subprocess.run([sys.executable, "-m", "archcalc", "export", file_name, "-o", out.name],
                              cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert _structure(out.read_text())[1] == EXPECTED
        outputs.append(out.name)
    runner = "import runpy, sys\nfor f in sys.argv[1:]: runpy.run_path(f, run_name='__main__')\n"
    done = subprocess.run([sys.executable, "-c", runner, *outputs], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(" parameters\n") == len(specs)
    assert not (tmp_path / "MARK").exists()


def test_import_keeps_hostile_layer_names_in_their_comments() -> None:
    """A Keras layer named ``a\\nFC-99999`` must not add a layer to the imported spec."""
    keras = pytest.importorskip("keras")
    from archcalc.bridge.importer import notation, read_model

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="a\nFC-99999\r\u2028conv3-8")])
    text = notation(read_model(model))
    back = analyze(text)
    assert [r.kind for r in back.rows] == ["dense"]
    assert back.totals.params == model.count_params() == 10
    assert "# a\\nFC-99999\\r\\u2028conv3-8" in text
