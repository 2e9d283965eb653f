"""From a parsed network (any notation) to PyTorch: one registered translation per layer kind.

A row of archcalc's table becomes a :class:`TorchRow`, described as data: the ``torch.nn`` modules it
applies in turn (:class:`TorchLayer`: class name, arguments, role), or the tensor operation that joins
its inputs (``a + b``, ``torch.cat``), or a tensor expression (a reshape, a slice). The same description
builds the module on the ``meta`` device (:func:`build_module`: no memory allocated, nothing computed),
which ``archcalc verify --framework torch`` runs and counts, and writes readable PyTorch code
(:mod:`.torch_export`).

Every tensor between two rows is channels first, as PyTorch keeps it (``N x C x H x W``); archcalc's
shapes are channels last. The conventions that differ from PyTorch's are made explicit:

* ``same`` padding, and padding unequal on the two sides (TensorFlow's rule puts an odd pixel after), are
  a ``ZeroPad2d`` before the layer (``ConstantPad2d(-inf)`` before max pooling), the layer then unpadded;
* a paper ``FC`` flattens the map first (``nn.Flatten``); a Keras ``Dense`` on the last axis of a map,
  and a layer norm over the channels, act on the channels moved last (``x.movedim(1, -1)``);
* a convolution's fused activation (``conv3-64`` is followed by ReLU) is a module after it.

Nothing here imports torch until :func:`build_module` is called.

>>> [l.cls for l in translate(Node("dense", {"units": 10, "bias": True, "activation": "relu", "flatten": True}),
...                                [(7, 7, 512)]).layers]
['Flatten', 'Linear', 'ReLU']
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import formulas as F
from ..errors import KerasError
from ..network import Network, Node, Shape


@dataclass(frozen=True)
class TorchLayer:
    """One ``torch.nn`` module, as data.

    Attributes:
        cls: the class in ``torch.nn`` (or ``LayerScale``/``StochasticDepth``, defined by the bridge).
        args: positional arguments (``Conv2d(3, 64, 3)``).
        kwargs: keyword arguments that differ from PyTorch's defaults.
        role: ``""`` for the row's own layer; ``"pad"``, ``"flatten"`` or ``"activation"`` for a helper.
    """

    cls: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    role: str = ""


@dataclass(frozen=True)
class TorchRow:
    """What one row does in PyTorch.

    Attributes:
        layers: the modules applied one after the other to the row's one input.
        channels_last: the modules act on the channels moved last (a ``Linear`` on each position).
        features_last: the modules give their features last (an embedding's N x T x E), moved to dim 1 after.
        join: for a merge, how the inputs are joined: ``add``, ``subtract``, ``multiply``, ``average``,
            ``maximum``, ``minimum``, ``cat``, ``scaled_add``; empty otherwise.
        expr: a tensor expression instead of modules: ``reshape``, ``permute``, ``slice``, ``rescale``.
        params: the join's or expression's arguments (``dim`` of ``torch.cat``, ``scale``, ``shape``).
    """

    layers: tuple[TorchLayer, ...] = ()
    channels_last: bool = False
    features_last: bool = False
    join: str = ""
    expr: str = ""
    params: dict[str, Any] = field(default_factory=dict)


Translation = Callable[[dict[str, Any], list[Shape]], TorchRow]
TRANSLATIONS: dict[str, Translation] = {}

#: archcalc's activation names → ``torch.nn`` classes and their arguments.
ACTIVATION_MODULES: dict[str | None, tuple[str, dict[str, Any]]] = {
    None: ("Identity", {}), "linear": ("Identity", {}), "relu": ("ReLU", {}), "relu6": ("ReLU6", {}),
    "sigmoid": ("Sigmoid", {}), "tanh": ("Tanh", {}), "softmax": ("Softmax", {"dim": 1}),
    "log_softmax": ("LogSoftmax", {"dim": 1}), "elu": ("ELU", {}), "selu": ("SELU", {}), "gelu": ("GELU", {}),
    "silu": ("SiLU", {}), "swish": ("SiLU", {}), "leaky_relu": ("LeakyReLU", {"negative_slope": 0.2}),
    "softplus": ("Softplus", {}), "softsign": ("Softsign", {}), "hard_sigmoid": ("Hardsigmoid", {}),
    "hard_silu": ("Hardswish", {}), "hard_swish": ("Hardswish", {}), "mish": ("Mish", {}), "celu": ("CELU", {}),
    "hard_tanh": ("Hardtanh", {}), "log_sigmoid": ("LogSigmoid", {}), "tanh_shrink": ("Tanhshrink", {}),
    "hard_shrink": ("Hardshrink", {}), "soft_shrink": ("Softshrink", {}), "softmin": ("Softmin", {"dim": 1}),
}


def translates(*kinds: str) -> Callable[[Translation], Translation]:
    """Register the PyTorch translation of the given kinds."""
    def register(fn: Translation) -> Translation:
        for k in kinds:
            TRANSLATIONS[k] = fn
        return fn
    return register


def _refuse(what: str, hint: str) -> KerasError:
    return KerasError(f"PyTorch has no layer for {what}", hint=hint)


def _rank(shape: Shape) -> int:
    return max(1, len(shape) - 1)


def _axes(value: Any, shape: Shape) -> tuple[Any, ...]:
    from ..kinds import KINDS, per_axis

    return per_axis(KINDS["conv"], tuple(value), _rank(shape), "a size")


def _one(values: tuple[int, ...]) -> int | tuple[int, ...]:
    """``3`` for ``(3, 3)``, else the tuple: as a student writes ``kernel_size``."""
    return values[0] if len(set(values)) == 1 else tuple(values)


def _activation(function: str | None) -> TorchLayer | None:
    if function in (None, "linear"):
        return None
    if function not in ACTIVATION_MODULES:
        raise _refuse(f"the activation `{function}`", "use one of: " + ", ".join(
            sorted(str(k) for k in ACTIVATION_MODULES if k)))
    cls, kw = ACTIVATION_MODULES[function]
    return TorchLayer(cls, (), dict(kw), role="activation")


def _pairs(args: dict[str, Any], shape: Shape, kernel: tuple[int, ...], strides: tuple[int, ...],
           dilation: tuple[int, ...]) -> list[tuple[int, int]]:
    """Pixels padded before and after along each spatial axis, as archcalc computes them."""
    pad = args["padding"]
    spread = [pad] * len(kernel) if isinstance(pad, str) else list(_axes(pad, shape))
    out = []
    for n, k, s, d, p in zip(shape[:-1], kernel, strides, dilation, spread):
        before = F.padding_before(n, k, s, p, d)
        out.append((before, F.padding_total(n, k, s, p, d) - before))
    return out


def _pad_layer(pairs: list[tuple[int, int]], value: float = 0.0) -> TorchLayer:
    """``ZeroPad2d((left, right, top, bottom))``: PyTorch lists the last axis first."""
    flat = tuple(x for a, b in reversed(pairs) for x in (a, b))
    arg: Any = flat[0] if len(set(flat)) == 1 else flat
    rank = len(pairs)
    if value:
        return TorchLayer(f"ConstantPad{rank}d", (arg, value), role="pad")
    return TorchLayer(f"ZeroPad{rank}d", (arg,), role="pad")


def _padding(pairs: list[tuple[int, int]], value: float = 0.0,
             limit: tuple[int, ...] | None = None) -> tuple[list[TorchLayer], int | tuple[int, ...]]:
    """A padding layer before (unequal sides, or more than ``limit`` allows) and the layer's own padding."""
    if all(a == b for a, b in pairs) and (limit is None or all(a <= m for (a, _), m in zip(pairs, limit))):
        return [], _one(tuple(a for a, _ in pairs))
    return [_pad_layer(pairs, value)], 0


_CONVOLUTIONS = {"conv", "depthwise", "separable"}


@translates(*_CONVOLUTIONS)
def _convolution(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    (shape,) = shapes
    if len(shape) < 2:
        raise _refuse("a convolution of a flat vector", "reshape it to a map first")
    kind, rank, c = args["_kind"], _rank(shape), shape[-1]
    kernel, strides = _axes(args["kernel"], shape), _axes(args["strides"], shape)
    dilation = _axes(args.get("dilation", (1,) * rank), shape)
    pre, padding = _padding(_pairs(args, shape, kernel, strides, dilation))
    common: dict[str, Any] = {}
    if set(strides) != {1}:
        common["stride"] = _one(strides)
    if padding:
        common["padding"] = padding
    if set(dilation) != {1}:
        common["dilation"] = _one(dilation)
    bias = {} if args.get("bias", True) else {"bias": False}
    cls = f"Conv{rank}d"
    if kind == "conv":
        groups = {"groups": args["groups"]} if args.get("groups", 1) != 1 else {}
        layers = [TorchLayer(cls, (c, args["filters"], _one(kernel)), {**common, **groups, **bias})]
    elif kind == "depthwise":
        layers = [TorchLayer(cls, (c, c * args["multiplier"], _one(kernel)), {**common, "groups": c, **bias})]
    else:  # separable: a depthwise convolution without bias, then a pointwise one with it (Keras' layout)
        m = args["multiplier"]
        layers = [TorchLayer(cls, (c, c * m, _one(kernel)), {**common, "groups": c, "bias": False}),
                  TorchLayer(cls, (c * m, args["filters"], 1), dict(bias), role="pointwise")]
    act = _activation(args.get("activation"))
    return TorchRow(tuple([*pre, *layers, *([act] if act else [])]))


@translates("deconv")
def _deconv(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    (shape,) = shapes
    rank, c = _rank(shape), shape[-1]
    kernel, strides = _axes(args["kernel"], shape), _axes(args["strides"], shape)
    dilation = _axes(args.get("dilation", (1,) * rank), shape)
    pad, extra = args["padding"], args.get("output_padding")
    kw: dict[str, Any] = {}
    if set(strides) != {1}:
        kw["stride"] = _one(strides)
    if pad == "same":
        # PyTorch: out = (n - 1)·s - 2p + d(k - 1) + output_padding + 1; Keras' same gives n·s.
        ps, ops = [], []
        for k, s, d in zip(kernel, strides, dilation):
            total = d * (k - 1) + 1 - s
            if total < 0:
                raise _refuse("this transposed convolution with same padding (kernel smaller than the stride)",
                              "write padding=valid")
            ps.append(-(-total // 2))
            ops.append(2 * ps[-1] - total)
        if any(ps):
            kw["padding"] = _one(tuple(ps))
        if any(ops):
            kw["output_padding"] = _one(tuple(ops))
    elif pad != "valid":
        values = _axes(pad, shape)
        if any(isinstance(v, tuple) and v[0] != v[1] for v in values):
            raise _refuse("a transposed convolution padded unequally", "pad equally on both sides")
        ps = tuple(v[0] if isinstance(v, tuple) else v for v in values)
        if any(ps):
            kw["padding"] = _one(ps)
    if extra is not None and any(_axes(extra, shape)):
        kw["output_padding"] = _one(_axes(extra, shape))
    if args.get("groups", 1) != 1:
        kw["groups"] = args["groups"]
    if set(dilation) != {1}:
        kw["dilation"] = _one(dilation)
    if not args.get("bias", True):
        kw["bias"] = False
    act = _activation(args.get("activation"))
    return TorchRow((TorchLayer(f"ConvTranspose{rank}d", (c, args["filters"], _one(kernel)), kw),
                     *([act] if act else [])))


@translates("dense")
def _dense(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    (shape,) = shapes
    flatten = args.get("flatten", True) and len(shape) > 1
    # axis -1: each position's channels (Keras' Dense on a map); -2: PyTorch's last axis (W of N x C x H x W).
    torch_last = not flatten and len(shape) > 1 and args.get("axis", -1) == -2
    if not flatten and len(shape) > 1 and args.get("axis", -1) not in (-1, -2):
        raise _refuse(f"a dense layer along axis {args['axis']}", "act on the channels or PyTorch's last axis")
    n = math.prod(shape) if flatten else shape[-2] if torch_last else shape[-1]
    act = _activation(args.get("activation"))
    linear = TorchLayer("Linear", (n, args["units"]), {} if args.get("bias", True) else {"bias": False})
    layers = [*([TorchLayer("Flatten", role="flatten")] if flatten else []), linear, *([act] if act else [])]
    return TorchRow(tuple(layers), channels_last=len(shape) > 1 and not flatten and not torch_last)


@translates("maxpool", "avgpool")
def _pool(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    (shape,) = shapes
    rank = _rank(shape)
    pool = _axes(args["pool"], shape)
    strides = _axes(args.get("strides") or args["pool"], shape)
    dilation = _axes(args.get("dilation") or (1,) * rank, shape)
    is_max = args["_kind"] == "maxpool"
    pad = args["padding"]
    if args.get("ceil"):
        pairs = [(0, 0)] * rank if pad == "valid" else [
            p if isinstance(p, tuple) else (p, p) for p in _axes(pad, shape)]
    else:
        pairs = _pairs(args, shape, pool, strides, dilation)
    # PyTorch pads a window by at most half of it: more, or unequal sides, is a padding layer first.
    pre, padding = _padding(pairs, float("-inf") if is_max else 0.0,
                            tuple((d * (k - 1) + 1) // 2 for k, d in zip(pool, dilation)))
    kw: dict[str, Any] = {}
    if strides != pool:
        kw["stride"] = _one(strides)
    if padding:
        kw["padding"] = padding
    if is_max and set(dilation) != {1}:
        kw["dilation"] = _one(dilation)
    if args.get("ceil"):
        kw["ceil_mode"] = True
    if not is_max and pad == "same":
        kw["count_include_pad"] = False  # Keras averages the real pixels only
    cls = ("MaxPool{}d" if is_max else "AvgPool{}d").format(rank)
    return TorchRow((*pre, TorchLayer(cls, (_one(pool),), kw)))


@translates("adaptive_avgpool", "adaptive_maxpool")
def _adaptive(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    (shape,) = shapes
    cls = ("AdaptiveAvgPool{}d" if args["_kind"] == "adaptive_avgpool" else "AdaptiveMaxPool{}d").format(_rank(shape))
    return TorchRow((TorchLayer(cls, (_one(_axes(args["size"], shape)),)),))


@translates("global_avgpool", "global_maxpool")
def _global(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    (shape,) = shapes
    cls = ("AdaptiveAvgPool{}d" if args["_kind"] == "global_avgpool" else "AdaptiveMaxPool{}d").format(_rank(shape))
    flat = () if args.get("keepdims") else (TorchLayer("Flatten", role="flatten"),)
    return TorchRow((TorchLayer(cls, (1,)), *flat))


@translates("batchnorm")
def _batchnorm(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    (shape,) = shapes
    kw = _affine(args, "batch normalisation")
    if args.get("stats") == "none":
        kw["track_running_stats"] = False
    rank = 1 if len(shape) <= 2 else len(shape) - 1
    return TorchRow((TorchLayer(f"BatchNorm{rank}d", (shape[-1],), kw),))


def _torch_last_axes(axes: tuple[int, ...], shape: Shape) -> tuple[int, ...] | None:
    """The sizes of PyTorch's last axes that archcalc's ``axes`` (counted from 1, Keras' way) are, if they are.

    >>> _torch_last_axes((2,), (8, 6, 4)), _torch_last_axes((1, 2), (8, 6, 4)), _torch_last_axes((1, 2, 3), (8, 6, 4))
    ((6,), (8, 6), (4, 8, 6))
    """
    n = len(shape)
    first = (shape[-1], *shape[:-1]) if n > 1 else tuple(shape)
    for k in range(1, n + 1):
        mine = tuple(sorted((t - 1 if t else n - 1) + 1 if n > 1 else t + 1 for t in range(n - k, n)))
        if tuple(sorted(axes)) == mine:
            return first[-k:]
    return None


@translates("layernorm")
def _layernorm(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    (shape,) = shapes
    axes = tuple(args.get("axis", (-1,)))
    torch_axes = None if axes in ((-1,), (len(shape),)) else _torch_last_axes(axes, shape)
    if axes not in ((-1,), (len(shape),)) and torch_axes is None:
        raise _refuse(f"a layer norm over axes {axes}", "PyTorch's LayerNorm: over the channels or its last axes")
    if args.get("center", True) and not args.get("scale", True):
        raise _refuse("a layer norm with β but no γ", "PyTorch's LayerNorm has γ, or γ and β, or neither")
    kw: dict[str, Any] = {}
    if not args.get("scale", True):
        kw["elementwise_affine"] = False
    elif not args.get("center", True):
        kw["bias"] = False
    if torch_axes is not None:  # over PyTorch's last axes, as it lays the map out
        return TorchRow((TorchLayer("LayerNorm", (torch_axes[0] if len(torch_axes) == 1 else torch_axes,), kw),))
    return TorchRow((TorchLayer("LayerNorm", (shape[-1],), kw),), channels_last=len(shape) > 1)


@translates("groupnorm")
def _groupnorm(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    (shape,) = shapes
    kw = _affine(args, "group normalisation")
    if args.get("stats") == "torch":  # instance norm with running statistics (buffers)
        if args["groups"] != shape[-1]:
            raise _refuse("group normalisation with running statistics", "only instance norm keeps them")
        return TorchRow((TorchLayer(f"InstanceNorm{_rank(shape)}d", (shape[-1],),
                                    {**({"affine": True} if kw.get("affine", True) else {}),
                                     **({"bias": False} if "bias" in kw else {}), "track_running_stats": True}),))
    return TorchRow((TorchLayer("GroupNorm", (args["groups"], shape[-1]), kw),))


def _affine(args: dict[str, Any], what: str) -> dict[str, Any]:
    """PyTorch's ``affine=`` (γ and β) and ``bias=`` (γ without β) for a normalisation's center/scale."""
    center, scale = args.get("center", True), args.get("scale", True)
    if center and not scale:
        raise _refuse(f"{what} with β but no γ", "PyTorch's affine= gives γ and β, bias=False γ alone")
    return {} if center else {"bias": False} if scale else {"affine": False}


@translates("lrn")
def _lrn(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    return TorchRow((TorchLayer("LocalResponseNorm", (args["size"],)),))


@translates("activation")
def _act(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    act = _activation(args.get("function"))
    return TorchRow((act or TorchLayer("Identity"),))


@translates("prelu")
def _prelu(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    (shape,) = shapes
    shared = set(args.get("shared_axes", ()))
    if shared == set(range(1, len(shape) + 1)):  # one α for everything: PyTorch's default
        return TorchRow((TorchLayer("PReLU"),))
    if len(shape) > 1 and shared != set(range(1, len(shape))):
        raise _refuse("a PReLU with one α per position", "share α over the spatial axes "
                      f"(shared_axes={list(range(1, len(shape)))}): PyTorch's PReLU has one per channel")
    return TorchRow((TorchLayer("PReLU", (shape[-1],)),))


@translates("embedding")
def _embedding(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    # archcalc's (tokens, features) is Keras' layout and the reader's: PyTorch's (N, T, E) with the features moved
    # to the channels' place (N, E, T), as every tensor between rows is. channels_first: archcalc's shape is
    # already PyTorch's (T, E) read channels first.
    return TorchRow((TorchLayer("Embedding", (args["vocabulary"], args["dim"])),),
                    features_last=not args.get("channels_first"))


@translates("dropout")
def _dropout(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    return TorchRow((TorchLayer("Dropout", (args["rate"],)),))


@translates("flatten")
def _flatten(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    return TorchRow((TorchLayer("Flatten"),))


@translates("zeropad", "crop")
def _edges(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    from ..kinds.reshape import resolve_pairs

    (shape,) = shapes
    arg = "padding" if args["_kind"] == "zeropad" else "cropping"
    pairs = [p if isinstance(p, tuple) else (p, p) for p in _axes(resolve_pairs(args[arg], args.get("rank")), shape)]
    if arg == "cropping":  # a negative padding crops
        pairs = [(-a, -b) for a, b in pairs]
    return TorchRow((_pad_layer(pairs),))


@translates("upsample")
def _upsample(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    (shape,) = shapes
    return TorchRow((TorchLayer("Upsample", (), {"scale_factor": _one(_axes(args["size"], shape))}),))


@translates("channel_shuffle")
def _shuffle(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    return TorchRow((TorchLayer("ChannelShuffle", (args["groups"],)),))


@translates("resize")
def _resize(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    return TorchRow((TorchLayer("Upsample", (), {"size": (args["height"], args["width"])}),))


@translates("layerscale")
def _layerscale(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    (shape,) = shapes
    return TorchRow((TorchLayer("LayerScale", (shape[-1],)),))


@translates("stochastic_depth")
def _stochastic_depth(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    return TorchRow((TorchLayer("StochasticDepth", (args["rate"],)),))


_JOINS = {"add", "subtract", "multiply", "average", "maximum", "minimum", "concat", "scaled_add"}


@translates(*_JOINS)
def _join(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    kind = args["_kind"]
    if kind == "concat":
        rank = len(shapes[0])
        a = args.get("axis", -1)
        i = a - 1 if a > 0 else rank + a
        return TorchRow(join="cat", params={"dim": _torch_dim(i, rank)})
    return TorchRow(join=kind, params={"scale": args["scale"]} if kind == "scaled_add" else {})


def _torch_dim(axis: int, rank: int) -> int:
    """PyTorch's dim (batch 0, channels 1) of archcalc's channels-last axis ``axis`` (0-based, no batch).

    >>> _torch_dim(2, 3), _torch_dim(0, 3), _torch_dim(0, 1)
    (1, 2, 1)
    """
    if rank == 1 or axis == rank - 1:
        return 1
    return axis + 2


@translates("reshape")
def _reshape(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    return TorchRow(expr="reshape", params={"shape": tuple(args["shape"])})


@translates("permute")
def _permute(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    return TorchRow(expr="permute", params={"dims": tuple(args["dims"])})


@translates("slice")
def _slice(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    return TorchRow(expr="slice", params={"start": args["start"], "stop": args["stop"]})


@translates("rescale")
def _rescale(args: dict[str, Any], shapes: list[Shape]) -> TorchRow:
    return TorchRow(expr="rescale", params={"scale": args["scale"], "offset": args["offset"]})


def translate(node: Node, shapes: list[Shape]) -> TorchRow:
    """The PyTorch description of one node, given its input shapes (channels last)."""
    fn = TRANSLATIONS.get(node.kind)
    if fn is None:
        raise _refuse(f"archcalc's `{node.kind}`", "verify it with Keras (--framework keras), or leave it out")
    return fn({**node.args, "_kind": node.kind}, shapes)


@dataclass
class Plan:
    """The network in PyTorch terms: one :class:`TorchRow` per row, with the shapes between them."""

    network: Network
    rows: list[TorchRow]
    shapes: list[Shape]


def plan(network: Network, shapes: list[Shape]) -> Plan:
    """Every row translated; ``shapes`` are each node's output (archcalc's analysis), the input first.

    All the rows that cannot be written in PyTorch are named in one error.
    """
    rows, refused = [], []
    for i, node in enumerate(network.layers, start=1):
        try:
            rows.append(translate(node, [shapes[p] for p in node.inputs]))
        except KerasError as e:
            refused.append(f"layer {i} ({node.kind}): {e.message}" + (f"; {e.hint}" if e.hint else ""))
    if refused:
        raise KerasError(f"{len(refused)} layer(s) of `{network.name}` cannot be written in PyTorch",
                         details=tuple(refused[:20]), hint="nothing was dropped: change or remove these layers")
    return Plan(network, rows, shapes)


# -- building the module --------------------------------------------------------------------------------


def _custom_classes() -> dict[str, Any]:
    """The two layers ``torch.nn`` has not, as the exported code defines them too."""
    from .torchlib import torch

    nn = torch().nn

    class LayerScale(nn.Module):  # type: ignore[misc,name-defined]
        """A learned scale per channel (ConvNeXt): x · γ."""

        def __init__(self, channels: int, init: float = 1e-6) -> None:
            super().__init__()
            self.gamma = nn.Parameter(torch().full((channels,), init))

        def forward(self, x: Any) -> Any:
            return x * self.gamma.view(-1, *([1] * (x.dim() - 2)))

    class StochasticDepth(nn.Module):  # type: ignore[misc,name-defined]
        """While training, each example's whole input is dropped with probability p (and the rest scaled)."""

        def __init__(self, p: float) -> None:
            super().__init__()
            self.p = p

        def forward(self, x: Any) -> Any:
            if not self.training or not self.p:
                return x
            keep = torch().empty((x.shape[0],) + (1,) * (x.dim() - 1), device=x.device).bernoulli_(1 - self.p)
            return x * keep / (1 - self.p)

    return {"LayerScale": LayerScale, "StochasticDepth": StochasticDepth}


def instantiate(layer: TorchLayer, custom: dict[str, Any]) -> Any:
    from .torchlib import torch

    cls = custom.get(layer.cls) or getattr(torch().nn, layer.cls)
    return cls(*layer.args, **layer.kwargs)


def apply_row(row: TorchRow, module: Any, inputs: list[Any]) -> Any:
    """One row's forward: its modules, its join or its expression (what the exported ``forward`` writes)."""
    from .torchlib import torch

    t = torch()
    if row.join:
        a = inputs
        if row.join == "cat":
            return t.cat(a, dim=row.params["dim"])
        if row.join == "add":
            return sum(a[1:], a[0])
        if row.join == "subtract":
            return a[0] - a[1]
        if row.join == "multiply":
            out = a[0]
            for x in a[1:]:
                out = out * x
            return out
        if row.join == "average":
            return sum(a[1:], a[0]) / len(a)
        if row.join == "scaled_add":
            return a[0] + row.params["scale"] * a[1]
        fn = t.maximum if row.join == "maximum" else t.minimum
        out = a[0]
        for x in a[1:]:
            out = fn(out, x)
        return out
    (x,) = inputs
    if row.expr:
        return apply_expr(row, x)
    if row.channels_last:
        return module(x.movedim(1, -1)).movedim(-1, 1)
    if row.features_last:
        return module(x).movedim(-1, 1)
    return module(x)


def apply_expr(row: TorchRow, x: Any) -> Any:
    """A reshape or permute of the channels-last values (moved last, changed, moved back), a slice of the
    channels, a rescaling."""
    p = row.params
    if row.expr == "slice":
        return x[:, p["start"]:p["stop"]]
    if row.expr == "rescale":
        return x * p["scale"] + p["offset"]
    last = x.movedim(1, -1) if x.dim() > 2 else x
    out = last.reshape(x.shape[0], *p["shape"]) if row.expr == "reshape" else last.permute(0, *p["dims"])
    return out.movedim(-1, 1) if out.dim() > 2 else out


def build_module(p: Plan) -> Any:
    """The network as an ``nn.Module`` on the ``meta`` device (shapes only: nothing allocated).

    The module's ``rows`` (an ``nn.ModuleList``) holds each row's modules (an ``nn.Sequential``, empty for a
    join or an expression); a node that reuses an earlier node's weights calls that row's modules. Its
    ``forward`` returns the output (a list with side outputs) and keeps every row's output shape in
    ``shapes`` (channels first, batch included).
    """
    from .torchlib import torch

    t = torch()
    nn = t.nn
    custom = _custom_classes()
    network = p.network

    class ArchcalcNet(nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.rows = nn.ModuleList(
                nn.Sequential(*(instantiate(layer, custom) for layer in row.layers))
                if network.nodes[i + 1].shares is None else nn.Sequential()
                for i, row in enumerate(p.rows))
            self.shapes: list[tuple[int, ...]] = []

        def forward(self, x: Any) -> Any:
            values = [x]
            self.shapes = []
            for i, (row, node) in enumerate(zip(p.rows, network.layers)):
                module = self.rows[node.shares - 1 if node.shares is not None else i]
                y = apply_row(row, module, [values[j] for j in node.inputs])
                values.append(y)
                self.shapes.append(tuple(y.shape))
            ends = [values[i] for i in network.outputs]
            return ends[0] if len(ends) == 1 else ends

    with t.device("meta"):
        return ArchcalcNet()
