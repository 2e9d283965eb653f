"""Layer kinds: one registered definition per kind, with every spelling it answers to.

A :class:`Kind` knows three things about a layer: how it is written (its words in the paper
notation, its class names in Keras, its options and their defaults in each notation), what it does
to the shape that reaches it (:meth:`Kind.infer` returns an :class:`Effect`: output shape,
weights, biases, MACs, window), and how to write it back (:meth:`Kind.text`).

All spellings live in the tables of this module: :data:`WORDS` for the paper notation and
:data:`KERAS_NAMES` for Keras class names. Nothing else in archcalc dispatches on a kind's name.

>>> KINDS["conv"].infer(dict(PAPER_CONV, filters=64, kernel=(3, 3)), [(224, 224, 3)]).shape
(224, 224, 64)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from . import formulas as F
from . import values as V
from .errors import ShapeError
from .network import Shape

Converter = Callable[[Any], Any]


def _n(x: int) -> str:
    """Thousands separators, as a teacher writes them: 1,792."""
    return f"{x:,}"


@dataclass(frozen=True)
class Effect:
    """What one layer does: its output and what it costs. All counts are for one example.

    Attributes:
        shape: output shape, ``(H, W, C)`` or ``(N,)``.
        weights: trainable multiplicative parameters (kernels, BN's gamma, PReLU's alpha).
        biases: trainable additive parameters (biases, BN's beta).
        non_trainable: parameters Keras keeps but does not train (BN's moving mean and variance).
        macs: multiply-accumulates (conv and dense only; see docs/formulas.md).
        window: ``(kh, kw, sh, sw)``, the window this layer slides over its input's grid, for the
            receptive field; ``None`` means "over the whole grid" (dense, global pooling).
        explain: the working behind the numbers, one equation a line.
    """

    shape: Shape
    weights: int = 0
    biases: int = 0
    non_trainable: int = 0
    macs: int = 0
    window: tuple[int, int, int, int] | None = (1, 1, 1, 1)
    explain: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# Activation functions: the names Keras knows, and the other spellings people use.
ACTIVATIONS = (
    "relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "elu", "selu", "gelu", "silu",
    "swish", "leaky_relu", "softplus", "softsign", "hard_sigmoid", "hard_silu", "hard_swish",
    "mish", "exponential", "celu", "linear",
)
_ACTIVATION_ALIASES = {"soft-max": "softmax", "leakyrelu": "leaky_relu", "leaky-relu": "leaky_relu",
                       "hard-sigmoid": "hard_sigmoid", "hard-swish": "hard_swish",
                       "log-softmax": "log_softmax", "identity": "linear", "none": "linear"}


def activation(value: Any) -> str | None:
    """Canonical activation name, ``None`` for no activation (``none``, ``linear``).

    >>> activation("ReLU"), activation("soft-max"), activation("none")
    ('relu', 'softmax', None)
    """
    if value is None:
        return None
    text = str(value).strip().lower()
    text = _ACTIVATION_ALIASES.get(text, text)
    if text not in ACTIVATIONS:
        import difflib  # only on the error path

        close = difflib.get_close_matches(text, ACTIVATIONS, n=1)
        raise V.BadValue(f"unknown activation `{value}`",
                         f"did you mean `{close[0]}`?" if close else
                         "use one of: " + ", ".join(ACTIVATIONS[:8]) + ", …, or `none`")
    return None if text == "linear" else text


# ---------------------------------------------------------------------------------------------
class Kind:
    """A layer kind. Subclasses fill in the class attributes and :meth:`infer`.

    Attributes:
        name: canonical name, the ``kind`` field of the JSON output.
        example: how a user writes one, for hints.
        defaults: default options in the paper notation (after the kind's own positional text).
        keras_defaults: default options in Keras code, where they differ (Keras' own defaults).
        options: paper-notation ``key=value`` options: key → (argument, converter).
        keras_params: Keras constructor parameters in signature order → (argument, converter);
            a converter of ``None`` marks a parameter that changes no number (initializers, name).
        required: arguments that must be given (``filters`` of a convolution).
        fused_activation: the layer takes an ``activation=`` of its own (conv, dense).
    """

    name: ClassVar[str]
    example: ClassVar[str]
    defaults: ClassVar[dict[str, Any]] = {}
    keras_defaults: ClassVar[dict[str, Any]] = {}
    options: ClassVar[dict[str, tuple[str, Converter]]] = {}
    keras_params: ClassVar[dict[str, tuple[str, Converter] | None]] = {}
    required: ClassVar[tuple[str, ...]] = ()
    fused_activation: ClassVar[bool] = False
    inputs: ClassVar[int] = 1  # how many parents it takes; branching kinds take more

    # -- reading ---------------------------------------------------------------------------
    def positional(self, word: str, text: str) -> dict[str, Any]:
        """Arguments written right after the kind's word: ``3-64`` in ``conv3-64``.

        Args:
            word: the word the user wrote (``maxpool``), already lower case.
            text: the rest, stripped of a leading ``-``; may be empty.
        """
        if text:
            raise V.BadValue(f"`{word}` takes no size, got `{text}`", f"write just `{word}`")
        return {}

    # -- computing -------------------------------------------------------------------------
    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        """Apply the layer to the shapes of its inputs. Raises ShapeError when it cannot."""
        raise NotImplementedError  # every registered kind overrides it

    # -- writing ---------------------------------------------------------------------------
    def head(self, args: dict[str, Any]) -> str:
        """The kind's word with its positional arguments: ``conv3-64``."""
        return self.name

    def text(self, args: dict[str, Any]) -> str:
        """The layer in the paper notation, every option that differs from its default spelled out.

        Parsing the result gives back the same arguments (tests/test_roundtrip.py).
        """
        parts, done = [self.head(args)], set(self._in_head)
        for key, (arg, _conv) in self.options.items():
            if arg in args and arg not in done and args[arg] != self.defaults.get(arg, _MISSING):
                parts.append(f"{key}={_fmt(args[arg])}")
            done.add(arg)  # several keys may name one argument (stride/strides): write it once
        return " ".join(parts)

    def shown(self, args: dict[str, Any], shapes: list[Shape]) -> str:
        """The row's name in the table: :meth:`text`, leaving out options that change nothing for
        the shapes that reach the layer (Keras' ``Dense`` after ``Flatten`` is not ``flatten=false``)."""
        return self.text(args)

    _in_head: ClassVar[tuple[str, ...]] = ()


_MISSING = object()


def _fmt(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple) and len(value) == 2:
        return str(value[0]) if value[0] == value[1] else f"{value[0]}x{value[1]}"
    return str(value)


def _hw(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


def _spatial(kind: Kind, shape: Shape) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise ShapeError(
            f"{kind.name} needs a feature map (H x W x C), but its input is flat: {list(shape)}",
            hint="put convolutions and pooling before `flatten`/FC layers")
    return shape  # type: ignore[return-value]


def _axis_working(size: int, kernel: int, stride: int, padding: Any, dilation: int,
                  out: int) -> str:
    """`⌊(224 + 2·1 − 3)/1⌋ + 1 = 224`, the way the CS231n notes write it."""
    keff = F.effective_kernel(kernel, dilation)
    k = str(keff) if dilation == 1 else f"{keff} (dilated {dilation}·({kernel}−1)+1)"
    total = F.padding_total(size, kernel, stride, padding, dilation)
    if total == 0:
        pad = ""
    elif total % 2 == 0:
        pad = f" + 2·{total // 2}"
    else:
        pad = f" + {total}"
    note = f"   ('same' pads {total})" if padding == "same" and total else ""
    return f"⌊({size}{pad} − {k})/{stride}⌋ + 1 = {out}{note}"


def _windowed(kind: Kind, shape: Shape, kernel: tuple[int, int], strides: tuple[int, int],
              padding: Any, dilation: tuple[int, int] = (1, 1)) -> tuple[int, int, list[str]]:
    """Output height and width of a sliding window, with the working; ShapeError below 1x1."""
    h, w, _c = _spatial(kind, shape)
    pads = padding if isinstance(padding, tuple) else (padding, padding)
    outs, lines = [], []
    for axis, size, k, s, p, d in (("H", h, kernel[0], strides[0], pads[0], dilation[0]),
                                   ("W", w, kernel[1], strides[1], pads[1], dilation[1])):
        out = F.conv_output_size(size, k, s, p, d)
        working = _axis_working(size, k, s, p, d, out)
        if out < 1:
            raise ShapeError(
                f"{kind.name} shrinks the feature map below 1x1: {axis} = {working}",
                details=(f"input {h}x{w}, kernel {_hw(kernel)}, stride {_hw(strides)}, "
                         f"padding {_fmt(padding) if not isinstance(padding, str) else padding}",),
                hint="use padding=same, a smaller kernel or stride, or fewer pooling layers before it")
        outs.append(out)
        lines.append(f"{axis}: {working}")
    if lines[0][3:] == lines[1][3:]:
        lines = [f"H = W: {lines[0][3:]}"]
    return outs[0], outs[1], lines


def _window(kernel: tuple[int, int], strides: tuple[int, int],
            dilation: tuple[int, int] = (1, 1)) -> tuple[int, int, int, int]:
    return (F.effective_kernel(kernel[0], dilation[0]), F.effective_kernel(kernel[1], dilation[1]),
            strides[0], strides[1])


_KERAS_IGNORED = {
    # Parameters that change no shape and no count: accepted and left out of the analysis.
    "name", "dtype", "kernel_initializer", "bias_initializer", "kernel_regularizer",
    "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
    "depthwise_initializer", "pointwise_initializer", "depthwise_regularizer",
    "pointwise_regularizer", "depthwise_constraint", "pointwise_constraint", "seed",
    "noise_shape", "lora_rank", "lora_alpha", "trainable", "autocast", "batch_size",
    "beta_initializer", "gamma_initializer", "moving_mean_initializer",
    "moving_variance_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint",
    "gamma_constraint", "momentum", "epsilon", "synchronized", "renorm", "renorm_clipping",
    "renorm_momentum", "fused", "virtual_batch_size", "adjustment", "axis", "alpha_initializer",
    "alpha_regularizer", "alpha_constraint", "max_value", "negative_slope", "threshold", "alpha",
    "input_dim", "sparse", "ragged", "batch_input_shape",
}


def _data_format(value: Any) -> None:
    if value not in (None, "channels_last"):
        raise V.BadValue(f"data_format `{value}` is not supported: archcalc works channels-last (H x W x C)",
                         "drop `data_format=` or write `data_format='channels_last'`")


# ---------------------------------------------------------------------------------------------
# The kinds.

class Input(Kind):
    name = "input"
    example = "input 224x224x3"

    def positional(self, word: str, text: str) -> dict[str, Any]:
        """``224x224x3``, ``28x28`` (one channel), ``(224 x 224 RGB image)``, ``32x32 rgb``."""
        t = text.lower().strip().strip("()").replace("×", "x")
        if m := re.fullmatch(r"(\d+)\s+(flat|vector|values)", t):  # a flat input: `input 784 flat`
            return {"shape": (V.positive_int(m.group(1), "the input size"),)}
        t = re.sub(r"\b(image|images|input|picture)\b", " ", t)
        channels = None
        for names, c in ((("rgb", "color", "colour", "bgr"), 3), (("rgba",), 4),
                         (("gray", "grey", "grayscale", "greyscale", "mono"), 1)):
            for nm in names:
                if re.search(rf"\b{nm}\b", t):
                    channels = c
                    t = re.sub(rf"\b{nm}\b", " ", t)
        t = re.sub(r"\s*x\s*", "x", t.strip())
        t = t.strip(" ,")
        if not re.fullmatch(r"\d+(x\d+){0,2}", t):
            raise V.BadValue(f"cannot read the input shape `{text.strip()}`",
                             "write H x W x C, e.g. `input 224x224x3`, `input 28x28` or "
                             "`input (224 x 224 RGB image)`")
        dims = [V.positive_int(d, "an input size") for d in t.split("x")]
        if len(dims) == 1:
            dims = [dims[0], dims[0]]
        if len(dims) == 2:
            dims.append(channels or 1)
        elif channels is not None and dims[2] != channels:
            raise V.BadValue(f"the input says {dims[2]} channels and `{text.strip()}` says {channels}")
        return {"shape": tuple(dims)}

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        return Effect(tuple(args["shape"]))

    def head(self, args: dict[str, Any]) -> str:
        shape = args["shape"]
        return f"input {shape[0]} flat" if len(shape) == 1 else "input " + "x".join(map(str, shape))


_CONV_OPTIONS = {
    "stride": ("strides", lambda v: V.pair(v, "the stride")),
    "strides": ("strides", lambda v: V.pair(v, "the stride")),
    "padding": ("padding", V.padding),
    "pad": ("padding", V.padding),
    "dilation": ("dilation", lambda v: V.pair(v, "the dilation")),
    "groups": ("groups", lambda v: V.positive_int(v, "groups")),
    "bias": ("bias", lambda v: V.boolean(v, "bias")),
    "activation": ("activation", activation),
    "act": ("activation", activation),
}
_KERAS_WINDOW = {
    "strides": ("strides", lambda v: V.pair(v, "strides")),
    "padding": ("padding", V.padding),
    "data_format": ("_", _data_format),
    "dilation_rate": ("dilation", lambda v: V.pair(v, "dilation_rate")),
}


class Conv(Kind):
    name = "conv"
    example = "conv3-64"
    # The VGG paper's conventions: stride 1, padding that keeps the size, ReLU after every conv.
    defaults = {"strides": (1, 1), "padding": "same", "dilation": (1, 1), "groups": 1,
                "bias": True, "activation": "relu"}
    keras_defaults = {"padding": "valid", "activation": None}
    options = _CONV_OPTIONS
    keras_params = {
        "filters": ("filters", lambda v: V.positive_int(v, "filters")),
        "kernel_size": ("kernel", lambda v: V.pair(v, "kernel_size")),
        **_KERAS_WINDOW,
        "groups": ("groups", lambda v: V.positive_int(v, "groups")),
        "activation": ("activation", activation),
        "use_bias": ("bias", lambda v: V.boolean(v, "use_bias")),
    }
    required = ("filters", "kernel")
    fused_activation = True
    _in_head = ("filters", "kernel")

    def positional(self, word: str, text: str) -> dict[str, Any]:
        m = re.fullmatch(r"(\d+)(?:[x×](\d+))?-(\d+)", text)
        if not m:
            raise V.BadValue(f"`{word}{text}` needs a kernel size and a number of filters",
                             "write `conv3-64` (3x3 kernel, 64 filters) or `conv1x7-128`")
        kh = V.positive_int(m.group(1), "the kernel size")
        kw = V.positive_int(m.group(2), "the kernel size") if m.group(2) else kh
        return {"kernel": (kh, kw), "filters": V.positive_int(m.group(3), "the number of filters")}

    def head(self, args: dict[str, Any]) -> str:
        return f"conv{_hw(args['kernel'])}-{args['filters']}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        _h, _w, c = _spatial(self, shape)
        g, d, (kh, kw) = args["groups"], args["filters"], args["kernel"]
        if c % g or d % g:
            raise ShapeError(f"groups={g} must divide both the input channels ({c}) and the filters ({d})",
                             hint="pick groups that divides both, e.g. groups=1")
        oh, ow, lines = _windowed(self, shape, args["kernel"], args["strides"], args["padding"],
                                  args["dilation"])
        weights = F.conv_weights(kh, kw, c, d, g)
        biases = d if args["bias"] else 0
        cin = f"{c}/{g}" if g > 1 else str(c)
        plus = " + 1" if args["bias"] else ""
        lines.append(f"params = ({kh}·{kw}·{cin}{plus})·{d} = {_n(weights + biases)}")
        macs = F.conv_macs(oh, ow, kh, kw, c, d, g)
        lines.append(f"MACs = {oh}·{ow}·{d}·({kh}·{kw}·{cin}) = {_n(macs)}")
        return Effect((oh, ow, d), weights, biases, 0, macs,
                      _window(args["kernel"], args["strides"], args["dilation"]), tuple(lines))


class Depthwise(Kind):
    name = "depthwise"
    example = "dwconv3"
    defaults = {"strides": (1, 1), "padding": "same", "dilation": (1, 1), "multiplier": 1,
                "bias": True, "activation": "relu"}
    keras_defaults = {"padding": "valid", "activation": None}
    options = {**{k: v for k, v in _CONV_OPTIONS.items() if v[0] != "groups"},
               "multiplier": ("multiplier", lambda v: V.positive_int(v, "the depth multiplier"))}
    keras_params = {
        "kernel_size": ("kernel", lambda v: V.pair(v, "kernel_size")),
        "strides": _KERAS_WINDOW["strides"], "padding": _KERAS_WINDOW["padding"],
        "depth_multiplier": ("multiplier", lambda v: V.positive_int(v, "depth_multiplier")),
        "data_format": _KERAS_WINDOW["data_format"],
        "dilation_rate": _KERAS_WINDOW["dilation_rate"],
        "activation": ("activation", activation),
        "use_bias": ("bias", lambda v: V.boolean(v, "use_bias")),
    }
    required = ("kernel",)
    fused_activation = True
    _in_head = ("kernel",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        if not re.fullmatch(r"\d+(?:[x×]\d+)?", text):
            raise V.BadValue(f"`{word}{text}` needs a kernel size", "write `dwconv3` (3x3 depthwise)")
        return {"kernel": V.pair(text, "the kernel size")}

    def head(self, args: dict[str, Any]) -> str:
        return f"dwconv{_hw(args['kernel'])}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        _h, _w, c = _spatial(self, shape)
        m, (kh, kw) = args["multiplier"], args["kernel"]
        oh, ow, lines = _windowed(self, shape, args["kernel"], args["strides"], args["padding"],
                                  args["dilation"])
        weights = kh * kw * c * m
        biases = c * m if args["bias"] else 0
        mult = f"·{m}" if m > 1 else ""
        lines.append(f"params = {kh}·{kw}·{c}{mult}" + (f" + {c}{mult}" if biases else "")
                     + f" = {_n(weights + biases)}   (one {kh}x{kw} filter per channel)")
        macs = oh * ow * weights
        lines.append(f"MACs = {oh}·{ow}·{kh}·{kw}·{c}{mult} = {_n(macs)}")
        return Effect((oh, ow, c * m), weights, biases, 0, macs,
                      _window(args["kernel"], args["strides"], args["dilation"]), tuple(lines))


class Separable(Kind):
    name = "separable"
    example = "sepconv3-128"
    defaults = Depthwise.defaults
    keras_defaults = Depthwise.keras_defaults
    options = Depthwise.options
    keras_params = {
        "filters": ("filters", lambda v: V.positive_int(v, "filters")),
        "kernel_size": ("kernel", lambda v: V.pair(v, "kernel_size")),
        **_KERAS_WINDOW,
        "depth_multiplier": ("multiplier", lambda v: V.positive_int(v, "depth_multiplier")),
        "activation": ("activation", activation),
        "use_bias": ("bias", lambda v: V.boolean(v, "use_bias")),
    }
    required = ("filters", "kernel")
    fused_activation = True
    _in_head = ("filters", "kernel")
    positional = Conv.positional

    def head(self, args: dict[str, Any]) -> str:
        return f"sepconv{_hw(args['kernel'])}-{args['filters']}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        _h, _w, c = _spatial(self, shape)
        m, d, (kh, kw) = args["multiplier"], args["filters"], args["kernel"]
        oh, ow, lines = _windowed(self, shape, args["kernel"], args["strides"], args["padding"],
                                  args["dilation"])
        depthwise, pointwise = kh * kw * c * m, c * m * d
        biases = d if args["bias"] else 0
        mult = f"·{m}" if m > 1 else ""
        lines.append(f"params = {kh}·{kw}·{c}{mult} (depthwise) + {c}{mult}·{d} (pointwise)"
                     + (f" + {d}" if biases else "") + f" = {_n(depthwise + pointwise + biases)}")
        macs = oh * ow * (depthwise + pointwise)
        lines.append(f"MACs = {oh}·{ow}·({kh}·{kw}·{c}{mult} + {c}{mult}·{d}) = {_n(macs)}")
        return Effect((oh, ow, d), depthwise + pointwise, biases, 0, macs,
                      _window(args["kernel"], args["strides"], args["dilation"]), tuple(lines))


class Dense(Kind):
    name = "dense"
    example = "FC-4096"
    # The paper's FC layer flattens a feature map first (FC-4096 after pool5 sees 7·7·512 values);
    # Keras' Dense acts on the last axis only, so Keras code keeps Keras' meaning.
    defaults = {"bias": True, "activation": "relu", "flatten": True}
    keras_defaults = {"activation": None, "flatten": False}
    options = {**{k: v for k, v in _CONV_OPTIONS.items() if v[0] in ("bias", "activation")},
               "flatten": ("flatten", lambda v: V.boolean(v, "flatten"))}
    keras_params = {
        "units": ("units", lambda v: V.positive_int(v, "units")),
        "activation": ("activation", activation),
        "use_bias": ("bias", lambda v: V.boolean(v, "use_bias")),
    }
    required = ("units",)
    fused_activation = True
    _in_head = ("units",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        if not re.fullmatch(r"\d+", text):
            raise V.BadValue(f"`{word}` needs a number of units, got `{text or 'nothing'}`",
                             "write `FC-4096` or `FC 4096`")
        return {"units": V.positive_int(text, "the number of units")}

    def head(self, args: dict[str, Any]) -> str:
        return f"FC-{args['units']}"

    def shown(self, args: dict[str, Any], shapes: list[Shape]) -> str:
        """A flat input makes ``flatten`` moot: it is not written.

        >>> KINDS["dense"].shown({"units": 10, "bias": True, "activation": None, "flatten": False}, [(128,)])
        'FC-10 activation=none'
        """
        flat = len(shapes) == 1 and len(shapes[0]) == 1
        return self.text({**args, "flatten": self.defaults["flatten"]} if flat else args)

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        units = args["units"]
        if args["flatten"] or len(shape) == 1:
            positions, n_in, out = 1, math.prod(shape), (units,)
        else:
            positions, n_in, out = math.prod(shape[:-1]), shape[-1], (*shape[:-1], units)
        weights, biases = F.dense_weights(n_in, units), units if args["bias"] else 0
        lines = []
        if len(shape) > 1 and args["flatten"]:
            lines.append(f"flatten {'·'.join(map(str, shape))} = {_n(n_in)} inputs first")
        elif positions > 1:
            lines.append(f"applied at each of {'·'.join(map(str, shape[:-1]))} positions "
                         f"to the last axis ({n_in}), as Keras' Dense does")
        plus = " + 1" if biases else ""
        lines.append(f"params = ({_n(n_in)}{plus})·{_n(units)} = {_n(weights + biases)}")
        at = f"{'·'.join(map(str, shape[:-1]))}·" if positions > 1 else ""
        macs = positions * weights
        lines.append(f"MACs = {at}{_n(n_in)}·{_n(units)} = {_n(macs)}")
        window = None if positions == 1 else (1, 1, 1, 1)
        return Effect(out, weights, biases, 0, macs, window, tuple(lines))


class _Pool(Kind):
    defaults = {"padding": "valid"}
    options = {k: v for k, v in _CONV_OPTIONS.items() if v[0] in ("strides", "padding")}
    keras_params = {
        "pool_size": ("pool", lambda v: V.pair(v, "pool_size")),
        "strides": ("strides", lambda v: None if v is None else V.pair(v, "strides")),
        "padding": _KERAS_WINDOW["padding"],
        "data_format": _KERAS_WINDOW["data_format"],
    }
    keras_defaults = {"pool": (2, 2), "strides": None}
    _in_head = ("pool",)
    word: ClassVar[str]

    def positional(self, word: str, text: str) -> dict[str, Any]:
        if not text:
            return {"pool": (2, 2)}  # the VGG paper's `maxpool`: 2x2 window, stride 2
        if not re.fullmatch(r"\d+(?:[x×]\d+)?", text):
            raise V.BadValue(f"`{word}{text}`: the pooling size must be a number",
                             f"write `{word}` (2x2), `{word}3` or `{word}3 stride=2`")
        return {"pool": V.pair(text, "the pooling size")}

    def head(self, args: dict[str, Any]) -> str:
        return self.word if args["pool"] == (2, 2) else f"{self.word}{_hw(args['pool'])}"

    def text(self, args: dict[str, Any]) -> str:
        parts = [self.head(args)]
        if args["strides"] != args["pool"]:
            parts.append(f"stride={_fmt(args['strides'])}")
        if args["padding"] != "valid":
            parts.append(f"padding={_fmt(args['padding'])}")
        return " ".join(parts)

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        c = _spatial(self, shape)[2]
        oh, ow, lines = _windowed(self, shape, args["pool"], args["strides"], args["padding"])
        lines.append("params = 0   (pooling has no weights)")
        return Effect((oh, ow, c), window=_window(args["pool"], args["strides"]), explain=tuple(lines))


class MaxPool(_Pool):
    name = "maxpool"
    word = "maxpool"
    example = "maxpool"


class AvgPool(_Pool):
    name = "avgpool"
    word = "avgpool"
    example = "avgpool"


class _GlobalPool(Kind):
    defaults = {"keepdims": False}
    options = {"keepdims": ("keepdims", lambda v: V.boolean(v, "keepdims"))}
    keras_params = {"data_format": ("_", _data_format),
                    "keepdims": ("keepdims", lambda v: V.boolean(v, "keepdims"))}

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        h, w, c = _spatial(self, shape)
        out = (1, 1, c) if args["keepdims"] else (c,)
        return Effect(out, window=None,
                      explain=(f"one value per channel over the whole {h}x{w} map: {_n(c)}",))


class GlobalAvgPool(_GlobalPool):
    name = "global_avgpool"
    example = "global-avgpool"

    def head(self, args: dict[str, Any]) -> str:
        return "global-avgpool"


class GlobalMaxPool(_GlobalPool):
    name = "global_maxpool"
    example = "global-maxpool"

    def head(self, args: dict[str, Any]) -> str:
        return "global-maxpool"


def _zero_padding(value: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """ZeroPadding2D's forms: ``1``, ``(1, 2)``, ``((1, 2), (3, 4))`` as ``((top, bottom), (left, right))``.

    >>> _zero_padding(1), _zero_padding((1, 2)), _zero_padding(((0, 1), (0, 1)))
    (((1, 1), (1, 1)), ((1, 1), (2, 2)), ((0, 1), (0, 1)))
    """
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, (tuple, list)) for v in value):
        (t, b), (left, r) = (V.pair(v, "padding", minimum=0) for v in value)
        return (t, b), (left, r)
    h, w = V.pair(value, "padding", minimum=0)
    return (h, h), (w, w)


class ZeroPad(Kind):
    name = "zeropad"
    example = "zeropad1"
    keras_params = {"padding": ("padding", _zero_padding), "data_format": ("_", _data_format)}
    keras_defaults = {"padding": ((1, 1), (1, 1))}
    _in_head = ("padding",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        """``zeropad1``, ``zeropad 1x2`` (height x width) or ``zeropad ((0,1),(0,1))``."""
        if not text:
            return {"padding": ((1, 1), (1, 1))}
        numbers = re.findall(r"\d+", text)
        if re.fullmatch(r"[\d\s()x×,]+", text) and len(numbers) in (1, 2, 4):
            n = [V.non_negative_int(x, "padding") for x in numbers]
            if len(n) == 1:
                return {"padding": ((n[0], n[0]), (n[0], n[0]))}
            if len(n) == 2:
                return {"padding": ((n[0], n[0]), (n[1], n[1]))}
            return {"padding": ((n[0], n[1]), (n[2], n[3]))}
        raise V.BadValue(f"`{word}{text}`: the padding must be a number of pixels",
                         f"write `{word}1`, `{word} 1x2` (height x width) or `{word} ((0,1),(0,1))`")

    def head(self, args: dict[str, Any]) -> str:
        (t, b), (left, r) = args["padding"]
        if t == b and left == r:
            return f"zeropad{t}" if t == left else f"zeropad{t}x{left}"
        return f"zeropad (({t},{b}),({left},{r}))"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        h, w, c = _spatial(self, shape)
        (t, b), (left, r) = args["padding"]
        return Effect((h + t + b, w + left + r, c), window=(1, 1, 1, 1),
                      explain=(f"H = {h} + {t} + {b} = {h + t + b}, W = {w} + {left} + {r} = {w + left + r}",))


class Flatten(Kind):
    name = "flatten"
    example = "flatten"
    keras_params = {"data_format": ("_", _data_format)}

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        n = math.prod(shape)
        return Effect((n,), explain=(f"{'·'.join(map(str, shape))} = {_n(n)} values in a row",))


class Dropout(Kind):
    name = "dropout"
    example = "dropout 0.5"
    defaults = {"rate": 0.5}
    options = {"rate": ("rate", V.rate), "p": ("rate", V.rate)}
    keras_params = {"rate": ("rate", V.rate)}
    required = ("rate",)
    _in_head = ("rate",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        return {"rate": V.rate(text)} if text else {}

    def head(self, args: dict[str, Any]) -> str:
        return f"dropout {args['rate']!r}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        return Effect(tuple(shape), explain=("params = 0   (dropout only masks values while training)",))


class BatchNorm(Kind):
    name = "batchnorm"
    example = "batchnorm"
    defaults = {"center": True, "scale": True}
    options = {"center": ("center", lambda v: V.boolean(v, "center")),
               "scale": ("scale", lambda v: V.boolean(v, "scale"))}
    keras_params = {"axis": None, "momentum": None, "epsilon": None,
                    "center": ("center", lambda v: V.boolean(v, "center")),
                    "scale": ("scale", lambda v: V.boolean(v, "scale"))}

    def head(self, args: dict[str, Any]) -> str:
        return "batchnorm"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        c = shape[-1]
        gamma, beta = (c if args["scale"] else 0), (c if args["center"] else 0)
        # Keras keeps 4 values per channel: gamma and beta are trained, the moving mean and
        # variance are not (they count in Keras' "Non-trainable params").
        per = 2 + bool(gamma) + bool(beta)
        lines = (f"params = {per}·{c} = {_n(gamma + beta + 2 * c)}   "
                 f"(γ, β trainable: {_n(gamma + beta)}; moving mean, variance: {_n(2 * c)})",)
        return Effect(tuple(shape), gamma, beta, 2 * c, explain=lines)


class LRN(Kind):
    name = "lrn"
    example = "LRN"
    defaults = {"size": 5}
    options = {"size": ("size", lambda v: V.positive_int(v, "the LRN size")),
               "depth_radius": ("size", lambda v: 2 * V.non_negative_int(v, "depth_radius") + 1)}
    # archcalc's own Keras layer (archcalc.bridge.layers); bias, alpha and beta change no number.
    keras_params = {"size": ("size", lambda v: V.positive_int(v, "the LRN size")),
                    "bias": None, "alpha": None, "beta": None}

    def head(self, args: dict[str, Any]) -> str:
        return "LRN"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        return Effect(tuple(shape), explain=("params = 0   (local response normalisation is fixed)",))


def _relu_max(value: Any) -> str:
    """Keras' ``ReLU(max_value=6.0)`` is ReLU6 (MobileNet's); without a maximum it is ReLU."""
    if value is None:
        return "relu"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 6:
        return "relu6"
    raise V.BadValue(f"ReLU(max_value={value}) has no name in archcalc", "archcalc knows ReLU and ReLU6")


class Activation(Kind):
    name = "activation"
    example = "relu"
    keras_params = {"activation": ("function", activation), "max_value": ("function", _relu_max)}
    required = ("function",)

    def head(self, args: dict[str, Any]) -> str:
        return args["function"] or "linear"

    def text(self, args: dict[str, Any]) -> str:
        return "soft-max" if args["function"] == "softmax" else self.head(args)

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        return Effect(tuple(shape), explain=(f"params = 0   ({args['function'] or 'linear'} has no weights)",))


class PReLU(Kind):
    name = "prelu"
    example = "prelu"
    keras_params = {"alpha_initializer": None, "alpha_regularizer": None, "alpha_constraint": None,
                    "shared_axes": ("shared_axes",
                                    lambda v: () if v is None else tuple(V.integer_list(v, "shared_axes")))}
    defaults = {"shared_axes": ()}
    options = {"shared_axes": ("shared_axes", lambda v: tuple(
        V.positive_int(a, "an axis") for a in str(v).split(",")))}

    def text(self, args: dict[str, Any]) -> str:
        axes = args["shared_axes"]
        return "prelu" + (f" shared_axes={','.join(map(str, axes))}" if axes else "")

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        # One learned slope per value, except along the shared axes (1-based, as Keras counts).
        kept = [d for axis, d in enumerate(shape, start=1) if axis not in args["shared_axes"]]
        alphas = math.prod(kept)
        return Effect(tuple(shape), weights=alphas,
                      explain=(f"params = {'·'.join(map(str, kept)) or '1'} = {_n(alphas)}   (one slope each)",))


# ---------------------------------------------------------------------------------------------
# Merges: the kinds with several parents (residual add, concatenation of parallel branches).
# Their inputs are the branches in the order written; the paper notation writes them as an
# indented `add` / `concat` block (docs/spec-language.md), Keras code as `Add()([a, b])`.

def _branch_shapes(shapes: list[Shape]) -> str:
    return ", ".join(f"branch {i} gives {'x'.join(map(str, s))}" for i, s in enumerate(shapes, 1))


class _Merge(Kind):
    inputs = 0  # any number of parents, two or more

    def head(self, args: dict[str, Any]) -> str:
        return self.name

    def _check_count(self, shapes: list[Shape]) -> None:
        if len(shapes) < 2:
            raise ShapeError(f"`{self.name}` merges branches but has {len(shapes)}",
                             hint="give it two or more branches (`branch` lines, or `identity`)")


class Add(_Merge):
    name = "add"
    example = "add"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        """Element-wise sum: every branch must give the same shape.

        >>> KINDS["add"].infer({}, [(56, 56, 256), (56, 56, 256)]).shape
        (56, 56, 256)
        """
        self._check_count(shapes)
        if any(s != shapes[0] for s in shapes[1:]):
            raise ShapeError(f"`add` needs branches of one shape, but {_branch_shapes(shapes)}",
                             hint="give the shortcut a projection (`conv1-N stride=S`) so its shape "
                                  "matches the other branch")
        return Effect(tuple(shapes[0]), explain=(
            f"{' + '.join('x'.join(map(str, s)) for s in shapes)} element-wise; params = 0",))


def _channel_axis(value: Any) -> None:
    if value not in (-1, 3):
        raise V.BadValue(f"concatenation along axis {value}: archcalc concatenates channels (axis -1)",
                         "write `axis=-1`, or leave it out")


class Concat(_Merge):
    name = "concat"
    example = "concat"
    keras_params = {"axis": ("_", _channel_axis)}

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        """Stacks the branches along the channels: the rest of the shape must agree.

        >>> KINDS["concat"].infer({}, [(28, 28, 64), (28, 28, 128), (28, 28, 32)]).shape
        (28, 28, 224)
        """
        self._check_count(shapes)
        if any(len(s) != len(shapes[0]) or s[:-1] != shapes[0][:-1] for s in shapes[1:]):
            raise ShapeError(f"`concat` needs branches that differ only in channels, but {_branch_shapes(shapes)}",
                             hint="make the branches keep the same height and width "
                                  "(padding=same, equal strides)")
        channels = sum(s[-1] for s in shapes)
        return Effect((*shapes[0][:-1], channels), explain=(
            f"channels = {' + '.join(str(s[-1]) for s in shapes)} = {_n(channels)}; params = 0",))


class Reshape(Kind):
    name = "reshape"
    example = "reshape 1000"
    keras_params = {"target_shape": ("shape", lambda v: tuple(V.integer_list(v, "target_shape")))}
    required = ("shape",)
    _in_head = ("shape",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        """``reshape 1000`` (flat) or ``reshape 1x1x1024``."""
        t = text.strip().strip("()").replace("×", "x").replace(",", "x").replace(" ", "")
        if not re.fullmatch(r"\d+(x\d+){0,2}", t):
            raise V.BadValue(f"`{word}` needs the target shape, got `{text or 'nothing'}`",
                             f"write `{word} 1000` or `{word} 1x1x1024`")
        return {"shape": tuple(V.positive_int(d, "a size") for d in t.split("x"))}

    def head(self, args: dict[str, Any]) -> str:
        return "reshape " + "x".join(map(str, args["shape"]))

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        target = tuple(args["shape"])
        if math.prod(target) != math.prod(shape):
            raise ShapeError(f"cannot reshape {'x'.join(map(str, shape))} ({_n(math.prod(shape))} values) "
                             f"to {'x'.join(map(str, target))} ({_n(math.prod(target))} values)",
                             hint="the target shape must hold as many values as the input")
        return Effect(target, window=(1, 1, 1, 1) if len(target) == len(shape) else None,
                      explain=(f"{'x'.join(map(str, shape))} → {'x'.join(map(str, target))}; params = 0",))



# ---------------------------------------------------------------------------------------------
# The registry: every kind once, and every spelling in one place.

KINDS: dict[str, Kind] = {k.name: k for k in (
    Input(), Conv(), Depthwise(), Separable(), Dense(), MaxPool(), AvgPool(), GlobalAvgPool(),
    GlobalMaxPool(), ZeroPad(), Flatten(), Dropout(), BatchNorm(), LRN(), Activation(), PReLU(),
    Reshape(), Add(), Concat(),
)}

#: Paper-notation words (lower case) → (kind, preset arguments).
WORDS: dict[str, tuple[str, dict[str, Any]]] = {
    **{w: ("input", {}) for w in ("input", "image")},
    **{w: ("conv", {}) for w in ("conv", "convolution")},
    **{w: ("depthwise", {}) for w in ("dwconv", "depthwise", "depthwiseconv", "dw")},
    **{w: ("separable", {}) for w in ("sepconv", "separable", "separableconv")},
    **{w: ("dense", {}) for w in ("fc", "dense")},
    **{w: ("maxpool", {}) for w in ("maxpool", "pool", "max-pool", "max_pool")},
    **{w: ("avgpool", {}) for w in ("avgpool", "avg-pool", "avg_pool", "averagepool")},
    **{w: ("global_avgpool", {}) for w in ("global-avgpool", "gap", "globalavgpool",
                                           "global_avgpool", "global-avg-pool")},
    **{w: ("global_maxpool", {}) for w in ("global-maxpool", "gmp", "globalmaxpool",
                                           "global_maxpool", "global-max-pool")},
    **{w: ("zeropad", {}) for w in ("zeropad", "zero-pad", "zeropadding")},
    "flatten": ("flatten", {}),
    "dropout": ("dropout", {}),
    **{w: ("batchnorm", {}) for w in ("batchnorm", "bn", "batch-norm", "batchnormalization",
                                      "batch_norm")},
    "lrn": ("lrn", {}),
    "prelu": ("prelu", {}),
    "reshape": ("reshape", {}),
    **{w: ("add", {}) for w in ("add", "sum", "residual-add")},
    **{w: ("concat", {}) for w in ("concat", "concatenate", "cat", "depthconcat", "filter-concat")},
    **{w: ("activation", {"function": activation(w)}) for w in (
        "relu", "relu6", "sigmoid", "tanh", "softmax", "soft-max", "elu", "selu", "gelu", "silu",
        "swish", "leaky-relu", "leakyrelu", "leaky_relu", "softplus", "softsign", "hard-sigmoid",
        "hard_sigmoid", "mish", "log-softmax", "log_softmax", "linear", "celu", "exponential",
        "hard_silu", "hard_swish", "hard-swish")},
}

#: Keras class names → (kind, preset arguments). Prefixes (``tf.keras.layers.``) are dropped first.
KERAS_NAMES: dict[str, tuple[str, dict[str, Any]]] = {
    **{n: ("input", {}) for n in ("Input", "InputLayer")},
    **{n: ("conv", {}) for n in ("Conv2D", "Convolution2D")},
    "DepthwiseConv2D": ("depthwise", {}),
    **{n: ("separable", {}) for n in ("SeparableConv2D", "SeparableConvolution2D")},
    "Dense": ("dense", {}),
    **{n: ("maxpool", {}) for n in ("MaxPooling2D", "MaxPool2D")},
    **{n: ("avgpool", {}) for n in ("AveragePooling2D", "AvgPool2D")},
    **{n: ("global_avgpool", {}) for n in ("GlobalAveragePooling2D", "GlobalAvgPool2D")},
    **{n: ("global_maxpool", {}) for n in ("GlobalMaxPooling2D", "GlobalMaxPool2D")},
    "ZeroPadding2D": ("zeropad", {}),
    "Flatten": ("flatten", {}),
    **{n: ("dropout", {}) for n in ("Dropout", "SpatialDropout2D")},
    "BatchNormalization": ("batchnorm", {}),
    "Activation": ("activation", {}),
    "ReLU": ("activation", {"function": "relu"}),
    "Softmax": ("activation", {"function": "softmax"}),
    "LeakyReLU": ("activation", {"function": "leaky_relu"}),
    "ELU": ("activation", {"function": "elu"}),
    "PReLU": ("prelu", {}),
    "LocalResponseNormalization": ("lrn", {}),
    "Reshape": ("reshape", {}),
    "Add": ("add", {}),
    **{n: ("concat", {}) for n in ("Concatenate", "Concat")},  # archcalc's custom layer, written by `archcalc export`
}

KERAS_IGNORED = frozenset(_KERAS_IGNORED)
PAPER_CONV = {**Conv.defaults}
