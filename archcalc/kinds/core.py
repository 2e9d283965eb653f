"""The input, fully connected layers, activations, dropout and embeddings.

>>> from archcalc.kinds import KINDS
>>> KINDS["input"].positional("input", "100x3 sequence"), KINDS["input"].positional("input", "16x64x64x1")
({'shape': (100, 3)}, {'shape': (16, 64, 64, 1)})
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
from .base import Effect, Kind, _n, activation, data_format, dims
from .convolution import OPTIONS


class Input(Kind):
    name = "input"
    example = "input 224x224x3"

    def positional(self, word: str, text: str) -> dict[str, Any]:
        """``224x224x3``, ``28x28`` (one channel), ``(224 x 224 RGB image)``, ``32x32 rgb``;
        ``784 flat``; ``100x3 sequence`` (steps x channels); ``16x64x64x1`` or ``16x64x64 volume``
        (depth x height x width x channels)."""
        t = text.lower().strip().strip("()").replace("×", "x")
        if m := re.fullmatch(r"(\d+)\s+(flat|vector|values)", t):  # a flat input: `input 784 flat`
            return {"shape": (V.positive_int(m.group(1), "the input size"),)}
        if m := re.fullmatch(r"(\d+)(?:\s*x\s*(\d+))?\s+(sequence|steps|series)", t):
            return {"shape": (V.positive_int(m.group(1), "the number of steps"),
                              V.positive_int(m.group(2) or 1, "the channels"))}
        if m := re.fullmatch(r"(\d+)\s*x\s*(\d+)\s*x\s*(\d+)\s+(volume|voxels)", t):
            return {"shape": (*(V.positive_int(m.group(i), "an input size") for i in (1, 2, 3)), 1)}
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
        if not re.fullmatch(r"\d+(x\d+){0,3}", t):
            raise V.BadValue(f"cannot read the input shape `{text.strip()}`",
                             "write H x W x C, e.g. `input 224x224x3`, `input 28x28` or "
                             "`input (224 x 224 RGB image)`; `input 100x3 sequence`, `input 16x64x64x1`, "
                             "`input 784 flat`")
        sizes = [V.positive_int(d, "an input size") for d in t.split("x")]
        if len(sizes) == 1:
            sizes = [sizes[0], sizes[0]]
        if len(sizes) == 2:
            sizes.append(channels or 1)
        elif channels is not None and sizes[-1] != channels:
            raise V.BadValue(f"the input says {sizes[-1]} channels and `{text.strip()}` says {channels}")
        return {"shape": tuple(sizes)}

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        return Effect(tuple(args["shape"]))

    def head(self, args: dict[str, Any]) -> str:
        shape = args["shape"]
        if len(shape) == 1:
            return f"input {shape[0]} flat"
        if len(shape) == 2:
            return f"input {dims(shape)} sequence"
        return "input " + dims(shape)


class Dense(Kind):
    name = "dense"
    example = "FC-4096"
    # The paper's FC layer flattens a feature map first (FC-4096 after pool5 sees 7·7·512 values);
    # Keras' Dense acts on the last axis only, so Keras code keeps Keras' meaning.
    # PyTorch's Linear acts on the last axis of the tensor as PyTorch lays it out (C, H, W): W, the
    # last spatial axis of archcalc's channels-last shape, `axis=-2`.
    defaults = {"bias": True, "activation": "relu", "flatten": True, "axis": -1}
    keras_defaults = {"activation": None, "flatten": False}
    options = {**{k: v for k, v in OPTIONS.items() if v[0] in ("bias", "activation")},
               "flatten": ("flatten", lambda v: V.boolean(v, "flatten")),
               "axis": ("axis", lambda v: _dense_axis(v))}
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

        >>> from archcalc.kinds import KINDS
        >>> KINDS["dense"].shown({"units": 10, "bias": True, "activation": None, "flatten": False}, [(128,)])
        'FC-10 activation=none'
        """
        flat = len(shapes) == 1 and len(shapes[0]) == 1
        return self.text({**args, "flatten": self.defaults["flatten"]} if flat else args)

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        """>>> from archcalc.kinds import KINDS
        >>> e = KINDS["dense"].infer({"units": 5, "bias": True, "activation": None, "flatten": False, "axis": -2},
        ...                          [(7, 3)])     # PyTorch's Linear(7, 5) on an (N, 3, 7) tensor
        >>> e.shape, e.weights + e.biases, e.macs
        ((5, 3), 40, 105)
        """
        (shape,) = shapes
        units = args["units"]
        axis = args.get("axis", -1)
        if axis != -1 and len(shape) > 1 and not args["flatten"]:
            return self._along(args, shape, len(shape) + axis)
        if args["flatten"] or len(shape) == 1:
            positions, n_in, out = 1, math.prod(shape), (units,)
        else:
            positions, n_in, out = math.prod(shape[:-1]), shape[-1], (*shape[:-1], units)
        weights, biases = F.dense_weights(n_in, units), units if args["bias"] else 0
        lines = []
        if len(shape) > 1 and args["flatten"]:
            lines.append(f"flatten {'·'.join(map(str, shape))} = {_n(n_in)} inputs first")
        elif len(shape) > 1:
            lines.append(f"applied at each of {'·'.join(map(str, shape[:-1]))} positions "
                         f"to the last axis ({n_in}), as Keras' Dense does")
        plus = " + 1" if biases else ""
        lines.append(f"params = ({_n(n_in)}{plus})·{_n(units)} = {_n(weights + biases)}")
        at = f"{'·'.join(map(str, shape[:-1]))}·" if positions > 1 or (len(shape) > 1 and not args["flatten"]) else ""
        macs = positions * weights
        lines.append(f"MACs = {at}{_n(n_in)}·{_n(units)} = {_n(macs)}")
        window = None if len(out) == 1 else ()
        return Effect(out, weights, biases, 0, macs, window, tuple(lines))

    def _along(self, args: dict[str, Any], shape: Shape, i: int) -> Effect:
        """Applied to axis ``i`` (0-based) of the shape at every position of the others."""
        if not 0 <= i < len(shape):
            raise ShapeError(f"dense: axis {i - len(shape)} does not exist in an input of shape {list(shape)}")
        units, n_in = args["units"], shape[i]
        out = (*shape[:i], units, *shape[i + 1:])
        others = [n for j, n in enumerate(shape) if j != i]
        weights, biases = F.dense_weights(n_in, units), units if args["bias"] else 0
        macs = math.prod(others) * weights
        plus = " + 1" if biases else ""
        lines = (f"applied at each of {'·'.join(map(str, others))} positions to axis {i + 1} ({n_in}), "
                 "as PyTorch's Linear acts on the last axis of its (C, H, W) tensor",
                 f"params = ({_n(n_in)}{plus})·{_n(units)} = {_n(weights + biases)}",
                 f"MACs = {'·'.join(map(str, others))}·{_n(n_in)}·{_n(units)} = {_n(macs)}")
        # Along a spatial axis every output position reads the whole axis; the others keep theirs.
        grid = len(shape) - 1
        window = tuple(Window(n_in) if j == i else Window() for j in range(grid)) if i < grid else ()
        return Effect(out, weights, biases, 0, macs, window, lines)


