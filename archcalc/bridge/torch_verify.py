"""``archcalc verify --framework torch``: archcalc's numbers against a real PyTorch module, layer by layer.

The network is translated (:mod:`.torch_build`) and built as an ``nn.Module`` on the ``meta`` device: no
weights are allocated, whatever the model's size, and the forward pass computes shapes only. For every
row of the analysis, the output shape PyTorch gives (channels first, compared channels last) and the
parameters and buffers of the row's modules are compared with archcalc's.

For a network read from PyTorch (notation ``torch``) archcalc counts as PyTorch does: ``params`` is
``module.parameters()``, ``buffers`` is ``module.buffers()``. For the paper and Keras notations archcalc
counts as Keras does, so its trainable parameters are compared with PyTorch's parameters and its
non-trainable ones (batch norm's moving mean and variance) with PyTorch's floating-point buffers (the
running mean and variance; ``num_batches_tracked``, a counter, has no Keras counterpart).
"""

from __future__ import annotations

import math
import time
from typing import Any

from ..analysis import Analysis, Row
from ..errors import ArchcalcError, KerasError
from ..network import Network
from . import torch_build as TB
from .verify import Cell, LayerCheck, Report

FIELDS = ("output_shape", "params", "buffers")


def _channels_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if len(shape) < 2 else (*shape[1:], shape[0])


def _ours(row: Row) -> dict[str, Any]:
    # PyTorch's parameters are all trained; what Keras keeps untrained (moving statistics) PyTorch keeps as
    # buffers. For PyTorch's own counting (batch norm with stats=torch) non_trainable is 0.
    return {"output_shape": tuple(row.output_shape), "params": row.trainable + row.frozen,
            "buffers": row.non_trainable - row.frozen + row.buffers}


def _counts(module: Any, counter: bool) -> tuple[int, int]:
    """Parameters and buffers; ``counter``: with integer buffers (batch norm's num_batches_tracked)."""
    params = sum(math.prod(p.shape) for p in module.parameters())
    buffers = sum(math.prod(b.shape) for b in module.buffers() if counter or b.is_floating_point())
    return params, buffers


def _unused_counts(network: Network, t: Any) -> tuple[int, int]:
    """Parameters and buffers of the modules a PyTorch model holds but never calls (``Network.unused``),
    each built alone by PyTorch from its kind's arguments on the stand-in input the reader counted it on."""
    params = buffers = 0
    custom = TB._custom_classes()
    for u in network.unused:
        if u.kind not in TB.TRANSLATIONS or not u.shape:  # a class archcalc cannot build: its own counts
            params, buffers = params + u.params, buffers + u.buffers
            continue
        row = TB.TRANSLATIONS[u.kind]({**u.args, "_kind": u.kind}, [u.shape])
        with t.device("meta"):
            for layer in row.layers:
                p, b = _counts(TB.instantiate(layer, custom), True)
                params, buffers = params + p, buffers + b
    return params, buffers


