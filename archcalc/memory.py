"""The training-memory model: what Keras on TensorFlow keeps alive during one training step.

The older estimate (kept as ``Memory.forward``/``backward``, the count of torchinfo's footer) held every
layer's output and a gradient of the same size for each, all at once. A framework does neither. This
module follows a training step through the network and adds up, at each point of the forward and the
backward pass, the tensors alive there; the peak of that walk is the estimate. The convention is named
:data:`CONVENTION` in every output that prints it.

What is alive, for Keras 3 on TensorFlow (graph mode: ``model.fit``/``train_on_batch`` trace the step
into a ``tf.function`` whose executor frees each tensor after its last use):

- **saved for backward**: a tensor stays from the forward pass until the backward op that needs it has
  run. A convolution or dense layer needs its input (for the weights' gradient); ReLU, sigmoid, tanh,
  softmax and ELU need their output, leaky ReLU, GELU, SiLU and the other composite functions their
  input; max pooling needs its input and its output (TensorFlow's ``MaxPoolGrad`` recomputes the argmax
  from them: it keeps no indices, unlike PyTorch); batch normalization its input; dropout its mask;
  average pooling, padding, adding and concatenating need only shapes. :data:`RULES` is the table.
- **not kept**: a tensor no backward op needs is freed as soon as the forward pass has used it (a
  convolution's output before its ReLU, a batch norm's output before the ReLU after it: the ReLU's
  output is what is kept; TensorFlow writes many elementwise results into their input's buffer).
- **freed as backward proceeds**: the backward pass runs from the last layer to the first, and frees
  what each layer saved once that layer's gradient is done; a layer's output gradient lives from the
  first consumer's backward to its own (in a residual block, across the branch).
- **fixed**: weights, their gradients (``tape.gradient`` returns them all before the optimizer applies
  them), the optimizer's slots, the optimizer's temporaries while it updates them, and
  the framework's own memory for the traced step (a constant and a little per layer, measured).

Every activation term is per example and scales with the batch; the peak's position does not depend on
the batch, so ``total(batch) = fixed + batch · per_example`` exactly.

The constants (:data:`FRAMEWORK_BYTES`, :data:`FRAMEWORK_BYTES_PER_LAYER`, :data:`OPTIMIZER_TEMPORARIES`,
:data:`WORKSPACE`) were measured with ``archcalc profile`` on a CPU (``benchmarks/profile.py``,
``docs/profiling.md``): each is a number that the walk cannot derive, fitted once, not per network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: The name of this model in every output that prints it.
CONVENTION = "keras-tensorflow"

#: The framework's own memory for a traced training step (the step's graph, the kernels' caches, the
#: optimizer's bookkeeping): a constant, and a part per layer that depends on the optimizer (Adam's update
#: of each variable is a dozen ops of the traced step). Fitted by least squares on the measurements of
#: ``benchmarks/profile.py`` (Adam); SGD's from three measurements with SGD; RMSprop and AdamW take Adam's
#: (not measured).
FRAMEWORK_BYTES = 21 * 2**20
FRAMEWORK_BYTES_PER_LAYER = {"sgd": 900 * 2**10, "momentum": 900 * 2**10, "rmsprop": 2400 * 2**10,
                             "adam": 2400 * 2**10, "adamw": 2400 * 2**10}
#: The optimizer's temporaries, in multiples of the trainable parameters' bytes: Keras' update of a variable
#: makes tensors of its size (``(g - m)·(1 - β₁)``, ``g²``, ``√v + ε``, ...), and TensorFlow's executor runs
#: the updates of all variables as they become ready, so many are alive at once. Fitted with the constants
#: above (Adam: 1.4); SGD's update (``w - lr·g``) makes one per variable at most.
OPTIMIZER_TEMPORARIES = {"sgd": 0.5, "momentum": 1.0, "rmsprop": 1.4, "adam": 1.4, "adamw": 1.4}
#: Scratch space of the layers computing at the peak, in multiples of the larger of their input and output
#: (oneDNN's reordered copies of a convolution's input and output, the backward kernels' buffers).
WORKSPACE = 1.0
#: Bytes of one value of dropout's mask (a boolean tensor).
MASK_BYTES = 1

#: Values of optimizer state kept per trainable parameter.
OPTIMIZER_SLOTS = {"sgd": 0, "momentum": 1, "rmsprop": 1, "adam": 2, "adamw": 2}


@dataclass(frozen=True)
class Rule:
    """What one layer kind keeps for its backward pass.

    Attributes:
        input: keeps its input (a convolution, for its weights' gradient).
        output: keeps its output (max pooling).
        mask: keeps one value per output value (dropout's mask).
        alias: its output is its input, reshaped (flatten): no new memory, no new gradient.
        input_grad_only: what it keeps only matters when a gradient must flow through it to a layer with
            weights (max pooling right after the input needs no backward at all).
    """

    input: bool = False
    output: bool = False
    mask: bool = False
    alias: bool = False
    input_grad_only: bool = True


#: The rule of each layer kind (by its registered name; see :mod:`archcalc.kinds`). A kind missing here is
#: taken as keeping its input and its output (:data:`DEFAULT_RULE`), the most any layer keeps, and is
#: listed in :attr:`TrainingMemory.assumed`.
RULES: dict[str, Rule] = {
    "input": Rule(),
    "conv": Rule(input=True, input_grad_only=False),
    "depthwise": Rule(input=True, input_grad_only=False),
    "separable": Rule(input=True, input_grad_only=False),
    "dense": Rule(input=True, input_grad_only=False),
    "prelu": Rule(input=True, input_grad_only=False),
    "batchnorm": Rule(input=True, input_grad_only=False),
    "maxpool": Rule(input=True, output=True),
    "global_maxpool": Rule(input=True, output=True),
    "lrn": Rule(input=True, output=True),
    "avgpool": Rule(),
    "global_avgpool": Rule(),
    "zeropad": Rule(),
    "add": Rule(),
    "concat": Rule(),
    "dropout": Rule(mask=True),
    "flatten": Rule(alias=True),
    "reshape": Rule(alias=True),
    "activation": Rule(),  # its function decides: ACTIVATION_KEEPS
}
DEFAULT_RULE = Rule(input=True, output=True)

#: What an activation function's gradient needs: ``output`` (ReLU's gradient is 0 where its output is),
#: ``input`` (leaky ReLU, and the functions TensorFlow computes from several ops, which keep their
#: input and one intermediate: 2 tensors), or nothing (``linear``).
ACTIVATION_KEEPS: dict[str, tuple[str, int]] = {
    "relu": ("output", 1), "relu6": ("output", 1), "sigmoid": ("output", 1), "tanh": ("output", 1),
    "softmax": ("output", 1), "log_softmax": ("output", 1), "elu": ("output", 1), "selu": ("output", 1),
    "exponential": ("output", 1), "leaky_relu": ("input", 1), "softplus": ("input", 1),
    "softsign": ("input", 1), "gelu": ("input", 2), "silu": ("input", 2), "swish": ("input", 2),
    "hard_sigmoid": ("input", 1), "hard_silu": ("input", 2), "hard_swish": ("input", 2),
    "mish": ("input", 2), "celu": ("input", 2),
}


@dataclass(frozen=True)
class TrainingMemory:
    """The peak memory of a training step, in bytes, and what it is made of.

    Attributes:
        convention: :data:`CONVENTION`.
        batch: examples per batch.
        parameters: every parameter's bytes.
        gradients: one gradient per trainable parameter.
        optimizer_state: the optimizer's slots.
        optimizer_temporaries: the optimizer's scratch while it updates the weights.
        framework: the framework's own memory for the step.
        input: the input batch.
        saved: activations kept for the backward pass, alive at the peak.
        gradients_in_flight: activation gradients alive at the peak.
        workspace: the layers' scratch at the peak.
        peak_layer: index of the layer where the activations' peak falls.
        peak_phase: ``forward`` or ``backward``.
        per_example: the activation bytes of one example at the peak (saved + gradients + workspace).
        assumed: kinds without a rule in :data:`RULES`, taken to keep input and output.
    """

    convention: str
    batch: int
    parameters: int
    gradients: int
    optimizer_state: int
    optimizer_temporaries: int
    framework: int
    input: int
    saved: int
    gradients_in_flight: int
    workspace: int
    peak_layer: int
    peak_phase: str
    per_example: int
    assumed: tuple[str, ...] = ()

    @property
    def fixed(self) -> int:
        """What does not depend on the batch."""
        return (self.parameters + self.gradients + self.optimizer_state + self.optimizer_temporaries
                + self.framework)

    @property
    def total(self) -> int:
        """The estimated peak of the whole step."""
        return self.fixed + self.input + self.saved + self.gradients_in_flight + self.workspace

    def at_batch(self, batch: int) -> int:
        """The total for another batch (the walk is linear in the batch).

        >>> m = TrainingMemory(CONVENTION, 2, 10, 10, 20, 5, 100, 8, 40, 20, 4, 1, "backward", 36)
        >>> m.total, m.at_batch(4)
        (217, 289)
        """
        return self.fixed + batch * self.per_example

    def largest_batch(self, budget: int) -> int:
        """The largest batch whose total fits in ``budget`` bytes (0 when none does).

        >>> m = TrainingMemory(CONVENTION, 1, 10, 10, 20, 5, 100, 4, 20, 10, 2, 1, "backward", 36)
        >>> m.largest_batch(145 + 3 * 36), m.largest_batch(100)
        (3, 0)
        """
        if budget < self.fixed + self.per_example:
            return 0
        return (budget - self.fixed) // self.per_example


def _keeps(kind: str, args: dict[str, Any]) -> tuple[Rule, tuple[str, int] | None]:
    """The rule of a layer and what its activation keeps (a fused one, or an ``activation`` layer's)."""
    rule = RULES.get(kind, DEFAULT_RULE)
    function = args.get("function") if kind == "activation" else args.get("activation")
    if function is None or function == "linear":
        return rule, None
    return rule, ACTIVATION_KEEPS.get(function, ("input", 2))


def training_memory(rows: Sequence[Any], args: Sequence[dict[str, Any]], input_shape: Sequence[int], *,
                    batch: int, dtype_bytes: int, optimizer: str, parameters: int, trainable: int) -> TrainingMemory:
    """Walk one training step and return its peak.

    Args:
        rows: the analysis' rows (:class:`archcalc.analysis.Row`: kind, output_shape, inputs, trainable).
        args: each row's layer arguments (``Node.args``), in the same order.
        input_shape: the network's input shape.
        batch: examples per batch.
        dtype_bytes: bytes per value.
        optimizer: a key of :data:`OPTIMIZER_SLOTS`.
        parameters: every parameter stored (biases included).
        trainable: the trainable ones among them.

    >>> from archcalc.analysis import analyze_network
    >>> from archcalc.paper import parse_paper
    >>> a = analyze_network(parse_paper("input 8x8\\nconv3-4\\nmaxpool\\nFC-10")[0])
    >>> m = a.memory.model
    >>> m.convention, m.peak_phase, m.saved // 4
    ('keras-tensorflow', 'backward', 256)
    """
    n = len(rows)
    size = [math.prod(input_shape)] + [math.prod(r.output_shape) for r in rows]  # values per example
    parents: list[tuple[int, ...]] = [()] + [tuple(r.inputs) for r in rows]
    kinds = ["input"] + [r.kind for r in rows]
    node_args: list[dict[str, Any]] = [{}, *args]  # read, never written
    rules = [_keeps(k, a) for k, a in zip(kinds, node_args)]
    assumed = tuple(sorted({k for k in kinds if k not in RULES}))

    # The buffer each node's output lives in: flatten and reshape give their input's a new shape.
    buffer = list(range(n + 1))
    for i in range(1, n + 1):
        if rules[i][0].alias:
            buffer[i] = buffer[parents[i][0]]
    # A gradient flows through a node when it, or anything before it, has weights to train.
    flows = [False] * (n + 1)
    for i in range(1, n + 1):
        flows[i] = rows[i - 1].trainable > 0 or any(flows[p] for p in parents[i])

    # Tensors kept for backward: key -> (values per example, the first node in forward order that needs
    # it: it is freed once that node's backward has run, the backward going from the last node to the first).
    saved: dict[tuple[str, int], list[int]] = {}
    produced: dict[tuple[str, int], int] = {}

    def keep(key: tuple[str, int], values: int, needer: int, made_at: int) -> None:
        if key[0] == "out" and key[1] == 0:
            return  # the input batch: counted as the input
        if key in saved:
            saved[key][1] = min(saved[key][1], needer)
        else:
            saved[key] = [values, needer]
            produced[key] = made_at

    transient = [0] * (n + 1)  # per node: forward temporaries (a pre-activation nobody keeps)
    for i in range(1, n + 1):
        if not flows[i]:
            continue
        rule, act = rules[i]
        upstream = any(flows[p] for p in parents[i])
        if not rule.input_grad_only or upstream:
            if rule.input:
                for p in parents[i]:
                    keep(("out", buffer[p]), size[p], i, p)
            if rule.output:
                keep(("out", buffer[i]), size[i], i, i)
            if rule.mask:  # counted in values of the dtype
                keep(("mask", i), -(-size[i] * MASK_BYTES // dtype_bytes), i, i)
        if act is not None:
            what, count = act
            if what == "output":
                keep(("out", buffer[i]), size[i], i, i)
            else:  # the pre-activation, and intermediates of a composite function
                keep(("pre", i), size[i] * count, i, i)
            if kinds[i] != "activation" and what == "output":
                transient[i] = size[i]  # the pre-activation, freed when the function has run
        if kinds[i] == "separable":
            # the depthwise half's output, the pointwise half's input: kept for the pointwise weights' gradient
            mid = size[i] // node_args[i]["filters"] * _channels(rows, i, input_shape) * node_args[i]["multiplier"]
            keep(("mid", i), mid, i, i)

    # Forward: at node i, every saved tensor made so far, the outputs still waiting for a consumer, the
    # node's inputs and output, and its temporaries. Sums over ranges of nodes are kept as difference arrays
    # (+v where a tensor starts to live, -v after it ends): a 20,000-layer network stays linear.
    last_use = list(range(n + 1))
    consumers: list[list[int]] = [[] for _ in range(n + 1)]
    for i in range(1, n + 1):
        for p in parents[i]:
            last_use[buffer[p]] = max(last_use[buffer[p]], i)
            consumers[p].append(i)
    kept_from = [0] * (n + 2)
    kept_buffers = set()
    for key, (values, _) in saved.items():
        kept_from[produced[key]] += values
        if key[0] == "out":
            kept_buffers.add(key[1])
    waiting = [0] * (n + 2)
    for b in set(buffer[1:]):
        if b not in kept_buffers:
            waiting[b] += size[b]
            waiting[last_use[b] + 1] -= size[b]
    best = (0, 0, 0, 0, "forward")  # (total, saved, gradients, workspace, phase), per example
    peak_node = 1
    kept = alive = 0
    for i in range(1, n + 1):
        kept += kept_from[i]
        alive += waiting[i]
        work = int(WORKSPACE * max([size[i], *(size[p] for p in parents[i])]))
        total = kept + alive + transient[i] + work
        if total > best[0]:
            best, peak_node = (total, kept + alive + transient[i], 0, work, "forward"), i

    # Backward: from the last node to the first. At node i: the saved tensors whose first needer is at or
    # before i, the output gradients of nodes up to i whose consumers have run (node j's lives from its
    # last consumer's backward to its own), and the gradients this node makes for its inputs (none for an
    # alias: its gradient is its output's, reshaped).
    needed_until = [0] * (n + 2)
    for values, needer in saved.values():
        needed_until[needer] += values
    kept_by = list(needed_until)
    for i in range(1, n + 1):
        kept_by[i] += kept_by[i - 1]  # kept_by[i]: saved tensors whose first needer is at or before i
    grad_alive = [0] * (n + 2)
    for j in range(1, n + 1):
        if flows[j] and not rules[j][0].alias:
            # Made by its last consumer's backward (counted there as that node's new gradient), alive from
            # the node before it down to j's own; the loss's gradient (the last node's) at the last node.
            end = max(consumers[j], default=n + 1) - 1
            grad_alive[j] += size[j]
            grad_alive[end + 1] -= size[j]
    for i in range(1, n + 2):
        grad_alive[i] += grad_alive[i - 1]  # grad_alive[i]: output gradients alive at node i's backward
    for i in range(n, 0, -1):
        if not flows[i]:
            continue
        rule, act = rules[i]
        new = 0 if rule.alias else sum(size[p] for p in parents[i] if flows[p])
        if act is not None:
            new += size[i]  # the gradient of the pre-activation
        work = int(WORKSPACE * max([size[i], *(size[p] for p in parents[i])]))
        total = kept_by[i] + grad_alive[i] + new + work
        if total > best[0]:
            best, peak_node = (total, kept_by[i], grad_alive[i] + new, work, "backward"), i

    _, kept_at_peak, grads_at_peak, work_at_peak, phase = best
    b = dtype_bytes * batch
    slots = OPTIMIZER_SLOTS[optimizer]
    memory = TrainingMemory(
        convention=CONVENTION, batch=batch,
        parameters=parameters * dtype_bytes, gradients=trainable * dtype_bytes,
        optimizer_state=slots * trainable * dtype_bytes,
        optimizer_temporaries=int(OPTIMIZER_TEMPORARIES[optimizer] * trainable * dtype_bytes),
        framework=FRAMEWORK_BYTES + FRAMEWORK_BYTES_PER_LAYER[optimizer] * n,
        input=size[0] * b, saved=kept_at_peak * b, gradients_in_flight=grads_at_peak * b,
        workspace=work_at_peak * b, peak_layer=peak_node, peak_phase=phase,
        per_example=(size[0] + best[0]) * dtype_bytes, assumed=assumed)
    return memory


def _channels(rows: Sequence[Any], i: int, input_shape: Sequence[int]) -> int:
    """Channels of node ``i``'s (first) input."""
    p = rows[i - 1].inputs[0]
    shape = input_shape if p == 0 else rows[p - 1].output_shape
    return shape[-1]


__all__ = ["ACTIVATION_KEEPS", "CONVENTION", "RULES", "TrainingMemory", "training_memory"]
