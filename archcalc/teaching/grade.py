"""Grading a student's table against the analysis of the spec: every cell right or wrong, and why.

The expected values come from :func:`archcalc.analysis.analyze_network`. A wrong value is
explained only when recomputing the layer under a known wrong convention gives exactly the value
written: the shape formula re-run with the other padding or with ceil instead of floor, the
parameter count without the bias or with a bias per input channel, the layer re-run on the
student's own (wrong) input shape, and so on. Nothing is guessed from ratios.

>>> from archcalc.teaching.answers import read_text
>>> sheet = read_text("CONV3-8: [32x32x8] memory: 32*32*8 params: (3*3*3)*8\\nPOOL2: [16x16x8] memory: 2K params: 0")
>>> r = grade_sheet(sheet, _net("input 32x32x3\\nconv3-8\\nmaxpool"))
>>> [(i.field, i.right, i.diagnosis) for i in r.items if i.row]   # doctest: +NORMALIZE_WHITESPACE
[('shape', True, None), ('memory', True, None), ('params', False, 'forgot-bias'),
 ('shape', True, None), ('memory', True, None), ('params', True, None)]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from .. import formulas as F
from .. import kinds as K
from ..analysis import Analysis, analyze_network
from ..errors import ArchcalcError, Location, SourceError
from ..network import Network, Shape
from .answers import AnswerRow, BadShape, Cell, Sheet, parse_shape
from .numbers import BadNumber, Interval, Value, format_count, parse_value, rounded_like

#: Bytes per value assumed for "memory in bytes" (float32, as the CS231n notes count).
BYTES_PER_VALUE = 4

#: What each diagnosis code means, for the docs and the JSON consumer.
DIAGNOSES = {
    "forgot-bias": "the parameters without the biases",
    "bias-per-input-channel": "a bias counted per input channel instead of one per filter",
    "valid-instead-of-same": "the size without padding, where the layer pads",
    "same-instead-of-valid": "the size with 'same' padding, where the layer does not pad",
    "ceil-instead-of-floor": "the size rounded up, where the formula rounds down",
    "pooling-params": "parameters for a pooling layer, which has none",
    "bias-where-none": "biases counted for a layer without bias (bias=false)",
    "trainable-only": "batch norm's trained parameters only, without its moving mean and variance",
    "no-params": "parameters for a layer that has none",
    "channels-first": "the channels written first (C x H x W), where the table is H x W x C",
    "order": "the right numbers in another order",
    "bytes-for-values": "a size in bytes where the column counts values",
    "values-for-bytes": "a count of values where bytes were asked",
    "mb-vs-mib": "MB (10^6 bytes) and MiB (2^20 bytes) mixed up",
    "rounding": "rounded to digits that do not match the value",
    "arithmetic": "the working is right but its result is not",
    "carried": "right for the (wrong) shape given in an earlier row",
    "addition-slip": "a total that does not equal the sum of the student's own rows",
    "consistent-total": "the total adds up the student's rows: the mistake is in the rows",
    "unreadable": "the cell could not be read",
    "blank": "no answer",
    "missing-row": "a layer the table leaves out",
    "missing-total": "a total the table leaves out",
    "carried-forgot-bias": "the weights for the (wrong) shape of an earlier row, without the biases",
}

#: The columns a table of shapes, memory and parameters asks for, in order.
COLUMNS = ("shape", "memory", "params")


@dataclass
class Item:
    """One graded cell."""

    row: int | None          # the layer's index in the spec (0 = input); None for totals
    layer: str               # the layer as the spec writes it
    field: str               # shape | memory | params | total_memory | total_memory_bytes | total_params
    answer: str | None       # as written (None when the row is missing)
    expected: str
    right: bool
    diagnosis: str | None = None
    hint: str | None = None
    note: str | None = None  # a remark on a right answer ("includes the biases; also accepted")
    location: Location | None = None
    credit: float | None = None  # points given to a wrong cell (follow-through credit for "carried")
    max_points: int = 1          # 0: checked and reported, not scored (the memory total written twice)

    @property
    def points(self) -> float:
        """1 for a right cell; a wrong one gets its ``credit`` (0 unless follow-through is given)."""
        if not self.max_points:
            return 0
        return 1 if self.right else (self.credit or 0)


@dataclass
class Result:
    """The grade of one sheet."""

    path: str
    student: str
    network: str
    items: list[Item]
    missing: list[tuple[int | None, str]] = field(default_factory=list)     # (index, layer); None: a total
    extra: list[tuple[str, Location]] = field(default_factory=list)         # rows matching no layer
    slips: list[Item] = field(default_factory=list)                         # addition slips, apart
    settings: dict[str, Any] = field(default_factory=dict)
    advice: list[str] = field(default_factory=list)                         # remarks on the sheet as a whole

    @property
    def score(self) -> float:
        """Points earned: an int unless follow-through credit gave fractions."""
        total = sum(i.points for i in self.items)
        return int(total) if float(total).is_integer() else round(total, 4)

    @property
    def max_score(self) -> int:
        """The points the exercise asks for: every row of the spec and every total, in the columns asked
        (a missing row or total is an item worth its points, so leaving it out cannot raise the percentage)."""
        return sum(i.max_points for i in self.items)

    @property
    def wrong(self) -> list[Item]:
        return [i for i in self.items if not i.right]

    @property
    def all_right(self) -> bool:
        """Every cell right and the totals add up. Extra rows are reported but are not mistakes
        (a student may write a ReLU row that the spec folds into its layer)."""
        return not self.wrong and not self.slips

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 100.0


@dataclass(frozen=True)
class Expected:
    """One line of the answer key."""

    index: int
    name: str
    kind: str
    shape: Shape
    memory: int
    params: int          # as graded under the bias convention chosen
    weights: int
    biases: int
    non_trainable: int
    inputs: tuple[int, ...]
    explain: tuple[str, ...]


def expected_rows(analysis: Analysis) -> list[Expected]:
    """The key: the input (index 0) and every layer, from an analysis made with biases counted."""
    count_bias = analysis.settings.get("count_bias", True)
    inp = analysis.input_shape
    rows = [Expected(0, "input " + "x".join(map(str, inp)), "input", inp, math.prod(inp), 0, 0, 0, 0, (),
                     (f"memory = {'·'.join(map(str, inp))} = {math.prod(inp):,} values",))]
    for r in analysis.rows:
        params = r.weights + (r.biases if count_bias else 0) + r.non_trainable
        rows.append(Expected(r.index, r.name, r.kind, r.output_shape, r.activations, params, r.weights,
                             r.biases, r.non_trainable, r.inputs, r.explain))
    return rows


# ---------------------------------------------------------------------------------------------
# Matching rows to layers: an alignment by order and name (Needleman-Wunsch, small tables).

_FAMILIES = (
    ("input", r"\b(input|image|data|img)\b"),
    ("global", r"global|\bgap\b|\bgmp\b"),
    ("depthwise", r"\bdw|depthwise"),
    ("separable", r"sep"),
    ("conv", r"conv"),
    ("pool", r"pool"),
    ("fc", r"\bfc|dense|linear|fully|affine"),
    ("flatten", r"flat"),
    ("dropout", r"drop"),
    ("batchnorm", r"\bbn\b|batch|norm(?!al)"),
    ("lrn", r"\blrn\b|local response"),
    ("zeropad", r"pad"),
    ("activation", r"relu|softmax|soft-max|sigmoid|tanh|gelu|elu|swish|silu|activation"),
)
_KIND_FAMILY = {"input": "input", "conv": "conv", "depthwise": "depthwise", "separable": "separable",
                "dense": "fc", "maxpool": "pool", "avgpool": "pool", "global_avgpool": "global",
                "global_maxpool": "global", "flatten": "flatten", "dropout": "dropout",
                "batchnorm": "batchnorm", "lrn": "lrn", "zeropad": "zeropad", "activation": "activation",
                "prelu": "activation"}


def family(name: str) -> str | None:
    """The family of layer a row's name says (``CONV3-64`` → conv, ``POOL2`` → pool), if any.

    >>> family("CONV3-64"), family("POOL2"), family("FC"), family("layer 3")
    ('conv', 'pool', 'fc', None)
    """
    n = name.lower()
    if n.startswith("lrn"):
        return "lrn"
    for fam, pattern in _FAMILIES:
        if re.search(pattern, n):
            return fam
    return None


def _similarity(answer: AnswerRow, exp: Expected) -> int:
    fam = family(answer.name)
    if fam is None:
        return 1  # unnamed rows ("1", "layer 3") match by order alone
    if fam != _KIND_FAMILY.get(exp.kind):
        return -3
    same_numbers = re.findall(r"\d+", answer.name.lower()) == re.findall(r"\d+", exp.name.split(" ")[0].lower())
    return 3 + int(same_numbers)


def align(answers: list[AnswerRow], expected: list[Expected]) -> list[tuple[int | None, int | None]]:
    """Pairs (answer row index, expected index); ``None`` on one side marks an extra or missing row.

    The input row may be left out freely; any other skipped layer or extra row costs one.
    """
    n, m = len(answers), len(expected)
    gap_answer = -1
    score = [[0] * (m + 1) for _ in range(n + 1)]
    move = [[""] * (m + 1) for _ in range(n + 1)]

    def gap_expected(j: int) -> int:
        return 0 if expected[j].kind == "input" else -1

    for i in range(1, n + 1):
        score[i][0], move[i][0] = score[i - 1][0] + gap_answer, "a"
    for j in range(1, m + 1):
        score[0][j], move[0][j] = score[0][j - 1] + gap_expected(j - 1), "e"
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            # On a tie, leave the later layer out: a short table is matched to the first layers
            # (the traceback runs from the end, so "skip this layer" wins over "match it").
            options = [(score[i][j - 1] + gap_expected(j - 1), "e"),
                       (score[i - 1][j - 1] + _similarity(answers[i - 1], expected[j - 1]), "d"),
                       (score[i - 1][j] + gap_answer, "a")]
            score[i][j], move[i][j] = max(options, key=lambda t: t[0])
    pairs: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i or j:
        mv = move[i][j]
        if mv == "d":
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif mv == "a":
            pairs.append((i - 1, None))
            i -= 1
        else:
            pairs.append((None, j - 1))
            j -= 1
    pairs.reverse()
    # A pairing of different families is not a match: report an extra row and a missing layer.
    out: list[tuple[int | None, int | None]] = []
    for a, e in pairs:
        if a is not None and e is not None and _similarity(answers[a], expected[e]) < 0:
            out += [(a, None), (None, e)]
        else:
            out.append((a, e))
    return out


# ---------------------------------------------------------------------------------------------
# Recomputing a layer under another convention.

def _windowed_args(kind: str) -> tuple[str, str] | None:
    """The argument names of a kind's window (kernel, strides), when it slides one."""
    if kind in ("conv", "depthwise", "separable"):
        return "kernel", "strides"
    if kind in ("maxpool", "avgpool"):
        return "pool", "strides"
    return None