def verify(network: Network, analysis: Analysis) -> Report:
    """Build ``network`` with PyTorch on the meta device and compare it with ``analysis``, row by row."""
    from .torchlib import torch

    t = torch()
    start = time.perf_counter()
    torch_counting = network.notation == "torch"
    keras_stats = any(n.kind == "batchnorm" and n.args.get("stats", "keras") == "keras" for n in network.nodes)
    notes = [] if torch_counting or not keras_stats else [
        f"`{network.name}` is written in the {network.notation} notation, which counts as Keras does: archcalc's "
        "trainable parameters are compared with PyTorch's parameters, its non-trainable ones with PyTorch's "
        "floating-point buffers (batch norm's running mean and variance; num_batches_tracked is not counted)"]
    shapes = [tuple(analysis.input_shape)] + [tuple(r.output_shape) for r in analysis.rows]

    def refused(e: ArchcalcError) -> Report:
        return Report(network.name, "refused", [], [], [*notes, *e.details, *([e.hint] if e.hint else [])],
                      time.perf_counter() - start, "", refused=e.message, framework="torch",
                      framework_version=t.__version__)

    try:
        p = TB.plan(network, shapes)
        module = TB.build_module(p)
    except KerasError as e:
        return refused(e)
    except Exception as e:  # PyTorch refused a module's arguments: the message is PyTorch's own
        return refused(KerasError(f"PyTorch refused to build it: {type(e).__name__}: {str(e).splitlines()[0][:300]}"))
    module.eval()
    tokens = bool(network.layers) and network.layers[0].kind == "embedding"  # token indices: integers
    x = t.empty((1, *(tuple(analysis.input_shape)[-1:] + tuple(analysis.input_shape)[:-1]
                      if len(analysis.input_shape) > 1 else tuple(analysis.input_shape))), device="meta",
                dtype=t.long if tokens else t.float32)
    try:
        with t.no_grad():
            module(x)
    except Exception as e:  # the forward pass failed at a layer: PyTorch's message says why
        failed = len(module.shapes) + 1
        return refused(KerasError(f"PyTorch's forward pass failed at layer {failed}: {type(e).__name__}: "
                                  f"{str(e).splitlines()[0][:300]}"))
    layers: list[LayerCheck] = []
    wrong_shape: set[int] = set()
    sums = [0, 0]
    for i, (row, node) in enumerate(zip(analysis.rows, network.layers)):
        ours = _ours(row)
        theirs: dict[str, Any] = {"output_shape": _channels_last(module.shapes[i][1:])}
        counter = torch_counting or node.args.get("stats") in ("torch", "none")
        theirs["params"], theirs["buffers"] = (0, 0) if node.shares is not None else _counts(module.rows[i], counter)
        sums = [sums[0] + theirs["params"], sums[1] + theirs["buffers"]]
        check = LayerCheck(row.index, row.name, _module_names(p.rows[i], i, node.module),
                           [Cell(f, ours[f], theirs[f]) for f in FIELDS])
        if not check.cells[0].ok:
            wrong_shape.add(row.index)
        if not check.ok:
            upstream = [j for j in node.inputs if j in wrong_shape]
            check.cause = (f"follows from layer {upstream[0]}: the shape reaching this layer already differs"
                           if upstream else
                           f"archcalc's formula for `{node.kind}` and PyTorch disagree: "
                           + "; ".join(f"{c.field} {c.ours} vs {c.keras}" for c in check.cells if not c.ok)
                           + ". This is a bug in archcalc or an option PyTorch reads differently: please report it")
        layers.append(check)
    params, buffers = _counts(module, True)
    extra = _unused_counts(network, t)
    if network.unused:
        params, buffers, sums[1] = params + extra[0], buffers + extra[1], sums[1] + extra[1]
        uncalled = [u for u in network.unused if not u.tensor]
        held = [u for u in network.unused if u.tensor]
        if uncalled:
            notes.append(f"{len(uncalled)} module(s) that forward never calls, built alone and counted in the "
                         "totals: " + ", ".join(u.module for u in uncalled[:8]))
        if held:
            notes.append(f"{len(held)} tensor(s) that modules hold themselves (nn.Parameter, register_buffer), "
                         "counted in the totals as read: " + ", ".join(
                             f"{u.module}.{u.tensor}" if u.module else u.tensor for u in held[:8]))
    tot = analysis.totals
    totals = [Cell("params", tot.trainable_params + tot.frozen, params),
              Cell("buffers", tot.non_trainable_params - tot.frozen + tot.buffers, sums[1])]
    if buffers != sums[1]:  # batch norm's counters, which Keras' counting has not
        notes.append(f"the module's buffers are {buffers:,} in all, {buffers - sums[1]:,} of them counters "
                     "(num_batches_tracked) not compared")
    return Report(network.name, "meta", layers, totals, notes, time.perf_counter() - start, "",
                  framework="torch", framework_version=t.__version__, layout=analysis.shown_layout)


def _module_names(row: TB.TorchRow, i: int, own: str = "") -> list[str]:
    """What answered for row ``i``: the user's module name when the network was read from PyTorch
    (``conv1 (Conv2d)``), else the module verify built (``rows.0.0 (Conv2d)``)."""
    if own and len(row.layers) == 1:
        return [f"{own} ({row.layers[0].cls})"]
    if row.join:
        return [f"torch.cat(dim={row.params['dim']})" if row.join == "cat" else row.join]
    if row.expr:
        return [row.expr]
    return [f"rows.{i}.{j}" + f" ({layer.cls})" for j, layer in enumerate(row.layers)]
