"""The layers ``keras.applications`` defines for itself, read by their effect on shape and
parameters: ConvNeXt's ``LayerScale`` and ``StochasticDepth`` (InceptionResNetV2's
``CustomScaleLayer`` is a merge: :class:`archcalc.kinds.merge.ScaledAdd`).

>>> from archcalc.kinds import KINDS
>>> KINDS["layerscale"].infer({}, [(56, 56, 96)]).weights
96
"""

from __future__ import annotations

from typing import Any

from .. import values as V
from ..network import Shape
from .base import Effect, Kind, _n


class LayerScale(Kind):
    """ConvNeXt's ``LayerScale``: each channel multiplied by a learned γ (``C`` weights)."""

    name = "layerscale"
    example = "layerscale"
    keras_params = {"init_values": None, "projection_dim": ("_", lambda v: V.positive_int(v, "projection_dim"))}

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        c = shape[-1]
        return Effect(tuple(shape), weights=c, explain=(f"params = {_n(c)}   (one learned scale per channel)",))


class StochasticDepth(Kind):
    """ConvNeXt's ``StochasticDepth``: drops the whole residual branch at random while training."""

    name = "stochastic_depth"
    example = "stochastic-depth 0.1"
    defaults = {"rate": 0.0}
    keras_params = {"drop_path_rate": ("rate", V.rate)}
    _in_head = ("rate",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        return {"rate": V.rate(text, "the drop rate")} if text else {}

    def head(self, args: dict[str, Any]) -> str:
        return f"stochastic-depth {args['rate']!r}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        return Effect(tuple(shape), explain=("params = 0   (skips the branch at random while training)",))


KINDS = (LayerScale(), StochasticDepth())

WORDS: dict[str, tuple[str, dict[str, Any]]] = {
    **{w: ("layerscale", {}) for w in ("layerscale", "layer-scale", "layer_scale")},
    **{w: ("stochastic_depth", {}) for w in ("stochastic-depth", "stochastic_depth", "stochasticdepth", "drop-path")},
}

KERAS_NAMES: dict[str, tuple[str, dict[str, Any]]] = {
    "LayerScale": ("layerscale", {}),
    "StochasticDepth": ("stochastic_depth", {}),
}
