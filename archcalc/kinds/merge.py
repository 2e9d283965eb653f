"""Merges: the kinds with several parents (residual add, squeeze-and-excitation's multiply,
concatenation of parallel branches, InceptionResNetV2's scaled residual).

Their inputs are the branches in the order written; the paper notation writes them as an indented
block (``add``, ``multiply``, ``concat``... with ``branch``/``identity`` lines below,
docs/spec-language.md), Keras code as ``Add()([a, b])``. Element-wise merges broadcast as Keras
does: an axis of size 1 stretches to the other branches' size (squeeze-and-excitation multiplies
``1x1xC`` by ``HxWxC``).

>>> from archcalc.kinds import KINDS
>>> KINDS["multiply"].infer({}, [(14, 14, 96), (1, 1, 96)]).shape
(14, 14, 96)
"""

from __future__ import annotations

from typing import Any, ClassVar

from .. import values as V
from ..errors import ShapeError
from ..network import Shape
from .base import Effect, Kind, _n, dims


def _branch_shapes(shapes: list[Shape]) -> str:
    return ", ".join(f"branch {i} gives {dims(s)}" for i, s in enumerate(shapes, 1))


class _Merge(Kind):
    inputs = 0  # any number of parents, two or more
    exactly: ClassVar[int | None] = None

    def head(self, args: dict[str, Any]) -> str:
        return self.name

    def _check_count(self, shapes: list[Shape]) -> None:
        if len(shapes) < 2:
            raise ShapeError(f"`{self.name}` merges branches but has {len(shapes)}",
                             hint="give it two or more branches (`branch` lines, or `identity`)")
        if self.exactly and len(shapes) != self.exactly:
            raise ShapeError(f"`{self.name}` merges exactly {self.exactly} branches, got {len(shapes)}",
                             hint=f"write {self.exactly} `branch`/`identity` lines under it")


class _Elementwise(_Merge):
    symbol: ClassVar[str]

    def broadcast(self, shapes: list[Shape]) -> Shape:
        """The common shape, each axis of size 1 stretched (Keras' and NumPy's rule, same rank)."""
        if any(len(s) != len(shapes[0]) for s in shapes):
            raise ShapeError(f"`{self.name}` needs branches of one rank, but {_branch_shapes(shapes)}",
                             hint="reshape the smaller branch (`reshape 1x1x64`) so both have the same axes")
        out = []
        for sizes in zip(*shapes):
            big = {n for n in sizes if n != 1}
            if len(big) > 1:
                raise ShapeError(f"`{self.name}` needs branches of one shape (an axis of 1 may stretch), "
                                 f"but {_branch_shapes(shapes)}",
                                 hint="give the shortcut a projection (`conv1-N stride=S`) so its shape "
                                      "matches the other branch")
            out.append(big.pop() if big else 1)
        return tuple(out)

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        """Element-wise: every branch gives the same shape, or 1 along an axis (broadcast).

        >>> from archcalc.kinds import KINDS
        >>> KINDS["add"].infer({}, [(56, 56, 256), (56, 56, 256)]).shape
        (56, 56, 256)
        """
        self._check_count(shapes)
        out = self.broadcast(shapes)
        stretched = " (size-1 axes stretched)" if any(s != out for s in shapes) else ""
        return Effect(out, explain=(
            f"{f' {self.symbol} '.join(dims(s) for s in shapes)} element-wise{stretched}; params = 0",))


class Add(_Elementwise):
    name, example, symbol = "add", "add", "+"


class Subtract(_Elementwise):
    name, example, symbol, exactly = "subtract", "subtract", "−", 2


class Multiply(_Elementwise):
    name, example, symbol = "multiply", "multiply", "·"


class Average(_Elementwise):
    name, example, symbol = "average", "average", "avg"


class Maximum(_Elementwise):
    name, example, symbol = "maximum", "maximum", "max"


class Minimum(_Elementwise):
    name, example, symbol = "minimum", "minimum", "min"


