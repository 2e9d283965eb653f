"""Convolutions of every rank: ordinary (and grouped), depthwise, separable and transposed.

>>> from archcalc.kinds import KINDS
>>> KINDS["conv"].infer(dict(KINDS["conv"].defaults, filters=64, kernel=(3, 3)), [(224, 224, 3)]).shape
(224, 224, 64)
>>> KINDS["conv"].infer(dict(KINDS["conv"].defaults, filters=16, kernel=(5, 5)), [(100, 1)]).shape
(100, 16)
"""

from __future__ import annotations

import math
import re
from typing import Any

from .. import formulas as F
from .. import values as V
from ..errors import ShapeError
from ..formulas import Window
from ..network import Shape
from .base import (
    Effect,
    Kind,
    _n,
    activation,
    axis_names,
    data_format,
    dims,
    hw,
    per_axis,
    rank,
    sizes,
    spatial,
    windowed,
)


def padding(value: Any, what: str = "padding") -> Any:
    """``same``, ``valid``, ``causal`` (1-D), pixels per side (``1``, ``2x3``, ``(1, 1, 1)``), or
    (before, after) pixels per axis: ``((0,1),(0,1))``, PyTorch's asymmetric padding.

    >>> padding("SAME"), padding("3"), padding("((0,1),(0,1))"), padding(((1, 2),))
    ('same', (3, 3), ((0, 1), (0, 1)), ((1, 2),))
    """
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("same", "valid", "causal"):
            return text
        if text == "full":
            raise V.BadValue(f"{what} `{value}` is not supported", "use `same`, `valid` or a number of pixels")
        if re.fullmatch(r"\(\s*(\(\s*\d+\s*,\s*\d+\s*\)\s*,?\s*){1,3}\)", text):
            value = tuple(tuple(int(n) for n in re.findall(r"\d+", pair)) for pair in re.findall(r"\([^()]*\)", text))
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, (tuple, list)) for v in value):
        if not 1 <= len(value) <= 3 or any(len(v) != 2 for v in value):
            raise V.BadValue(f"{what} takes one (before, after) pair per axis, got `{value}`",
                             "write e.g. `padding=((0,1),(0,1))`")
        return tuple((V.non_negative_int(a, what), V.non_negative_int(b, what)) for a, b in value)
    try:
        return sizes(value, what, minimum=0)
    except V.BadValue:
        raise V.BadValue(f"{what} must be `same`, `valid` or a number of pixels, got `{value}`",
                         "write `padding=same`, `padding=valid`, `padding=1` or `padding=((0,1),(0,1))`") from None


def _sizes(what: str):
    return lambda v: sizes(v, what)


OPTIONS = {
    "stride": ("strides", _sizes("the stride")),
    "strides": ("strides", _sizes("the stride")),
    "padding": ("padding", padding),
    "pad": ("padding", padding),
    "dilation": ("dilation", _sizes("the dilation")),
    "groups": ("groups", lambda v: V.positive_int(v, "groups")),
    "bias": ("bias", lambda v: V.boolean(v, "bias")),
    "activation": ("activation", activation),
    "act": ("activation", activation),
}
KERAS_WINDOW = {
    "strides": ("strides", _sizes("strides")),
    "padding": ("padding", padding),
    "data_format": ("_", data_format),
    "dilation_rate": ("dilation", _sizes("dilation_rate")),
}


def _causal(kind: Kind, args: dict[str, Any], rank: int) -> Any:
    """``causal`` pads (k − 1)·d before a sequence and nothing after (Keras' Conv1D)."""
    pad = args["padding"]
    if pad != "causal":
        return pad
    if rank != 1:
        raise ShapeError(f"{kind.name}: padding=causal is for sequences (steps x C), the input has {rank} "
                         "spatial axes", hint="use padding=same or valid")
    (k,), (d,) = per_axis(kind, args["kernel"], 1, "the kernel"), per_axis(kind, args["dilation"], 1, "the dilation")
    return ((F.effective_kernel(k, d) - 1, 0),)


