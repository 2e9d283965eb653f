"""Pooling of every rank: max and average windows (floor or ceil mode), adaptive pooling to a
given output size, and global pooling.

>>> from archcalc.kinds import KINDS
>>> KINDS["maxpool"].infer(dict(KINDS["maxpool"].defaults, pool=(3, 3), strides=(2, 2), ceil=True),
...                        [(112, 112, 64)]).shape    # GoogLeNet (torchvision): ceil_mode=True
(56, 56, 64)
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any, ClassVar

from .. import values as V
from ..errors import ShapeError
from ..formulas import Window
from ..network import Shape
from .base import Effect, Kind, _n, axis_names, data_format, dims, fmt, hw, per_axis, rank, sizes, spatial, windowed
from .convolution import padding


def _pool_size(text: str, word: str) -> dict[str, Any]:
    if not text:
        return {"pool": (2, 2)}  # the VGG paper's `maxpool`: 2x2 window, stride 2
    if not re.fullmatch(r"\d+(?:[x×]\d+){0,2}", text):
        raise V.BadValue(f"`{word}{text}`: the pooling size must be a number",
                         f"write `{word}` (2x2), `{word}3` or `{word}3 stride=2`")
    return {"pool": sizes(text, "the pooling size")}


class _Pool(Kind):
    defaults = {"padding": "valid", "ceil": False}
    options = {"stride": ("strides", lambda v: sizes(v, "the stride")),
               "strides": ("strides", lambda v: sizes(v, "the stride")),
               "padding": ("padding", padding), "pad": ("padding", padding),
               "ceil": ("ceil", lambda v: V.boolean(v, "ceil")),
               "ceil_mode": ("ceil", lambda v: V.boolean(v, "ceil_mode")),
               "dilation": ("dilation", lambda v: sizes(v, "the dilation"))}
    keras_params = {
        "pool_size": ("pool", lambda v: sizes(v, "pool_size")),
        "strides": ("strides", lambda v: None if v is None else sizes(v, "strides")),
        "padding": ("padding", padding),
        "data_format": ("_", data_format),
    }
    keras_defaults = {"pool": (2, 2), "strides": None}
    _in_head = ("pool",)
    word: ClassVar[str]

    def positional(self, word: str, text: str) -> dict[str, Any]:
        return _pool_size(text, word)

    def head(self, args: dict[str, Any]) -> str:
        return self.word if args["pool"] == (2, 2) else f"{self.word}{hw(args['pool'])}"

    def text(self, args: dict[str, Any]) -> str:
        parts = [self.head(args)]
        if args["strides"] is not None and args["strides"] != args["pool"]:
            parts.append(f"stride={fmt(args['strides'])}")
        if args["padding"] != "valid":
            parts.append(f"padding={fmt(args['padding'])}")
        if args.get("ceil"):
            parts.append("ceil=true")
        if args.get("dilation") and set(args["dilation"]) != {1}:
            parts.append(f"dilation={fmt(args['dilation'])}")
        return " ".join(parts)

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        _grid, c = spatial(self, shape)
        strides = args["pool"] if args["strides"] is None else args["strides"]
        if args.get("ceil") and args["padding"] == "same":
            raise ShapeError(f"{self.name}: ceil=true rounds the 'valid' or padded size; 'same' has nothing to round",
                             hint="write padding=valid (or a number) with ceil=true")
        outs, windows, lines = windowed(self, shape, args["pool"], strides, args["padding"], args.get("dilation"),
                                        bool(args.get("ceil")))
        lines.append("params = 0   (pooling has no weights)")
        return Effect((*outs, c), window=windows, explain=tuple(lines))


class MaxPool(_Pool):
    name = "maxpool"
    word = "maxpool"
    example = "maxpool"


class AvgPool(_Pool):
    name = "avgpool"
    word = "avgpool"
    example = "avgpool"


def _adaptive_windows(n: int, o: int) -> tuple[int, Fraction | int]:
    """The largest window and the mean step of adaptive pooling from ``n`` to ``o`` positions:
    output ``i`` pools ``⌊i·n/o⌋ .. ⌈(i+1)·n/o⌉ − 1`` (PyTorch's and Keras' rule).

    >>> _adaptive_windows(7, 1), _adaptive_windows(8, 4), _adaptive_windows(7, 3)
    ((7, 7), (2, 2), (3, Fraction(7, 3)))
    """
    if o > 100_000:  # bounded work: the largest window is at most one longer than ⌈n/o⌉
        largest = -(-n // o) + (1 if n % o else 0)
    else:
        largest = max(-(-(i + 1) * n // o) - (i * n // o) for i in range(o))
    step = Fraction(n, o)
    return largest, int(step) if step.denominator == 1 else step


class _Adaptive(Kind):
    # PyTorch pools to more positions than the input has (windows then overlap: VGG's 7x7 average
    # pooling after a 1x1 map); Keras' and the paper notation's are refused, unless `grow=true`.
    defaults = {"grow": False}
    options = {"grow": ("grow", lambda v: V.boolean(v, "grow"))}
    keras_params = {"output_size": ("size", lambda v: sizes(v, "output_size")),
                    "data_format": ("_", data_format)}
    required = ("size",)
    _in_head = ("size",)
    word: ClassVar[str]

    def positional(self, word: str, text: str) -> dict[str, Any]:
        """``adaptive-avgpool 1``, ``adaptive-avgpool 6x6`` (the output size)."""
        if not re.fullmatch(r"\d+(?:[x×]\d+){0,2}", text):
            raise V.BadValue(f"`{word}` needs the output size, got `{text or 'nothing'}`",
                             f"write `{word} 1` or `{word} 6x6`")
        return {"size": sizes(text, "the output size")}

    def head(self, args: dict[str, Any]) -> str:
        return f"{self.word} {hw(args['size'])}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        grid, c = spatial(self, shape)
        size = per_axis(self, args["size"], len(grid), "the output size")
        windows, lines = [], []
        for axis, n, o in zip(axis_names(len(grid)), grid, size):
            if o > n and not args.get("grow"):
                raise ShapeError(f"{self.name} to {dims(size)} needs at least that many positions, {axis} is {n}",
                                 hint="pool to a smaller size (or write grow=true: PyTorch repeats positions)")
            k, step = _adaptive_windows(n, o)
            windows.append(Window(k, step))
            lines.append(f"{axis}: {n} → {o}   (windows of up to {k}, starting every {step})")
        lines.append("params = 0   (pooling has no weights)")
        return Effect((*size, c), window=tuple(windows), explain=tuple(lines))


class AdaptiveAvgPool(_Adaptive):
    name = "adaptive_avgpool"
    word = "adaptive-avgpool"
    example = "adaptive-avgpool 1"


class AdaptiveMaxPool(_Adaptive):
    name = "adaptive_maxpool"
    word = "adaptive-maxpool"
    example = "adaptive-maxpool 6"


class _GlobalPool(Kind):
    defaults = {"keepdims": False}
    options = {"keepdims": ("keepdims", lambda v: V.boolean(v, "keepdims"))}
    keras_params = {"data_format": ("_", data_format),
                    "keepdims": ("keepdims", lambda v: V.boolean(v, "keepdims"))}
    word: ClassVar[str]

    def head(self, args: dict[str, Any]) -> str:
        return self.word

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        grid, c = spatial(self, shape)
        out = (*(1,) * len(grid), c) if args["keepdims"] else (c,)
        return Effect(out, window=None,
                      explain=(f"one value per channel over the whole {dims(grid)} map: {_n(c)}",))


class GlobalAvgPool(_GlobalPool):
    name = "global_avgpool"
    word = "global-avgpool"
    example = "global-avgpool"


class GlobalMaxPool(_GlobalPool):
    name = "global_maxpool"
    word = "global-maxpool"
    example = "global-maxpool"


KINDS = (MaxPool(), AvgPool(), GlobalAvgPool(), GlobalMaxPool(), AdaptiveAvgPool(), AdaptiveMaxPool())

WORDS: dict[str, tuple[str, dict[str, Any]]] = {
    **{w: ("maxpool", {}) for w in ("maxpool", "pool", "max-pool", "max_pool")},
    **{w: ("avgpool", {}) for w in ("avgpool", "avg-pool", "avg_pool", "averagepool")},
    **{w: ("global_avgpool", {}) for w in ("global-avgpool", "gap", "globalavgpool",
                                           "global_avgpool", "global-avg-pool")},
    **{w: ("global_maxpool", {}) for w in ("global-maxpool", "gmp", "globalmaxpool",
                                           "global_maxpool", "global-max-pool")},
    **{w: ("adaptive_avgpool", {}) for w in ("adaptive-avgpool", "adaptive_avgpool", "adaptiveavgpool")},
    **{w: ("adaptive_maxpool", {}) for w in ("adaptive-maxpool", "adaptive_maxpool", "adaptivemaxpool")},
}

KERAS_NAMES: dict[str, tuple[str, dict[str, Any]]] = {
    **{f"{n}{r}D": ("maxpool", rank(r)) for n in ("MaxPooling", "MaxPool") for r in (1, 2, 3)},
    **{f"{n}{r}D": ("avgpool", rank(r)) for n in ("AveragePooling", "AvgPool") for r in (1, 2, 3)},
    **{f"{n}{r}D": ("global_avgpool", rank(r)) for n in ("GlobalAveragePooling", "GlobalAvgPool") for r in (1, 2, 3)},
    **{f"{n}{r}D": ("global_maxpool", rank(r)) for n in ("GlobalMaxPooling", "GlobalMaxPool") for r in (1, 2, 3)},
    **{f"AdaptiveAveragePooling{r}D": ("adaptive_avgpool", rank(r)) for r in (1, 2, 3)},
    **{f"AdaptiveMaxPooling{r}D": ("adaptive_maxpool", rank(r)) for r in (1, 2, 3)},
}


