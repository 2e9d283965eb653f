"""``archcalc verify``: archcalc's numbers against a real Keras model, layer by layer.

The network is translated (:mod:`.build`) and built as a Keras model; for every row of the
analysis, the output shape and the parameter counts (total, trainable, non-trainable) that Keras
reports for the row's layers are compared with archcalc's. A mismatch gets a likely cause, found
by recomputing the layer with archcalc under the other conventions (same/valid padding, bias or
not, flatten or not) and seeing which one Keras agrees with.

Big models are never allocated blindly: when the float32 weights would exceed ``max_memory``, the
shapes are checked by Keras' own shape inference (``compute_output_shape``, no weights), each
layer's parameters are counted by building that layer alone when it fits the budget (then freed),
and every check that could not be made is listed.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..analysis import Analysis, Row
from ..errors import ArchcalcError, KerasError
from ..kinds import KINDS
from ..limits import MAX_VERIFY_DEPTH
from ..network import Network, Shape
from . import build as B

DEFAULT_MAX_MEMORY = 4 * 1024**3  # bytes of float32 weights to allocate at most: "a few GiB"
FIELDS = ("output_shape", "params", "trainable", "non_trainable")


@dataclass(frozen=True)
class Cell:
    """One compared number (or shape): archcalc's value, Keras' value, or why it was not checked."""

    field: str
    ours: Any
    keras: Any = None
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.skipped is not None or self.ours == self.keras


@dataclass
class LayerCheck:
    """The checks of one row of the table."""

    index: int
    name: str
    keras_layers: list[str]
    cells: list[Cell]
    cause: str | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.cells)

    @property
    def skipped(self) -> list[Cell]:
        return [c for c in self.cells if c.skipped]


@dataclass
class Report:
    """The outcome of verifying one network.

    Attributes:
        network: its name.
        mode: ``"model"`` (a real Keras model was built) or ``"symbolic"`` (shape inference and
            layer-by-layer counts, for models above the memory budget).
        layers: one :class:`LayerCheck` per row.
        totals: the model's totals (params, trainable, non-trainable).
        notes: what was skipped and why, and anything else the user should know.
        seconds: wall time of building and comparing.
        keras_version: the Keras that answered.
        refused: why Keras would not build the network at all (then nothing was compared), else None.
        framework: ``"keras"``, or ``"torch"`` for ``verify --framework torch`` (:mod:`.torch_verify`):
            then each cell's ``keras`` value is PyTorch's, and the fields are output_shape, params, buffers.
        framework_version: the PyTorch that answered (Keras' is ``keras_version``).
        layout: how the tables write shapes (``"nchw"`` for networks read from PyTorch); JSON and CSV
            stay channels-last, as everywhere.
    """

    network: str
    mode: str
    layers: list[LayerCheck]
    totals: list[Cell]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    keras_version: str = ""
    refused: str | None = None
    framework: str = "keras"
    framework_version: str = ""
    layout: str = "nhwc"

    @property
    def ok(self) -> bool:
        return self.refused is None and all(x.ok for x in self.layers) and all(c.ok for c in self.totals)

    @property
    def mismatches(self) -> list[LayerCheck]:
        return [x for x in self.layers if not x.ok]

    @property
    def checked(self) -> int:
        return sum(1 for x in self.layers for c in x.cells if not c.skipped) + sum(
            1 for c in self.totals if not c.skipped)


def _ours(row: Row) -> dict[str, Any]:
    return {"output_shape": tuple(row.output_shape), "params": row.params, "trainable": row.trainable,
            "non_trainable": row.non_trainable}


def _counts(layers: list[Any]) -> tuple[int, int, int]:
    trainable = sum(math.prod(w.shape) for layer in layers for w in layer.trainable_weights)
    frozen = sum(math.prod(w.shape) for layer in layers for w in layer.non_trainable_weights)
    return trainable + frozen, trainable, frozen


def _shapes(analysis: Analysis) -> list[Shape]:
    return [tuple(analysis.input_shape)] + [tuple(r.output_shape) for r in analysis.rows]


def verify(network: Network, analysis: Analysis, *, max_memory: int = DEFAULT_MAX_MEMORY) -> Report:
    """Build ``network`` in Keras and compare it with ``analysis``, row by row.

    Args:
        network: the parsed network.
        analysis: archcalc's analysis of it (normally ``analyze_network(network)``; a test may
            hand in a doctored one to see the mismatch reported).
        max_memory: bytes of float32 weights above which no whole model is allocated.
    """
    depth = check_depth(network, "verify")  # said before TensorFlow is even imported
    from .tf import keras

    k = keras()
    start = time.perf_counter()
    p = B.plan(network, _shapes(analysis))
    weight_bytes = analysis.totals.params * 4
    try:
        with deep_build(depth):
            if weight_bytes <= max_memory:
                report = _verify_model(network, analysis, p)
            else:
                report = _verify_symbolic(network, analysis, p, max_memory)
    except KerasError as e:
        # Keras will not build what the spec says (dilation with a stride, say): this network
        # fails verification, and the others of the run are still verified.
        _free()
        return Report(network.name, "refused", [], [], [e.hint] if e.hint else [],
                      time.perf_counter() - start, k.__version__, refused=e.message)
    if weight_bytes > max_memory:
        report.notes.insert(0, f"the weights would take {_gib(weight_bytes)} (float32), above the "
                               f"{_gib(max_memory)} budget (--max-memory): no model was allocated; shapes "
                               "come from Keras' shape inference and each layer was counted alone")
    wrong_shape: set[int] = set()
    for check in report.layers:
        if any(c.field == "output_shape" and not c.ok for c in check.cells):
            wrong_shape.add(check.index)
        if check.ok:
            continue
        upstream = [i for i in network.nodes[check.index].inputs if i in wrong_shape]
        check.cause = (f"follows from layer {upstream[0]}: the shape reaching this layer already differs"
                       if upstream else likely_cause(network, analysis, check))
    report.seconds = time.perf_counter() - start
    report.keras_version = k.__version__
    return report


def check_depth(network: Network, command: str) -> int:
    """Refuse a network too deep for Keras to build (MAX_VERIFY_DEPTH), before TensorFlow is imported.

    Args:
        network: the network to build.
        command: what builds it (``verify``, ``export``, ``train``), named in the message.

    Returns:
        Its depth (:func:`chain_length`), for :func:`deep_build`.

    >>> from archcalc.paper import parse_paper
    >>> check_depth(parse_paper("input 8x8x1\\nrelu x5")[0], "export")
    6
    >>> try:
    ...     check_depth(parse_paper("input 8x8x1\\nrelu x2500")[0], "export")
    ... except KerasError as e:
    ...     print(e.message)
    network `<text>` is 2,501 layers deep; export builds at most 2,000 layers one after the other (MAX_VERIFY_DEPTH)
    """
    depth = chain_length(network)
    if depth > MAX_VERIFY_DEPTH:
        raise KerasError(f"network `{network.name}` is {depth:,} layers deep; {command} builds at most "
                         f"{MAX_VERIFY_DEPTH:,} layers one after the other (MAX_VERIFY_DEPTH)",
                         hint="Keras builds a model by recursing a few calls a layer, and deeper recursion "
                              f"risks the process's stack; {command} a shorter network with the same kinds of "
                              "layers")
    return depth


@contextmanager
def deep_build(depth: int) -> Iterator[None]:
    """Python's recursion limit raised for building (or saving) a Keras model ``depth`` layers deep.

    Keras builds and serialises a functional model by recursing about three calls a layer: Python's
    default limit of 1,000 stopped at about 330 layers in a chain. Raised within MAX_VERIFY_DEPTH
    (:func:`check_depth`): Python 3.11 keeps Python-to-Python calls off the C stack.
    """
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 1_000 + 20 * depth))
    try:
        yield
    finally:
        sys.setrecursionlimit(old_limit)


def chain_length(network: Network) -> int:
    """The most layers one after the other: the longest path from the input to a layer (the input is 1).

    >>> from archcalc.paper import parse_paper
    >>> chain_length(parse_paper("input 8x8x1\\nrelu x5\\nadd\\n  identity\\n  branch\\n    relu x3")[0])
    10
    """
    depth: list[int] = []
    for node in network.nodes:  # parents come before their children
        depth.append(1 + max((depth[i] for i in node.inputs), default=0))
    return max(depth, default=0)


def _gib(n: int) -> str:
    from ..render import human_bytes

    return human_bytes(n)


def _verify_model(network: Network, analysis: Analysis, p: B.Plan) -> Report:
    model = B.build_model(p)
    layers = []
    for row, keras_row, node in zip(analysis.rows, p.rows, network.layers):
        # A layer called again (shared weights) is the first use's Keras layer, its weights counted there.
        first = p.rows[node.shares - 1] if node.shares is not None else keras_row
        objs = [model.get_layer(name) for name, _ in first]
        shape = tuple(int(d) for d in objs[-1].output.shape[1:])
        total, trainable, frozen = _counts(objs) if node.shares is None else (0, 0, 0)
        theirs = {"output_shape": shape, "params": total, "trainable": trainable, "non_trainable": frozen}
        ours = _ours(row)
        layers.append(LayerCheck(row.index, row.name, [n for n, _ in first],
                                 [Cell(f, ours[f], theirs[f]) for f in FIELDS]))
    total, trainable, frozen = _counts(model.layers)
    t = analysis.totals
    totals = [Cell("params", t.params, model.count_params()), Cell("trainable", t.trainable_params, trainable),
              Cell("non_trainable", t.non_trainable_params, frozen)]
    if total != model.count_params():  # both are Keras' numbers: a disagreement here is our bug
        totals.append(Cell("params (sum of layers)", model.count_params(), total))
    del model
    _free()
    return Report(network.name, "model", layers, totals)


def _free() -> None:
    """Let the model's weights go: Keras keeps every layer in its global graph until the session is
    cleared, and verifying 15 networks in one process would otherwise hold them all (4.5 GiB)."""
    import gc

    from .tf import keras

    keras().backend.clear_session()
    gc.collect()


def _verify_symbolic(network: Network, analysis: Analysis, p: B.Plan, max_memory: int) -> Report:
    layers, notes = [], []
    outputs: list[Any] = [(None, *analysis.input_shape)]  # Keras' shape of each node's output
    sums = [0, 0, 0]
    counted_all = True
    for row, keras_row in zip(analysis.rows, p.rows):
        ours = _ours(row)
        objs = [B.instantiate(layer, name) for name, layer in keras_row]
        parents = [outputs[i] for i in row.inputs]
        row_in = shape = parents if len(parents) > 1 else parents[0]
        for obj in objs:
            shape = tuple(obj.compute_output_shape(shape))
        outputs.append(shape)
        cells = [Cell("output_shape", ours["output_shape"], tuple(int(d) for d in shape[1:]))]
        if row.params * 4 <= max_memory:
            s = row_in
            for obj in objs:  # allocate this row's weights only, count them, let them go
                obj.build(s)
                s = tuple(obj.compute_output_shape(s))
            total, trainable, frozen = _counts(objs)
            sums = [sums[0] + total, sums[1] + trainable, sums[2] + frozen]
            cells += [Cell("params", row.params, total), Cell("trainable", row.trainable, trainable),
                      Cell("non_trainable", row.non_trainable, frozen)]
        else:
            counted_all = False
            why = f"{_gib(row.params * 4)} of weights in this layer alone, above the budget"
            cells += [Cell(f, ours[f], skipped=why) for f in FIELDS[1:]]
            notes.append(f"layer {row.index} ({row.name}): parameter counts not checked ({why})")
        del objs
        layers.append(LayerCheck(row.index, row.name, [n for n, _ in keras_row], cells))
    t = analysis.totals
    if counted_all:
        totals = [Cell("params", t.params, sums[0]), Cell("trainable", t.trainable_params, sums[1]),
                  Cell("non_trainable", t.non_trainable_params, sums[2])]
    else:
        why = "some layers were not counted"
        totals = [Cell(f, v, skipped=why) for f, v in (("params", t.params), ("trainable", t.trainable_params),
                                                      ("non_trainable", t.non_trainable_params))]
    return Report(network.name, "symbolic", layers, totals, notes)


# -- why a row disagrees ------------------------------------------------------------------------

# Conventions that change a layer's numbers: (argument, the other value, what it means).
_ALTERNATIVES: list[tuple[str, Any, str]] = [
    ("padding", "same", "'same' padding (the output keeps the input's size at stride 1)"),
    ("padding", "valid", "'valid' padding (no padding)"),
    ("bias", False, "no bias (use_bias=False)"),
    ("bias", True, "a bias per filter"),
    ("flatten", True, "flattening the feature map before the Dense layer"),
    ("flatten", False, "a Dense layer on the last axis only (Keras' Dense without Flatten)"),
]


def _numbers(kind: Any, args: dict[str, Any], parents: list[Shape]) -> dict[str, Any] | None:
    try:
        e = kind.infer(args, parents)
    except (ArchcalcError, ValueError, KeyError):  # an alternative that does not apply gives no hint
        return None
    return {"output_shape": tuple(e.shape), "params": e.weights + e.biases + e.non_trainable,
            "trainable": e.weights + e.biases, "non_trainable": e.non_trainable}


def _agrees(numbers: dict[str, Any] | None, values: dict[str, Any]) -> bool:
    return numbers is not None and all(numbers[f] == v for f, v in values.items())


def likely_cause(network: Network, analysis: Analysis, check: LayerCheck) -> str:
    """Why archcalc and Keras disagree about one row, as precisely as can be told.

    The layer is recomputed from the spec, and under each alternative convention; the cause is
    the convention whose numbers Keras (or the analysis) reproduces.
    """
    node = network.nodes[check.index]
    kind = KINDS[node.kind]
    shapes = _shapes(analysis)
    theirs = {c.field: c.keras for c in check.cells if not c.skipped}
    ours = {c.field: c.ours for c in check.cells if not c.skipped}
    parents = [shapes[i] for i in node.inputs]
    spec = _numbers(kind, node.args, parents)
    applicable = [(arg, value, meaning) for arg, value, meaning in _ALTERNATIVES
                  if arg in node.args and node.args[arg] != value]
    # One convention changed, then two at once (valid padding *and* no bias, say).
    combos = [[a] for a in applicable] + [[a, b] for i, a in enumerate(applicable)
                                          for b in applicable[i + 1:] if a[0] != b[0]]
    keras_agrees_with_spec = _agrees(spec, theirs)
    for combo in combos:
        alt = _numbers(kind, {**node.args, **{arg: value for arg, value, _ in combo}}, parents)
        meaning = " and ".join(m for _, _, m in combo)
        written = ", ".join(f"{arg}={node.args[arg]!r}" for arg, _, _ in combo)
        if keras_agrees_with_spec and _agrees(alt, ours):
            return f"the analysis assumed {meaning}, but the spec says {written} (and Keras agrees with the spec)"
        if not keras_agrees_with_spec and _agrees(alt, theirs):
            return f"Keras' numbers are those of {meaning}; archcalc's are those of {written}"
    if keras_agrees_with_spec:
        return ("the analysis does not match archcalc's own recomputation of this layer from the spec "
                f"(shape {spec['output_shape']}, {spec['params']:,} params): it was computed from a different spec")
    diffs = [c for c in check.cells if not c.ok]
    if node.kind == "batchnorm" and any(c.field != "output_shape" for c in diffs):
        return ("batch normalisation: Keras keeps 4 values per channel (γ, β trained; moving mean and "
                "variance not trained)")
    return (f"archcalc's formula for `{node.kind}` and Keras disagree: "
            + "; ".join(f"{c.field} {c.ours} vs {c.keras}" for c in diffs)
            + ". This is a bug in archcalc or an option Keras reads differently: please report it")
