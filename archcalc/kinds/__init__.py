"""Layer kinds: one registered definition per kind, with every spelling it answers to.

A :class:`Kind` knows three things about a layer: how it is written (its words in the paper
notation, its class names in Keras, its options and their defaults in each notation), what it does
to the shapes that reach it (:meth:`Kind.infer` returns an :class:`Effect`: output shape,
weights, biases, MACs, windows), and how to write it back (:meth:`Kind.text`).

The kinds live in one module per family (:mod:`.convolution`, :mod:`.pooling`,
:mod:`.normalisation`, :mod:`.merge`, :mod:`.reshape`, :mod:`.preprocessing`, :mod:`.core`,
:mod:`.applications`); each family's spellings are in its ``WORDS`` (paper notation) and
``KERAS_NAMES`` (Keras classes) tables, merged here into :data:`WORDS` and :data:`KERAS_NAMES`.
PyTorch's classes and functions are in :mod:`.pytorch` (:func:`torch_layer`, :data:`TORCH_NAMES`,
:data:`TORCH_FUNCTIONS`), mapped onto the same kinds.
Nothing else in archcalc dispatches on a kind's name.

>>> KINDS["conv"].infer(dict(PAPER_CONV, filters=64, kernel=(3, 3)), [(224, 224, 3)]).shape
(224, 224, 64)
"""

from __future__ import annotations

from typing import Any

from . import applications, convolution, core, merge, normalisation, pooling, preprocessing, reshape, slicing
from .base import ACTIVATIONS, KERAS_IGNORED, Effect, Kind, activation, check_rank, fmt, hw, per_axis, sizes, spatial
from .convolution import Conv
from .pytorch import (
    TORCH_CLASSES,
    TORCH_FUNCTIONS,
    TORCH_NAMES,
    TORCH_PARAMS,
    TorchClass,
    TorchFunction,
    to_channels_first,
    to_channels_last,
    torch_bind,
    torch_function,
    torch_layer,
    torch_shape,
)

_FAMILIES = (core, convolution, pooling, normalisation, merge, reshape, preprocessing, applications, slicing)


def _merged(tables: list[dict[str, Any]], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table in tables:
        for key, value in table.items():
            if key in out:  # a spelling belongs to one kind: a clash is a bug in the tables
                raise RuntimeError(f"{what} `{key}` is claimed twice")
            out[key] = value
    return out


#: Every kind once, by its canonical name (the ``kind`` field of the JSON output).
KINDS: dict[str, Kind] = _merged([{k.name: k for k in f.KINDS} for f in _FAMILIES], "kind")
#: Paper-notation words (lower case) → (kind, preset arguments).
WORDS: dict[str, tuple[str, dict[str, Any]]] = _merged([f.WORDS for f in _FAMILIES], "word")
#: Keras class names → (kind, preset arguments). Prefixes (``tf.keras.layers.``) are dropped first.
KERAS_NAMES: dict[str, tuple[str, dict[str, Any]]] = _merged([f.KERAS_NAMES for f in _FAMILIES], "Keras class")

PAPER_CONV = {**Conv.defaults}

__all__ = ["ACTIVATIONS", "KERAS_IGNORED", "KERAS_NAMES", "KINDS", "PAPER_CONV", "TORCH_CLASSES", "TORCH_FUNCTIONS",
           "TORCH_NAMES", "TORCH_PARAMS", "WORDS", "Effect", "Kind", "TorchClass", "TorchFunction", "activation",
           "check_rank", "fmt", "hw", "per_axis", "sizes", "spatial", "to_channels_first", "to_channels_last",
           "torch_bind", "torch_function", "torch_layer", "torch_shape"]
