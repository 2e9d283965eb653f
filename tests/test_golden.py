"""Golden files of rendered output: the table, Markdown, CSV and the working, byte for byte.

A change to the renderers shows up here as a diff of what users see. After an intended change,
regenerate with ``ARCHCALC_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archcalc.cli import main

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "summary_vgg16.txt": ["summary", "vgg16"],
    "summary_vgg16_explain.md": ["summary", "vgg16", "--format", "markdown", "--explain"],
    "summary_alexnet_caffe.csv": ["summary", "alexnet", "--net", "alexnet-caffe", "--format", "csv"],
    "summary_mnist_cnn_batch.txt": ["summary", "mnist_cnn", "--batch", "128", "--dtype", "float16",
                                    "--fit-memory", "2GiB"],
    "compare_vgg.txt": ["compare", "vgg"],
    "list.md": ["list", "--format", "markdown"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rendered_output_matches_golden_file(name: str, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")  # rich lays tables out for the terminal: fix its width
    with pytest.raises(SystemExit) as exc:
        main(CASES[name])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    path = GOLDEN / name
    if os.environ.get("ARCHCALC_UPDATE_GOLDEN"):
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with ARCHCALC_UPDATE_GOLDEN=1 to create it"
    assert out == path.read_text(encoding="utf-8")
