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
        role: ``""`` for the row's own layer; ``"flatten"``, ``"pad"``, ``"groups"``, ``"swap"`` (before) or
            ``"crop"`` (after) for a helper layer, named ``<row layer name>_<role>``.
    """

    cls: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    role: str = ""

    @property
    def custom(self) -> bool:
        return self.cls in _CUSTOM


_CUSTOM = {"LocalResponseNormalization", "CustomScaleLayer", "LayerScale", "StochasticDepth"}

Translation = Callable[[dict[str, Any], Shape], list[KerasLayer]]
TRANSLATIONS: dict[str, Translation] = {}


def translates(*kinds: str) -> Callable[[Translation], Translation]:
    """Register the Keras translation of the given kinds."""
    def register(fn: Translation) -> Translation:
        for k in kinds:
            TRANSLATIONS[k] = fn
        return fn
    return register


def _rank(shape: Shape) -> int:
    """Spatial axes of a feature map (``Conv1D``, ``Conv2D``, ``Conv3D``)."""
    return max(1, len(shape) - 1)


def _axes(value: Any, shape: Shape) -> tuple[Any, ...]:
    """One entry per spatial axis (a value written once for every axis, spread)."""
    from ..kinds import KINDS, per_axis

    return per_axis(KINDS["conv"], tuple(value), _rank(shape), "a size")


def _pair(p: tuple[int, ...]) -> int | tuple[int, ...]:
    return p[0] if len(set(p)) == 1 else tuple(p)  # type: ignore[return-value]


def _pad_layer(pairs: tuple[tuple[int, int], ...], rank: int, cls: str = "ZeroPadding") -> KerasLayer:
    """``ZeroPadding2D(1)``, ``ZeroPadding2D(((0, 1), (0, 1)))``, ``ZeroPadding1D((2, 0))``."""
    if rank == 1:
        return KerasLayer(f"{cls}1D", (pairs[0] if pairs[0][0] != pairs[0][1] else pairs[0][0],))
    if all(a == b for a, b in pairs):
        return KerasLayer(f"{cls}{rank}D", (_pair(tuple(a for a, _ in pairs)),))
    return KerasLayer(f"{cls}{rank}D", (tuple(pairs),))


def _padding(args: dict[str, Any], shape: Shape) -> tuple[list[KerasLayer], str]:
    """Keras' ``padding=`` for the layer, and a ZeroPadding layer before it for a number of pixels."""
    pad = args["padding"]
    if isinstance(pad, str):
        return [], pad
    rank = _rank(shape)
    pairs = tuple(p if isinstance(p, tuple) else (p, p) for p in _axes(pad, shape))
    if not any(a or b for a, b in pairs):
        return [], "valid"
    return [KerasLayer(_pad_layer(pairs, rank).cls, _pad_layer(pairs, rank).args, role="pad")], "valid"


def _window_kwargs(args: dict[str, Any], padding: str, shape: Shape) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    strides = _axes(args["strides"], shape)
    if set(strides) != {1}:
        kw["strides"] = _pair(strides)
    if padding != "valid":
        kw["padding"] = padding
    dilation = _axes(args.get("dilation", (1, 1)), shape)
    if set(dilation) != {1}:
        kw["dilation_rate"] = _pair(dilation)
    return kw


def _tail_kwargs(args: dict[str, Any]) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if args.get("activation"):
        kw["activation"] = args["activation"]
    if not args.get("bias", True):
        kw["use_bias"] = False
    return kw


# The sliding-window layers: Keras class (with the rank), positional arguments, and options that
# differ by kind (archcalc argument → Keras keyword, written only when not 1).
_CONVOLUTIONS: dict[str, tuple[str, tuple[str, ...], dict[str, str]]] = {
    "conv": ("Conv{}D", ("filters", "kernel"), {"groups": "groups"}),
    "depthwise": ("DepthwiseConv{}D", ("kernel",), {"multiplier": "depth_multiplier"}),
    "separable": ("SeparableConv{}D", ("filters", "kernel"), {"multiplier": "depth_multiplier"}),
    "deconv": ("Conv{}DTranspose", ("filters", "kernel"), {}),
}


