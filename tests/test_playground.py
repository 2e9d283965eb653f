"""``archcalc.web``, the playground's calculator: what the page shows is what ``archcalc summary`` prints for
a file of the same text, and the calculation path imports only the standard library (it runs in Pyodide,
where typer, rich and PyYAML are not installed). The page itself is tested in a browser in
``test_playground_browser.py``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc import web
from archcalc.cli import main

ROOT = Path(__file__).resolve().parents[1]

#: The calculation path: reading specs and code, kinds, analysis, the renderers, the drawing, the page's entry.
CALCULATION_PATH = ("archcalc", "archcalc.source", "archcalc.paper", "archcalc.keras_code", "archcalc.kinds",
                    "archcalc.analysis", "archcalc.render", "archcalc.pictures.draw", "archcalc.pictures.svg",
                    "archcalc.web")
FORBIDDEN = ("typer", "click", "rich", "yaml", "numpy", "tensorflow", "keras", "torch", "matplotlib")


def test_the_calculation_path_imports_only_the_standard_library() -> None:
    """In a fresh interpreter: import the path and use all of it (a Keras text, VGG-16, every renderer, the
    drawing, an error), then look at every module loaded."""
    code = f"""
import sys
before = set(sys.modules)
import importlib
for name in {CALCULATION_PATH!r}:
    importlib.import_module(name)
from archcalc import web
keras = "from tensorflow.keras import layers\\nmodel = Sequential([layers.Conv2D(8, 3, input_shape=(28, 28, 1)),"
keras += " layers.Flatten(), layers.Dense(10)])\\n"
for text in (web.example("vgg16")["text"], keras, "input 8x8\\nconv3-4 strid=2"):
    out = web.calculate(text, batch=2, dtype="float16", optimizer="sgd", no_bias=True)
    assert ("svg" in out) == out["ok"], out
