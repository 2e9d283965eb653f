"""Tensor operations of ``forward`` read by the PyTorch code reader: ``torch.squeeze`` and the other
functions that share a tensor method's reading (one table), reductions over a dimension (``torch.max(x, 2)[0]``
is global max pooling over time), indexing (``y[:, :, -1]``) and ``chunk``/``split``. Each reading is compared
with torch building and running the same code; what stays unread is refused with its place, word for word."""

from __future__ import annotations

import textwrap

import pytest

torch = pytest.importorskip("torch")

from test_torch_reader import HEAD, compare, refusal  # noqa: E402

from archcalc.code import torch as T  # noqa: E402
from archcalc.torch_code import parse_torch  # noqa: E402

SEQUENCE = """
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(4, 16, 3)
            self.fc = nn.Linear({features}, 3)

        def forward(self, x):
            y = self.conv(x)
            {line}
            return self.fc(torch.flatten(v, 1))
"""

MAP = """
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.fc = nn.Linear({features}, 3)

        def forward(self, x):
            y = self.conv(x)
            {line}
            return self.fc(torch.flatten(v, 1))
"""


# y = conv(x): 16 channels x 8 steps (input 4x10); a map of 8 channels x 6 x 7 (input 3x6x7).
@pytest.mark.parametrize(("template", "line", "features"), [
    (SEQUENCE, "v = torch.squeeze(torch.unsqueeze(y, 1), 1)", 128),
    (SEQUENCE, "v = torch.reshape(torch.transpose(y, 1, 2), (-1, 8, 16))", 128),
    (SEQUENCE, "v = torch.permute(y, (0, 2, 1)).flatten(1)", 128),
    (SEQUENCE, "v = torch.max(y, dim=2)[0]", 16),
    (SEQUENCE, "v = y.max(-1).values", 16),
    (SEQUENCE, "v, _ = y.max(2, keepdim=True)", 16),
    (SEQUENCE, "v = torch.amax(y, 2)", 16),
    (SEQUENCE, "v = torch.max(y, torch.relu(y))", 128),
    (SEQUENCE, "v = torch.min(y, torch.sigmoid(y))", 128),
    (SEQUENCE, "v = y[:, :, -1]", 16),
    (SEQUENCE, "v = y[:, :3]", 24),
    (SEQUENCE, "v = y[:, 0]", 8),
    (SEQUENCE, "v = y[..., 2:5]", 48),
    (SEQUENCE, "v = y[...]", 128),
    (SEQUENCE, "v = y[:, -4:, 1:-1]", 24),
    (SEQUENCE, "v = torch.cat(torch.chunk(y, 3, dim=1)[::-1], 1)", 128),  # 16 → 6, 6, 4
    (SEQUENCE, "v = torch.chunk(y, 3, dim=2)[2]", 32),  # 8 steps → 3, 3, 2
    (SEQUENCE, "a, b = y.split([5, 11], dim=1); v = torch.cat([b, a], 1)", 128),
    (SEQUENCE, "v = y.split(split_size=3, dim=-1)[-1]", 32),  # 8 steps → 3, 3, 2
    (SEQUENCE, "a, _ = y.chunk(2, 1); v = a", 64),  # the part never used is no row
    (SEQUENCE, "v = torch.transpose(y, 1, 2)[:, -1, 2:10]", 8),  # features last (T x C): a step, some features
    (SEQUENCE, "v = y.transpose(1, 2)[..., :4].amax(1)", 4),
    (SEQUENCE, "v = torch.split(y.permute(0, 2, 1), [2, 6], 1)[1].mean(1)", 16),
    (MAP, "v = torch.amax(y, dim=(2, 3), keepdim=True)", 8),
    (MAP, "v = torch.squeeze(y[:, :, 0]).mean(2)", 8),
    (MAP, "v = y[:, 2, 1:3, :]", 14),
    (MAP, "v = y[:, 1:3, -1, 2:]", 10),
    (MAP, "v = torch.unsqueeze(y[:, 0], 1).amax((2, 3))", 1),
])
def test_reads_as_torch_runs(template: str, line: str, features: int) -> None:
    compare(HEAD + textwrap.dedent(template.format(line=line, features=features)), (4, 10) if template is SEQUENCE
            else (3, 6, 7))


