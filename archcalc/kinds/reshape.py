"""Layers that move values around: zero padding and cropping (any rank), upsampling, reshape and
permute.

>>> from archcalc.kinds import KINDS
>>> KINDS["upsample"].infer({"size": (2, 2)}, [(28, 28, 64)]).shape
(56, 56, 64)
>>> KINDS["crop"].infer({"cropping": ((0, 1), (0, 1))}, [(83, 83, 96)]).shape
(82, 82, 96)
"""

from __future__ import annotations

import math
import re
from typing import Any, ClassVar

from .. import values as V
from ..errors import ShapeError
from ..formulas import Window
from ..network import Shape
from .base import Effect, Kind, _n, axis_names, data_format, dims, fmt, hw, per_axis, rank, sizes, spatial

Pairs = tuple[tuple[int, int], ...]


def pairs(value: Any, what: str = "padding") -> Any:
    """Keras' forms of ZeroPadding/Cropping as (before, after) pairs: ``1`` (every side), ``(1, 2)``
    (per axis; before and after for the 1-D layers, see :func:`resolve_pairs`), ``((0, 1), (0, 1))``.

    >>> pairs(1), pairs((1, 2)), pairs(((0, 1), (0, 1)))
    (((1, 1), (1, 1)), ((1, 1), (2, 2)), ((0, 1), (0, 1)))
    """
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, (tuple, list)) for v in value):
        if not 1 <= len(value) <= 3 or any(len(v) != 2 for v in value):
            raise V.BadValue(f"{what} takes one (before, after) pair per axis, got `{value}`")
        return tuple((V.non_negative_int(a, what), V.non_negative_int(b, what)) for a, b in value)
    if isinstance(value, (tuple, list)):
        if not 1 <= len(value) <= 3:
            raise V.BadValue(f"{what} takes one to three numbers, got `{value}`")
        return tuple((n, n) for n in (V.non_negative_int(v, what) for v in value))
    n = V.non_negative_int(value, what)
    return (n, n), (n, n)


def resolve_pairs(value: Pairs, rank: int | None) -> Pairs:
    """The pairs as meant: Keras' 1-D layers (``rank`` 1) read ``(a, b)`` as before and after, which
    :func:`pairs` wrote as two symmetric axes.

    >>> resolve_pairs(((1, 1), (2, 2)), 1), resolve_pairs(((1, 1), (2, 2)), None)
    (((1, 2),), ((1, 1), (2, 2)))
    """
    if rank == 1 and len(value) == 2 and all(a == b for a, b in value):
        return ((value[0][0], value[1][0]),)
    return tuple(value)


def _pair_text(word: str, p: Pairs) -> str:
    if all(a == b for a, b in p):
        return f"{word}{hw(tuple(a for a, _ in p))}" if len(set(p)) == 1 else f"{word} {hw(tuple(a for a, _ in p))}"
    return f"{word} {fmt(p)}"


def _pair_positional(word: str, text: str) -> Pairs:
    """``zeropad1``, ``zeropad 1x2`` (per axis), ``zeropad ((0,1),(0,1))`` (before, after per axis)."""
    if not text:
        return (1, 1), (1, 1)
    if re.fullmatch(r"\d+(?:\s*[x×]\s*\d+){0,2}", text.strip()):
        return tuple((n, n) for n in sizes(text.strip(), "the size", minimum=0))
    if re.fullmatch(r"\(\s*(\(\s*\d+\s*,\s*\d+\s*\)\s*,?\s*){1,3}\)", text.strip()):
        return tuple(tuple(int(n) for n in re.findall(r"\d+", p)) for p in re.findall(r"\([^()]*\)", text))
    raise V.BadValue(f"`{word}{text}`: write a number of pixels",
                     f"write `{word}1`, `{word} 1x2` (per axis) or `{word} ((0,1),(0,1))` (before, after per axis)")