def _dense_axis(value: Any) -> int:
    n = V._number(value, "the axis")
    if n not in (-1, -2):
        raise V.BadValue(f"axis must be -1 (the channels) or -2 (the last spatial axis, PyTorch's), got `{value}`")
    return n


class Flatten(Kind):
    name = "flatten"
    example = "flatten"
    keras_params = {"data_format": ("_", data_format)}

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


class Embedding(Kind):
    """A lookup table: each integer of the input becomes a learned vector (text CNNs)."""

    name = "embedding"
    example = "embedding 20000-128"
    keras_params = {"input_dim": ("vocabulary", lambda v: V.positive_int(v, "input_dim")),
                    "output_dim": ("dim", lambda v: V.positive_int(v, "output_dim")),
                    "mask_zero": None, "input_length": None}
    # PyTorch appends the vector as the last axis of its own layout: (N, L) → (N, L, D), which
    # channels-last is D x L (the vectors are the "channels" of a later Conv1d only after a transpose).
    defaults = {"channels_first": False}
    options = {"channels_first": ("channels_first", lambda v: V.boolean(v, "channels_first"))}
    required = ("vocabulary", "dim")
    _in_head = ("vocabulary", "dim")

    def positional(self, word: str, text: str) -> dict[str, Any]:
        """``embedding 20000-128``: a vocabulary of 20,000 tokens, vectors of 128."""
        m = re.fullmatch(r"(\d+)\s*[-x×]\s*(\d+)", text)
        if not m:
            raise V.BadValue(f"`{word}` needs the vocabulary size and the vector size, got `{text or 'nothing'}`",
                             f"write `{word} 20000-128`")
        return {"vocabulary": V.positive_int(m.group(1), "the vocabulary size"),
                "dim": V.positive_int(m.group(2), "the vector size")}

    def head(self, args: dict[str, Any]) -> str:
        return f"embedding {args['vocabulary']}-{args['dim']}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        """>>> from archcalc.kinds import KINDS
        >>> KINDS["embedding"].infer({"vocabulary": 20000, "dim": 128}, [(400,)]).shape
        (400, 128)
        """
        (shape,) = shapes
        v, d = args["vocabulary"], args["dim"]
        out = (*shape, d)
        if args.get("channels_first"):
            torch_out = (*(shape if len(shape) < 2 else (shape[-1], *shape[:-1])), d)
            out = (*torch_out[1:], torch_out[0])
        return Effect(out, v * d, explain=(
            f"params = {_n(v)}·{d} = {_n(v * d)}   (one vector of {d} per token of the vocabulary)",
            "MACs = 0   (a table lookup)"))


KINDS = (Input(), Dense(), Flatten(), Dropout(), Activation(), PReLU(), Embedding())

_FUNCTIONS = (
    "relu", "relu6", "sigmoid", "tanh", "softmax", "soft-max", "elu", "selu", "gelu", "silu",
    "swish", "leaky-relu", "leakyrelu", "leaky_relu", "softplus", "softsign", "hard-sigmoid",
    "hard_sigmoid", "mish", "log-softmax", "log_softmax", "linear", "celu", "exponential",
    "hard_silu", "hard_swish", "hard-swish", "hard-silu")

WORDS: dict[str, tuple[str, dict[str, Any]]] = {
    **{w: ("input", {}) for w in ("input", "image")},
    **{w: ("dense", {}) for w in ("fc", "dense")},
    "flatten": ("flatten", {}),
    "dropout": ("dropout", {}),
    "prelu": ("prelu", {}),
    **{w: ("embedding", {}) for w in ("embedding", "embed")},
    **{w: ("activation", {"function": activation(w)}) for w in _FUNCTIONS},
}

KERAS_NAMES: dict[str, tuple[str, dict[str, Any]]] = {
    **{n: ("input", {}) for n in ("Input", "InputLayer")},
    "Dense": ("dense", {}),
    "Flatten": ("flatten", {}),
    **{n: ("dropout", {}) for n in ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                                     "AlphaDropout")},
    "Activation": ("activation", {}),
    "ReLU": ("activation", {"function": "relu"}),
    "Softmax": ("activation", {"function": "softmax"}),
    "LeakyReLU": ("activation", {"function": "leaky_relu"}),
    "ELU": ("activation", {"function": "elu"}),
    "PReLU": ("prelu", {}),
    "Embedding": ("embedding", {}),
}