@translates(*_CONVOLUTIONS)
def _convolution(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    cls, positional, extra = _CONVOLUTIONS[args["_kind"]]
    if args["_kind"] == "deconv":
        return _transposed(args, shape)
    pre, padding = _padding(args, shape)
    kw = _window_kwargs(args, padding, shape)
    kw.update({keras_name: args[arg] for arg, keras_name in extra.items() if args[arg] != 1})
    if args.get("output_padding") is not None:
        kw["output_padding"] = _pair(_axes(args["output_padding"], shape))
    values = tuple(_axes(args[a], shape) if a == "kernel" else args[a] for a in positional)
    return [*pre, KerasLayer(cls.format(_rank(shape)), values, {**kw, **_tail_kwargs(args)})]


def _transposed(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    """``Conv2DTranspose``; PyTorch's padding in pixels is a crop of its 'valid' output."""
    if args.get("groups", 1) != 1:
        raise KerasError(f"Keras' Conv{_rank(shape)}DTranspose has no groups (groups={args['groups']})")
    kw = _window_kwargs(args, "valid" if not isinstance(args["padding"], str) else args["padding"], shape)
    post: list[KerasLayer] = []
    if not isinstance(args["padding"], str):
        pixels = _axes(args["padding"], shape)
        ops = _axes(args["output_padding"] or (0,), shape)
        if any(op >= s for op, s in zip(ops, _axes(args["strides"], shape))):
            raise KerasError("Keras requires output_padding < strides; PyTorch's output_padding "
                             f"{_pair(ops)} is not", hint="PyTorch allows it below the dilation, Keras does not")
        kw["output_padding"] = _pair(ops)
        if any(pixels):
            post = [KerasLayer(_pad_layer(tuple((p, p) for p in pixels), _rank(shape), "Cropping").cls,
                               _pad_layer(tuple((p, p) for p in pixels), _rank(shape), "Cropping").args, role="crop")]
    elif args.get("output_padding") is not None:
        kw["output_padding"] = _pair(_axes(args["output_padding"], shape))
    layer = KerasLayer(f"Conv{_rank(shape)}DTranspose", (args["filters"], _pair(_axes(args["kernel"], shape))),
                       {**kw, **_tail_kwargs(args)})
    return [layer, *post]


@translates("dense")
def _dense(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    if args.get("axis", -1) != -1 and len(shape) > 1 and not args["flatten"]:
        raise KerasError("Keras' Dense acts on the last axis; this layer (PyTorch's Linear) acts on the last "
                         "spatial one", hint="flatten before it")
    # The paper's FC flattens a feature map; Keras' Dense would act on its last axis instead.
    pre = [KerasLayer("Flatten", role="flatten")] if args["flatten"] and len(shape) > 1 else []
    return [*pre, KerasLayer("Dense", (args["units"],), _tail_kwargs(args))]


@translates("maxpool", "avgpool")
def _pool(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    from .. import formulas as F

    pre, padding = _padding(args, shape)
    pool = _axes(args["pool"], shape)
    strides = _axes(args["strides"] or args["pool"], shape)
    if args.get("ceil"):
        # Keras has no ceil mode: padding the end so that the last (partial) window fits gives the
        # same shape (max pooling then sees zeros there instead of PyTorch's -inf).
        pad = args["padding"]
        pads = [(0, 0)] * _rank(shape) if pad == "valid" else [
            p if isinstance(p, tuple) else (p, p) for p in _axes(pad, shape)]
        ends = []
        for n, k, s, (a, b) in zip(shape[:-1], pool, strides, pads):
            out = F.ceil_output_size(n, k, s, (a, b))
            ends.append((a, b + max((out - 1) * s + k - (n + a + b), 0)))
        pre = [KerasLayer(_pad_layer(tuple(ends), _rank(shape)).cls, _pad_layer(tuple(ends), _rank(shape)).args,
                          role="pad")] if any(a or b for a, b in ends) else []
        padding = "valid"
    kw: dict[str, Any] = {}
    if strides != pool:
        kw["strides"] = _pair(strides)
    if padding != "valid":
        kw["padding"] = padding
    cls = "MaxPooling{}D" if args.get("_kind") == "maxpool" else "AveragePooling{}D"
    return [*pre, KerasLayer(cls.format(_rank(shape)), (pool,), kw)]


@translates("adaptive_avgpool", "adaptive_maxpool")
def _adaptive(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    cls = "AdaptiveAveragePooling{}D" if args["_kind"] == "adaptive_avgpool" else "AdaptiveMaxPooling{}D"
    return [KerasLayer(cls.format(_rank(shape)), (_pair(_axes(args["size"], shape)),))]


@translates("global_avgpool", "global_maxpool")
def _global_pool(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    cls = "GlobalAveragePooling{}D" if args["_kind"] == "global_avgpool" else "GlobalMaxPooling{}D"
    return [KerasLayer(cls.format(_rank(shape)), (), {"keepdims": True} if args["keepdims"] else {})]


@translates("zeropad", "crop")
def _edges(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    from ..kinds.reshape import resolve_pairs

    arg, cls = ("padding", "ZeroPadding") if args["_kind"] == "zeropad" else ("cropping", "Cropping")
    pairs = _axes(resolve_pairs(args[arg], args.get("rank")), shape)
    return [_pad_layer(tuple(pairs), _rank(shape), cls)]


@translates("upsample")
def _upsample(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer(f"UpSampling{_rank(shape)}D", (_pair(_axes(args["size"], shape)),))]


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


@translates("layernorm")
def _layernorm(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    kw: dict[str, Any] = {k: False for k in ("center", "scale") if not args[k]}
    if tuple(args["axis"]) != (-1,):
        kw["axis"] = list(args["axis"])
    return [KerasLayer("LayerNormalization", (), kw)]


@translates("groupnorm")
def _groupnorm(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    kw = {k: False for k in ("center", "scale") if not args[k]}
    return [KerasLayer("GroupNormalization", (), {"groups": args["groups"], **kw})]


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


_MERGE_CLASSES = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply", "average": "Average",
                  "maximum": "Maximum", "minimum": "Minimum"}


@translates(*_MERGE_CLASSES)
def _merge(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer(_MERGE_CLASSES[args["_kind"]])]


@translates("scaled_add")
def _scaled_add(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer("CustomScaleLayer", (), {"scale": args["scale"]})]


@translates("concat")
def _concat(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    axis = args.get("axis", -1)
    return [KerasLayer("Concatenate", (), {} if axis == -1 else {"axis": axis})]


@translates("reshape")
def _reshape(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer("Reshape", (tuple(args["shape"]),))]


@translates("permute")
def _permute(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer("Permute", (tuple(args["dims"]),))]


@translates("channel_shuffle")
def _channel_shuffle(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    """Keras has no channel shuffle: the channels split in groups, the two axes swapped, joined again."""
    *grid, c = shape
    g, r = args["groups"], len(grid)
    return [KerasLayer("Reshape", ((*grid, g, c // g),), role="groups"),
            KerasLayer("Permute", ((*range(1, r + 1), r + 2, r + 1),), role="swap"),
            KerasLayer("Reshape", (tuple(shape),))]


@translates("slice")
def _slice(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    """Keras has no slice layer: the channels moved to the steps of a 1-D map, cropped, moved back."""
    import math

    *grid, c = shape
    start, stop = args["start"], args["stop"]
    positions = math.prod(grid)
    return [KerasLayer("Reshape", ((positions, c),), role="positions"),
            KerasLayer("Permute", ((2, 1),), role="channels_first"),
            KerasLayer("Cropping1D", ((start, c - stop),), role="crop"),
            KerasLayer("Permute", ((2, 1),), role="channels_last"),
            KerasLayer("Reshape", ((*grid, stop - start),))]


@translates("embedding")
def _embedding(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    if args.get("channels_first"):
        raise KerasError("Keras' Embedding puts the vectors last; this one (PyTorch's) puts them in PyTorch's "
                         "layout", hint="read the network from Keras code, or transpose before a Conv1d")
    return [KerasLayer("Embedding", (args["vocabulary"], args["dim"]))]


@translates("rescale")
def _rescale(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer("Rescaling", (args["scale"],), {"offset": args["offset"]} if args["offset"] else {})]


@translates("normalize")
def _normalize(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    # Given statistics are numbers, not weights; these stand for whatever the user's were.
    return [KerasLayer("Normalization", (), {"mean": 0.0, "variance": 1.0} if args["given"] else {})]


_TO_SIZE = {"resize": "Resizing", "center_crop": "CenterCrop", "random_crop": "RandomCrop"}


@translates(*_TO_SIZE)
def _to_size(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer(_TO_SIZE[args["_kind"]], (args["height"], args["width"]))]


# The augmentation layers' required arguments: any value does, none changes a shape or a count.
_AUGMENT_ARGS: dict[str, tuple[Any, ...]] = {
    "RandomRotation": (0.1,), "RandomZoom": (0.1,), "RandomTranslation": (0.1, 0.1), "RandomContrast": (0.1,),
    "RandomBrightness": (0.1,), "RandomHue": (0.1,), "RandomSaturation": (0.1,), "RandomGrayscale": (),
    "RandomSharpness": (0.1,), "RandomPosterization": (4,), "RandomColorDegeneration": (0.1,),
    "RandomColorJitter": (), "RandomShear": (0.1,),
}


@translates("augment")
def _augment(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    from ..kinds.preprocessing import AUGMENTATIONS

    cls = next(c for c, w in AUGMENTATIONS.items() if w == args["what"])
    return [KerasLayer(cls, _AUGMENT_ARGS.get(cls, ()))]


@translates("layerscale")
def _layerscale(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer("LayerScale", (), {"init_values": 1e-6, "projection_dim": shape[-1]})]


@translates("stochastic_depth")
def _stochastic_depth(args: dict[str, Any], shape: Shape) -> list[KerasLayer]:
    return [KerasLayer("StochasticDepth", (), {"drop_path_rate": args["rate"]})]


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
    branches' tensors for a merge (``Add()([a, b])``); the model's outputs are the rows no other row
    reads: the last one, and side outputs (auxiliary classifiers) in the order written.
    """
    from .tf import keras

    k = keras()
    inputs = k.Input(shape=p.input_shape, name="input")
    outputs: list[Any] = [inputs]
    made: dict[int, list[Any]] = {}  # node index -> its Keras layer objects, for a node that shares them
    for index, (node, row) in enumerate(zip(p.network.layers, p.rows), start=1):
        parents = [outputs[i] for i in node.inputs]
        x = parents if len(parents) > 1 else parents[0]
        # A Keras layer object called twice in the code (shared weights): call the first use's layers again.
        reuse = made.get(node.shares) if node.shares is not None else None
        made[index] = []
        for position, (name, layer) in enumerate(row):
            try:
                obj = reuse[position] if reuse is not None else instantiate(layer, name)
                made[index].append(obj)
                x = obj(x)
            except KerasError:
                raise
            except (ValueError, TypeError) as e:
                got = [tuple(t.shape)[1:] for t in x] if isinstance(x, list) else tuple(x.shape)[1:]
                raise KerasError(f"Keras cannot apply `{layer.cls}` ({name}) to shape {got}: {e}",
                                 hint="check the layer's options against the shape that reaches it") from None
        outputs.append(x)
    name = re.sub(r"[^0-9A-Za-z_.-]+", "_", p.network.name) or "model"
    ends = p.network.outputs  # side outputs (auxiliary classifiers) are outputs of the model too
    return k.Model(inputs, outputs[ends[0]] if len(ends) == 1 else [outputs[i] for i in ends], name=name)
