"""Normalisation layers: batch norm (any rank), layer norm, group norm and LRN.

>>> from archcalc.kinds import KINDS
>>> e = KINDS["layernorm"].infer(dict(KINDS["layernorm"].defaults), [(56, 56, 96)])
>>> e.weights + e.biases, e.non_trainable
(192, 0)
"""

from __future__ import annotations

import math
from typing import Any

from .. import values as V
from ..errors import ShapeError
from ..network import Shape
from .base import Effect, Kind, _n


def _axes(value: Any) -> tuple[int, ...]:
    """Keras' ``axis=-1`` or ``axis=[1, 2, 3]`` as a tuple."""
    if isinstance(value, (tuple, list)):
        if not value:
            raise V.BadValue("axis is empty", "write `axis=-1`")
        return tuple(V._number(a, "an axis") for a in value)
    return (V._number(value, "the axis"),)


def _axis_option(value: Any) -> tuple[int, ...]:
    return _axes([a for a in str(value).split(",") if a.strip()] if isinstance(value, str) else value)


def _normalised(kind: Kind, shape: Shape, axes: tuple[int, ...]) -> tuple[int, ...]:
    """The sizes of the normalised axes (1-based as Keras counts, batch = 0; negative from the end)."""
    out = []
    for a in axes:
        i = a - 1 if a > 0 else len(shape) + a
        if not 0 <= i < len(shape) or a == 0:
            raise ShapeError(f"{kind.name}: axis {a} does not exist in an input of shape {list(shape)}",
                             hint="axis -1 is the channels")
        out.append(shape[i])
    return tuple(out)


def _stats(value: Any) -> str:
    """Where batch norm's running statistics go: ``keras`` (2 non-trainable parameters per channel),
    ``torch`` (buffers: running mean and variance per channel, and ``num_batches_tracked``) or
    ``none`` (PyTorch's ``track_running_stats=False``: nothing kept)."""
    text = str(value).strip().lower()
    if text not in ("keras", "torch", "none"):
        raise V.BadValue(f"stats must be keras, torch or none, got `{value}`",
                         "`stats=torch` keeps PyTorch's buffers (2·C + 1), `stats=keras` Keras' moving statistics")
    return text


class BatchNorm(Kind):
    name = "batchnorm"
    example = "batchnorm"
    defaults = {"center": True, "scale": True, "stats": "keras"}
    options = {"center": ("center", lambda v: V.boolean(v, "center")),
               "scale": ("scale", lambda v: V.boolean(v, "scale")),
               "stats": ("stats", _stats)}
    keras_params = {"axis": None, "momentum": None, "epsilon": None,
                    "center": ("center", lambda v: V.boolean(v, "center")),
                    "scale": ("scale", lambda v: V.boolean(v, "scale"))}

    def head(self, args: dict[str, Any]) -> str:
        return "batchnorm"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        c = shape[-1]
        gamma, beta = (c if args["scale"] else 0), (c if args["center"] else 0)
        stats = args.get("stats", "keras")
        if stats != "keras":
            # PyTorch: gamma and beta are the parameters; the running mean and variance and the
            # count of batches seen are buffers (``module.buffers()``), not parameters.
            kept = 2 * c + 1 if stats == "torch" else 0
            lines = (f"params = {int(bool(gamma)) + int(bool(beta))}·{c} = {_n(gamma + beta)}   (γ, β)",
                     f"buffers = 2·{c} + 1 = {_n(kept)}   (running mean, variance; num_batches_tracked)"
                     if kept else "buffers = 0   (track_running_stats=False)")
            return Effect(tuple(shape), gamma, beta, explain=lines, buffers=kept)
        # Keras keeps 4 values per channel: gamma and beta are trained, the moving mean and
        # variance are not (they count in Keras' "Non-trainable params").
        per = 2 + bool(gamma) + bool(beta)
        lines = (f"params = {per}·{c} = {_n(gamma + beta + 2 * c)}   "
                 f"(γ, β trainable: {_n(gamma + beta)}; moving mean, variance: {_n(2 * c)})",)
        return Effect(tuple(shape), gamma, beta, 2 * c, explain=lines)


