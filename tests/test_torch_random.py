"""hypothesis: random PyTorch programs (tests/torch_programs.py) run by torch and read by archcalc agree,
module by module, through the corpus harness (tests/torch_reference.py)."""

from __future__ import annotations

import importlib.util

import pytest
from hypothesis import HealthCheck, given, settings

pytest.importorskip("torch")

from torch_programs import programs
from torch_reference import compare, options, run_torch

READER = importlib.util.find_spec("archcalc.torch_code") is not None
SETTINGS = settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(programs())
def test_random_programs_run_with_torch(program: tuple[str, tuple[int, ...]]) -> None:
    """The grammar's own check: torch runs every program and gives the output shape the generator computed."""
    code, output = program
    run = run_torch(code, options(code))
    assert [shape for shape, _ in run.outputs] == [output], code
    assert sum(m.params for m in run.modules.values()) == run.params


@pytest.mark.skipif(not READER, reason="the PyTorch reader (archcalc/torch_code.py) is not on this branch yet")
@SETTINGS
@given(programs())
def test_random_programs_agree_with_torch(program: tuple[str, tuple[int, ...]]) -> None:
    code, _ = program
    assert compare(code, "<random>", **options(code)) == [], code