class _Edges(Kind):
    arg: ClassVar[str]
    word: ClassVar[str]
    sign: ClassVar[int]

    def positional(self, word: str, text: str) -> dict[str, Any]:
        return {self.arg: _pair_positional(word, text)}

    def head(self, args: dict[str, Any]) -> str:
        return _pair_text(self.word, resolve_pairs(args[self.arg], args.get("rank")))

    def text(self, args: dict[str, Any]) -> str:
        return self.head(args)

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        grid, c = spatial(self, shape)
        if args.get("rank") not in (None, len(grid)):
            raise ShapeError(f"{self.name} for {args['rank']}-D maps, but its input is {dims(shape)}",
                             hint=f"use the {len(grid)}-D layer")
        p = per_axis(self, resolve_pairs(args[self.arg], args.get("rank")), len(grid), f"the {self.arg}")
        outs, lines, windows = [], [], []
        op = "+" if self.sign > 0 else "−"
        for axis, n, (a, b) in zip(axis_names(len(grid)), grid, p):
            out = n + self.sign * (a + b)
            if out < 1:
                raise ShapeError(f"{self.name} removes all of {axis}: {n} − {a} − {b} = {out}",
                                 hint="crop less")
            outs.append(out)
            lines.append(f"{axis} = {n} {op} {a} {op} {b} = {out}")
            windows.append(Window(1, 1, self.sign * a))
        return Effect((*outs, c), window=tuple(windows), explain=(", ".join(lines) + "; params = 0",))


class ZeroPad(_Edges):
    name, example, word, arg, sign = "zeropad", "zeropad1", "zeropad", "padding", 1
    keras_params = {"padding": ("padding", pairs), "data_format": ("_", data_format)}
    keras_defaults = {"padding": ((1, 1), (1, 1))}
    _in_head = ("padding",)


class Crop(_Edges):
    name, example, word, arg, sign = "crop", "crop ((0,1),(0,1))", "crop", "cropping", -1
    keras_params = {"cropping": ("cropping", lambda v: pairs(v, "cropping")), "data_format": ("_", data_format)}
    keras_defaults = {"cropping": ((1, 1), (1, 1))}
    _in_head = ("cropping",)


