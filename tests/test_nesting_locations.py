"""Nesting too deep to read is an error with a place (file:line:column, the line, a caret) on every path,
including the fallbacks that catch Python's own RecursionError.

The limits (MAX_NESTING, MAX_CALL_DEPTH) are checked before the readers recurse, so with Python's
usual stack the fallbacks are not reached. They are reached when archcalc runs on a smaller stack
(inside a deep caller, in the browser): the tests shrink the recursion limit to just above the
caller's depth and read networks that are legal but deep, at every stack size from tiny to enough.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from typing import Any

import pytest

from archcalc import paper
from archcalc.code.evaluator import evaluate_expression
from archcalc.code.keras import read as read_keras
from archcalc.errors import SourceError, SpecError


def _on_small_stack(fn: Callable[[], Any], spare: int) -> Any:
    """Call ``fn`` with only ``spare`` frames of Python stack left."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + spare)
    try:
        return fn()
    finally:
        sys.setrecursionlimit(old)


def _block_chain(n: int, merge: bool) -> str:
    """Blocks b0..b{n-1}, each calling the next (inside an `add` when ``merge``); the network calls b0."""
    out = []
    for i in range(n):
        out.append(f"block b{i}")
        if i == n - 1:
            out.append("  relu")
        elif merge:
            out += ["  add", "    identity", "    branch", f"      b{i + 1}"]
        else:
            out.append(f"  b{i + 1}")
    return "\n".join([*out, "input 8x8x4", "b0"]) + "\n"


def _nested_adds(n: int) -> str:
    out, indent = ["input 8x8x4"], ""
    for _ in range(n):
        out += [indent + "add", indent + "  identity", indent + "  branch"]
        indent += "    "
    return "\n".join([*out, indent + "relu"]) + "\n"


SPECS = {"100 blocks in a chain": _block_chain(100, False), "50 blocks inside merges": _block_chain(50, True),
         "49 merges nested": _nested_adds(49)}


@pytest.mark.parametrize("name", SPECS)
def test_a_deep_spec_on_a_small_stack_is_refused_at_a_line_of_it(name: str) -> None:
    text = SPECS[name]
    lines = text.splitlines()
    refused = 0
    for spare in range(40, 700, 20):
        try:
            _on_small_stack(lambda: paper.parse_paper(text, "deep.txt"), spare)
        except SpecError as e:
            refused += 1
            assert e.message == "blocks and branches are nested too deeply to read"
            assert e.location is not None and e.location.path == "deep.txt"
            assert e.location.text == lines[e.location.line - 1]
            assert e.location.text[e.location.column - 1:].strip()  # the caret is under a word
            assert str(e).splitlines()[0] == f"deep.txt:{e.location.line}:{e.location.column}: {e.message}"
    assert refused >= 3  # the small stacks were refused, the large ones read


def test_a_stack_that_runs_out_while_linking_points_at_the_innermost_layer(monkeypatch) -> None:
    def no_stack(*args: Any, **kwargs: Any) -> None:
        raise RecursionError

    monkeypatch.setattr(paper, "_link", no_stack)
    with pytest.raises(SpecError) as e:
        paper.parse_paper(_nested_adds(3), "deep.txt")
    assert (e.value.location.line, e.value.location.column, e.value.location.text) == (11, 13, " " * 12 + "relu")


def test_a_stack_that_runs_out_before_any_statement_points_at_the_most_indented_line(monkeypatch) -> None:
    def no_stack(*args: Any, **kwargs: Any) -> None:
        raise RecursionError

    monkeypatch.setattr(paper, "_tree", no_stack)
    with pytest.raises(SpecError) as e:
        paper.parse_paper(_nested_adds(2), "deep.txt")
    assert (e.value.location.line, e.value.location.column) == (8, 9)


CALLS = ("from keras import layers, Sequential\n"
         + "".join(f"def f{i}(x):\n    return f{i + 1}(x)\n" for i in range(60))
         + "def f60(x):\n    return x\nm = Sequential([layers.Input((8, 8, 1)), layers.Dense(f0(8))])\n")


def test_keras_code_on_a_small_stack_is_refused_at_the_node_being_read() -> None:
    lines = CALLS.splitlines()
    refused = 0
    for spare in range(40, 800, 40):
        try:
            _on_small_stack(lambda: read_keras(CALLS, "m.py"), spare)
        except SpecError as e:
            refused += 1
            assert e.message == "the code is nested too deeply to read" or re.fullmatch(
                r"calls nest \d+ deep, deeper than Python's stack holds here \(recursion without end\?\)", e.message)
            assert e.location.path == "m.py" and e.location.text == lines[e.location.line - 1]
            assert e.location.text[e.location.column - 1:].startswith(("f", "return", "x"))  # a node of the calls
    assert refused >= 3


def test_an_expression_on_a_small_stack_is_refused_with_its_place() -> None:
    text = "+".join(["1"] * 90)
    with pytest.raises(SpecError) as e:
        _on_small_stack(lambda: evaluate_expression(text, path="--define"), 60)
    assert str(e.value).splitlines()[0] == "--define:1:1: the code is nested too deeply to read"


def test_a_yaml_sheet_nested_past_the_pure_python_reader_points_at_its_deepest_line(monkeypatch) -> None:
    import yaml

    from archcalc.teaching.answers import read_structured

    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)  # the pure-Python reader recurses
    text = "student: a\nlayers:\n  - " + "- " * 300 + "x\n"
    with pytest.raises(SourceError) as e:
        _on_small_stack(lambda: read_structured(text, "s.yaml", "a", "yaml"), 200)
    assert str(e.value).splitlines()[0] == ("s.yaml:3:605: `s.yaml` is nested too deeply to read (at most 20 levels, "
                                           "MAX_SHEET_DEPTH)")


def test_a_class_that_makes_itself_in_its_constructor_is_refused_where_it_does() -> None:
    """Found by the PyTorch fuzz campaign: the torch reader instantiates the model after `run`, and each
    level of `Block(dim)` inside a comprehension takes a score of Python's frames, so Python's stack ran
    out before MAX_CALL_DEPTH and the RecursionError escaped."""
    from archcalc.code.torch import read as read_torch

    text = ("import torch.nn as nn\n\n\nclass Block(nn.Module):\n    def __init__(self, dim=8, depth=2):\n"
            "        super().__init__()\n        self.blocks = nn.Sequential(*[Block(dim) for _ in range(depth)])\n\n"
            "    def forward(self, x):\n        return self.blocks(x)\n")
    with pytest.raises(SpecError) as e:
        read_torch(text, "m.py", input_shape=(8, 4, 4))
    assert re.fullmatch(r"calls nest \d+ deep, deeper than Python's stack holds here \(recursion without end\?\)|"
                        r"calls nest more than 64 deep \(recursion without end\?\)", e.value.message)
    assert e.value.location.path == "m.py" and e.value.location.line == 7