class ScaledAdd(_Elementwise):
    """InceptionResNetV2's ``CustomScaleLayer(scale)([x, r])``: ``x + scale·r``, no weights."""

    name, example, symbol, exactly = "scaled_add", "scaled-add 0.17", "+ scale·", 2
    defaults = {"scale": 1.0}
    keras_params = {"scale": ("scale", lambda v: _scale(v))}
    required = ("scale",)
    _in_head = ("scale",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        return {"scale": _scale(text)} if text else {}

    def head(self, args: dict[str, Any]) -> str:
        return f"scaled-add {args['scale']!r}"


def _scale(value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise V.BadValue(f"the scale must be a number, got `{value}`", "write e.g. `scaled-add 0.17`") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise V.BadValue(f"the scale must be a finite number, got `{value}`")
    return x


def _axis(value: Any) -> int:
    n = V._number(value, "the axis")
    if n == 0:
        raise V.BadValue("concatenation along axis 0 (the batch) is not a layer", "write `axis=-1` (the channels)")
    return n


class Concat(_Merge):
    name = "concat"
    example = "concat"
    defaults = {"axis": -1}
    options = {"axis": ("axis", _axis)}
    keras_params = {"axis": ("axis", _axis)}

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        """Stacks the branches along an axis (the channels, unless told): the rest must agree.

        >>> from archcalc.kinds import KINDS
        >>> KINDS["concat"].infer({"axis": -1}, [(28, 28, 64), (28, 28, 128), (28, 28, 32)]).shape
        (28, 28, 224)
        """
        self._check_count(shapes)
        rank = len(shapes[0])
        a = args.get("axis", -1)
        i = a - 1 if a > 0 else rank + a
        if not 0 <= i < rank:
            raise ShapeError(f"`concat` along axis {a}, but the branches have {rank} axes", hint="write `axis=-1`")

        def rest(s: Shape) -> Shape:
            return s[:i] + s[i + 1:]

        if any(len(s) != rank or rest(s) != rest(shapes[0]) for s in shapes[1:]):
            along = "channels" if i == rank - 1 else f"axis {a}"
            raise ShapeError(f"`concat` needs branches that differ only in {along}, but {_branch_shapes(shapes)}",
                             hint="make the branches keep the same height and width "
                                  "(padding=same, equal strides)")
        total = sum(s[i] for s in shapes)
        what = "channels" if i == rank - 1 else f"axis {a}"
        return Effect((*shapes[0][:i], total, *shapes[0][i + 1:]), explain=(
            f"{what} = {' + '.join(str(s[i]) for s in shapes)} = {_n(total)}; params = 0",))

    def text(self, args: dict[str, Any]) -> str:
        a = args.get("axis", -1)
        return "concat" if a == -1 else f"concat axis={a}"


KINDS = (Add(), Subtract(), Multiply(), Average(), Maximum(), Minimum(), ScaledAdd(), Concat())

WORDS: dict[str, tuple[str, dict[str, Any]]] = {
    **{w: ("add", {}) for w in ("add", "sum", "residual-add")},
    **{w: ("subtract", {}) for w in ("subtract", "sub")},
    **{w: ("multiply", {}) for w in ("multiply", "mul", "mult", "scale")},
    **{w: ("average", {}) for w in ("average", "avg", "mean")},
    **{w: ("maximum", {}) for w in ("maximum", "max")},
    **{w: ("minimum", {}) for w in ("minimum", "min")},
    **{w: ("scaled_add", {}) for w in ("scaled-add", "scaled_add", "scaledadd")},
    **{w: ("concat", {}) for w in ("concat", "concatenate", "cat", "depthconcat", "filter-concat")},
}

KERAS_NAMES: dict[str, tuple[str, dict[str, Any]]] = {
    "Add": ("add", {}),
    "Subtract": ("subtract", {}),
    "Multiply": ("multiply", {}),
    "Average": ("average", {}),
    "Maximum": ("maximum", {}),
    "Minimum": ("minimum", {}),
    "CustomScaleLayer": ("scaled_add", {}),
    **{n: ("concat", {}) for n in ("Concatenate", "Concat")},  # archcalc's custom layer, written by `archcalc export`
}