def _kernel_head(text: str, word: str, example: str) -> tuple[int, ...]:
    if not re.fullmatch(r"\d+(?:[x×]\d+){0,2}", text):
        raise V.BadValue(f"`{word}{text}` needs a kernel size", f"write `{example}`")
    return sizes(text, "the kernel size")


class Conv(Kind):
    name = "conv"
    example = "conv3-64"
    # The VGG paper's conventions: stride 1, padding that keeps the size, ReLU after every conv.
    defaults = {"strides": (1, 1), "padding": "same", "dilation": (1, 1), "groups": 1,
                "bias": True, "activation": "relu"}
    keras_defaults = {"padding": "valid", "activation": None}
    options = OPTIONS
    keras_params = {
        "filters": ("filters", lambda v: V.positive_int(v, "filters")),
        "kernel_size": ("kernel", _sizes("kernel_size")),
        **KERAS_WINDOW,
        "groups": ("groups", lambda v: V.positive_int(v, "groups")),
        "activation": ("activation", activation),
        "use_bias": ("bias", lambda v: V.boolean(v, "use_bias")),
    }
    required = ("filters", "kernel")
    fused_activation = True
    _in_head = ("filters", "kernel")
    word = "conv"

    def positional(self, word: str, text: str) -> dict[str, Any]:
        """``3-64`` (3x3 or 3 or 3x3x3, as the input's rank), ``1x7-128``, ``3x3x3-32``."""
        m = re.fullmatch(r"(\d+(?:[x×]\d+){0,2})-(\d+)", text)
        if not m:
            raise V.BadValue(f"`{word}{text}` needs a kernel size and a number of filters",
                             f"write `{self.word}3-64` (3x3 kernel, 64 filters) or `{self.word}1x7-128`")
        return {"kernel": sizes(m.group(1), "the kernel size"),
                "filters": V.positive_int(m.group(2), "the number of filters")}

    def head(self, args: dict[str, Any]) -> str:
        return f"{self.word}{hw(args['kernel'])}-{args['filters']}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        grid, c = spatial(self, shape)
        g, d = args["groups"], args["filters"]
        kernel = per_axis(self, args["kernel"], len(grid), "the kernel")
        if c % g or d % g:
            raise ShapeError(f"groups={g} must divide both the input channels ({c}) and the filters ({d})",
                             hint="pick groups that divides both, e.g. groups=1")
        outs, windows, lines = windowed(self, shape, kernel, args["strides"], _causal(self, args, len(grid)),
                                        args["dilation"])
        weights = F.kernel_weights(kernel, c, d, g)
        biases = d if args["bias"] else 0
        k = "·".join(map(str, kernel))
        cin = f"{c}/{g}" if g > 1 else str(c)
        plus = " + 1" if args["bias"] else ""
        lines.append(f"params = ({k}·{cin}{plus})·{d} = {_n(weights + biases)}")
        macs = math.prod(outs) * weights
        lines.append(f"MACs = {'·'.join(map(str, outs))}·{d}·({k}·{cin}) = {_n(macs)}")
        return Effect((*outs, d), weights, biases, 0, macs, windows, tuple(lines))


