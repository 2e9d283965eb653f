"""What a parsed spec is: a network as a graph of layer nodes.

Both notations (the paper's and Keras') produce the same :class:`Network`. Each :class:`Node`
names its parents by index in ``Network.nodes``; node 0 is always the input. A chain has
``inputs == (i - 1,)`` everywhere, and branching networks (residual add, concatenation) only add
nodes with several parents, so nothing here assumes a chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import Location

Shape = tuple[int, ...]  # (H, W, C) for feature maps, (N,) for flat vectors


@dataclass(frozen=True)
class Node:
    """One layer of a network, its options fully resolved.

    Args:
        kind: the canonical kind name of the registered :class:`~archcalc.kinds.Kind`.
        args: the kind's options, every default filled in (so both notations agree).
        inputs: indices of the parent nodes in ``Network.nodes``.
        location: where the layer was written, for error messages.
        source: how the layer was written (``"conv3-64"``), when it was written in the spec.
        scope: the blocks and branches the layer sits in, outermost first
            (``("bottleneck(64)", "branch 2")``); empty for a layer of the main chain.
        label: the name the spec gave the layer's output (``conv1-64 as stem``), for ``from stem``.
        origin: the label its input was taken ``from`` (empty: the line before), while it is read.
        shares: the index of an earlier node whose weights this one reuses (a Keras layer object
            called twice): its parameters are counted there, once.
        module: for a network read from PyTorch, the qualified name of the ``nn.Module`` that made the
            node, as ``model.named_modules()`` gives it (``features.0``, ``layer1.0.conv1``); empty for
            a functional operation (``F.relu``, ``torch.flatten``, ``+``) and for other notations.
        frozen: for PyTorch, its parameter tensors that do not train (``requires_grad = False``): ``"weight"``
            (the kind's weights) and ``"bias"`` (its biases); they count as non-trainable parameters.
    """

    kind: str
    args: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)
    inputs: tuple[int, ...] = ()
    location: Location | None = field(default=None, compare=False)
    source: str = field(default="", compare=False)
    scope: tuple[str, ...] = field(default=(), compare=False)
    label: str = field(default="", compare=False)
    origin: str = field(default="", compare=False)
    shares: int | None = None
    module: str = field(default="", compare=False)
    frozen: frozenset[str] = field(default=frozenset(), compare=False)


@dataclass(frozen=True)
class Unused:
    """A module a PyTorch model holds but its forward pass never calls: it has no input, so no row, but
    ``model.parameters()`` and ``model.buffers()`` count it, and so do archcalc's totals.

    Args:
        module: its qualified name (``conv3``, ``aux1.fc``).
        kind: the kind it would be (``conv``).
        source: how the code made it (``nn.Conv2d(64, 128, 3, padding=1)``).
        weights: trainable multiplicative parameters.
        biases: trainable additive parameters.
        buffers: its buffers (batch norm's running statistics).
        location: where the code made it.
        args: the kind's arguments, as a node of that kind would have them.
        shape: the channels-last input it was counted on (a stand-in of the channels its constructor
            names), so that a bridge can build it again and count it itself.
        tensor: for a tensor the module holds itself rather than a module never called (an ``nn.Parameter``,
            a ``register_buffer``), its attribute name: no row counts it, even when ``forward`` reads it
            (``x - self.mean``), and ``kind`` is the class of the module that holds it.
        frozen: how many of its parameters do not train (``requires_grad = False``): counted in the
            parameters, not in the trainable ones.
    """

    module: str
    kind: str
    source: str
    weights: int
    biases: int
    buffers: int
    location: Location | None = field(default=None, compare=False)
    args: dict[str, Any] = field(default_factory=dict, compare=False)
    shape: tuple[int, ...] = ()
    tensor: str = ""
    frozen: int = 0

    @property
    def params(self) -> int:
        return self.weights + self.biases


@dataclass
class Network:
    """A named network: its input shape and its nodes in topological order (node 0 is the input).

    ``notation`` says whose conventions filled the defaults: ``"paper"``, ``"keras"`` or ``"torch"``
    (PyTorch code or a live ``nn.Module``: its parameters are what ``module.parameters()`` counts, its
    buffers apart, and tables show shapes channels-first). Shapes inside are channels-last whatever
    the notation.
    """

    name: str
    nodes: list[Node]
    location: Location | None = None
    notation: str = "paper"  # "paper", "keras" or "torch": which conventions filled the defaults
    #: PyTorch modules the forward pass never calls, counted in the totals (see :class:`Unused`).
    unused: list[Unused] = field(default_factory=list)
    #: The model's variable in the code it was read from (``model``), for ``--net``; empty for the paper notation.
    variable: str = field(default="", compare=False)

    @property
    def layout(self) -> str:
        """The layout the source writes shapes in: ``"nchw"`` for PyTorch, ``"nhwc"`` for the others."""
        return "nchw" if self.notation == "torch" else "nhwc"

    @property
    def input_shape(self) -> Shape:
        return tuple(self.nodes[0].args["shape"])

    @property
    def outputs(self) -> list[int]:
        """The nodes no other node reads: the last one, and side outputs (auxiliary classifiers)."""
        read = {p for n in self.nodes for p in n.inputs}
        return [i for i in range(1, len(self.nodes)) if i not in read] or [0]

    @property
    def layers(self) -> list[Node]:
        """The nodes after the input: the rows of the table."""
        return self.nodes[1:]
