"""The fast path of `archcalc summary` (archcalc/cli.py): the same output as the typer command, and a
start-up that loads neither typer nor rich (import checks, not timings: benchmarks/startup.py times it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import archcalc.cli as cli
from archcalc.cli import fast_summary, main
from archcalc.source import bundled_files, find_bundled, network_names


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


SPEC = "network tiny\ninput 28x28\nconv3-8\nmaxpool\nFC-10\n"
CODE = "model = Sequential([Dense(num_classes)])\n"

# Each is run twice, through the fast path and through typer; both must print the same bytes.
SAME = [
    ["summary", "vgg16"],
    ["summary", "vgg16", "--explain"],
    ["summary", "VGG16", "-e", "--wide", "--no-bias", "-b", "4", "--dtype", "float16"],
    ["summary", "--format=json", "lenet5", "--batch=2", "--optimizer", "sgd"],
    ["summary", "vgg16", "-f", "csv", "--explain"],
    ["summary", "vgg16", "--layout", "nchw", "-e"],
    ["summary", "vgg16", "--layout=nhwc", "-f", "markdown"],
    ["summary", "vgg16", "-f", "markdown", "-e", "--fit-memory", "12GiB"],
    ["summary", "vgg16", "--fit-memory", "1KiB"],
    ["summary", "resnet50", "--fit-memory", "16GB"],
    ["summary", "vgg"],
    ["summary", "vgg", "--net", "vgg-b", "-f", "json"],
    ["summary", "{code}", "-D", "num_classes=10", "--input", "784"],
    ["summary", "{code}"],
    ["summary", "{spec}", "--input", "32x32x3"],
    ["summary", "vgg61"],
    ["summary", "vgg16", "--fit-memory", "12XB"],
    ["summary", "vgg", "--net", "vgg-z"],
]


def _args(args: list[str], tmp_path: Path) -> list[str]:
    (tmp_path / "net.txt").write_text(SPEC)
    (tmp_path / "model.py").write_text(CODE)
    return [a.format(spec=tmp_path / "net.txt", code=tmp_path / "model.py") for a in args]


@pytest.mark.parametrize("args", SAME, ids=" ".join)
def test_fast_path_prints_what_typer_prints(args: list[str], tmp_path: Path, capsys, monkeypatch) -> None:
    args = _args(args, tmp_path)
    assert fast_summary(args) is not None, "this case is meant to take the fast path"
    fast = run(args, capsys)
    monkeypatch.setattr(cli, "fast_summary", lambda _: None)
    assert run(args, capsys) == fast


@pytest.mark.parametrize("args", [
    ["summary"], ["summary", "--help"], ["summary", "vgg16", "-h"], ["summary", "vgg16", "vgg19"],
    ["summary", "-fjson", "vgg16"], ["summary", "vgg16", "--format", "JSON"], ["summary", "vgg16", "--batch", "0"],
    ["summary", "vgg16", "--batch", "x"], ["summary", "vgg16", "--batch"], ["summary", "vgg16", "--dtype", "float33"],
    ["summary", "vgg16", "--wide=1"], ["summary", "vgg16", "--wide", "--wide"],
    ["summary", "vgg16", "-b", "2", "-b", "3"],
    ["summary", "vgg16", "--optimizer", "adamw2"], ["summary", "vgg16", "--net", "-x"], ["summary", "vgg16", "--"],
    ["summary", "vgg16", "--widee"], ["summary", "-", "vgg16"], ["summary", ""], ["compare", "vgg16"], ["--version"],
])
def test_everything_else_goes_to_typer(args: list[str], capsys) -> None:
    """Help, typos, bad values and unusual spellings are typer's to answer, as they always were."""
    assert fast_summary(args) is None
    code, _, err = run(args, capsys)
    assert "Traceback" not in err and "internal error" not in err
    assert code in (0, 2)


def test_fast_path_reads_the_options_as_typer_does() -> None:
    assert fast_summary(["summary", "vgg16", "-D", "a=1", "--define=b=2", "--wide", "-e", "--no-bias",
                         "--net=x", "--plot", "p.svg", "--force", "--input", "8x8", "--fit-memory", "1GiB"]) == {
        "spec": "vgg16", "define": ["a=1", "b=2"], "wide": True, "explain": True, "no_bias": True, "net": "x",
        "plot": "p.svg", "force": True, "input": "8x8", "fit_memory": "1GiB"}


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nsys.stderr.write('\\nMODULES=' + ' '.join(sorted(sys.modules)))\n"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    return {m.split(".")[0] for m in proc.stderr.rsplit("MODULES=", 1)[1].split()}


def test_importing_the_cli_loads_no_framework_nor_typer_nor_rich() -> None:
    loaded = _modules_after("import archcalc.cli")
    assert loaded & {"numpy", "tensorflow", "keras", "torch", "rich", "typer", "click"} == set()


def test_summary_into_a_pipe_loads_neither_typer_nor_rich() -> None:
    loaded = _modules_after("from archcalc.cli import main\ntry:\n    main(['summary', 'vgg16'])\n"
                            "except SystemExit:\n    pass")
    assert loaded & {"numpy", "tensorflow", "keras", "torch", "rich", "typer", "click", "json", "csv"} == set()


def test_app_is_still_there_for_who_imports_it() -> None:
    from archcalc.cli import app

    assert {c.name or c.callback.__name__ for c in app.registered_commands} >= {"summary", "compare", "list"}
    with pytest.raises(AttributeError):
        cli.no_such_thing  # noqa: B018


def test_finding_a_bundled_name_reads_no_more_than_it_must() -> None:
    """Every bundled name is found where a search of every file in turn finds it: no name is in a
    paper-notation file and a code file both, so searching the code files last changes nothing."""
    names = {f: [n.lower() for n in network_names(f)] for f in bundled_files()}
    paper = {n for f, ns in names.items() if f.suffix != ".py" for n in ns}
    code = {n for f, ns in names.items() if f.suffix == ".py" for n in ns}
    assert paper & code == set()
    for ns in names.values():
        for n in ns:
            first = next((g for g in bundled_files() if g.stem.lower() == n), None) or next(  # a file's name wins
                g for g in bundled_files() if n in names[g])
            assert find_bundled(n)[0] == first
