"""The calculator: walk a network's graph and return every number as data.

:func:`analyze_network` is the only place where shapes flow from layer to layer. It asks each
node's registered kind for its :class:`~archcalc.kinds.Effect`, adds the receptive field and the
activation count, and collects rows and totals. Renderers (``archcalc.render``) only format what
it returns.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from . import kinds as K
from .errors import ArchcalcError, ShapeError, UsageError
from .formulas import Field, Window, union
from .limits import MAX_BATCH, MAX_TENSOR_VALUES
from .memory import OPTIMIZER_SLOTS, TrainingMemory, training_memory
from .network import Network, Shape

#: Bytes per value of each dtype ``--dtype`` accepts.
DTYPES = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}


@dataclass(frozen=True)
class Row:
    """One layer of the table. Counts are for one example.

    Attributes:
        index: position in the network; node 0 is the input, so the first layer is 1.
        name: the layer in the paper notation, every non-default option written (``conv3-64 stride=2``).
        kind: the registered kind (``conv``, ``dense``, ``maxpool``...; see :mod:`archcalc.kinds`).
        output_shape: ``(H, W, C)`` for a feature map, ``(N,)`` for a flat vector.
        params: every parameter Keras counts: ``trainable + non_trainable``.
        weights: trainable multiplicative parameters (kernels, batch norm's γ).
        biases: trainable additive parameters (biases, batch norm's β); 0 with ``count_bias=False``.
        trainable: ``weights + biases``.
        non_trainable: parameters kept but not trained (batch norm's moving mean and variance).
        activations: values in the layer's output (the CS231n "memory" column).
        macs: multiply-accumulates; FLOPs are twice as many.
        rf_size: receptive field of one output value, in input pixels, per spatial axis of the input
            (``(H, W)``; ``(steps,)`` for sequences, ``(D, H, W)`` for volumes); the largest over the
            output positions after an upsampling.
        rf_stride: effective stride (jump) of the output grid, in input pixels, per axis; a
            :class:`~fractions.Fraction` below 1 after upsampling or a transposed convolution.
        inputs: indices of the parent nodes (node 0 is the input).
        activation: the fused activation of a conv/FC layer (``relu``), ``None`` when linear or not fused.
        explain: the working behind the numbers, one equation a line (``--explain``).
        source: the layer as the user wrote it.
        scope: the blocks and branches the layer sits in, outermost first (empty in a chain).
        buffers: values kept that are not parameters, as PyTorch counts them (``module.buffers()``:
            batch norm's running statistics); 0 for Keras and the paper notation, where batch
            norm's statistics are ``non_trainable`` parameters.
        module: the PyTorch module that made the layer (``layer1.0.conv1``), empty otherwise.
        frozen: its PyTorch parameters frozen by hand (``requires_grad = False``), part of ``non_trainable``.
    """

    index: int
    name: str
    kind: str
    output_shape: Shape
    params: int
    weights: int
    biases: int
    trainable: int
    non_trainable: int
    activations: int
    macs: int
    rf_size: tuple[int, ...]
    rf_stride: tuple[Any, ...]
    inputs: tuple[int, ...]
    activation: str | None
    explain: tuple[str, ...]
    source: str = ""
    scope: tuple[str, ...] = ()
    rf_padding: tuple[Any, ...] = ()  # effective padding per axis (google-research/receptive_field)
    buffers: int = 0
    module: str = ""
    frozen: int = 0


@dataclass(frozen=True)
class Totals:
    """The sums of a network's rows, for one example.

    Attributes:
        params: every parameter (``trainable_params + non_trainable_params``).
        trainable_params: parameters a training step updates.
        non_trainable_params: parameters kept but not trained (batch norm statistics).
        weights: sum of the rows' ``weights``.
        biases: sum of the rows' ``biases``.
        activations: values in all layers' outputs.
        activation_bytes: ``activations`` times the dtype's size times the batch.
        macs: multiply-accumulates of one forward pass.
        buffers: values kept that are not parameters (PyTorch's ``model.buffers()``).
        frozen: PyTorch parameters frozen by hand (``requires_grad = False``), part of ``non_trainable_params``.
    """

    params: int
    trainable_params: int
    non_trainable_params: int
    weights: int
    biases: int
    activations: int
    activation_bytes: int
    macs: int
    buffers: int = 0
    frozen: int = 0

    @property
    def flops(self) -> int:
        """FLOPs counted as 2 per multiply-accumulate (one multiply, one add)."""
        return 2 * self.macs


@dataclass(frozen=True)
class Memory:
    """Memory budget in bytes for a batch, in the spirit of torchinfo's footer, for training too.

    Training keeps every layer's output for the backward pass, and the backward pass holds a
    gradient of the same size for each (``x2``, as torchinfo counts it); weights get a gradient
    each and the optimizer its state (Adam: 2 values per weight, momentum: 1, SGD: none).
    Inference needs only the weights and, at the widest point, one layer's input and output.

    Attributes:
        batch: examples per batch.
        dtype_bytes: bytes per value.
        optimizer: the optimizer whose state is counted.
        parameters: bytes of all parameters (biases included even with ``count_bias=False``) and buffers.
        gradients: bytes of one gradient per trainable parameter.
        optimizer_state: bytes of the optimizer's slots per trainable parameter.
        input: bytes of the input batch.
        forward: bytes of every layer's output for the batch (kept for the backward pass).
        backward: bytes of the gradients of those outputs.
        inference_peak: bytes of the widest layer's input and output together.
        model: the refined training estimate (:mod:`archcalc.memory`): what the framework keeps alive.
    """

    batch: int
    dtype_bytes: int
    optimizer: str
    parameters: int
    gradients: int
    optimizer_state: int
    input: int
    forward: int
    backward: int
    inference_peak: int
    model: TrainingMemory | None = None

    @property
    def training(self) -> int:
        """The training peak of :attr:`model`; without one, the sum of every piece (the older count)."""
        if self.model is not None:
            return self.model.total
        return (self.parameters + self.gradients + self.optimizer_state + self.input
                + self.forward + self.backward)

    @property
    def inference(self) -> int:
        return self.parameters + self.inference_peak


@dataclass
class Analysis:
    """Everything archcalc knows about one network, for one batch size, dtype and bias convention.

    Attributes:
        network: the network's name.
        input_shape: ``(H, W, C)`` or ``(N,)``.
        rows: one :class:`Row` per layer, in order.
        totals: the column sums.
        memory: the memory estimate for the batch.
        receptive_field: the last layer's receptive field, per spatial axis of the input.
        settings: the options it was computed with (batch, dtype, count_bias, optimizer).
        notation: ``"paper"``, ``"keras"`` or ``"torch"``: whose defaults the spec was read with.
        layout: how tables write shapes: ``"nchw"`` (channels first, PyTorch's) or ``"nhwc"``
            (channels last); empty: the notation's own (:attr:`shown_layout`). Data (JSON, CSV) is
            channels-last always.
    """

    network: str
    input_shape: Shape
    rows: list[Row]
    totals: Totals
    memory: Memory
    receptive_field: tuple[int, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    notation: str = "paper"
    layout: str = ""
    #: PyTorch modules the forward pass never calls: in the totals, without a row (:class:`~archcalc.network.Unused`).
    unused: tuple[Any, ...] = ()

    @property
    def shown_layout(self) -> str:
        """The layout of the tables: :attr:`layout`, else ``nchw`` for PyTorch and ``nhwc`` otherwise."""
        return self.layout or ("nchw" if self.notation == "torch" else "nhwc")

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of DESIGN §4 (plus extra fields; the fixed ones are never renamed)."""
        from .render import analysis_dict

        return analysis_dict(self)

    def to_markdown(self) -> str:
        from .render import markdown_table

        return markdown_table(self)

    def to_text(self, *, width: int | None = None, explain: bool = False) -> str:
        """The table ``archcalc summary`` prints; ``width`` fits it to so many columns.

        >>> from archcalc import analyze
        >>> print(analyze("input 28x28\\nconv3-8").to_text().splitlines()[4])
          1   conv3-8   28x28x8       80         6,272   24.50 KiB   56.45 K         3 /1
        """
        from .render import text_table

        return text_table(self, width=width, explain=explain)

    def __str__(self) -> str:  # print(analysis) shows the table, as Keras' model.summary() does
        return self.to_text()

    def _repr_html_(self) -> str:  # Jupyter
        from .render import html_table

        return html_table(self)

    def __repr__(self) -> str:
        t = self.totals
        return (f"<Analysis {self.network}: {len(self.rows)} layers, {t.params:,} params, "
                f"{t.macs:,} MACs>")


def dtype_size(dtype: str) -> int:
    try:
        return DTYPES[dtype.lower()]
    except KeyError:
        raise UsageError(f"unknown dtype `{dtype}`", hint="use one of: " + ", ".join(DTYPES)) from None


def analyze_network(network: Network, *, batch: int = 1, dtype: str = "float32",
                    count_bias: bool = True, optimizer: str = "adam") -> Analysis:
    """Compute shapes, parameters, activations, MACs, receptive field and memory of a network.

    Args:
        network: a parsed network (node 0 is its input).
        batch: examples per batch, for the byte counts.
        dtype: value type of weights and activations (``float32``, ``float16``, ...).
        count_bias: ``False`` counts weights only (the CS231n table's convention).
        optimizer: for the optimizer state in the training memory estimate.

    Raises:
        ShapeError: a layer cannot take what reaches it; located at that layer.

    >>> from archcalc.paper import parse_paper
    >>> a = analyze_network(parse_paper("input 32x32x3\\nconv3-8\\nmaxpool\\nFC-10")[0])
    >>> [r.output_shape for r in a.rows], a.totals.params
    ([(32, 32, 8), (16, 16, 8), (10,)], 20714)
    """
    if batch < 1:
        raise UsageError(f"the batch size must be at least 1, got {batch}")
    if batch > MAX_BATCH:
        raise UsageError(f"the batch size {batch:.3g} is more than archcalc computes with ({MAX_BATCH:,})",
                         hint="give the batch you would train with; `profile --fit-memory SIZE` finds the largest "
                              "that fits")
    size = dtype_size(dtype)
    if optimizer not in OPTIMIZER_SLOTS:
        raise UsageError(f"unknown optimizer `{optimizer}`", hint="use one of: " + ", ".join(OPTIMIZER_SLOTS))

    shapes: list[Shape] = []
    # The receptive field per spatial axis of the input (one axis for a flat input: its positions),
    # and the grid each tensor's values sit on (1s once pooled or flattened away).
    rank = len(network.input_shape) - 1 if len(network.input_shape) > 1 else 1
    fields: list[tuple[Field, ...]] = []
    grids: list[tuple[int, ...]] = []
    rows: list[Row] = []
    peak = 0
    # What memory holds, biases included even when the counts leave them out (--no-bias is a
    # counting convention: the biases still take their bytes).
    stored = stored_trainable = 0
    # What a kind makes of the same options and input shapes is the same every time (a kind is pure
    # integer formulas): a deep chain of equal layers (`relu x100000`, a conv repeated) infers each once.
    inferred: dict[tuple[Any, ...], tuple[K.Effect, str, tuple[str, ...]]] = {}
    # Equal layers often share one dictionary of options (a repeat, a line read again): its part of the key
    # is made once. The nodes keep their dictionaries alive, so an id is not reused meanwhile.
    option_keys: dict[tuple[str, int], tuple[Any, ...] | None] = {}
    last_field: tuple[Field, ...] = ()
    rf: tuple[tuple[int, ...], tuple[Any, ...], tuple[Any, ...]] = ((), (), ())
    for index, node in enumerate(network.nodes):
        kind = K.KINDS[node.kind]
        in_shapes = [shapes[i] for i in node.inputs]
        shared = (node.kind, id(node.args))
        if shared in option_keys:
            options = option_keys[shared]
        else:
            options = option_keys[shared] = _inference_key(node.kind, node.args, [])
        key = None if options is None else (*options, *in_shapes)
        try:
            if key is None or (known := inferred.get(key)) is None:
                K.check_rank(kind, node.args, in_shapes)
                effect = kind.infer(node.args, in_shapes)
                out = effect.shape
                known = (effect, kind.shown(node.args, in_shapes) if index else "",
                         (*effect.explain, f"memory = {'·'.join(map(str, out))} = {math.prod(out):,} values"))
                if key is not None:
                    inferred[key] = known
            effect, shown, explain = known
        except ArchcalcError as e:
            if len(node.inputs) > 1:  # a merge: say where each branch ends and what it gives
                e.details = (*e.details, *(_branch_end(network, i, p, shapes[p]) for i, p in enumerate(node.inputs, 1)))
            raise e.with_location(node.location) from None
        if math.prod(effect.shape) > MAX_TENSOR_VALUES:  # checked before any size is printed or summed
            digits = int(math.prod(effect.shape).bit_length() * 0.30103)
            raise ShapeError(f"`{node.kind}` (layer {index}) would output about 10^{digits} values for one example, "
                             f"more than archcalc computes ({MAX_TENSOR_VALUES:,}, MAX_TENSOR_VALUES)",
                             location=node.location, hint="check the sizes and the repeat counts before this layer")
        if index == 0:
            shapes.append(effect.shape)
            fields.append((Field(),) * rank)
            grids.append(_grid(effect.shape, rank) or (1,) * rank)
            continue
        # A merge sees the union of its branches' windows; its grid is the widest branch's (the
        # others are equal, or 1 along a broadcast axis).
        if len(node.inputs) == 1:
            field, grid = fields[node.inputs[0]], grids[node.inputs[0]]
        else:
            field = tuple(union([fields[i][a] for i in node.inputs]) for a in range(rank))
            grid = max((grids[i] for i in node.inputs), key=math.prod)
        out = effect.shape
        windows = effect.window
        if windows is None or (windows and len(windows) != rank):
            windows = tuple(Window(n) for n in grid)  # over the whole grid: dense, global pooling
        if windows:
            field = tuple(f.through(w) for f, w in zip(field, windows))
        out_grid = _grid(out, rank)
        if out_grid is None:
            # Flat: after dense or global pooling nothing spatial remains; flatten keeps positions.
            out_grid = (1,) * rank if effect.window is None else grid
        shapes.append(out)
        fields.append(field)
        grids.append(out_grid)

        acts = math.prod(out)
        peak = max(peak, acts + (math.prod(in_shapes[0]) if len(in_shapes) == 1 else
                                 sum(math.prod(s) for s in in_shapes)))
        if node.shares is not None:  # a layer called again: its weights are counted where first used
            effect = dataclasses.replace(effect, weights=0, biases=0, non_trainable=0, buffers=0)
        frozen = 0
        if node.frozen:  # PyTorch parameters frozen by hand (requires_grad = False): kept, not trained
            frozen = effect.weights * ("weight" in node.frozen) + effect.biases * ("bias" in node.frozen)
            effect = dataclasses.replace(effect, weights=effect.weights * ("weight" not in node.frozen),
                                         biases=effect.biases * ("bias" not in node.frozen),
                                         non_trainable=effect.non_trainable + frozen)
        biases = effect.biases if count_bias else 0
        trainable = effect.weights + biases
        stored_trainable += effect.weights + effect.biases
        stored += effect.weights + effect.biases + effect.non_trainable + effect.buffers
        if field is not last_field:  # an element-wise layer keeps its input's field, and the same tuples
            last_field = field
            rf = (tuple(_up(f.size) for f in field), tuple(f.jump for f in field), tuple(f.padding for f in field))
        rows.append(Row(index, shown, node.kind, out, trainable + effect.non_trainable,
                        effect.weights, biases, trainable, effect.non_trainable, acts, effect.macs,
                        rf[0], rf[1], node.inputs, node.args.get("activation") if kind.fused_activation else None,
                        explain, node.source, node.scope, rf[2], effect.buffers, node.module, frozen))

    # A PyTorch module that forward never calls has no row, but model.parameters() counts it (and so the
    # tensors a module holds itself); those frozen by hand are not trainable.
    extra_weights = sum(u.weights for u in network.unused)
    extra_biases = sum(u.biases for u in network.unused) if count_bias else 0
    extra_frozen = sum(u.frozen for u in network.unused)
    stored_trainable += sum(u.params - u.frozen for u in network.unused)
    stored += sum(u.params + u.buffers for u in network.unused)
    params = sum(r.params for r in rows) + extra_weights + extra_biases
    trainable = sum(r.trainable for r in rows) + extra_weights + extra_biases - extra_frozen
    acts = sum(r.activations for r in rows)
    totals = Totals(params, trainable, params - trainable, sum(r.weights for r in rows) + extra_weights,
                    sum(r.biases for r in rows) + extra_biases, acts, acts * size * batch,
                    sum(r.macs for r in rows), sum(r.buffers for r in rows) + sum(u.buffers for u in network.unused),
                    sum(r.frozen for r in rows) + extra_frozen)
    input_values = math.prod(network.input_shape)
    memory = Memory(
        batch=batch, dtype_bytes=size, optimizer=optimizer,
        parameters=stored * size,
        gradients=stored_trainable * size,  # one gradient per trainable parameter
        optimizer_state=OPTIMIZER_SLOTS[optimizer] * stored_trainable * size,
        input=input_values * size * batch,
        forward=acts * size * batch,
        backward=acts * size * batch,  # x2 for the gradients of the activations
        inference_peak=max(peak, input_values) * size * batch,
        model=training_memory(rows, [n.args for n in network.nodes[1:]], network.input_shape, batch=batch,
                              dtype_bytes=size, optimizer=optimizer, parameters=stored,
                              trainable=stored_trainable),
    )
    return Analysis(network.name, network.input_shape, rows, totals, memory,
                    tuple(_up(f.size) for f in fields[-1]),
                    {"batch": batch, "dtype": dtype, "count_bias": count_bias, "optimizer": optimizer},
                    network.notation, unused=tuple(network.unused))


def _inference_key(kind: str, args: dict[str, Any], shapes: list[Shape]) -> tuple[Any, ...] | None:
    """What a kind's inference depends on, as a dictionary key; ``None`` when an option's value cannot be
    one (a list). Each value goes with its type: ``1``, ``1.0`` and ``True`` are equal keys in Python but
    may read differently (``dropout 0`` is written as given).

    >>> _inference_key("dropout", {"rate": 0}, [(8,)]) == _inference_key("dropout", {"rate": 0.0}, [(8,)])
    False
    >>> _inference_key("dense", {"units": [3]}, [(8,)]) is None
    True
    """
    try:
        key = (kind, *shapes, *((k, type(v), tuple(map(type, v)) if type(v) is tuple else None, v)
                                for k, v in args.items()))
        hash(key)
    except TypeError:
        return None
    return key


def _grid(shape: Shape, rank: int) -> tuple[int, ...] | None:
    """The spatial sizes of a tensor of the input's rank (``None`` for a flat one or another rank)."""
    return tuple(shape[:-1]) if len(shape) - 1 == rank and len(shape) > 1 else None


def _up(x: Any) -> int:
    """A field size as a whole number of pixels (rounded up after a fractional stride)."""
    return -(-x.numerator // x.denominator) if hasattr(x, "denominator") else int(x)


def _branch_end(network: Network, number: int, parent: int, shape: Shape) -> str:
    """``branch 2 ends at layer 16 (batchnorm, line 12): 56x56x256``."""
    node = network.nodes[parent]
    if parent == 0:
        what = "is the network's input"
    else:
        where = f", line {node.location.line}" if node.location is not None else ""
        what = f"ends at layer {parent} ({node.source or node.kind}{where})"
    return f"branch {number} {what}: {'x'.join(map(str, shape))}"


def largest_batch(analysis: Analysis, budget: int) -> int:
    """The largest batch whose training memory fits in ``budget`` bytes (0 when none does).

    The estimate is linear in the batch: ``fixed + batch·per_example``, so the answer is exact.
    """
    m = analysis.memory
    if m.model is not None:
        return m.model.largest_batch(budget)
    fixed = m.parameters + m.gradients + m.optimizer_state
    per_example = (m.input + m.forward + m.backward) // m.batch
    if budget < fixed + per_example:
        return 0
    return (budget - fixed) // per_example


def as_plain(obj: Any) -> Any:
    """Dataclasses to dicts and tuples to lists, for JSON."""
    if hasattr(obj, "__dataclass_fields__"):
        return as_plain(asdict(obj))
    if isinstance(obj, dict):
        return {k: as_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [as_plain(v) for v in obj]
    return obj
