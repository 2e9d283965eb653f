"""A part of the channels: ``x.chunk(2, dim=1)`` and ``x.split(...)`` in PyTorch (ShuffleNet v2 sends half
of the channels through its branch and keeps the other half), ``x[..., a:b]`` in Keras code.

>>> from archcalc.kinds import KINDS
>>> KINDS["slice"].infer({"start": 58, "stop": 116}, [(28, 28, 116)]).shape
(28, 28, 58)
"""

from __future__ import annotations

import re
from typing import Any

from .. import values as V
from ..errors import ShapeError
from ..network import Shape
from .base import Effect, Kind, _n, dims


class ChannelSlice(Kind):
    """Channels ``start`` to ``stop`` (``stop`` not included, counted from 0) of every position: no weights."""

    name = "slice"
    example = "slice 0:58"
    required = ("start", "stop")
    _in_head = ("start", "stop")

    def positional(self, word: str, text: str) -> dict[str, Any]:
        """``slice 0:58``: the channels from 0 up to 58 (not included)."""
        m = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", text)
        if not m or int(m[1]) >= int(m[2]):
            raise V.BadValue(f"`{word}` needs the channels as start:stop (stop not included), got "
                             f"`{text or 'nothing'}`", f"write `{word} 0:58`")
        return {"start": int(m[1]), "stop": int(m[2])}

    def head(self, args: dict[str, Any]) -> str:
        return f"slice {args['start']}:{args['stop']}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        start, stop = args["start"], args["stop"]
        if not 0 <= start < stop <= shape[-1]:
            raise ShapeError(f"`slice {start}:{stop}` of {dims(shape)}: the input has {_n(shape[-1])} channels",
                             hint=f"take channels within 0:{shape[-1]}")
        out = (*shape[:-1], stop - start)
        return Effect(out, explain=(f"channels {start} to {stop - 1} of {_n(shape[-1])}; params = 0",))


KINDS = (ChannelSlice(),)

WORDS: dict[str, tuple[str, dict[str, Any]]] = {"slice": ("slice", {})}

KERAS_NAMES: dict[str, tuple[str, dict[str, Any]]] = {}