def _rows(line: str, features: int = 16) -> list[str]:
    code = HEAD + textwrap.dedent(SEQUENCE.format(line=line, features=features))
    return [n.kind for n in parse_torch(code, "m.py", input_shape=(4, 10))[0].nodes]


def test_rows_of_each_reading() -> None:
    """A channel part is one slice; a step of time is moved last (permute) and its axis dropped (flatten);
    the maximum over time is one global pooling row, whichever spelling."""
    assert _rows("v = y[:, 3:4, 0]", 1) == ["input", "conv", "slice", "permute", "slice", "flatten", "dense"]
    assert _rows("v = y[:, :, -1]") == ["input", "conv", "permute", "slice", "flatten", "dense"]
    for line in ("v = torch.max(y, dim=2)[0]", "v = y.max(2).values", "v = torch.amax(y, -1)", "v, i = y.max(2)"):
        assert _rows(line) == ["input", "conv", "global_maxpool", "dense"], line
    assert _rows("v = y.chunk(2, 1)[1].amax(2)", 8) == ["input", "conv", "slice", "global_maxpool", "dense"]


def test_one_table_for_both_spellings() -> None:
    """torch.<name>(x, ...) and x.<name>(...) are one entry of TENSOR_OPS: both spellings read alike."""
    assert {"squeeze", "unsqueeze", "flatten", "permute", "transpose", "reshape", "mean", "max", "amax", "chunk",
            "split"} <= set(T.TENSOR_OPS)
    for function, method, features in [
            ("torch.squeeze(torch.unsqueeze(y, 2), 2)", "y.unsqueeze(2).squeeze(2)", 16),
            ("torch.transpose(torch.transpose(y, 1, 2), 2, 1)", "y.transpose(1, 2).transpose(2, 1)", 16),
            ("torch.chunk(y, 2, 1)[0]", "y.chunk(2, dim=1)[0]", 8),
            ("torch.split(y, [4, 12], 1)[1]", "y.split([4, 12], 1)[1]", 12)]:
        assert _rows(f"v = {function}.amax(-1)", features) == _rows(f"v = {method}.amax(-1)", features)


