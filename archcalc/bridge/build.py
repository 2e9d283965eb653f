"""From a parsed network to Keras layers: one registered translation per layer kind.

A row of archcalc's table becomes one or more Keras layers, described first as data
(:class:`KerasLayer`: class name, arguments, role) so that the same description builds the model
(:func:`build_model`), writes readable Keras code (:mod:`.export`) and is undone by the importer.

Two rows need helpers that the paper notation leaves implicit:

* ``FC-4096`` after a feature map flattens it first: a ``Flatten`` named ``<dense>_flatten``.
* ``conv7-64 padding=3`` pads by a number of pixels, which Keras' ``padding=`` cannot say:
  a ``ZeroPadding2D`` named ``<conv>_pad``, then the layer with ``padding="valid"``.

The importer recognises those names and folds the helpers back into their row, so that
``import`` of an ``export`` gives back the same analysis.

>>> [k.cls for k in translate(Node("dense", {"units": 10, "bias": True, "activation": None,
...                                          "flatten": True}), (7, 7, 512))]
['Flatten', 'Dense']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import KerasError
from ..network import Network, Node, Shape


@dataclass(frozen=True)
class KerasLayer:
    """One Keras layer, as data.

    Attributes:
        cls: class name in ``keras.layers`` (or in :mod:`archcalc.bridge.layers` for custom ones).
        args: positional arguments, as a student writes them (``Conv2D(64, (3, 3))``).
        kwargs: keyword arguments that differ from Keras' defaults.
        role: ``""`` for the row's own layer; ``"flatten"`` or ``"pad"`` for a helper layer, named
            ``<row layer name>_<role>``.
    """

    cls: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    role: str = ""

    @property
    def custom(self) -> bool:
        return self.cls in _CUSTOM


_CUSTOM = {"LocalResponseNormalization"}

Translation = Callable[[dict[str, Any], Shape], list[KerasLayer]]
TRANSLATIONS: dict[str, Translation] = {}


def translates(*kinds: str) -> Callable[[Translation], Translation]:
    """Register the Keras translation of the given kinds."""
    def register(fn: Translation) -> Translation:
        for k in kinds:
            TRANSLATIONS[k] = fn
        return fn
    return register


def _pair(p: tuple[int, int]) -> int | tuple[int, int]:
    return p[0] if p[0] == p[1] else tuple(p)  # type: ignore[return-value]


def _padding(args: dict[str, Any]) -> tuple[list[KerasLayer], str]:
    """Keras' ``padding=`` for the layer, and a ZeroPadding2D before it for a number of pixels."""
    pad = args["padding"]
    if isinstance(pad, str):
        return [], pad
    if pad == (0, 0):
        return [], "valid"
    return [KerasLayer("ZeroPadding2D", (_pair(pad),), role="pad")], "valid"


def _window_kwargs(args: dict[str, Any], padding: str) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if args["strides"] != (1, 1):
        kw["strides"] = _pair(args["strides"])
    if padding != "valid":
        kw["padding"] = padding
    if args.get("dilation", (1, 1)) != (1, 1):
        kw["dilation_rate"] = _pair(args["dilation"])
    return kw


def _tail_kwargs(args: dict[str, Any]) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if args.get("activation"):
        kw["activation"] = args["activation"]
    if not args.get("bias", True):
        kw["use_bias"] = False
    return kw


# The sliding-window layers: Keras class, positional arguments, and options that differ by kind
# (archcalc argument → Keras keyword, written only when not 1).
_CONVOLUTIONS: dict[str, tuple[str, tuple[str, ...], dict[str, str]]] = {
    "conv": ("Conv2D", ("filters", "kernel"), {"groups": "groups"}),
    "depthwise": ("DepthwiseConv2D", ("kernel",), {"multiplier": "depth_multiplier"}),
    "separable": ("SeparableConv2D", ("filters", "kernel"), {"multiplier": "depth_multiplier"}),
}