class LayerNorm(Kind):
    """Layer normalisation (ConvNeXt, transformers): statistics over the normalised axes of each
    example, a learned γ and β per value of those axes; nothing non-trainable."""

    name = "layernorm"
    example = "layernorm"
    defaults = {"axis": (-1,), "center": True, "scale": True}
    options = {"axis": ("axis", _axis_option),
               **{k: v for k, v in BatchNorm.options.items() if k in ("center", "scale")}}
    keras_params = {"axis": ("axis", _axes), "epsilon": None,
                    "center": ("center", lambda v: V.boolean(v, "center")),
                    "scale": ("scale", lambda v: V.boolean(v, "scale"))}

    def head(self, args: dict[str, Any]) -> str:
        return "layernorm"

    def text(self, args: dict[str, Any]) -> str:
        parts = [self.head(args)]
        if tuple(args["axis"]) != (-1,):
            parts.append("axis=" + ",".join(map(str, args["axis"])))
        parts += [f"{k}=false" for k in ("center", "scale") if not args[k]]
        return " ".join(parts)

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        per = math.prod(_normalised(self, shape, tuple(args["axis"])))
        gamma, beta = (per if args["scale"] else 0), (per if args["center"] else 0)
        return Effect(tuple(shape), gamma, beta, explain=(
            f"params = {int(args['scale']) + int(args['center'])}·{_n(per)} = {_n(gamma + beta)}   "
            "(γ and β per normalised value; no moving statistics)",))


class GroupNorm(Kind):
    """Group normalisation: channels in groups, a learned γ and β per channel."""

    name = "groupnorm"
    example = "groupnorm 32"
    # PyTorch's InstanceNorm is a group norm of one channel per group; with track_running_stats it
    # keeps batch norm's buffers (`stats=torch`).
    defaults = {"groups": 32, "center": True, "scale": True, "stats": "none"}
    options = {"groups": ("groups", lambda v: V.positive_int(v, "groups")), **BatchNorm.options}
    keras_params = {"groups": ("groups", lambda v: V.positive_int(v, "groups")), "axis": None, "epsilon": None,
                    "center": ("center", lambda v: V.boolean(v, "center")),
                    "scale": ("scale", lambda v: V.boolean(v, "scale"))}
    _in_head = ("groups",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        return {"groups": V.positive_int(text, "the number of groups")} if text else {}

    def head(self, args: dict[str, Any]) -> str:
        return f"groupnorm {args['groups']}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        c, g = shape[-1], args["groups"]
        if c % g:
            raise ShapeError(f"groupnorm: {g} groups must divide the {c} channels",
                             hint="pick a divisor of the channels")
        gamma, beta = (c if args["scale"] else 0), (c if args["center"] else 0)
        stats = args.get("stats", "none")
        if stats == "keras":
            raise ShapeError("groupnorm keeps no moving statistics in Keras", hint="write stats=none or stats=torch")
        kept = 2 * c + 1 if stats == "torch" else 0
        return Effect(tuple(shape), gamma, beta, explain=(
            f"params = {int(args['scale']) + int(args['center'])}·{c} = {_n(gamma + beta)}   "
            f"(γ and β per channel; statistics over {g} groups of {c // g} channels)",
            *([f"buffers = 2·{c} + 1 = {_n(kept)}   (running mean, variance; num_batches_tracked)"] if kept else [])),
            buffers=kept)


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


KINDS = (BatchNorm(), LayerNorm(), GroupNorm(), LRN())

WORDS: dict[str, tuple[str, dict[str, Any]]] = {
    **{w: ("batchnorm", {}) for w in ("batchnorm", "bn", "batch-norm", "batchnormalization", "batch_norm")},
    **{w: ("layernorm", {}) for w in ("layernorm", "ln", "layer-norm", "layer_norm", "layernormalization")},
    **{w: ("groupnorm", {}) for w in ("groupnorm", "gn", "group-norm", "group_norm", "groupnormalization")},
    "lrn": ("lrn", {}),
}

KERAS_NAMES: dict[str, tuple[str, dict[str, Any]]] = {
    "BatchNormalization": ("batchnorm", {}),
    "LayerNormalization": ("layernorm", {}),
    "GroupNormalization": ("groupnorm", {}),
    "LocalResponseNormalization": ("lrn", {}),
}