@pytest.mark.parametrize(("line", "expected"), [
    ("v = torch.max(y)", [
        "error: `torch.max(y)` reduces the whole batch to one number",
        "hint: give the dimension: `torch.max(x, dim=2)[0]` over time, or `torch.max(x, other)` for the "
        "elementwise maximum of two tensors"]),
    ("v = torch.max(y, dim=1)[0]", [
        "error: archcalc reads `max` over every spatial dimension (2), got (1,)",
        "hint: the maximum over the height and width (over time for a sequence) is global max pooling"]),
    ("v = torch.max(y, 2)[1]", [
        "error: archcalc reads the values of `torch.max(y, 2)`, not its indices", "hint: take `[0]` or `.values`"]),
    ("v = y.max(2).indices", [
        "error: archcalc reads the values of `y.max(2)`, not its indices", "hint: take `[0]` or `.values`"]),
    ("v = torch.max(y, (1, 2))", [
        "error: `torch.max` takes one dimension, got a tuple", "hint: `torch.amax(x, dim=(2, 3))` takes several"]),
    ("v = y.min(dim=2)[0]", [
        "error: archcalc has no layer kind for `min` over dimensions of a tensor (`y.min(dim=2)`)",
        "hint: archcalc reads `mean` and `max` over every spatial dimension (global pooling)"]),
    ("v = y.sum(2)", [
        "error: archcalc has no layer kind for `sum` over dimensions of a tensor (`y.sum(2)`)",
        "hint: archcalc reads `mean` and `max` over every spatial dimension (global pooling)"]),
    ("v = y[:, :, ::2]", [
        "error: `y[:, :, ::2]`: archcalc reads slices of step 1, got a step of 2",
        "hint: a strided slice has no layer kind in archcalc"]),
    ("v = y[:, None]", [
        "error: `y[:, None]`: archcalc does not read `None` (a new axis) in an index",
        "hint: write `x.unsqueeze(dim)`"]),
    ("v = y[0]", ["error: `y[0]` indexes the batch", "hint: keep every example: write `:` first"]),
    ("v = y[:, :, 5:2]", ["error: `y[:, :, 5:2]`: the slice of dimension 2 (size 8) selects nothing"]),
    ("v = y[:, 20]", ["error: `y[:, 20]`: index 20 is out of range for dimension 1 of size 16"]),
    ("v = y[:, :, :, 0]", ["error: `y[:, :, :, 0]`: too many indices for a tensor of 3 dimensions (the batch is 0)"]),
    ("v = y[..., ...]", ["error: `y[..., ...]`: an index can only have a single `...`"]),
    ("v = y[:, y]", [
        "error: `y[:, y]`: archcalc reads a tensor indexed by whole numbers, slices and `...`, not by a tensor of "
        "the model"]),
    ("v = y[:, [0, 1]]", [
        "error: `y[:, [0, 1]]`: archcalc reads a tensor indexed by whole numbers, slices and `...`, not by a list"]),
    ("v = torch.chunk(y, 2)", [
        "error: `torch.chunk(y, 2)` splits the batch", "hint: write `dim=1` to split the channels"]),
    ("v = y.chunk(0, 1)", ["error: `y.chunk(0, 1)`: the number of chunks must be a whole number of at least 1, got 0"]),
    ("v = torch.split(y, [4, 4], dim=1)", [
        "error: `torch.split(y, [4, 4], dim=1)`: the sizes [4, 4] add up to 8, not to the 16 of dimension 1 (16x8)",
        "hint: the sizes must add up to 16"]),
    ("v = torch.split(y, [8, 0, 8], dim=1)", [
        "error: `torch.split(y, [8, 0, 8], dim=1)`: a part of size 0 has no layer kind in archcalc"]),
    ("v = y.split(2.5, 1)", [
        "error: `y.split(2.5, 1)`: archcalc reads a split size or a list of sizes (whole numbers), got a number"]),
    ("v = torch.squeeze(y, 0)", ["error: `torch.squeeze(y, 0)` squeezes the batch",
                                 "hint: squeeze dimension 1 or later"]),
    ("v = torch.reshape(y, (64, -1))", [
        "error: `torch.reshape(y, (64, -1))` fixes the batch size at 64",
        "hint: write `x.reshape(x.size(0), ...)` or `x.reshape(-1, ...)`: the first size is the batch"]),
])
def test_refuses_with_the_place(line: str, expected: list[str]) -> None:
    lines = refusal(SEQUENCE.format(line=line, features=16), input_shape=(4, 10))
    assert [lines[0], lines[-1]] == expected if len(expected) == 2 else lines[0] == expected[0]
    assert lines[1] == "  --> m.py:13:13"  # the line of `v = ...`, the column of its value
    value = line[4:].removesuffix("[0]") if ")[0]" in line else line[4:]  # a reduction refused: the call
    assert lines[4].split("|")[1].strip() == "^" * len(value)


def test_refuses_an_index_that_depends_on_an_unknown_value() -> None:
    lines = refusal(SEQUENCE.format(line="v = y[:, :n]", features=16), input_shape=(4, 10))
    assert lines[0] == "error: the model needs 1 value that archcalc cannot know without running the code: `n`"
    assert "indexes a tensor of the model" in "\n".join(lines)
