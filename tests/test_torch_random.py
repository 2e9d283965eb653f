"""hypothesis: random PyTorch programs (tests/torch_programs.py) run by torch and read by archcalc agree,
module by module, through the corpus harness (tests/torch_reference.py)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

pytest.importorskip("torch")

from torch_programs import programs
from torch_reference import compare, options, run_torch


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(programs())
def test_random_programs_agree_with_torch(program: tuple[str, tuple[int, ...]]) -> None:
    code, output = program
    run = run_torch(code, options(code))
    # The grammar's own check first: torch gives the output shape the generator computed.
    assert [shape for shape, _ in run.outputs] == [output], code
    assert sum(m.params for m in run.modules.values()) == run.params
    assert compare(code, "<random>", run=run, **options(code)) == [], code