web.examples()
loaded = sorted(set(sys.modules) - before)
print("\\n".join(loaded))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.split()
    assert "archcalc.web" in loaded and "archcalc.pictures.svg" in loaded
    assert not [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    outside = sorted({m.split(".")[0] for m in loaded} - set(sys.stdlib_module_names) - {"archcalc"})
    assert outside == [], f"the calculation path imports {outside}, which are not in the standard library"


def _cli(args: list[str], text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``archcalc ARGS`` run on a file ``spec.txt`` holding ``text``, in ``tmp_path``."""
    (tmp_path / "spec.txt").write_text(text, encoding="utf-8")
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        with pytest.raises(SystemExit) as exit_:
            main(args)
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


TEXTS = {
    "vgg16": web.example("vgg16")["text"],
    "vgg (five networks)": web.example("vgg")["text"],
    "keras code": web.example("mnist_cnn")["text"],
    "branching": web.example("resnet50")["text"],
}


@pytest.mark.parametrize("name", TEXTS)
def test_the_page_shows_what_summary_prints(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = TEXTS[name]
    net = "resnet50" if name == "branching" else None
    options = ["--batch", "4", "--dtype", "bfloat16", "--optimizer", "momentum", "--no-bias"]
    shown = web.calculate(text, batch=4, dtype="bfloat16", optimizer="momentum", no_bias=True, net=net)
    assert shown["ok"]
    picked = ["--net", net] if net else []
    for fmt, key in (("json", "json"), ("csv", "csv"), ("markdown", "markdown")):
        code, out, _ = _cli(["summary", "spec.txt", "--format", fmt, *options, *picked], text, tmp_path, capsys)
        assert code == 0 and shown[key] == out, fmt
        _, out, _ = _cli(["summary", "spec.txt", "--format", fmt, "--explain", *options, *picked], text,
                         tmp_path, capsys)
        assert shown[key + "_explain"] == out, f"{fmt} --explain"
    assert "".join(n["explain"] for n in shown["networks"]) in shown["markdown_explain"]
    # The working as the page shows it: the terminal table of `summary --explain --wide`, working under each row.
    code, out, _ = _cli(["summary", "spec.txt", "--explain", "--wide", *options, *picked], text, tmp_path, capsys)
    trimmed = "".join(line.rstrip() + "\n" for line in out.splitlines())  # the terminal pads its lines
    assert code == 0 and trimmed == "".join(n["text_explain"] + "\n" for n in shown["networks"])
    # The drawing is `archcalc draw`'s (which has no --no-bias: compared with the default settings).
    code, _, _ = _cli(["draw", "spec.txt", "-o", "spec.svg", *picked], text, tmp_path, capsys)
    assert code == 0 and web.calculate(text, net=net)["svg"] == (tmp_path / "spec.svg").read_text(encoding="utf-8")


def test_vgg16_totals_on_the_page() -> None:
    shown = web.calculate(TEXTS["vgg16"])
    (vgg,) = shown["networks"]
    assert vgg["name"] == "vgg16" and vgg["totals"]["params"] == 138_357_544
    assert "<th>138,357,544</th>" in vgg["html"] and "<th>15.47 G</th>" in vgg["html"]
    # Every network of a file, in its order: the file's `network NAME` lines.
    text = TEXTS["vgg (five networks)"]
    assert [n["name"] for n in web.calculate(text)["networks"]] == re.findall(r"(?m)^network (\S+)", text)


@pytest.mark.parametrize(("text", "options"), [
    ("input 28x28\nconv3-8\nmaxpol\nFC-10\n", {}),                             # a typo: line 3, a caret
    ("input 4x4\nconv5-8 padding=valid\n", {}),                                 # a map below 1x1
    ("from keras import layers\nmodel = Sequential([layers.Conv2D(8, 3, input_shape=(28, 28, 1)),\n"
     "    layers.Dense(10, activation='rleu')])\n", {}),                        # Keras code
    ("", {}),                                                                   # nothing yet
    ("network a\ninput 8x8\nconv3-4\nnetwork b\ninput 8x8\nconv3-8\n", {"net": "c"}),  # --net names nothing
    ("input 8x8\nconv3-4\n", {"dtype": "float33"}),                             # bad option values
    ("input 8x8\nconv3-4\n", {"optimizer": "adamm"}),
    ("input 8x8\nconv3-4\n", {"batch": 0}),
])
def test_errors_are_the_clis_word_for_word(text: str, options: dict, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    shown = web.calculate(text, **options)
    assert not shown["ok"]
    args = ["summary", "spec.txt"]
    for key, value in options.items():
        args += [f"--{key}", str(value)]
    code, _, err = _cli(args, text, tmp_path, capsys)
    if "dtype" in options or "optimizer" in options or "batch" in options:
        # typer refuses these values before archcalc sees them; the page's words are the analysis' own
        assert code == 2 and shown["error"]["text"].startswith("error: ")
        return
    assert code == 2 and shown["error"]["text"] == err.rstrip("\n")
    location = shown["error"]["text"].splitlines()[1] if shown["error"]["line"] else ""
    if shown["error"]["line"]:
        assert location == f" --> spec.txt:{shown['error']['line']}:{shown['error']['column']}"


def test_a_typo_points_at_its_line_and_column() -> None:
    error = web.calculate("input 28x28\nconv3-8\nmaxpol\nFC-10\n")["error"]
    assert (error["line"], error["column"]) == (3, 1)
    assert error["text"].splitlines()[1:5] == [" --> spec.txt:3:1", "  |", "3 | maxpol", "  | ^^^^^^"]


def test_too_long_and_binary_texts_are_refused() -> None:
    long = "input 8x8\n" + "# a comment\n" * (web.MAX_TEXT // 12 + 1)
    assert web.calculate(long)["error"]["text"] == (
        f"error: `spec.txt` has {len(long):,} characters, more than the playground reads (200,000)\n"
        "hint: run `archcalc summary` on it instead")
    assert web.calculate("input 8x8\0")["error"]["message"] == "`spec.txt` holds a NUL character, not a spec"


def test_examples_are_the_bundled_specs_and_nothing_else(capsys: pytest.CaptureFixture[str]) -> None:
    names = [e["name"] for e in web.examples()]
    assert {"vgg16", "vgg", "alexnet", "lenet5", "mnist_cnn", "resnet"} <= set(names)
    for e in web.examples():
        found = web.example(e["name"])
        assert found["ok"] and web.calculate(found["text"], net=found["net"])["ok"], e["name"]
    assert web.example("resnet101")["net"] == "resnet101"
    for bad in ("../pyproject.toml", "/etc/passwd", ".hidden"):
        assert web.example(bad) == {"ok": False, "error": {
            "text": f"error: `{bad}` is not a bundled spec\nhint: `?example=` takes a name such as vgg16",
            "message": f"`{bad}` is not a bundled spec", "hint": "`?example=` takes a name such as vgg16",
            "line": None, "column": None}}
    with pytest.raises(SystemExit):
        main(["summary", "vgg61"])
    assert web.example("vgg61")["error"]["text"] == capsys.readouterr().err.rstrip("\n")  # as `summary vgg61`


def test_the_workers_json_calls() -> None:
    shown = json.loads(web.calculate_json("input 8x8\nconv3-4", json.dumps({"batch": 3, "no_bias": True})))
    assert shown["networks"][0]["totals"]["params"] == 3 * 3 * 4
    assert json.loads(web.example_json("lenet5"))["ok"]


LAYERS = st.sampled_from(["conv3-8", "conv1-4", "conv5-2 padding=valid", "maxpool", "avgpool", "FC-10", "relu",
                          "dropout 0.5", "batchnorm", "flatten", "soft-max", "gap", "conv3-16 stride=2", "LRN"])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 64), st.lists(LAYERS, min_size=1, max_size=8), st.sampled_from(list(web.options()["dtypes"])),
       st.integers(1, 512), st.booleans())
def test_every_text_gets_a_table_or_a_located_error(size: int, layers: list[str], dtype: str, batch: int,
                                                    no_bias: bool) -> None:
    """Never a traceback and never an internal error; an error points inside the text; a table's totals
    are the sums of its rows, and the JSON is the analysis'."""
    text = f"input {size}x{size}x3\n" + "\n".join(layers) + "\n"
    shown = web.calculate(text, dtype=dtype, batch=batch, no_bias=no_bias)
    if not shown["ok"]:
        error = shown["error"]
        assert error["text"].startswith("error: ") and "internal error" not in error["text"]
        assert error["line"] is None or 1 <= error["line"] <= len(text.splitlines())
        return
    data = json.loads(shown["json"])
    assert data["totals"]["params"] == sum(layer["params"] for layer in data["layers"])
    assert data["totals"]["macs"] == sum(layer["macs"] for layer in data["layers"])
    assert data["memory"]["batch"] == batch and data["settings"]["dtype"] == dtype
    assert f"{data['totals']['params']:,}" in shown["networks"][0]["html"]


def test_a_stack_that_runs_out_points_at_the_deepest_nesting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pyodide's stack is smaller than CPython's: a RecursionError the readers do not catch themselves still
    gets a located error, at the innermost bracket (code) or the most indented line (paper notation)."""
    def overflow(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(web, "_analyses", overflow)
    code = "import keras\nmodel = keras.Sequential([\n    keras.layers.Dense(f(g(h(2))))])\n"
    err = web.calculate(code)["error"]
    assert (err["line"], err["column"]) == (3, 29)
    assert err["text"].splitlines()[1] == " --> spec.txt:3:29"
    assert "nested too deeply" in err["message"] and "archcalc summary" in err["hint"]
    paper = "input 8x8\n- add\n  - conv3-4\n  - add\n      - relu\nFC-10\n"
    err = web.calculate(paper)["error"]
    assert (err["line"], err["column"]) == (5, 7)


def test_a_small_stack_never_gives_an_unlocated_error() -> None:
    """The real thing: a nested spec read on a stack a tenth of CPython's default."""
    paper = "input 8x8\n" + "".join("  " * d + "- add\n" for d in range(60)) + "  " * 60 + "- relu\nFC-10\n"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(120)
    try:
        out = web.calculate(paper)
    finally:
        sys.setrecursionlimit(limit)
    assert not out["ok"] and out["error"]["line"] is not None, out["error"]
