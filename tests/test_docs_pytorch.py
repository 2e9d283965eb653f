"""docs/pytorch.md lists exactly the PyTorch classes and functions the vocabulary reads (the reader's
refusal of an unknown module points users to that list)."""

from __future__ import annotations

import re
from pathlib import Path

from archcalc import kinds as K

PAGE = Path(__file__).resolve().parents[1] / "docs" / "pytorch.md"


def _table() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    return [name for row in rows[1:] for name in re.findall(r"`([^`]+)`", row)]


def _spelling(qualified: str) -> str:
    """``torch.nn.functional.relu`` -> ``F.relu``; ``torch.Tensor.relu`` -> ``x.relu()``."""
    if qualified.startswith("torch.nn.functional."):
        return "F." + qualified.rsplit(".", 1)[1]
    if qualified.startswith("torch.Tensor."):
        return f"x.{qualified.rsplit('.', 1)[1]}()"
    return qualified


def test_the_page_lists_every_module_and_function_the_vocabulary_reads() -> None:
    listed = _table()
    expected = sorted(K.TORCH_NAMES) + sorted(_spelling(f) for f in K.TORCH_FUNCTIONS)
    assert sorted(listed) == sorted(expected)
    assert len(listed) == len(set(listed))