def _infer(kind: str, args: dict[str, Any], in_shape: Shape) -> Shape | None:
    try:
        return K.KINDS[kind].infer(args, [in_shape]).shape
    except (ArchcalcError, ValueError, TypeError, KeyError, IndexError, ZeroDivisionError):
        return None


def _ceil_shape(kind: str, args: dict[str, Any], in_shape: Shape, channels: int) -> Shape | None:
    """The output shape with the division rounded up (PyTorch's ``ceil_mode``, a common slip)."""
    names = _windowed_args(kind)
    if names is None or len(in_shape) != 3:
        return None
    kernel, strides = args[names[0]], args[names[1]]
    dilation = args.get("dilation", (1, 1))
    padding = args["padding"]
    pads = padding if isinstance(padding, tuple) else (padding, padding)
    if "same" in pads:
        return None
    out = []
    for n, k, s, p, d in zip(in_shape[:2], kernel, strides, pads, dilation):
        total = F.padding_total(n, k, s, p, d)
        span = n + total - F.effective_kernel(k, d)
        if span < 0:
            return None
        out.append(-(-span // s) + 1)
    return (out[0], out[1], channels)


def alternatives(exp: Expected, node_args: dict[str, Any], in_shape: Shape) -> list[tuple[str, Shape]]:
    """Output shapes of the layer under each known wrong convention that changes it."""
    out: list[tuple[str, Shape]] = []
    names = _windowed_args(exp.kind)
    if names is None or len(in_shape) != 3:
        return out
    padding = node_args["padding"]
    pads = padding if isinstance(padding, tuple) else (padding, padding)
    pads_something = padding == "same" or any(isinstance(p, int) and p > 0 for p in pads)
    if pads_something:
        alt = _infer(exp.kind, {**node_args, "padding": "valid"}, in_shape)
        if alt and alt != exp.shape:
            out.append(("valid-instead-of-same", alt))
    else:
        alt = _infer(exp.kind, {**node_args, "padding": "same"}, in_shape)
        if alt and alt != exp.shape:
            out.append(("same-instead-of-valid", alt))
    ceil = _ceil_shape(exp.kind, node_args, in_shape, exp.shape[-1])
    if ceil and ceil != exp.shape:
        # Rounding up is the usual slip of pooling (PyTorch's ceil_mode); say it first there.
        at = 0 if exp.kind in ("maxpool", "avgpool") else len(out)
        out.insert(at, ("ceil-instead-of-floor", ceil))
    return out


def _squeeze(shape: tuple[int, ...]) -> tuple[int, ...]:
    """``1x1x4096`` is how the CS231n notes write a flat 4096."""
    while len(shape) > 1 and shape[0] == 1:
        shape = shape[1:]
    return shape


# ---------------------------------------------------------------------------------------------

@dataclass
class _Ctx:
    network: Network
    expected: list[Expected]
    count_bias: bool
    bytes_per_value: int = BYTES_PER_VALUE
    student_shapes: dict[int, Shape] = field(default_factory=dict)   # expected index → shape written
    wrong_shape: dict[int, bool] = field(default_factory=dict)
    shape_diagnosis: dict[int, str | None] = field(default_factory=dict)


_OTHER = {"same-instead-of-valid": "'same' padding", "valid-instead-of-same": "leaving out the padding",
          "ceil-instead-of-floor": "rounding up"}
#: Diagnoses that recompute a layer under another convention (the memory cell repeats them).
_CONVENTIONS = ("valid-instead-of-same", "same-instead-of-valid", "ceil-instead-of-floor")


def _read(cell: Cell) -> Value:
    try:
        return parse_value(cell.text)
    except BadNumber as e:
        loc = cell.location
        message = f"cannot read the value `{cell.text.strip()}`" + ("" if cell.text.strip() in e.message
                                                                    else f": {e.message}")
        raise SourceError(message,
                          location=Location(loc.path, loc.line, loc.column + e.column, loc.text, e.length),
                          hint=e.hint or "write a number (`1,728`, `3.2M`, `93MB`) or arithmetic "
                                         "(`(3*3*3+1)*64`)") from None


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


def _grade_shape(ctx: _Ctx, exp: Expected, cell: Cell) -> Item:
    item = _shape_item(ctx, exp, cell)
    ctx.shape_diagnosis[exp.index] = item.diagnosis
    return item


def _shape_item(ctx: _Ctx, exp: Expected, cell: Cell) -> Item:
    item = Item(exp.index, exp.name, "shape", cell.text, _shape_text(exp.shape), False, location=cell.location)
    if not cell.text.strip():
        item.diagnosis, item.hint = "blank", "no shape written"
        return item
    try:
        got = parse_shape(cell.text)
    except BadShape as e:
        raise SourceError(f"cannot read the shape `{cell.text}`: {e}", location=cell.location,
                          hint="write H x W x C, e.g. `224x224x64` (or `4096` for a flat vector)") from None
    ctx.student_shapes[exp.index] = got
    if _squeeze(got) == _squeeze(exp.shape):
        item.right = True
        return item
    ctx.wrong_shape[exp.index] = True
    work = "; ".join(line for line in exp.explain if line.startswith(("H", "W")))
    if len(got) == len(exp.shape) == 3 and sorted(got) == sorted(exp.shape):
        if got == (exp.shape[2], exp.shape[0], exp.shape[1]):
            item.diagnosis = "channels-first"
            item.hint = (f"you wrote the channels first (C x H x W); the table is H x W x C: "
                         f"{_shape_text(exp.shape)}")
        else:
            item.diagnosis = "order"
            item.hint = f"the right numbers in the wrong order: H x W x C is {_shape_text(exp.shape)}"
        return item
    if exp.index > 0:
        # A wrong shape upstream explains this one first: the student applied the layer right.
        node = ctx.network.nodes[exp.index]
        in_shape = ctx.expected[exp.inputs[0]].shape if exp.inputs else None
        found = [(code, alt) for code, alt in alternatives(exp, node.args, in_shape)
                 if _squeeze(alt) == _squeeze(got)] if in_shape is not None else []
        carried = _carried_shape(ctx, exp)
        if carried is not None and _squeeze(carried) == _squeeze(got):
            item.diagnosis = "carried"
            item.hint = "right for the input shape you wrote in the row before; the error is there" + (
                f" ({work})" if work else "")
            if found:
                item.hint += f"; from the right input, {_OTHER[found[0][0]]} would also give {_shape_text(got)}"
            return item
        if in_shape is not None and found:
            code, alt = found[0]
            item.diagnosis = code
            item.hint = _convention_hint(code, exp, node.args, alt) + (f" ({work})" if work else "")
            if len(found) > 1:  # two slips give the same size here: name the other one too
                item.hint += f"; {_OTHER[found[1][0]]} would give that size too"
            return item
    item.hint = f"expected {_shape_text(exp.shape)}" + (f": {work}" if work else "")
    return item


def _convention_hint(code: str, exp: Expected, args: dict[str, Any], alt: Shape) -> str:
    padding = args.get("padding")
    how = ("'same' padding (the size kept, ⌈n/stride⌉)" if padding == "same"
           else f"{padding[0] if isinstance(padding, tuple) else padding} pixel(s) of zero padding on each side"
           if padding not in ("valid", None) else "no padding ('valid')")
    if code == "valid-instead-of-same":
        return f"{_shape_text(alt)} is the size without padding; `{exp.name}` uses {how}"
    if code == "same-instead-of-valid":
        return f"{_shape_text(alt)} is the size with 'same' padding; `{exp.name}` uses {how}"
    return (f"{_shape_text(alt)} rounds the division up (ceil); the output size is "
            f"⌊(n + padding − kernel)/stride⌋ + 1, rounded down")


def _carried(ctx: _Ctx, exp: Expected) -> K.Effect | None:
    """The layer re-run on the shapes the student wrote for its inputs, when one of those was wrong."""
    if not exp.inputs or not any(ctx.wrong_shape.get(i) for i in exp.inputs):
        return None
    shapes = [ctx.student_shapes.get(i) for i in exp.inputs]
    if any(s is None for s in shapes):
        return None
    node = ctx.network.nodes[exp.index]
    try:
        return K.KINDS[node.kind].infer(node.args, shapes)  # type: ignore[arg-type]
    except (ArchcalcError, ValueError, TypeError, KeyError, IndexError, ZeroDivisionError):
        return None


def _carried_shape(ctx: _Ctx, exp: Expected) -> Shape | None:
    e = _carried(ctx, exp)
    return None if e is None else e.shape


def _carried_params(ctx: _Ctx, exp: Expected) -> int | None:
    e = _carried(ctx, exp)
    return None if e is None else e.weights + (e.biases if ctx.count_bias else 0) + e.non_trainable


def _value_checks(item: Item, value: Value, expected: int) -> bool:
    """Right; else a right working with a wrong result. True when decided (item marked)."""
    if value.unit == "count" and value.contains(expected):
        item.right = True
        return True
    for step in value.working:
        if step.unit == "count" and step.contains(expected):
            item.diagnosis = "arithmetic"
            item.hint = (f"your working `{step.text}` is right ({format_count(expected)}), "
                         f"but `{value.steps[-1].text}` is not what it comes to")
            return True
    return False


def _rounding_check(item: Item, value: Value, expected: int) -> bool:
    """The right value rounded to the wrong digits ("3.3M" for 3,211,264).

    Tried after every specific diagnosis: "1.7K" for a conv of 1,792 parameters is the 1,728
    weights without the bias, not a rounding slip.
    """
    if value.unit != "count" or not value.rounded or not value.steps:
        return False
    last = value.steps[-1]
    width = last.interval.hi - last.interval.lo
    if width > 0 and abs(last.nominal - expected) <= 2 * width:
        item.diagnosis = "rounding"
        item.hint = (f"{last.text} does not round {format_count(expected)}; "
                     f"written like yours it is {rounded_like(expected, value)}")
        return True
    return False


def _grade_memory(ctx: _Ctx, exp: Expected, cell: Cell) -> Item:
    item = Item(exp.index, exp.name, "memory", cell.text, format_count(exp.memory), False, location=cell.location)
    if not cell.text.strip():
        item.diagnosis, item.hint = "blank", "no memory written"
        return item
    value = _read(cell)
    if _value_checks(item, value, exp.memory):
        return item
    per_value = ctx.bytes_per_value
    as_bytes = exp.memory * per_value
    if value.contains(as_bytes) or (value.unit == "bytes" and _mib_swap(value, as_bytes)):
        item.diagnosis = "bytes-for-values"
        item.hint = (f"that is the size in bytes ({per_value} bytes a value); the memory column "
                     f"counts values: {format_count(exp.memory)}")
        return item
    got_shape = ctx.student_shapes.get(exp.index)
    conventional = ctx.shape_diagnosis.get(exp.index) in _CONVENTIONS
    if got_shape and ctx.wrong_shape.get(exp.index) and not conventional and value.contains(math.prod(got_shape)):
        item.diagnosis = "carried"
        item.hint = (f"right for the shape you wrote ({_shape_text(got_shape)}); the error is in the shape: "
                     f"memory = {'·'.join(map(str, exp.shape))} = {format_count(exp.memory)}")
        return item
    if exp.index > 0:
        node = ctx.network.nodes[exp.index]
        in_shape = ctx.expected[exp.inputs[0]].shape if exp.inputs else None
        if in_shape is not None:
            for code, alt in alternatives(exp, node.args, in_shape):
                if value.contains(math.prod(alt)):
                    item.diagnosis = code
                    item.hint = (_convention_hint(code, exp, node.args, alt)
                                 + f"; memory = {'·'.join(map(str, exp.shape))} = {format_count(exp.memory)}")
                    return item
    if _rounding_check(item, value, exp.memory):
        return item
    if len(exp.shape) == 3 and value.contains(exp.shape[0] * exp.shape[1]):
        item.hint = (f"that is H·W only; memory counts every value of the output, channels too: "
                     f"{'·'.join(map(str, exp.shape))} = {format_count(exp.memory)}")
        return item
    item.hint = f"expected {'·'.join(map(str, exp.shape))} = {format_count(exp.memory)}"
    return item


def _grade_params(ctx: _Ctx, exp: Expected, cell: Cell) -> Item:
    item = Item(exp.index, exp.name, "params", cell.text, format_count(exp.params), False, location=cell.location)
    if not cell.text.strip():
        item.diagnosis, item.hint = "blank", "no parameter count written"
        return item
    value = _read(cell)
    work = next((line for line in exp.explain if line.startswith("params")), None)
    if _value_checks(item, value, exp.params):
        return item
    if not ctx.count_bias and exp.biases and value.contains(exp.params + exp.biases):
        item.right = True
        item.note = f"includes the {format_count(exp.biases)} biases; the key counts weights only, both accepted"
        item.diagnosis = None
        return item
    if value.unit == "bytes":
        as_bytes = exp.params * ctx.bytes_per_value
        if value.contains(as_bytes) or _mib_swap(value, as_bytes):
            item.diagnosis = "bytes-for-values"
            item.hint = (f"that is their size in bytes ({ctx.bytes_per_value} bytes a value); the column counts "
                         f"parameters: {format_count(exp.params)}")
        else:
            item.hint = "parameters are a count, not bytes"
        return item
    if exp.params == 0:
        pooling = exp.kind in ("maxpool", "avgpool", "global_avgpool", "global_maxpool")
        item.diagnosis = "pooling-params" if pooling else "no-params"
        item.hint = ("pooling has no parameters: it takes the max (or mean) of each window, nothing is learned"
                     if pooling else f"`{exp.name}` learns nothing: 0 parameters")
        return item
    weighted = exp.kind in ("conv", "depthwise", "separable", "dense")
    if weighted and not exp.biases and value.contains(exp.params + exp.shape[-1]):
        item.diagnosis = "bias-where-none"
        item.hint = (f"`{exp.name}` has no bias (bias=false, as before a batch norm): "
                     + (work or f"{format_count(exp.params)}"))
        return item
    if exp.non_trainable and value.contains(exp.params - exp.non_trainable):
        item.diagnosis = "trainable-only"
        item.hint = (f"that counts the trained parameters only; the moving mean and variance are parameters too "
                     f"(not trained): {work or format_count(exp.params)}")
        return item
    if weighted and ctx.count_bias and exp.biases and value.contains(exp.params - exp.biases):
        item.diagnosis = "forgot-bias"
        item.hint = (f"you counted the weights only; each output has a bias too: "
                     f"{format_count(exp.weights)} + {format_count(exp.biases)} = {format_count(exp.params)}"
                     + (f" ({work})" if work else ""))
        return item
    if weighted and exp.biases and exp.inputs:
        in_shape = ctx.expected[exp.inputs[0]].shape
        n_in = in_shape[-1] if exp.kind in ("conv", "depthwise", "separable") else math.prod(in_shape)
        base = exp.params - (exp.biases if ctx.count_bias else 0)
        filters = exp.biases
        per_input = {base + n_in * filters, base + n_in}
        if any(value.contains(p) for p in per_input):
            item.diagnosis = "bias-per-input-channel"
            item.hint = ("one bias per filter (output channel), not per input channel: "
                         + (work or f"expected {format_count(exp.params)}"))
            return item
    carried = _carried_params(ctx, exp)
    if carried is not None and carried != exp.params and value.contains(carried):
        item.diagnosis = "carried"
        item.hint = "right for the input shape you wrote before; the error is there" + (f" ({work})" if work else "")
        return item
    effect = _carried(ctx, exp)
    if weighted and ctx.count_bias and effect is not None and effect.biases and \
            value.contains(effect.weights + effect.non_trainable):
        # Two slips at once: the shape carried from an earlier row, and the bias left out.
        item.diagnosis = "carried-forgot-bias"
        item.hint = (f"two slips: {format_count(effect.weights)} are the weights for the input shape you wrote "
                     f"before (the error is there), and the {format_count(effect.biases)} biases are left out; "
                     + (work or f"expected {format_count(exp.params)}"))
        return item
    if _rounding_check(item, value, exp.params):
        return item
    item.hint = work or f"expected {format_count(exp.params)}"
    return item


def _mib_swap(value: Value, expected: int) -> bool:
    """Whether the value, re-read with MB and MiB swapped, holds ``expected``."""
    if not value.byte_unit:
        return False
    decimal = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
    binary = {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
    unit = value.byte_unit
    if unit in decimal:
        other = binary[unit[0] + "iB"]
        ratio = Fraction(other, decimal[unit])
    else:
        other = decimal[unit[0] + "B"]
        ratio = Fraction(other, binary[unit])
    return (value.interval * Interval.point(ratio)).contains(expected)


# ---------------------------------------------------------------------------------------------

def _sum_cells(values: list[Value | None]) -> tuple[Interval, Fraction] | None:
    """The interval and the nominal value of a column's sum; None when a cell cannot be added."""
    if not values or any(v is None or v.unit != "count" for v in values):
        return None
    total, nominal = Interval.point(0), Fraction(0)
    for v in values:
        total = total + v.interval  # type: ignore[union-attr]
        nominal += v.nominal  # type: ignore[union-attr]
    return total, nominal


def _overlap(a: Interval, b: Interval) -> bool:
    return a.lo <= b.hi and b.lo <= a.hi


def _interval_text(i: Interval, nominal: Fraction | None = None) -> str:
    """An exact sum as it is; a sum of rounded values as "about N" (its nominal value)."""
    if i.lo == i.hi:
        return format_count(int(i.lo)) if i.lo.denominator == 1 else f"{float(i.lo):,.1f}"
    mid = nominal if nominal is not None else (i.lo + i.hi) / 2
    return f"about {float(mid):,.0f}"


def _grade_totals(ctx: _Ctx, sheet: Sheet, result: Result, matched: dict[int, AnswerRow],
                  columns: tuple[str, ...]) -> None:
    has_input_row = 0 in matched
    size = ctx.bytes_per_value
    layers_memory = sum(e.memory for e in ctx.expected[1:])
    with_input = layers_memory + ctx.expected[0].memory
    memory_ok = [layers_memory, with_input]
    total_params = sum(e.params for e in ctx.expected)
    params_ok = [total_params]
    if not ctx.count_bias:
        params_ok.append(total_params + sum(e.biases for e in ctx.expected))
    shown_memory = with_input if has_input_row else layers_memory

    # The sums of the student's own rows, in the order written (to check their addition).
    own_rows = [a for a in sheet.rows]
    own: dict[str, tuple[Interval, Fraction] | None] = {}
    for col in ("memory", "params"):
        vals: list[Value | None] = []
        for a in own_rows:
            cell = getattr(a, col)
            if cell is None or not cell.text.strip():
                vals.append(None if col == "memory" else Value("0", Interval.point(0), Fraction(0)))
                continue
            try:
                vals.append(parse_value(cell.text))
            except BadNumber:
                vals.append(None)
        own[col] = _sum_cells(vals)

    values_total: Value | None = None
    for key, expected_list, shown in (("memory", memory_ok, shown_memory), ("params", params_ok, total_params)):
        cell = sheet.totals.get(key)
        if cell is None and key == "memory" and "memory_bytes" in sheet.totals:
            continue  # the memory total written in bytes only: that cell is the total asked for
        if cell is None:
            if key in columns:
                name = _FIELD_TEXT[f"total_{key}"]
                result.missing.append((None, name))
                result.items.append(Item(None, "TOTAL", f"total_{key}", None, format_count(shown), False,
                                         "missing-total", f"no {name} written"))
            continue
        item = Item(None, "TOTAL", f"total_{key}", cell.text, format_count(shown), False, location=cell.location)
        if not cell.text.strip():
            item.diagnosis, item.hint = "blank", "no total written"
            result.items.append(item)
            continue
        value = _read(cell)
        if key == "memory":
            values_total = value
        if any(value.unit == "count" and value.contains(e) for e in expected_list):
            item.right = True
        elif value.unit == "bytes":
            item.diagnosis = "bytes-for-values"
            item.hint = f"that is bytes; the total memory counts values: {format_count(shown)}"
        else:
            if not _value_checks(item, value, shown):
                _rounding_check(item, value, shown)
            item.right = False
            if item.diagnosis is None:
                item.hint = f"expected {format_count(shown)}"
        summed = own.get(key)
        sums = summed[0] if summed else None
        if summed is not None and value.unit == "count" and not _overlap(value.interval, summed[0]):
            text = _interval_text(*summed)
            result.slips.append(Item(None, "TOTAL", f"total_{key}", cell.text, text, False, "addition-slip",
                                     f"your own rows add up to {text}, not {cell.text.strip()}",
                                     location=cell.location))
        elif sums is not None and not item.right and value.unit == "count" and _overlap(value.interval, sums):
            item.diagnosis = item.diagnosis or "consistent-total"
            same = "it is the sum of your rows, so the mistake is in the rows"
            item.hint = same if not item.hint or item.hint.startswith("expected") else f"{item.hint}; {same}"
        result.items.append(item)

    cell = sheet.totals.get("memory_bytes")
    if cell is not None:
        shown_bytes = shown_memory * size
        item = Item(None, "TOTAL", "total_memory_bytes", cell.text, _bytes_text(shown_bytes), False,
                    location=cell.location,
                    # written besides the total in values: checked, but the memory total scores once
                    max_points=0 if "memory" in sheet.totals or "memory" not in columns else 1)
        value = _read(cell)
        targets = [m * size for m in memory_ok]
        swapped_to = next((t for t in targets if value.unit == "bytes" and _mib_swap(value, t)), None)
        if value.unit == "bytes" and any(value.contains(t) for t in targets):
            item.right = True
        elif swapped_to is not None:
            item.diagnosis = "mb-vs-mib"
            unit = value.byte_unit or "MB"
            # The prefix the student wrote (K, M, G, T), in its other family: KB ↔ KiB, MB ↔ MiB.
            prefix = unit[0].upper()
            power = "KMGT".index(prefix) + 1 if prefix in "KMGT" else 2
            really = (f"{prefix}iB (2^{10 * power} bytes)" if "i" not in unit
                      else f"{prefix}B (10^{3 * power} bytes)")
            item.hint = f"{cell.text.strip()} is the size in {really}, written as {unit}: {_bytes_text(swapped_to)}"
        elif value.unit == "count" and any(value.contains(m) for m in memory_ok):
            item.diagnosis = "values-for-bytes"
            item.hint = f"that is the number of values; in bytes it is ×{size}: {_bytes_text(shown_bytes)}"
        else:
            item.hint = f"{format_count(shown_memory)} values × {size} bytes a value"
        if values_total is not None and values_total.unit == "count" and value.unit == "bytes":
            own_bytes = values_total.interval * Interval.point(size)
            swapped = bool(value.byte_unit) and _mib_swap_interval(value, own_bytes)
            if not _overlap(value.interval, own_bytes) and not swapped:
                own = int(values_total.nominal * size)
                result.slips.append(Item(None, "TOTAL", "total_memory_bytes", cell.text, _bytes_text(own), False,
                                         "addition-slip",
                                         f"your own total of {values_total.text} values × {size} bytes is "
                                         f"{_bytes_text(own)}, not {cell.text.strip()}",
                                         location=cell.location))
        result.items.append(item)


def _bytes_text(n: int) -> str:
    """``60,950,432 bytes = 60.95 MB = 58.13 MiB``: both units, four significant digits each."""
    return f"{format_count(n)} bytes = {n / 10**6:.4g} MB = {n / 2**20:.4g} MiB"


def _mib_swap_interval(value: Value, target: Interval) -> bool:
    return any(_mib_swap(value, int(x)) for x in (target.lo, target.hi, (target.lo + target.hi) / 2))


_FIELD_TEXT = {"total_memory": "TOTAL memory", "total_params": "TOTAL params"}


def _bias_advice(result: Result) -> None:
    """One remark, instead of one slip a layer, when every weighted layer's parameters leave out the bias."""
    params = [i for i in result.items if i.field == "params" and i.row is not None and i.answer is not None]
    forgot = [i for i in params if i.diagnosis == "forgot-bias"]
    weighted = [i for i in params if i.diagnosis == "forgot-bias" or (i.right and i.expected != "0")]
    if len(forgot) >= 2 and len(forgot) == len(weighted):
        result.advice.append(
            f"All {len(forgot)} weighted layers count their weights only, without the biases: the sheet uses the "
            "weights-only convention (as the CS231n notes do). `archcalc check --no-bias` grades it that way.")


# ---------------------------------------------------------------------------------------------

def grade_sheet(sheet: Sheet, network: Network, *, count_bias: bool = True,
                bytes_per_value: int = BYTES_PER_VALUE, carried_credit: float = 0.0,
                columns: tuple[str, ...] | None = None, input_row: bool = True) -> Result:
    """Grade one student's sheet against one network.

    What is asked comes from the exercise, not from the sheet: every layer of the spec (and the input
    row), in each of ``columns``, and the totals of the memory and params columns. A row, a column or a
    total the sheet leaves out is graded wrong (``missing-row``, ``blank``, ``missing-total``).

    Args:
        sheet: the student's table.
        network: the parsed spec.
        count_bias: ``False`` for the weights-only convention of the CS231n table (``--no-bias``):
            weights-only counts are right, and counts that include the biases are accepted too.
        bytes_per_value: for memory written in bytes (4 for float32, 2 for float16).
        carried_credit: the share of a point (0 to 1) given to a cell that is wrong only because
            of the student's own earlier numbers: a layer applied right to a wrong input shape, a
            total that adds up wrong rows ("error carried forward", as exam marking schemes allow).
        columns: the columns asked for (default: shape, memory and params).
        input_row: whether the input's row is asked for (a Keras ``summary()`` has none).

    Raises:
        SourceError: a cell that cannot be read, located at it.
    """
    columns = COLUMNS if columns is None else tuple(c for c in COLUMNS if c in columns)
    analysis = analyze_network(network, count_bias=True)
    analysis.settings["count_bias"] = count_bias
    expected = expected_rows(analysis)
    ctx = _Ctx(network, expected, count_bias, bytes_per_value)
    result = Result(sheet.path, sheet.student, network.name, [],
                    settings={"count_bias": count_bias, "bytes_per_value": bytes_per_value,
                              "format": sheet.format, "columns": list(columns)})
    pairs = align(sheet.rows, expected)
    matched: dict[int, AnswerRow] = {e: sheet.rows[a] for a, e in pairs if a is not None and e is not None}
    for a, e in pairs:
        if e is None:
            row = sheet.rows[a]  # type: ignore[index]
            result.extra.append((row.name or "(unnamed row)", row.location))
            continue
        exp = expected[e]
        if a is None:
            if exp.kind == "input" and not input_row:
                continue
            result.missing.append((exp.index, exp.name))
            for col in columns:
                value = {"shape": _shape_text(exp.shape), "memory": format_count(exp.memory),
                         "params": format_count(exp.params)}[col]
                result.items.append(Item(exp.index, exp.name, col, None, value, False, "missing-row",
                                         f"no row for layer {exp.index}, `{exp.name}`"))
            continue
        row = sheet.rows[a]
        for col in columns:
            cell = getattr(row, col)
            if cell is None:
                cell = Cell("", row.location)
            grader = {"shape": _grade_shape, "memory": _grade_memory, "params": _grade_params}[col]
            result.items.append(grader(ctx, exp, cell))
    _grade_totals(ctx, sheet, result, matched, columns)
    _bias_advice(result)
    if carried_credit:
        for item in result.items:
            if item.diagnosis in ("carried", "consistent-total"):  # right from the student's own earlier numbers
                item.credit = carried_credit
    result.settings["carried_credit"] = carried_credit
    return result


def _net(text: str) -> Network:
    """A network from spec text (for the doctests)."""
    from ..paper import parse_paper

    return parse_paper(text)[0]


def grade_files(paths: list[str], spec: str, *, net: str | None = None, count_bias: bool = True,
                fmt: str | None = None, bytes_per_value: int = BYTES_PER_VALUE,
                carried_credit: float = 0.0, reading: dict[str, Any] | None = None) -> list[Result | ArchcalcError]:
    """Grade answer files; a file that cannot be read gives its error in its place, not a crash.

    Args:
        paths: the answer files.
        spec: one spec (file or bundled name) for every file; or a folder of specs (``exercise new
            --count`` writes one), each sheet then graded against the network it names in its
            ``# spec: NAME`` line.
        reading: ``--define`` and ``--input`` for reading the spec (``source.load``'s keywords).
    """
    from ..source import load
    from .answers import read_sheet

    try:
        folder = Path(spec).is_dir()
    except OSError:  # a folder on its path that cannot be entered: `load` says so
        folder = False
    if folder:
        library = spec_folder(Path(spec))
    else:
        networks = load(spec, net, **(reading or {}))
        if len(networks) > 1:
            from ..errors import UsageError

            raise UsageError(f"the spec `{spec}` holds {len(networks)} networks: "
                             + ", ".join(n.name for n in networks),
                             hint="pick the one the students computed with --net NAME")
    out: list[Result | ArchcalcError] = []
    for p in paths:
        try:
            sheet = read_sheet(Path(p), p, fmt)
            network = _named_network(sheet, library, spec) if folder else networks[0]
            out.append(grade_sheet(sheet, network, count_bias=count_bias, bytes_per_value=bytes_per_value,
                                   carried_credit=carried_credit))
        except ArchcalcError as e:
            out.append(e)
    return out


def _folder_files(folder: Path) -> list[Path]:
    """The regular files under ``folder``, hidden ones (and hidden folders) left out, sorted.

    Walked without following links to folders (no loops), and at most MAX_FOLDER_FILES entries: a folder
    of exercise specs is small, and `--spec /` is a mistake, not a walk of the whole disk.
    """
    import os

    from ..limits import MAX_FOLDER_FILES

    found: list[Path] = []
    seen = 0
    for root, dirs, names in os.walk(folder):  # an unreadable subfolder is skipped (onerror=None)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        seen += len(names) + len(dirs)
        if seen > MAX_FOLDER_FILES:
            raise SourceError(f"`{folder}` holds more than {MAX_FOLDER_FILES:,} files and folders, more than a "
                              "folder of specs archcalc reads (MAX_FOLDER_FILES)",
                              hint="give the folder of the exercises' specs (what `exercise new --out` wrote)")
        for name in names:
            f = Path(root) / name
            try:
                if not name.startswith(".") and f.is_file():
                    found.append(f)
            except OSError:  # a file that cannot be looked at is no spec of the folder
                continue
    return sorted(found)


def spec_folder(folder: Path) -> dict[str, Network]:
    """Every network of the spec files under ``folder`` (``.txt``, ``.py``, ``.spec``), by name.

    Files that are not specs (notes, answer keys) are skipped; two networks of one name are an error.
    """
    from ..errors import SpecError
    from ..source import SPEC_SUFFIXES, parse_text, read_file

    library: dict[str, Network] = {}
    where: dict[str, Path] = {}
    for f in _folder_files(folder):
        if f.suffix not in SPEC_SUFFIXES:
            continue
        try:
            networks = parse_text(read_file(f).text, str(f))
        except (SpecError, SourceError):
            continue  # not a spec: a README, a note
        for n in networks:
            key = n.name.lower()
            if key in library:
                raise SourceError(f"two specs under `{folder}` define `{n.name}`: {where[key]} and {f}",
                                  hint="give each exercise its own network name")
            library[key], where[key] = n, f
    if not library:
        raise SourceError(f"`{folder}` holds no spec", hint="a spec is a .txt (or .py) file, e.g. spec.txt")
    return library


def _named_network(sheet: Sheet, library: dict[str, Network], folder: str) -> Network:
    if sheet.spec_name is None:
        raise SourceError(f"`{sheet.path}` does not say which exercise it answers",
                          hint=f"add a first line `# spec: NAME` (one of: {', '.join(sorted(library)[:5])}"
                               f"{', ...' if len(library) > 5 else ''}), or pass the spec file with --spec")
    found = library.get(sheet.spec_name.lower())
    if found is None:
        import difflib

        close = difflib.get_close_matches(sheet.spec_name.lower(), list(library), n=1)
        raise SourceError(f"`{sheet.path}` answers `{sheet.spec_name}`, which no spec under `{folder}` defines",
                          hint=f"did you mean `{close[0]}`?" if close else
                          "the specs there define: " + ", ".join(sorted(library)[:8]))
    return found


__all__ = ["DIAGNOSES", "Expected", "Item", "Result", "align", "expected_rows", "grade_files", "grade_sheet"]
