"""A network drawn one box per block or repeated unit (``archcalc draw --collapse``).

ResNet-50 is 176 layers; drawn one box a layer its picture is 10,000 pixels tall. Collapsed, each
block of the spec (``bottleneck(64)``, the ``stem``) becomes one box showing the block's output and
its parameters, and a run of equal units one after the other (``identity_bottleneck(128)`` three
times, ``conv3-64`` twice in VGG) one box labelled ``x3``. The boxes are ordinary rows for the layout:
this module only regroups rows, it draws nothing.

>>> import archcalc
>>> units = collapse(archcalc.analyze("vgg16")).rows
>>> [u.name for u in units][:4], len(units)
(['conv3-64 x2', 'maxpool', 'conv3-128 x2', 'maxpool'], 12)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_REPEAT = re.compile(r"\s*\[\d+/\d+\]$")  # the `[2/3]` a block repeated xN adds to its heading


@dataclass(frozen=True)
class Unit:
    """One box of a collapsed drawing: a :class:`~archcalc.pictures.layout.RowLike`.

    Attributes:
        index: the unit's number (0 is the input), in the order of the units.
        name: the block's heading or the layer's name, with ``xN`` when N equal units follow each other.
        kind: the kind of the layer that decides the colour: the only layer's, or ``block``.
        output_shape: what the last layer of the unit outputs.
        params: the parameters of all the layers in the unit.
        activations: the values all the unit's layers output, for one example.
        inputs: the units whose outputs the unit reads.
        layers: the rows (their indices in the analysis) the unit stands for.
    """

    index: int
    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    activations: int
    inputs: tuple[int, ...]
    layers: tuple[int, ...]


@dataclass(frozen=True)
class Collapsed:
    """An analysis seen one unit a row: what :func:`archcalc.pictures.layout.layout` draws."""

    network: str
    input_shape: tuple[int, ...]
    rows: list[Unit]
    totals: Any
    layer_count: int


def _groups(rows: list[Any]) -> list[tuple[str, list[Any]]]:
    """Consecutive rows under the same top-level block heading; a row outside any block alone."""
    groups: list[tuple[str, list[Any]]] = []
    for r in rows:
        heading = r.scope[0] if getattr(r, "scope", ()) else ""
        if heading and groups and groups[-1][0] == heading:
            groups[-1][1].append(r)
        else:
            groups.append((heading, [r]))
    return groups


def collapse(analysis: Any) -> Collapsed:
    """``analysis`` with each block one unit, and equal units in a row merged into one ``xN`` unit.

    Units are merged when their names (a block's heading without its ``[i/N]``) are equal and the
    second reads only the first: ``conv3-64 x2`` as the spec writes it, although the first of the two
    reads 3 channels and the second 64, and DenseNet's ``dense_layer x6``, whose map grows by 32
    channels each time. The box counts all the layers' parameters and shows the last one's output.
    """
    unit_of = {0: 0}  # row index -> unit index
    units: list[Unit] = []
    for heading, rows in _groups(list(analysis.rows)):
        inside = {r.index for r in rows}
        outside = tuple(dict.fromkeys(unit_of[p] for r in rows for p in r.inputs if p not in inside))
        last = rows[-1]
        if heading:  # one word, so that the label's first line is the whole call: `bottleneck(128,stride=2)`
            name, kind = _REPEAT.sub("", heading).replace(", ", ","), "block"
        else:
            name, kind = last.name, last.kind
        unit = Unit(len(units) + 1, name, kind, tuple(last.output_shape), sum(r.params for r in rows),
                    sum(r.activations for r in rows), outside, tuple(sorted(inside)))
        prev = units[-1] if units else None
        base = _REPEAT_COUNT.sub("", prev.name) if prev else None
        if prev is not None and base == unit.name and outside == (prev.index,):
            count = _count(prev) + 1
            unit = Unit(prev.index, f"{unit.name} x{count}", kind, unit.output_shape, prev.params + unit.params,
                        prev.activations + unit.activations, prev.inputs, prev.layers + unit.layers)
            units[-1] = unit
        else:
            units.append(unit)
        for i in inside:
            unit_of[i] = unit.index
    return Collapsed(analysis.network, tuple(analysis.input_shape), units, analysis.totals,
                     len(analysis.rows))


_REPEAT_COUNT = re.compile(r" x\d+$")


def _count(unit: Unit) -> int:
    m = _REPEAT_COUNT.search(unit.name)
    return int(m.group()[2:]) if m else 1