@translates(*_CONVOLUTIONS)
def _convolution(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    cls, positional, extra = _CONVOLUTIONS[args["_kind"]]
    pre, padding = _padding(args)
    kw = _window_kwargs(args, padding)
    kw.update({keras_name: args[arg] for arg, keras_name in extra.items() if args[arg] != 1})
    values = tuple(tuple(args[a]) if a == "kernel" else args[a] for a in positional)
    return [*pre, KerasLayer(cls, values, {**kw, **_tail_kwargs(args)})]


@translates("dense")
def _dense(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    # The paper's FC flattens a feature map; Keras' Dense would act on its last axis instead.
    pre = [KerasLayer("Flatten", role="flatten")] if args["flatten"] and len(shape) > 1 else []
    return [*pre, KerasLayer("Dense", (args["units"],), _tail_kwargs(args))]


@translates("maxpool", "avgpool")
def _pool(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    pre, padding = _padding(args)
    kw: dict[str, Any] = {}
    if args["strides"] != args["pool"]:
        kw["strides"] = _pair(args["strides"])
    if padding != "valid":
        kw["padding"] = padding
    cls = "MaxPooling2D" if args.get("_kind") == "maxpool" else "AveragePooling2D"
    return [*pre, KerasLayer(cls, (tuple(args["pool"]),), kw)]


@translates("global_avgpool", "global_maxpool")
def _global_pool(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    cls = "GlobalAveragePooling2D" if args["_kind"] == "global_avgpool" else "GlobalMaxPooling2D"
    return [KerasLayer(cls, (), {"keepdims": True} if args["keepdims"] else {})]


@translates("zeropad")
def _zeropad(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    (t, b), (left, r) = args["padding"]
    if t == b and left == r:
        return [KerasLayer("ZeroPadding2D", (_pair((t, left)),))]
    return [KerasLayer("ZeroPadding2D", (((t, b), (left, r)),))]


@translates("flatten")
def _flatten(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer("Flatten")]


@translates("dropout")
def _dropout(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer("Dropout", (args["rate"],))]


@translates("batchnorm")
def _batchnorm(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    kw = {k: False for k in ("center", "scale") if not args[k]}
    return [KerasLayer("BatchNormalization", (), kw)]


@translates("lrn")
def _lrn(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer("LocalResponseNormalization", (), {"size": args["size"]})]


@translates("activation")
def _activation(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer("Activation", (args["function"] or "linear",))]


@translates("prelu")
def _prelu(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    axes = args["shared_axes"]
    return [KerasLayer("PReLU", (), {"shared_axes": list(axes)} if axes else {})]


@translates("add")
def _add(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer("Add")]


@translates("concat")
def _concat(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer("Concatenate")]  # axis=-1: the channels, as archcalc's concat


@translates("reshape")
def _reshape(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer("Reshape", (tuple(args["shape"]),))]


def translate(node: Node, shape: Shape) -> list[KerasLayer]:
    """The Keras layers of one node, given the shape that reaches it."""
    try:
        fn = TRANSLATIONS[node.kind]
    except KeyError:
        raise KerasError(f"no Keras translation for the layer kind `{node.kind}`",
                         location=node.location) from None
    return fn({**node.args, "_kind": node.kind}, shape)


def layer_name(index: int, node: Node) -> str:
    """The Keras name of a row's layer: its index and its kind's word, ``l01_conv3_64``.

    >>> layer_name(1, Node("conv", {"kernel": (3, 3), "filters": 64}))
    'l01_conv3_64'
    """
    from ..kinds import KINDS

    text = re.sub(r"[^0-9a-zA-Z]+", "_", KINDS[node.kind].head(node.args)).strip("_").lower()
    return f"l{index:02d}_{text[:40] or node.kind}"


@dataclass
class Plan:
    """The Keras layers of a whole network, row by row.

    Attributes:
        network: the network.
        input_shape: the shape of ``keras.Input``.
        rows: for each row (``network.layers``), its named Keras layers, helpers first.
    """

    network: Network
    input_shape: Shape
    rows: list[list[tuple[str, KerasLayer]]]


def plan(network: Network, shapes: list[Shape]) -> Plan:
    """Translate every row. ``shapes[i]`` is the output shape of node ``i`` (from the analysis)."""
    rows = []
    for i, node in enumerate(network.layers, start=1):
        name = layer_name(i, node)
        layers = translate(node, shapes[node.inputs[0]])
        rows.append([(f"{name}_{k.role}" if k.role else name, k) for k in layers])
    return Plan(network, tuple(network.input_shape), rows)


def instantiate(layer: KerasLayer, name: str):
    """A Keras layer object (not built: no weights are allocated until it sees a shape)."""
    from .tf import keras

    if layer.custom:
        from .layers import CUSTOM_OBJECTS

        cls = CUSTOM_OBJECTS[layer.cls]
    else:
        cls = getattr(keras().layers, layer.cls)
    try:
        return cls(*layer.args, name=name, **layer.kwargs)
    except (ValueError, TypeError) as e:
        raise KerasError(f"Keras refuses `{layer.cls}` for {name}: {e}",
                         hint="Keras cannot build this layer with these options") from None


def build_model(p: Plan):
    """The Keras model of a plan, built (weights allocated), as a functional model named after the network.

    Each row takes its parents' outputs (``Node.inputs``): one tensor for a layer, the list of the
    branches' tensors for a merge (``Add()([a, b])``); the model's output is the last row's.
    """
    from .tf import keras

    k = keras()
    inputs = k.Input(shape=p.input_shape, name="input")
    outputs: list[Any] = [inputs]
    for node, row in zip(p.network.layers, p.rows):
        parents = [outputs[i] for i in node.inputs]
        x = parents if len(parents) > 1 else parents[0]
        for name, layer in row:
            try:
                x = instantiate(layer, name)(x)
            except KerasError:
                raise
            except (ValueError, TypeError) as e:
                got = [tuple(t.shape)[1:] for t in x] if isinstance(x, list) else tuple(x.shape)[1:]
                raise KerasError(f"Keras cannot apply `{layer.cls}` ({name}) to shape {got}: {e}",
                                 hint="check the layer's options against the shape that reaches it") from None
        outputs.append(x)
    name = re.sub(r"[^0-9A-Za-z_.-]+", "_", p.network.name) or "model"
    return k.Model(inputs, outputs[-1], name=name)