class UpSample(Kind):
    """Nearest-neighbour (or bilinear) upsampling: each value repeated ``size`` times per axis."""

    name = "upsample"
    example = "upsample2"
    defaults = {"size": (2, 2)}
    keras_params = {"size": ("size", lambda v: sizes(v, "size")), "length": ("size", lambda v: sizes(v, "size")),
                    "data_format": ("_", data_format), "interpolation": None}
    _in_head = ("size",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        if not text:
            return {"size": (2, 2)}
        if not re.fullmatch(r"\d+(?:[x×]\d+){0,2}", text.strip()):
            raise V.BadValue(f"`{word}{text}`: the upsampling factor must be a number", f"write `{word}2`")
        return {"size": sizes(text.strip(), "the upsampling factor")}

    def head(self, args: dict[str, Any]) -> str:
        return f"upsample{hw(args['size'])}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        grid, c = spatial(self, shape)
        size = per_axis(self, args["size"], len(grid), "the factor")
        outs = tuple(n * s for n, s in zip(grid, size))
        lines = [f"{axis} = {n}·{s} = {n * s}" for axis, n, s in zip(axis_names(len(grid)), grid, size)]
        return Effect((*outs, c), window=tuple(Window(s, 1, 0, s) for s in size),
                      explain=(", ".join(lines) + "; params = 0",))


def target_shape(value: Any) -> tuple[int, ...]:
    """Reshape's target: sizes, one of them may be ``-1`` (whatever remains)."""
    if not isinstance(value, (tuple, list)):
        value = (value,)
    if not value or len(value) > 4:
        raise V.BadValue(f"target_shape must have 1 to 4 sizes, got `{value}`")
    out = tuple(-1 if V._number(v, "target_shape") == -1 else V.positive_int(v, "target_shape") for v in value)
    if out.count(-1) > 1:
        raise V.BadValue("target_shape may hold at most one -1", "write the other sizes")
    return out


class Reshape(Kind):
    name = "reshape"
    example = "reshape 1000"
    keras_params = {"target_shape": ("shape", target_shape)}
    required = ("shape",)
    _in_head = ("shape",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        """``reshape 1000`` (flat), ``reshape 1x1x1024``, ``reshape 49x-1``."""
        t = text.strip().strip("()").replace("×", "x").replace(",", "x").replace(" ", "")
        if not re.fullmatch(r"-?\d+(x-?\d+){0,3}", t):
            raise V.BadValue(f"`{word}` needs the target shape, got `{text or 'nothing'}`",
                             f"write `{word} 1000` or `{word} 1x1x1024`")
        return {"shape": target_shape([int(d) for d in t.split("x")])}

    def head(self, args: dict[str, Any]) -> str:
        return "reshape " + dims(args["shape"])

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        target = tuple(args["shape"])
        total = math.prod(shape)
        if -1 in target:
            known = math.prod(t for t in target if t != -1)
            if total % known:
                raise ShapeError(f"cannot reshape {dims(shape)} ({_n(total)} values) to {dims(target)}",
                                 hint="the known sizes must divide the number of values")
            target = tuple(total // known if t == -1 else t for t in target)
        if math.prod(target) != total:
            raise ShapeError(f"cannot reshape {dims(shape)} ({_n(total)} values) "
                             f"to {dims(target)} ({_n(math.prod(target))} values)",
                             hint="the target shape must hold as many values as the input")
        same_grid = len(target) == len(shape) and target[:-1] == tuple(shape[:-1])
        return Effect(target, window=() if same_grid else None,
                      explain=(f"{dims(shape)} → {dims(target)}; params = 0",))


class Permute(Kind):
    """Keras' ``Permute(dims)``: the axes in a new order (1-based, the batch axis not counted)."""

    name = "permute"
    example = "permute 2x1x3"
    keras_params = {"dims": ("dims", lambda v: tuple(V.integer_list(v, "dims")))}
    required = ("dims",)
    _in_head = ("dims",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        t = text.strip().strip("()").replace(",", "x").replace(" ", "")
        if not re.fullmatch(r"\d(x\d){1,3}", t):
            raise V.BadValue(f"`{word}` needs the new order of the axes, got `{text or 'nothing'}`",
                             f"write `{word} 2x1x3` (axes counted from 1)")
        return {"dims": tuple(int(d) for d in t.split("x"))}

    def head(self, args: dict[str, Any]) -> str:
        return "permute " + "x".join(map(str, args["dims"]))

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        order = tuple(args["dims"])
        if sorted(order) != list(range(1, len(shape) + 1)):
            raise ShapeError(f"permute {'x'.join(map(str, order))} is not an order of the {len(shape)} axes of "
                             f"{dims(shape)}", hint=f"write each of 1..{len(shape)} once")
        out = tuple(shape[i - 1] for i in order)
        # The field follows its axis when the channels stay last; otherwise positions mix with channels.
        window = () if order[-1] == len(shape) and order == tuple(sorted(order)) else None
        return Effect(out, window=window, explain=(f"{dims(shape)} → {dims(out)}; params = 0",))


class ChannelShuffle(Kind):
    """ShuffleNet's channel shuffle: the channels of ``groups`` groups interleaved; no weights."""

    name = "channel_shuffle"
    example = "channel-shuffle 2"
    required = ("groups",)
    _in_head = ("groups",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        if not re.fullmatch(r"\d+", text.strip()):
            raise V.BadValue(f"`{word}` needs the number of groups, got `{text or 'nothing'}`", f"write `{word} 2`")
        return {"groups": V.positive_int(text.strip(), "the number of groups")}

    def head(self, args: dict[str, Any]) -> str:
        return f"channel-shuffle {args['groups']}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        """>>> from archcalc.kinds import KINDS
        >>> KINDS["channel_shuffle"].infer({"groups": 2}, [(28, 28, 116)]).shape
        (28, 28, 116)
        """
        (shape,) = shapes
        _grid, c = spatial(self, shape)
        g = args["groups"]
        if c % g:
            raise ShapeError(f"channel-shuffle: {g} groups must divide the {c} channels",
                             hint="pick a divisor of the channels")
        return Effect(tuple(shape), explain=(f"{g} groups of {c // g} channels interleaved; params = 0",))


KINDS = (ZeroPad(), Crop(), UpSample(), Reshape(), Permute(), ChannelShuffle())

WORDS: dict[str, tuple[str, dict[str, Any]]] = {
    **{w: ("zeropad", {}) for w in ("zeropad", "zero-pad", "zeropadding")},
    **{w: ("crop", {}) for w in ("crop", "cropping")},
    **{w: ("upsample", {}) for w in ("upsample", "upsampling", "up")},
    "reshape": ("reshape", {}),
    "permute": ("permute", {}),
    **{w: ("channel_shuffle", {}) for w in ("channel-shuffle", "channel_shuffle", "channelshuffle", "shuffle")},
}

KERAS_NAMES: dict[str, tuple[str, dict[str, Any]]] = {
    **{f"ZeroPadding{r}D": ("zeropad", rank(r)) for r in (1, 2, 3)},
    **{f"Cropping{r}D": ("crop", rank(r)) for r in (1, 2, 3)},
    **{f"UpSampling{r}D": ("upsample", rank(r)) for r in (1, 2, 3)},
    "Reshape": ("reshape", {}),
    "Permute": ("permute", {}),
}