class Depthwise(Kind):
    name = "depthwise"
    example = "dwconv3"
    defaults = {"strides": (1, 1), "padding": "same", "dilation": (1, 1), "multiplier": 1,
                "bias": True, "activation": "relu"}
    keras_defaults = {"padding": "valid", "activation": None}
    options = {**{k: v for k, v in OPTIONS.items() if v[0] != "groups"},
               "multiplier": ("multiplier", lambda v: V.positive_int(v, "the depth multiplier"))}
    keras_params = {
        "kernel_size": ("kernel", _sizes("kernel_size")),
        "strides": KERAS_WINDOW["strides"], "padding": KERAS_WINDOW["padding"],
        "depth_multiplier": ("multiplier", lambda v: V.positive_int(v, "depth_multiplier")),
        "data_format": KERAS_WINDOW["data_format"],
        "dilation_rate": KERAS_WINDOW["dilation_rate"],
        "activation": ("activation", activation),
        "use_bias": ("bias", lambda v: V.boolean(v, "use_bias")),
    }
    required = ("kernel",)
    fused_activation = True
    _in_head = ("kernel",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        return {"kernel": _kernel_head(text, word, "dwconv3 (3x3 depthwise)")}

    def head(self, args: dict[str, Any]) -> str:
        return f"dwconv{hw(args['kernel'])}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        grid, c = spatial(self, shape)
        m = args["multiplier"]
        kernel = per_axis(self, args["kernel"], len(grid), "the kernel")
        outs, windows, lines = windowed(self, shape, kernel, args["strides"], _causal(self, args, len(grid)),
                                        args["dilation"])
        weights = math.prod(kernel) * c * m
        biases = c * m if args["bias"] else 0
        k = "·".join(map(str, kernel))
        mult = f"·{m}" if m > 1 else ""
        lines.append(f"params = {k}·{c}{mult}" + (f" + {c}{mult}" if biases else "")
                     + f" = {_n(weights + biases)}   (one {dims(kernel)} filter per channel)")
        macs = math.prod(outs) * weights
        lines.append(f"MACs = {'·'.join(map(str, outs))}·{k}·{c}{mult} = {_n(macs)}")
        return Effect((*outs, c * m), weights, biases, 0, macs, windows, tuple(lines))


class Separable(Kind):
    name = "separable"
    example = "sepconv3-128"
    defaults = Depthwise.defaults
    keras_defaults = Depthwise.keras_defaults
    options = Depthwise.options
    keras_params = {
        "filters": ("filters", lambda v: V.positive_int(v, "filters")),
        "kernel_size": ("kernel", _sizes("kernel_size")),
        **KERAS_WINDOW,
        "depth_multiplier": ("multiplier", lambda v: V.positive_int(v, "depth_multiplier")),
        "activation": ("activation", activation),
        "use_bias": ("bias", lambda v: V.boolean(v, "use_bias")),
    }
    required = ("filters", "kernel")
    fused_activation = True
    _in_head = ("filters", "kernel")
    word = "sepconv"
    positional = Conv.positional

    def head(self, args: dict[str, Any]) -> str:
        return f"sepconv{hw(args['kernel'])}-{args['filters']}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        grid, c = spatial(self, shape)
        m, d = args["multiplier"], args["filters"]
        kernel = per_axis(self, args["kernel"], len(grid), "the kernel")
        outs, windows, lines = windowed(self, shape, kernel, args["strides"], _causal(self, args, len(grid)),
                                        args["dilation"])
        depthwise, pointwise = math.prod(kernel) * c * m, c * m * d
        biases = d if args["bias"] else 0
        k = "·".join(map(str, kernel))
        mult = f"·{m}" if m > 1 else ""
        lines.append(f"params = {k}·{c}{mult} (depthwise) + {c}{mult}·{d} (pointwise)"
                     + (f" + {d}" if biases else "") + f" = {_n(depthwise + pointwise + biases)}")
        macs = math.prod(outs) * (depthwise + pointwise)
        lines.append(f"MACs = {'·'.join(map(str, outs))}·({k}·{c}{mult} + {c}{mult}·{d}) = {_n(macs)}")
        return Effect((*outs, d), depthwise + pointwise, biases, 0, macs, windows, tuple(lines))


def _output_padding(value: Any) -> tuple[int, ...] | None:
    return None if value is None else sizes(value, "output_padding", minimum=0)


class Transposed(Kind):
    """Transposed convolution ("deconvolution", U-Net's up-conv): the map grows by the stride.

    ``padding`` is Keras' ``same`` or ``valid``, or PyTorch's pixels per side, which a transposed
    convolution removes from its output: ``(in − 1)·s − 2p + d·(k − 1) + output_padding + 1``.
    """

    name = "deconv"
    example = "deconv2-64 stride=2"
    defaults = {"strides": (1, 1), "padding": "same", "dilation": (1, 1), "output_padding": None,
                "groups": 1, "bias": True, "activation": "relu"}
    keras_defaults = {"padding": "valid", "activation": None}
    options = {**OPTIONS, "output_padding": ("output_padding", _output_padding)}
    keras_params = {
        "filters": ("filters", lambda v: V.positive_int(v, "filters")),
        "kernel_size": ("kernel", _sizes("kernel_size")),
        "strides": KERAS_WINDOW["strides"],
        "padding": KERAS_WINDOW["padding"],
        "output_padding": ("output_padding", _output_padding),
        "data_format": KERAS_WINDOW["data_format"],
        "dilation_rate": KERAS_WINDOW["dilation_rate"],
        "activation": ("activation", activation),
        "use_bias": ("bias", lambda v: V.boolean(v, "use_bias")),
    }
    required = ("filters", "kernel")
    fused_activation = True
    _in_head = ("filters", "kernel")
    word = "deconv"
    positional = Conv.positional

    def head(self, args: dict[str, Any]) -> str:
        return f"deconv{hw(args['kernel'])}-{args['filters']}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        """``(in − 1)·s − 2p + k + output_padding`` per axis (Keras' ``deconv_output_length``).

        >>> from archcalc.kinds import KINDS
        >>> e = KINDS["deconv"].infer(dict(KINDS["deconv"].defaults, filters=64, kernel=(2, 2), strides=(2, 2)),
        ...                           [(28, 28, 128)])
        >>> e.shape, e.weights + e.biases
        ((56, 56, 64), 32832)
        >>> KINDS["deconv"].infer(dict(KINDS["deconv"].defaults, filters=8, kernel=(4, 4), strides=(2, 2),
        ...                            padding=(1, 1)), [(16, 16, 8)]).shape   # PyTorch's DCGAN up-conv
        (32, 32, 8)
        """
        (shape,) = shapes
        grid, c = spatial(self, shape)
        rank, d, g = len(grid), args["filters"], args.get("groups", 1)
        kernel = per_axis(self, args["kernel"], rank, "the kernel")
        strides = per_axis(self, args["strides"], rank, "the stride")
        dil = per_axis(self, args["dilation"], rank, "the dilation")
        pad = args["padding"]
        pixels = None if isinstance(pad, str) else per_axis(self, pad, rank, "padding")
        if pad not in ("same", "valid") and (pixels is None or any(isinstance(p, tuple) for p in pixels)):
            raise ShapeError(f"{self.name}: padding must be same, valid or pixels per side, got {pad}",
                             hint="Keras' Conv2DTranspose takes padding='same' or 'valid', PyTorch's a number")
        if c % g or d % g:
            raise ShapeError(f"groups={g} must divide both the input channels ({c}) and the filters ({d})",
                             hint="pick groups that divides both, e.g. groups=1")
        ops = per_axis(self, args["output_padding"], rank, "output_padding") if args["output_padding"] else None
        outs, windows, lines = [], [], []
        for i, (axis, n, k, s, dd) in enumerate(zip(axis_names(rank), grid, kernel, strides, dil)):
            op = ops[i] if ops else None
            keff = F.effective_kernel(k, dd)
            if pixels is not None:  # PyTorch: output_padding below the stride or the dilation
                p, op = pixels[i], op or 0
                if op >= max(s, dd):
                    raise ShapeError(f"{self.name}: output_padding {op} must be smaller than either the stride {s} "
                                     f"or the dilation {dd}", hint="PyTorch requires output_padding < max(stride, "
                                                                   "dilation)")
                out = (n - 1) * s - 2 * p + keff + op
                working = (f"({n} − 1)·{s} − 2·{p} + {keff} + {op} = {out}   "
                           "((in − 1)·s − 2p + d·(k − 1) + 1 + output_padding)")
                if out < 1:
                    raise ShapeError(f"{self.name} gives no output: {axis} = {working}",
                                     hint="use less padding or a larger stride")
                outs.append(out)
                lines.append(f"{axis}: {working}")
                windows.append(Window(keff, 1, p, s))
                continue
            if op is not None and op >= s:
                raise ShapeError(f"{self.name}: output_padding {op} must be smaller than the stride {s}",
                                 hint="Keras requires output_padding < strides")
            out = F.transposed_output_size(n, k, s, pad, op, dd)
            if op is None and pad == "same":
                working = f"{n}·{s} = {out}   ('same': in·s)"
            elif op is None and keff >= s:
                working = f"({n} − 1)·{s} + {keff} = {out}   ((in − 1)·s + k, 'valid')"
            elif op is None:
                working = f"{n}·{s} = {out}   ('valid', kernel {keff} < stride {s}: in·s)"
            else:
                p = keff // 2 if pad == "same" else 0
                working = f"({n} − 1)·{s} − 2·{p} + {keff} + {op} = {out}   ((in − 1)·s − 2p + k + output_padding)"
            if out < 1:
                raise ShapeError(f"{self.name} gives no output: {axis} = {working}")
            outs.append(out)
            lines.append(f"{axis}: {working}")
            before = max((n - 1) * s + keff - out, 0) // 2 if pad == "same" else 0
            windows.append(Window(keff, 1, before, s))
        if len(lines) > 1 and len({x.split(": ", 1)[1] for x in lines}) == 1:
            lines = [f"{' = '.join(axis_names(rank))}: {lines[0].split(': ', 1)[1]}"]
        weights = F.kernel_weights(kernel, c, d, g)
        biases = d if args["bias"] else 0
        k = "·".join(map(str, kernel))
        plus = " + 1" if biases else ""
        cin = f"{c}/{g}" if g > 1 else str(c)
        lines.append(f"params = ({k}·{cin}{plus})·{d} = {_n(weights + biases)}")
        # Each input value is multiplied by the whole kernel once: MACs count input positions.
        macs = math.prod(grid) * weights
        lines.append(f"MACs = {'·'.join(map(str, grid))}·{k}·{cin}·{d} = {_n(macs)}   (per input position)")
        return Effect((*outs, d), weights, biases, 0, macs, tuple(windows), tuple(lines))


KINDS = (Conv(), Depthwise(), Separable(), Transposed())

WORDS: dict[str, tuple[str, dict[str, Any]]] = {
    **{w: ("conv", {}) for w in ("conv", "convolution")},
    **{w: ("depthwise", {}) for w in ("dwconv", "depthwise", "depthwiseconv", "dw")},
    **{w: ("separable", {}) for w in ("sepconv", "separable", "separableconv")},
    **{w: ("deconv", {}) for w in ("deconv", "upconv", "up-conv", "convtranspose", "tconv",
                                    "transposed-conv", "conv-transpose")},
}

KERAS_NAMES: dict[str, tuple[str, dict[str, Any]]] = {
    **{f"{n}{r}D": ("conv", rank(r)) for n in ("Conv", "Convolution") for r in (1, 2, 3)},
    **{f"DepthwiseConv{r}D": ("depthwise", rank(r)) for r in (1, 2)},
    **{f"{n}{r}D": ("separable", rank(r)) for n in ("SeparableConv", "SeparableConvolution") for r in (1, 2)},
    **{f"{n}{r}DTranspose": ("deconv", rank(r)) for n in ("Conv", "Convolution") for r in (1, 2, 3)},
}
