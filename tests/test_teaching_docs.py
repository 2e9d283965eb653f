"""docs/teaching.md: its Python example runs as written, and every diagnosis code it lists exists."""

from __future__ import annotations

import doctest
import os
import re
from pathlib import Path

import pytest

from archcalc.teaching.grade import DIAGNOSES

ROOT = Path(__file__).parent.parent
DOC = ROOT / "docs" / "teaching.md"


def test_python_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the example names tests/data/... relative to the repository
    text = DOC.read_text()
    block = re.search(r"```python\n(.*?)```", text, re.S)
    assert block
    test = doctest.DocTestParser().get_doctest(block.group(1), {}, "teaching.md", str(DOC), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0 and os.getcwd() == str(ROOT)


def test_diagnosis_table_matches_the_code() -> None:
    text = DOC.read_text()
    table = text[text.index("### Diagnoses"):]
    listed = set(re.findall(r"`([a-z]+(?:-[a-z]+)+|[a-z]+)`", table.split("\n\n", 3)[2]))
    assert len(listed) > 15 and listed <= set(DIAGNOSES), listed - set(DIAGNOSES)
    assert set(DIAGNOSES) - listed <= {"unreadable"}
