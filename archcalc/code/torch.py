"""What PyTorch's names mean to the evaluator: modules, containers, ``nn.Module`` subclasses, tensors.

The evaluator (:mod:`archcalc.code.evaluator`) knows Python; this names table knows PyTorch. Reading
PyTorch code has two stages, as running it would:

* **construction**: ``nn.Conv2d(3, 6, 5)`` makes a :class:`Layer` (nothing is computed yet: a module
  does not know its input); ``nn.Sequential``, ``nn.ModuleList`` and ``nn.ModuleDict`` are
  :class:`Container` objects; an object of a class of the file based on ``nn.Module`` registers the
  modules assigned to its attributes (``self.conv1 = ...``, ``self.add_module``, ``setattr``) in
  order, as PyTorch's ``__setattr__`` does, which gives every module its qualified name
  (``features.0``, ``layer1.0.conv1``);
* **forward**: the chosen model is called on a symbolic :class:`Tensor` that knows its PyTorch shape
  (channels first, without the batch axis). Each module call adds a node to the graph and infers its
  shape at once, so ``x.size(1)``, ``x.view(x.size(0), -1)`` and conditions on shapes are known.

Layout: the :class:`~archcalc.network.Network` holds channels-last shapes (DESIGN §4). A tensor here
holds that shape and a *layout*: ``FIRST`` when PyTorch's shape is ``(C, H, W)`` (what convolutions
make), ``LAST`` when PyTorch's shape is the channels-last one itself (``(T, E)`` after ``nn.Linear`` or
``nn.Embedding``, ``(H, W, C)`` after ``x.permute(0, 2, 3, 1)``). ``x.size()``, ``view`` and the dims of
``torch.cat`` or ``mean`` follow PyTorch's order; a module that needs the other layout gets a permute.

Tensor operations read both as methods and as functions of ``torch`` (``squeeze``, ``max``, ``chunk``, ...)
are one table, :data:`TENSOR_OPS`. Indexing (``y[:, :, -1]``) and ``chunk``/``split`` are ``slice`` nodes
of archcalc's last axis (another axis is moved last first); a reduction over every spatial axis is
global pooling.

Nothing is imported or run: ``import torch`` binds a :class:`TorchModule` of this table.

>>> code = "import torch.nn as nn\\nmodel = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten())"
>>> net = read(code, input_shape=(1, 8, 8))[0]
>>> [n.kind for n in net.nodes], net.input_shape
(['input', 'conv', 'activation', 'flatten'], (8, 8, 1))
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import kinds as K
from ..errors import ArchcalcError, Location, ShapeError, SpecError
from ..network import Network, Node, Unused
from .evaluator import Evaluator, Names, _kind, parse
from .values import MISSING, Cause, ClassValue, Function, Instance, NoOp, Super, Unknown, Value, deep_unknown

#: Evaluation steps a module's creation and each of its calls cost (as in the Keras table).
LAYER_STEPS = 25
#: Nodes of the graph at most (the evaluator's step budget comes first in practice).
MAX_LAYERS = 20_000
#: Parts of one ``chunk``/``split`` at most (each is a slice node).
MAX_PARTS = 1_024
#: Names that mean PyTorch's modules when the code uses them without importing them (a pasted cell).
UNIMPORTED_MODULES = {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional"}
#: Methods of a module that change nothing archcalc counts (their results are unknown).
MODULE_NO_OPS = ("train", "eval", "to", "cuda", "cpu", "float", "double", "half", "zero_grad", "load_state_dict",
                 "state_dict", "parameters", "named_parameters", "buffers", "named_buffers", "requires_grad_",
                 "apply", "register_forward_hook", "share_memory", "type")
#: Of those, the methods that return the module itself (``model = Net().to(device)`` is still the model).
MODULE_RETURNS_SELF = ("train", "eval", "to", "cuda", "cpu", "float", "double", "half", "requires_grad_", "apply",
                       "share_memory", "type")
#: Methods of a tensor that return it unchanged (layout in memory, device, gradient bookkeeping).
TENSOR_SAME = ("contiguous", "clone", "detach", "cpu", "cuda", "to", "float", "requires_grad_")
#: Functions of ``torch`` that make a tensor from sizes: ``torch.randn(1, 3, 32, 32)`` is an input.
TENSOR_MAKERS = ("randn", "rand", "zeros", "ones", "empty", "randint")
#: Functions of ``torch`` that make a tensor of constant values (a module's buffer or parameter, never an input).
CONSTANT_MAKERS = ("tensor", "full", "eye", "arange")

#: Kinds without parameters or buffers: a module of one of them that ``forward`` never calls changes no count.
PARAMETER_FREE_KINDS = frozenset({"activation", "dropout", "flatten", "reshape", "maxpool", "avgpool",
                                  "adaptive_avgpool", "adaptive_maxpool", "global_avgpool", "global_maxpool",
                                  "upsample", "zeropad", "crop", "permute", "lrn"})
#: Functions of ``torch`` that combine tensors, read here rather than as a module (those that reshape one
#: tensor are in :data:`TENSOR_OPS`, shared with the tensor's methods of the same name).
TENSOR_FUNCTIONS = ("cat", "concat", "concatenate", "add", "mul")


def _known_class(name: str) -> bool:
    return name in K.TORCH_CLASSES


def _parameter_free(class_name: str) -> bool:
    return _kind_of(class_name) in PARAMETER_FREE_KINDS


# -- layout ----------------------------------------------------------------------------------------
def channels_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    """PyTorch's per-example shape (channels first) as archcalc holds it (channels last).

    >>> channels_last((3, 32, 32)), channels_last((16, 100)), channels_last((10,))
    ((32, 32, 3), (100, 16), (10,))
    """
    return tuple(shape) if len(shape) <= 1 else (*shape[1:], shape[0])


def channels_first(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The inverse of :func:`channels_last`.

    >>> channels_first((32, 32, 3))
    (3, 32, 32)
    """
    return tuple(shape) if len(shape) <= 1 else (shape[-1], *shape[:-1])


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


#: The layout of a tensor: ``FIRST``, PyTorch's ``(C, H, W)`` (what convolutions make and take), or
#: ``LAST``, features last (``(T, E)``: what ``nn.Linear`` and ``nn.Embedding`` make, and a feature map
#: after ``x.permute(0, 2, 3, 1)``). archcalc's channels-last shape is the same for both of
#: ``(C, H, W)`` FIRST and ``(H, W, C)`` LAST: a permute that only moves the channels adds no node.
FIRST, LAST = "first", "last"
#: Kinds that act on the last axis of PyTorch's shape (``nn.Linear``): their input is made LAST.
LAST_TAKERS = ("dense",)
#: Kinds that make a LAST tensor whatever their input (``nn.Embedding``: ``(T,)`` → ``(T, E)``).
LAST_MAKERS = ("dense", "embedding")
#: Kinds that act element by element or on the trailing axes as given: they keep the layout.
KEEPERS = ("activation", "dropout", "layernorm", "identity")


def torch_order(cl: tuple[int, ...], layout: str) -> tuple[int, ...]:
    """The PyTorch shape of a tensor from its channels-last shape and its layout.

    >>> torch_order((32, 32, 3), FIRST), torch_order((32, 32, 3), LAST), torch_order((10,), FIRST)
    ((3, 32, 32), (32, 32, 3), (10,))
    """
    return channels_first(cl) if layout == FIRST else tuple(cl)


def from_torch_order(shape: tuple[int, ...], layout: str) -> tuple[int, ...]:
    return channels_last(shape) if layout == FIRST else tuple(shape)


def _cl_axis(torch_axis: int, rank: int, layout: str) -> int:
    """Which axis of the channels-last shape a per-example PyTorch axis (0-based, batch left out) is."""
    if layout == LAST or rank == 1:
        return torch_axis
    return rank - 1 if torch_axis == 0 else torch_axis - 1


@dataclass(eq=False)
class GraphNode:
    """One application of a module or a function: the module object (None for functions and the input)."""

    layer: Layer | None
    kind: str
    args: dict[str, Any]
    parents: tuple[int, ...]
    location: Location | None
    source: str
    cl: tuple[int, ...]  # the output shape as archcalc holds it, channels last
    layout: str = FIRST
    optional: bool = False  # a part of `chunk`/`split`: left out of the network when nothing uses it

    @property
    def shape(self) -> tuple[int, ...]:
        """PyTorch's per-example shape."""
        return torch_order(self.cl, self.layout)


class TorchNames(Names):
    """The names table for PyTorch, and the graph the forward passes build.

    Args:
        input_shape: ``--input``: the per-example input shape, channels first (``(3, 32, 32)``).
    """

    def __init__(self, input_shape: tuple[int, ...] | None = None) -> None:
        self.input_shape = input_shape
        self.graph: list[GraphNode] = []
        self.classes: list[ClassValue] = []  # the nn.Module subclasses of the file, in order
        self.made: dict[int, Constant] = {}  # the tensors made by torch.zeros(1, 3, 1, 1) and the like, by node

    # -- the interface the evaluator uses ------------------------------------------------------
    def module(self, path: str) -> Any:
        if path.split(".")[0] in ("torchsummary", "torchinfo") and path.endswith(".summary"):
            return SummaryFunction(path.split(".")[0] == "torchinfo")
        if path.split(".")[0] in ("torchsummary", "torchinfo") and "." not in path:
            return SummaryModule(path)
        return resolve(self, path)

    def star(self, path: str) -> list[tuple[str, Any]]:
        if path in ("torch.nn", "torch.nn.modules"):
            return [(name, resolve(self, f"torch.nn.{name}")) for name in (*K.TORCH_CLASSES, "Module", "Sequential",
                                                                            "ModuleList", "ModuleDict")]
        if path == "torch.nn.functional":
            prefix = "torch.nn.functional."
            return [(name[len(prefix):], resolve(self, name)) for name in K.TORCH_FUNCTIONS if name.startswith(prefix)]
        return []

    def undefined(self, name: str) -> Any:
        if name == "__name__":
            return "__main__"
        if name in UNIMPORTED_MODULES:
            return resolve(self, UNIMPORTED_MODULES[name])
        if name == "super":
            return SuperFunction()
        if name in ("setattr", "getattr", "hasattr"):
            return AttributeFunction(name)
        if name == "OrderedDict":
            return OrderedDictFunction()
        return MISSING

    def builds_call(self, value: Any, attributes: list[str]) -> bool:
        if isinstance(value, TorchModule):
            if not value.torch or not attributes or "[]" in attributes:
                return value.torch and bool(attributes)
            return self.builds_call(resolve(self, ".".join([value.path, *attributes])), [])
        if attributes and attributes[-1] in MODULE_NO_OPS:
            return False
        return isinstance(value, (LayerClass, Layer, Container, ContainerClass, Tensor, UnsupportedClass))

    def calls_build(self, value: Any, attributes: list[str]) -> bool | None:
        """Calling a module object on data (a training loop's ``net(inputs)``) builds nothing: modules
        are built in ``__init__``. Its methods that register modules do."""
        if _is_module(value):
            return bool(attributes) and attributes[-1] in ("add_module", "register_module", "append", "extend",
                                                           "insert", "update")
        return None

    def is_tensor(self, value: Any) -> bool:
        return isinstance(value, (Tensor, Layer, Container)) or (
            isinstance(value, Instance) and isinstance(value.framework, ModuleState))

    def base_class(self, value: Any) -> Any:
        if isinstance(value, ModuleBase):
            return ModuleFramework(self)
        if isinstance(value, ContainerClass):  # torchvision's `class _DenseBlock(nn.ModuleDict)`
            return ModuleFramework(self, value.name)
        return None

    # -- the graph -------------------------------------------------------------------------------
    def add_node(self, ev: Evaluator, node: GraphNode, where: ast.AST) -> Tensor:
        if len(self.graph) >= MAX_LAYERS:
            raise ev.error(where, f"the code builds more than {MAX_LAYERS:,} layers, more than archcalc reads")
        self.graph.append(node)
        return Tensor(self, len(self.graph) - 1)

    def new_input(self, ev: Evaluator, shape: tuple[int, ...], where: ast.AST, source: str) -> Tensor:
        return self.add_node(ev, GraphNode(None, "input", {"shape": channels_last(shape)}, (), ev.location(where),
                                           source, channels_last(shape)), where)

    def node(self, ev: Evaluator, kind_name: str, args: dict[str, Any], inputs: list[Tensor], where: ast.AST,
             source: str, layer: Layer | None = None, layout: str | None = None) -> Tensor:
        """A node of a kind with its arguments, its shape inferred from its inputs' channels-last shapes."""
        ev.charge(where, LAYER_STEPS)
        try:
            effect = K.KINDS[kind_name].infer(args, [t.cl for t in inputs])
        except ShapeError as e:
            made = f"`{layer.source}` (created at line {layer.location.line})" if layer and layer.location else ""
            raise _with_detail(e, ev.location(where), made) from None
        except ArchcalcError as e:
            raise e.with_location(ev.location(where)) from None
        out_layout = layout or (inputs[0].layout if inputs else FIRST)
        return self.add_node(ev, GraphNode(layer, kind_name, args, tuple(t.index for t in inputs),
                                           layer.location if layer and layer.location else ev.location(where),
                                           source, tuple(effect.shape), out_layout), where)

    def relayout(self, ev: Evaluator, x: Tensor, layout: str, where: ast.AST) -> Tensor:
        """The same values read in the other layout (a module that takes channels first given a ``(T, E)``
        tensor treats T as the channels): a permute of archcalc's axes, or nothing for a flat tensor."""
        if x.layout == layout:
            return x
        rank = len(x.cl)
        if rank == 1:
            return Tensor(self, x.index, layout)
        # FIRST→LAST: (H, W, C) is read as (C, H, W); LAST→FIRST: (T, E) is read as (E, T) channels last.
        dims = (rank, *range(1, rank)) if layout == LAST else (*range(2, rank + 1), 1)
        return self.node(ev, "permute", {"dims": tuple(dims)}, [x], where, ev.segment(where, 80), layout=layout)

    def apply(self, ev: Evaluator, class_name: str, kwargs: dict[str, Any], x: Any, where: ast.AST,
              layer: Layer | None, source: str, function: str | None = None,
              call_args: tuple[list[Any], dict[str, Any]] | None = None) -> Any:
        """A module (or a function of ``torch``) applied to a tensor: a new node, its shape inferred."""
        if isinstance(x, Constant):
            return x.unknown()  # a constant tensor through a module: its values are data, nothing is built
        if isinstance(x, Unknown):
            return x  # data from outside the model (a training loop): nothing to build
        if not isinstance(x, Tensor):
            raise ev.error(where, f"`{class_name}` is called on {_kind(x)}, not on a tensor of the model",
                           hint="call it on the input of `forward` or on what a previous module returned")
        kind = _kind_of(class_name)
        if class_name == "Flatten" and function is None and layer is not None:
            # Flattening follows PyTorch's order of the axes, whichever the layout: read here, as x.flatten is.
            given = {"start_dim": 1, "end_dim": -1, **kwargs}
            extra = sorted(set(given) - {"start_dim", "end_dim"})
            if extra:
                raise ev.error(where, f"`nn.Flatten` has no argument `{extra[0]}`")
            return flatten(ev, x, given["start_dim"], given["end_dim"], where, layer)
        if class_name == "Unflatten" and function is None and layer is not None:
            return unflatten(ev, x, kwargs, where, layer)
        if kind in LAST_TAKERS:
            x = self.relayout(ev, x, LAST, where)
        elif kind not in KEEPERS:
            x = self.relayout(ev, x, FIRST, where)
        try:
            if function is not None and call_args is not None:
                kind_name, args = K.torch_function(function, call_args[0], call_args[1], x.cl)
            elif kind == "layernorm" and x.layout == LAST and len(x.cl) > 1:
                kind_name, args = _layernorm_last(class_name, kwargs, x.cl)
            else:
                kind_name, args = K.torch_layer(class_name, kwargs, _flat_for(kind, x))
            if kind_name == "embedding" and args.get("channels_first"):
                args = {**args, "channels_first": False}  # its (T, E) output is LAST here: same values
        except ShapeError as e:
            made = f"`{layer.source}` (created at line {layer.location.line})" if layer and layer.location else ""
            raise _with_detail(e, ev.location(where), made) from None
        except ArchcalcError as e:
            raise e.with_location(layer.location if layer is not None and layer.location else
                                  ev.location(where)) from None
        layout = LAST if kind_name in LAST_MAKERS else (x.layout if kind_name in KEEPERS or kind_name == "reshape"
                                                        else FIRST)
        return self.node(ev, kind_name, args, [x], where, source, layer, layout)

    def merge(self, ev: Evaluator, kind_name: str, args: dict[str, Any], tensors: list[Tensor], where: ast.AST,
              source: str) -> Tensor:
        """``+``, ``*`` and ``torch.cat`` of tensors: a merge node (every input in the first's layout)."""
        tensors = [self.relayout(ev, t, tensors[0].layout, where) for t in tensors]
        return self.node(ev, kind_name, args, tensors, where, source)

    def reshape(self, ev: Evaluator, x: Tensor, shape: tuple[int, ...], where: ast.AST,
                layer: Layer | None = None) -> Tensor:
        """A view of the same values in a new PyTorch shape (same layout): no node when nothing changes,
        unless a module (``nn.Flatten``) made it, which is a row of its own."""
        # A flat vector has no layout: made into a map (a decoder's `x.view(-1, 16, 7, 7)`), it is channels first.
        layout = FIRST if len(x.cl) == 1 else x.layout
        cl = from_torch_order(shape, layout)
        if cl == x.cl and layer is None:
            return x
        kind, args = ("flatten", {}) if len(cl) == 1 else ("reshape", {"shape": cl})
        return self.node(ev, kind, args, [x], where, layer.source if layer else ev.segment(where, 80), layer, layout)


def _kind_of(class_name: str) -> str | None:
    known = K.TORCH_NAMES.get(class_name)
    return known[0] if known else None


def _layernorm_last(class_name: str, kwargs: dict[str, Any], cl: tuple[int, ...]) -> tuple[str, dict[str, Any]]:
    """``nn.LayerNorm`` on a features-last tensor (``(H, W, C)`` after a permute): the vocabulary reads the
    shape as ``(C, H, W)``, so it is given the channels-last form of PyTorch's order and its axes
    (1-based, as Keras counts) are mapped back to this tensor's."""
    given = channels_last(cl)  # PyTorch's order is `cl` itself
    kind_name, args = K.torch_layer(class_name, kwargs, given)
    n = len(cl)
    axes = []
    for a in args.get("axis", ()):
        i = a - 1  # an axis of `given`: PyTorch's axis i + 1, or 0 for the last (the channels)
        axes.append((i + 1 if i < n - 1 else 0) + 1)
    return kind_name, {**args, "axis": tuple(sorted(axes))}


def _flat_for(kind: str | None, x: Tensor) -> tuple[int, ...]:
    """The shape a module is given: ``nn.Linear`` acts on the last axis, so on a ``(T, E)`` tensor it is
    given ``(E,)`` and applied at each of the T positions (the dense kind's own rule)."""
    return (x.cl[-1],) if kind in LAST_TAKERS and len(x.cl) > 1 else x.cl


def _with_detail(error: ArchcalcError, location: Location, detail: str) -> ArchcalcError:
    new = error.with_location(location)
    if detail:
        new.details = (*new.details, f"the module: {detail}")
    return new


# -- modules and names -----------------------------------------------------------------------------
def resolve(names: TorchNames, path: str) -> Any:
    """What a dotted name means: a PyTorch class or function, or a module (PyTorch's or foreign)."""
    parts = path.lstrip(".").split(".")
    root, leaf = parts[0], parts[-1]
    if path == "collections.OrderedDict":
        return OrderedDictFunction()
    if root != "torch":
        return TorchModule(names, path, torch=False)
    if len(parts) == 1:
        return TorchModule(names, path, torch=True)
    nn = "nn" in parts
    functional = "functional" in parts
    if nn and leaf == "Module":
        return ModuleBase()
    if nn and leaf in ("Sequential", "ModuleList", "ModuleDict"):
        return ContainerClass(leaf)
    if nn and not functional and _known_class(leaf):
        return LayerClass(leaf)
    if parts == ["torch", leaf] and (leaf in TENSOR_FUNCTIONS or (leaf in TENSOR_OPS and
                                                                  not TENSOR_OPS[leaf].method_only)):
        return TensorFunction(leaf, path)
    if (functional and leaf != "functional") or path in K.TORCH_FUNCTIONS:
        return FunctionValue(leaf, path) if _full_name(path) in K.TORCH_FUNCTIONS else UnsupportedFunction(path)
    if parts == ["torch", leaf] and leaf in TENSOR_MAKERS:
        return TensorMaker(leaf)
    if parts == ["torch", leaf] and leaf in CONSTANT_MAKERS:
        return ConstantMaker(leaf)
    if nn and leaf == "Parameter":
        return ParameterClass()
    if nn and leaf[:1].isupper() and "init" not in parts:
        return UnsupportedClass(leaf)
    return TorchModule(names, path, torch=True)


@dataclass(eq=False)
class TorchModule(Value):
    """A module, or a name inside one that archcalc does not read: its calls return Unknown values (a
    PyTorch one given a tensor of the model is refused)."""

    names: TorchNames
    path: str
    torch: bool

    @property
    def what(self) -> str:  # type: ignore[override]
        return f"`{self.path}`"

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name.startswith("__"):
            return Unknown.of(f"{self.path}.{name}", ev.location(node), "not read by archcalc")
        return resolve(self.names, f"{self.path}.{name}")

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if self.torch:
            _refuse_tensor_arguments(ev, f"`{ev.segment(node.func)}`", [*args, *kwargs.values()], node)
        else:
            ev.refuse_tensors([*args, *kwargs.values()], node)
        return Unknown.of(ev.segment(node), ev.location(node), "a value computed by a library")


def _refuse_tensor_arguments(ev: Evaluator, what: str, values: list[Any], node: ast.Call) -> None:
    for value in values:
        if isinstance(value, (Tensor, list, tuple)) and deep_tensor(value):
            raise ev.error(node, f"archcalc has no layer kind for {what} on a tensor of the model",
                           hint="the modules and functions archcalc reads are listed in docs/pytorch.md")


def deep_tensor(value: Any) -> bool:
    if isinstance(value, Tensor):
        return True
    if isinstance(value, (list, tuple)):
        return any(deep_tensor(v) for v in value[:1000])
    return False


@dataclass(eq=False)
class SummaryModule(Value):
    """``import torchsummary`` / ``import torchinfo``: their ``summary`` says the input shape."""

    path: str
    what: str = "a summary module"

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name == "summary":
            return SummaryFunction(self.path == "torchinfo")
        return Unknown.of(f"{self.path}.{name}", ev.location(node), "not read by archcalc")


@dataclass(eq=False)
class SummaryFunction(Value):
    """``summary(model, (3, 32, 32))`` (torchsummary: one example's shape) or ``summary(model,
    input_size=(1, 3, 32, 32))`` (torchinfo: with the batch): the model run on that input, as they do."""

    batch_first: bool
    what: str = "`summary`"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        model = args[0] if args else kwargs.get("model")
        size = args[1] if len(args) > 1 else kwargs.get("input_size")
        known = isinstance(size, (tuple, list)) and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                                         for v in size)
        if _is_module(model) and known and len(size) >= 1 + self.batch_first:
            names: TorchNames = ev.names
            shape = tuple(size[1:]) if self.batch_first else tuple(size)
            x = names.new_input(ev, names.input_shape or shape, node, ev.segment(node, 80))
            if isinstance(model, Instance):
                model.framework.call(ev, model, [x], {}, node)
            else:
                model.call(ev, [x], {}, node)
        return None


@dataclass(eq=False)
class ModuleBase(Value):
    """``nn.Module`` itself: the base of the file's model classes."""

    what: str = "`nn.Module`"

    def instance_check(self, value: Any) -> bool:
        return _is_module(value)


@dataclass(eq=False)
class SuperFunction(Value):
    """``super(Net, self)``: the same as ``super()`` inside ``Net``'s methods."""

    what: str = "`super`"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if len(args) == 2 and isinstance(args[0], ClassValue) and isinstance(args[1], Instance):
            return Super(args[0], args[1])
        raise ev.error(node, "archcalc reads `super()` and `super(Class, self)` in a method")


@dataclass(eq=False)
class AttributeFunction(Value):
    """``setattr(self, f"conv{i}", nn.Conv2d(...))``, ``getattr(self, name)``, ``hasattr``."""

    name: str
    what: str = "a builtin function"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if len(args) < 2 or not isinstance(args[1], str) or kwargs:
            raise ev.error(node, f"archcalc reads `{self.name}(object, \"name\", ...)` with a known name")
        obj, name = args[0], args[1]
        if not isinstance(obj, Value) or isinstance(obj, Unknown):
            return Unknown.of(ev.segment(node), ev.location(node), f"`{self.name}` of {_kind(obj)}")
        if self.name == "setattr":
            if len(args) != 3:
                raise ev.error(node, "`setattr` takes an object, a name and a value")
            obj.set_attribute(ev, name, args[2], node)
            if isinstance(obj, Instance):
                obj.attributes[name] = args[2]
            return None
        try:
            value = ev.attribute(obj, name, node)
        except SpecError:
            if self.name == "hasattr":
                return False
            if len(args) == 3:
                return args[2]
            raise
        return True if self.name == "hasattr" else value


@dataclass(eq=False)
class OrderedDictFunction(Value):
    """``OrderedDict([("conv1", nn.Conv2d(...)), ...])``: a dict (the evaluator's dicts keep their order)."""

    what: str = "`OrderedDict`"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if len(args) > 1:
            raise ev.error(node, "`OrderedDict` takes one list of (name, value) pairs")
        result: dict[Any, Any] = {}
        if args:
            items = list(args[0].items()) if isinstance(args[0], dict) else ev.iterate(args[0], node)
            for pair in items:
                if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                    raise ev.error(node, f"`OrderedDict` takes (name, value) pairs, got {_kind(pair)}")
                result[pair[0]] = pair[1]
        result.update(kwargs)
        return result


# -- modules -------------------------------------------------------------------------------------
@dataclass(eq=False)
class UnsupportedClass(Value):
    """A class of ``torch.nn`` archcalc has no kind for: listed (with the others) in one error."""

    name: str
    what: str = "a PyTorch class"

    def instance_check(self, value: Any) -> bool:
        return isinstance(value, Layer) and value.class_name == self.name

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        # A loss or a module archcalc lacks: an error only if it is part of the model (listed with the
        # others before the forward pass) or called on a tensor of the model.
        return Layer(self.name, {}, ev.location(node.func), ev.segment(node, 80), supported=False)


@dataclass(eq=False)
class UnsupportedFunction(Value):
    """A function of ``torch.nn.functional`` archcalc has no kind for: refused when given a tensor."""

    path: str
    what: str = "a PyTorch function"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if any(isinstance(v, Unknown) for v in args[:1]):
            return args[0]
        _refuse_tensor_arguments(ev, f"`{ev.segment(node.func)}`", [*args, *kwargs.values()], node)
        return Unknown.of(ev.segment(node), ev.location(node), "a value computed by PyTorch")


@dataclass(eq=False)
class LayerClass(Value):
    """A module class that archcalc has a kind for (``nn.Conv2d``)."""

    name: str
    what: str = "a PyTorch module class"

    def instance_check(self, value: Any) -> bool:
        return isinstance(value, Layer) and value.class_name == self.name

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        ev.charge(node, LAYER_STEPS)
        layer = Layer(self.name, bind(ev, self.name, K.TORCH_PARAMS[self.name], args, kwargs, node),
                      ev.location(node.func), ev.segment(node, 80))
        if layer.kwargs.get("_freeze") is True:  # nn.Embedding.from_pretrained(..., freeze=True)'s weight
            layer.frozen.add("weight")
        return layer


def bind(ev: Evaluator, name: str, params: tuple[str, ...], args: list[Any], kwargs: dict[str, Any],
         node: ast.AST) -> dict[str, Any]:
    """A constructor's (or function's) arguments by name; unknown values are reported together."""
    if len(args) > len(params):
        raise ev.error(node, f"`{name}` takes at most {len(params)} positional argument"
                             f"{'s' * (len(params) != 1)}, got {len(args)}",
                       hint=f"its arguments are: {', '.join(params) or 'none'}")
    given = dict(zip(params, args))
    for key, value in kwargs.items():
        if key in given:
            raise ev.error(node, f"`{name}` got `{key}` twice")
        given[key] = value
    for key, value in list(given.items()):
        unknown = deep_unknown(value)
        if unknown is not None:
            ev.need(unknown, node, f"reaches `{key}` of `{name}`")
            given[key] = unknown
        elif isinstance(value, Value):
            raise ev.error(node, f"`{name}({key}=...)` is given {value.what}; archcalc reads a value here",
                           hint="write a number, a string or a tuple")
    return given


class _ModuleValue(Value):
    """What every module object has: a name in its model, and the methods that change nothing."""

    def no_op(self, name: str, module: Any) -> Value:
        return module_method(name, module)


@dataclass(eq=False)
class ParamValue(Value):
    """A parameter tensor of the model (``model.parameters()``, ``self.fc.weight``): ``requires_grad`` set on
    it freezes that tensor (a weight or a bias of a module, or a parameter a module holds itself).

    Args:
        target: the module whose tensor it is, the parameter held itself (a :class:`Constant`), or None for
            a module whose tensors archcalc does not tell apart (it refuses to freeze them).
        part: ``"weight"`` or ``"bias"`` of a module.
    """

    target: Any = None
    part: str = ""
    what: str = "a parameter of the model"

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name == "requires_grad":
            return self.trainable()
        if name == "requires_grad_":
            return Method(lambda ev, n, requires_grad=True: freeze(ev, self, requires_grad, n) or self)
        return Unknown.of(ev.segment(node), ev.location(node), "a parameter's value")

    def trainable(self) -> Any:
        if isinstance(self.target, Layer):
            return self.part not in self.target.frozen
        if isinstance(self.target, Constant):
            return self.target.trainable
        return Unknown.of("requires_grad", None, "a parameter's requires_grad")

    def set_attribute(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        if name == "requires_grad":
            freeze(ev, self, value, node)

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        return Unknown.of(ev.segment(node), ev.location(node), "a parameter's value")

    def no_op(self, name: str, module: Any) -> Value:
        return NoOpResult(f"`{name}`")


def freeze(ev: Evaluator, param: ParamValue, value: Any, node: ast.AST) -> None:
    """``param.requires_grad = False`` (or True): the tensor trains or not."""
    if isinstance(value, Unknown):
        ev.need(value, node, "sets `requires_grad`")
        return
    if value not in (True, False):
        raise ev.error(node, f"`requires_grad` is set to {_kind(value)}; archcalc reads True or False")
    if param.target is None:
        raise frozen_error(ev, node)
    if isinstance(param.target, Constant):
        param.target.trainable = bool(value)
    elif value:
        param.target.frozen.discard(param.part)
    else:
        param.target.frozen.add(param.part)


#: The parameter tensors of a module, by its kind, in PyTorch's order: every kind here has a ``weight`` (the
#: kind's weights) and, by its flags, a ``bias`` (the kind's biases).
TENSOR_KINDS = {"conv": "bias", "deconv": "bias", "dense": "bias", "batchnorm": "affine", "groupnorm": "affine",
                "layernorm": "elementwise_affine", "embedding": "", "prelu": ""}


def tensor_parts(layer: Layer) -> tuple[str, ...] | None:
    """The parameter tensors of a module (``("weight", "bias")``), None when archcalc does not tell them apart.

    >>> tensor_parts(Layer("Conv2d", {"bias": False}, None, "")), tensor_parts(Layer("ReLU", {}, None, ""))
    (('weight',), ())
    """
    spec = K.TORCH_CLASSES.get(layer.class_name)
    if spec is None:
        return None
    if spec.kind in PARAMETER_FREE_KINDS or spec.kind == "channel_shuffle":
        return ()
    flag = TENSOR_KINDS.get(spec.kind)
    if flag is None:
        return None
    given = {**spec.defaults, **layer.kwargs}
    if flag == "":
        return ("weight",)
    if flag == "bias":
        return ("weight", "bias") if given.get("bias", True) else ("weight",)
    if not given.get(flag, True):
        return ()
    return ("weight", "bias") if given.get("bias", True) else ("weight",)


def module_method(name: str, module: Any) -> Value:
    """A method of a module that changes nothing archcalc counts (or that it refuses)."""
    if name in ("parameters", "named_parameters"):
        return _parameters(name, module)
    if name == "requires_grad_":
        def set_all(ev: Evaluator, n: ast.AST, requires_grad: Any = True) -> Any:
            for _, param in _parameter_list(ev, module, n):
                freeze(ev, param, requires_grad, n)
            return module
        return Method(set_all)
    return NoOpResult(f"`{name}`", module if name in MODULE_RETURNS_SELF else None)


def frozen_error(ev: Evaluator, node: ast.AST) -> SpecError:
    return ev.error(node, "archcalc does not read parameters frozen by hand (`requires_grad`) here: it cannot tell "
                          "which tensors they are",
                    hint="freeze whole modules (`for p in self.backbone.parameters(): p.requires_grad = False`, "
                         "`self.backbone.requires_grad_(False)`, `self.fc.weight.requires_grad = False`)")


def _parameter_list(ev: Evaluator, module: Any, node: ast.AST) -> list[tuple[Any, ParamValue]]:
    """``module.named_parameters()`` in PyTorch's order (each module's own tensors, then its children's), for a
    model whose tensors archcalc tells apart; a module it cannot gives one stand-in with an unknown name."""
    out: list[tuple[Any, ParamValue]] = []
    for qualified, m in _all_modules(module, True):
        prefix = f"{qualified}." if qualified else ""
        if isinstance(m, Layer):
            parts = tensor_parts(m) if m.supported else None
            if parts is None:
                out.append((Unknown.of("name", ev.location(node), "a parameter's name"), ParamValue()))
            out.extend((prefix + part, ParamValue(m, part)) for part in parts or ())
        elif isinstance(m, Instance) and isinstance(m.framework, ModuleState):
            out.extend((prefix + k, ParamValue(v)) for k, v in m.framework.tensors.items()
                       if v is not None and v.parameter)
    return out


def _parameters(name: str, module: Any) -> Value:
    """``model.parameters()`` and ``named_parameters()``: every parameter tensor, which a loop may freeze."""
    if name == "parameters":
        return Method(lambda ev, n, *a, **k: [p for _, p in _parameter_list(ev, module, n)])
    return Method(lambda ev, n, *a, **k: list(_parameter_list(ev, module, n)))


@dataclass(eq=False)
class NoOpResult(Value):
    """A method of a module that changes nothing archcalc counts: the module itself (``.to(device)``,
    ``.eval()``), or an unknown value (``.parameters()``)."""

    what: str = "a method"
    returns: Any = None

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if self.returns is not None:
            return self.returns
        return Unknown.of(ev.segment(node), ev.location(node), "a value computed by PyTorch")


@dataclass(eq=False)
class Layer(_ModuleValue):
    """A module of the vocabulary (``nn.Conv2d(3, 6, 5)``): called on a tensor, it adds a node."""

    class_name: str
    kwargs: dict[str, Any]
    location: Location | None
    source: str
    supported: bool = True
    #: Its parameter tensors that do not train (``requires_grad = False``): "weight", "bias".
    frozen: set[str] = field(default_factory=set)

    @property
    def what(self) -> str:  # type: ignore[override]
        return f"the module `{self.class_name}`"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if len(args) != 1 or kwargs:
            raise ev.error(node, f"`{self.class_name}` is called on one tensor, got {len(args) + len(kwargs)} "
                                 "arguments", hint="write e.g. `self.conv1(x)`")
        if not self.supported:
            if isinstance(args[0], Unknown):
                return args[0]
            raise unsupported_error(ev, [(self.class_name, self.location)], node)
        if any(isinstance(v, Unknown) for v in self.kwargs.values()):
            return Unknown.merge(list(self.kwargs.values()))
        return ev.names.apply(ev, self.class_name, self.kwargs, args[0], node, self, self.source)

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name in MODULE_NO_OPS:
            return self.no_op(name, self)
        if name in self.kwargs and not isinstance(self.kwargs[name], Unknown):
            return self.kwargs[name]  # `self.conv1.out_channels`, as given to the constructor
        if name in ("weight", "bias"):
            if name in (tensor_parts(self) or ()):
                return ParamValue(self, name)  # `self.fc.weight.requires_grad = False` is read
            return Unknown.of(ev.segment(node), ev.location(node), "a weight tensor")
        return super().attribute(ev, name, node)

    def set_attribute(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        raise ev.error(node, f"archcalc does not read `{name}` set on a module",
                       hint="give the value to the module's constructor")


@dataclass(eq=False)
class ContainerClass(Value):
    """``nn.Sequential``, ``nn.ModuleList``, ``nn.ModuleDict``."""

    name: str
    what: str = "a PyTorch container class"

    def instance_check(self, value: Any) -> bool:
        return (isinstance(value, Container) and value.class_name == self.name) or (
            self.name == "Sequential" and isinstance(value, Instance) and isinstance(value.framework, ModuleState)
            and value.framework.sequential)

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        container = Container(self.name, {}, ev.location(node))
        if kwargs:
            raise ev.error(node, f"`{self.name}` takes no keyword arguments here")
        if self.name == "Sequential":
            if len(args) == 1 and isinstance(args[0], dict):
                for key, value in args[0].items():
                    container.register(ev, str(key), value, node)
            else:
                for value in args:
                    container.register(ev, str(len(container.children)), value, node)
        elif self.name == "ModuleList":
            if len(args) > 1:
                raise ev.error(node, "`ModuleList` takes one list of modules")
            if args:
                container.extend(ev, args[0], node)
        else:
            if len(args) > 1:
                raise ev.error(node, "`ModuleDict` takes one dict of modules")
            if args:
                container.update(ev, args[0], node)
        return container


def _is_input(ev: Evaluator, value: Any) -> bool:
    return isinstance(value, Tensor) and ev.names.graph[value.index].kind == "input"


def _is_module(value: Any) -> bool:
    return isinstance(value, (Layer, Container)) or (
        isinstance(value, Instance) and isinstance(value.framework, ModuleState))


@dataclass(eq=False)
class Container(_ModuleValue):
    """``nn.Sequential`` (callable: its modules in order), ``nn.ModuleList``, ``nn.ModuleDict``."""

    class_name: str
    children: dict[str, Any]
    location: Location | None
    built: tuple[Tensor, Any] | None = None  # called on an input the code made (`torch.randn(1, 3, 32, 32)`)

    @property
    def what(self) -> str:  # type: ignore[override]
        return f"the `{self.class_name}`"

    def register(self, ev: Evaluator, key: str, value: Any, node: ast.AST) -> None:
        if isinstance(value, Unknown):
            ev.need(value, node, f"reaches the modules of `{self.class_name}`")
            return
        if not _is_module(value):
            raise ev.error(node, f"`{self.class_name}` is given {_kind(value)}, not a module",
                           hint="give it modules such as `nn.Conv2d(3, 16, 3)`")
        self.children[key] = value

    def extend(self, ev: Evaluator, values: Any, node: ast.AST) -> None:
        items = [values] if isinstance(values, Unknown) else (
            list(values.children.values()) if isinstance(values, Container) else ev.iterate(values, node))
        for value in items:
            self.register(ev, str(len(self.children)), value, node)

    def update(self, ev: Evaluator, values: Any, node: ast.AST) -> None:
        if isinstance(values, Unknown):
            ev.need(values, node, "reaches the modules of `ModuleDict`")
            return
        pairs = list(values.items()) if isinstance(values, dict) else ev.iterate(values, node)
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2 or not isinstance(pair[0], str):
                raise ev.error(node, "`ModuleDict` takes a dict of names to modules")
            self.register(ev, pair[0], pair[1], node)

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if self.class_name != "Sequential":
            raise ev.error(node, f"`{self.class_name}` cannot be called (PyTorch's has no `forward`)",
                           hint="call its modules: `for layer in self.layers: x = layer(x)`")
        if len(args) != 1 or kwargs:
            raise ev.error(node, "an `nn.Sequential` is called on one tensor")
        x = args[0]
        for child in self.children.values():
            x = call_module(ev, child, x, node)
        if self.built is None and _is_input(ev, args[0]):
            self.built = (args[0], x)
        return x

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        methods: dict[str, Callable[..., Any]] = {}
        if self.class_name in ("Sequential", "ModuleList"):
            methods = {"append": lambda ev, n, v: self.register(ev, str(len(self.children)), v, n),
                       "extend": lambda ev, n, v: self.extend(ev, v, n),
                       "add_module": lambda ev, n, k, v: self.register(ev, k, v, n),
                       "insert": lambda ev, n, i, v: self.insert(ev, i, v, n)}
        else:
            methods = {"update": lambda ev, n, v: self.update(ev, v, n),
                       "keys": lambda ev, n: list(self.children), "values": lambda ev, n: list(self.children.values()),
                       "items": lambda ev, n: list(self.children.items()),
                       "add_module": lambda ev, n, k, v: self.register(ev, k, v, n)}
        if name in methods:
            return Method(methods[name])
        if name == "children":
            return Method(lambda ev, n: list(self.children.values()))
        if name in ("modules", "named_modules"):
            return Method(lambda ev, n: _all_modules(self, name == "named_modules"))
        if name in MODULE_NO_OPS:
            return self.no_op(name, self)
        if name in self.children:
            return self.children[name]
        return super().attribute(ev, name, node)

    def binary(self, ev: Evaluator, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
        """``self.layers += [nn.Linear(...)]`` and ``list + list`` of modules: a ModuleList/Sequential extended."""
        if isinstance(op, ast.Add) and a is self and self.class_name != "ModuleDict":
            out = Container(self.class_name, dict(self.children), self.location)
            out.extend(ev, b, node)
            return out
        raise ev.error(node, f"archcalc reads `+` of a `{self.class_name}` and a list of modules only")

    def insert(self, ev: Evaluator, index: Any, value: Any, node: ast.AST) -> None:
        items = list(self.children.values())
        if not isinstance(index, int):
            raise ev.error(node, "`insert` takes a whole number")
        items.insert(index, value)
        self.children = {}
        for v in items:
            self.register(ev, str(len(self.children)), v, node)

    def item(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        if self.class_name == "ModuleDict":
            if key not in self.children:
                raise ev.error(node, f"the `ModuleDict` has no key `{key}`")
            return self.children[key]
        items = list(self.children.values())
        if isinstance(key, slice):
            part = Container(self.class_name, {}, self.location)
            for v in items[key]:
                part.children[str(len(part.children))] = v
            return part
        if isinstance(key, int) and not isinstance(key, bool):
            if not -len(items) <= key < len(items):
                raise ev.error(node, f"index {key} is out of range for the `{self.class_name}` of {len(items)}")
            return items[key]
        raise ev.error(node, f"the `{self.class_name}` is indexed by a whole number, got {_kind(key)}")

    def set_item(self, ev: Evaluator, key: Any, value: Any, node: ast.AST) -> None:
        if self.class_name == "ModuleDict" and isinstance(key, str):
            self.register(ev, key, value, node)
            return
        keys = list(self.children)
        if isinstance(key, int) and not isinstance(key, bool) and -len(keys) <= key < len(keys):
            if not _is_module(value):
                raise ev.error(node, f"`{self.class_name}` is given {_kind(value)}, not a module")
            self.children[keys[key]] = value
            return
        raise ev.error(node, f"cannot set item `{key}` of the `{self.class_name}`")

    def items(self, ev: Evaluator, node: ast.AST) -> list[Any]:
        if self.class_name == "ModuleDict":
            return list(self.children)
        return list(self.children.values())

    def length(self, ev: Evaluator, node: ast.AST) -> int:
        return len(self.children)


@dataclass(eq=False)
class Method(Value):
    function: Callable[..., Any]
    what: str = "a method"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        try:
            return self.function(ev, node, *args, **kwargs)
        except TypeError:
            raise ev.error(node, f"`{ev.segment(node.func)}` is not called as PyTorch's is") from None


def call_module(ev: Evaluator, module: Any, x: Any, node: ast.Call) -> Any:
    if isinstance(module, Value) and _is_module(module):
        return module.call(ev, [x], {}, node)
    raise ev.error(node, f"{_kind(module)} is not a module")


# -- subclasses of nn.Module -----------------------------------------------------------------------
@dataclass(eq=False)
class ModuleFramework:
    """``nn.Module`` as the base of a class of the file."""

    names: TorchNames
    container: str = ""  # "Sequential" for a class based on nn.Sequential (torchvision's ConvBNReLU)

    def new_instance(self, ev: Evaluator, instance: Instance, node: ast.AST) -> ModuleState:
        return ModuleState(instance, ev.location(node), sequential=self.container == "Sequential",
                           container=self.container)

    def init(self, ev: Evaluator, instance: Instance, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> None:
        if self.container:
            self.container_init(ev, instance, args, kwargs, node)

    def container_init(self, ev: Evaluator, instance: Instance, args: list[Any], kwargs: dict[str, Any],
                       node: ast.AST) -> None:
        """``super().__init__(conv, bn, relu)`` of a class based on ``nn.Sequential``: its modules in order."""
        made = ContainerClass(self.container).call(ev, args, kwargs, node if isinstance(node, ast.Call) else
                                                   _anchor(ev, ev.location(node)))
        for key, child in made.children.items():
            instance.framework.children[key] = child

    def super_attribute(self, ev: Evaluator, instance: Any, name: str, node: ast.AST) -> Any:
        if name == "__init__":
            if self.container and isinstance(instance, Instance):
                return Method(lambda ev, n, *a, **k: self.container_init(ev, instance, list(a), k, n))
            return NoOp("`nn.Module.__init__`")
        if name == "forward":
            if self.container == "Sequential" and isinstance(instance, Instance):
                return Method(lambda ev, n, x: instance.framework.sequential_forward(ev, x, n))
            raise ev.error(node, "`nn.Module` has no `forward` of its own")
        if isinstance(instance, Instance) and isinstance(instance.framework, ModuleState):
            return instance.framework.attribute(ev, instance, name, node)
        raise ev.error(node, f"archcalc does not read `super().{name}` of an `nn.Module`")


@dataclass(eq=False)
class ModuleState:
    """What an ``nn.Module`` object of the file holds: its sub-modules by attribute, in order."""

    instance: Instance
    location: Location
    children: dict[str, Any] = field(default_factory=dict)
    built: tuple[Tensor, Any] | None = None
    sequential: bool = False  # based on nn.Sequential: without a forward of its own, its modules in order
    container: str = ""  # the container class it is based on, if any (its methods: append, items, ...)
    #: The tensors it holds itself: parameters (``self.gamma = nn.Parameter(...)``) and buffers
    #: (``register_buffer``) by name, in order, None for a name registered without a tensor.
    tensors: dict[str, Constant | None] = field(default_factory=dict)

    def sequential_forward(self, ev: Evaluator, x: Any, node: ast.Call) -> Any:
        for child in self.children.values():
            if child is not None:
                x = call_module(ev, child, x, node)
        return x

    def attribute(self, ev: Evaluator, instance: Instance, name: str, node: ast.AST) -> Any:
        if name == "training":
            return False  # read as `model.eval()` runs it: the network that makes predictions
        if name in ("add_module", "register_module"):
            return Method(lambda ev, n, key, value: self.register(ev, key, value, n, instance))
        if self.container == "ModuleDict" and name in ("items", "keys", "values"):
            pick = {"items": lambda: list(self.children.items()), "keys": lambda: list(self.children),
                    "values": lambda: list(self.children.values())}[name]
            return Method(lambda ev, n: pick())
        if self.container in ("ModuleList", "Sequential") and name in ("append", "extend"):
            def add(ev: Evaluator, n: ast.AST, value: Any) -> None:
                for v in ([value] if name == "append" else ev.iterate(value, n)):
                    self.register(ev, str(len(self.children)), v, n, instance)
            return Method(add)
        if name == "children":
            return Method(lambda ev, n: [v for v in self.children.values() if v is not None])
        if name == "named_children":
            return Method(lambda ev, n: [(k, v) for k, v in self.children.items() if v is not None])
        if name in ("modules", "named_modules"):
            return Method(lambda ev, n: _all_modules(instance, name == "named_modules"))
        if name == "register_buffer":
            return Method(lambda ev, n, *a, **k: self.register_buffer(ev, instance, n, a, k))
        if name == "register_parameter":
            return Method(lambda ev, n, *a, **k: self.register_parameter(ev, instance, n, a, k))
        if name in MODULE_NO_OPS:
            return module_method(name, instance)
        if name in self.children:
            return self.children[name]
        raise ev.error(node, f"the `{instance.cls.name}` object has no attribute `{name}`",
                       hint="set it in `__init__` before it is used")

    def register(self, ev: Evaluator, key: Any, value: Any, node: ast.AST, instance: Instance) -> None:
        if not isinstance(key, str):
            raise ev.error(node, "a module's name must be a string")
        self.set_attribute(ev, instance, key, value, node)
        instance.attributes[key] = value

    def register_buffer(self, ev: Evaluator, instance: Instance, node: ast.Call, args: tuple[Any, ...],
                        kwargs: dict[str, Any]) -> None:
        """``self.register_buffer("mean", torch.zeros(1, 3, 1, 1))``: counted in ``model.buffers()``, with
        ``persistent=False`` too (it is only left out of the state dict); ``None`` registers no tensor."""
        given = _args(ev, node, ("name", "tensor", "persistent"), list(args), kwargs, {"persistent": True})
        name, tensor = given["name"], given["tensor"]
        if not isinstance(name, str) or not name.isidentifier():
            raise ev.error(node, f"`register_buffer` is given the name {_kind(name)}; archcalc reads a name written "
                                 "as a string")
        if given["persistent"] not in (True, False):
            raise ev.error(node, "`persistent` must be True or False")
        value = constant_of(ev, tensor)
        if tensor is not None and (value is None or value.parameter):
            raise ev.error(node, f"archcalc cannot count the buffer `{name}`: it reads a buffer made from a tensor "
                                 "of constant sizes", hint="write its values with torch.zeros, torch.ones, "
                                                           "torch.full, torch.tensor([...]) and sizes that are numbers")
        if name in self.children or (name in instance.attributes and name not in self.tensors):
            raise ev.error(node, f"`register_buffer(\"{name}\", ...)`: the module has an attribute `{name}` already",
                           hint="PyTorch refuses this too: choose another name")
        held = None if value is None else Constant(value.shape, ev.segment(node, 80), ev.location(node))
        self.hold(name, held)
        instance.attributes[name] = held

    def register_parameter(self, ev: Evaluator, instance: Instance, node: ast.Call, args: tuple[Any, ...],
                           kwargs: dict[str, Any]) -> None:
        """``self.register_parameter("gamma", nn.Parameter(...))``: the same as assigning it."""
        given = _args(ev, node, ("name", "param"), list(args), kwargs, {})
        name, param = given["name"], given["param"]
        if not isinstance(name, str) or not name.isidentifier():
            raise ev.error(node, "`register_parameter` takes a name written as a string")
        if param is not None and not (isinstance(param, Constant) and param.parameter):
            raise ev.error(node, f"`register_parameter(\"{name}\", ...)` is given {_kind(param)}, not an "
                                 "`nn.Parameter`", hint="PyTorch refuses this too: wrap the tensor in nn.Parameter")
        self.hold(name, param)
        instance.attributes[name] = param

    def hold(self, name: str, value: Constant | None) -> None:
        """A tensor the module holds itself (a parameter or a buffer), or None for a name that holds none."""
        self.tensors[name] = value

    def set_attribute(self, ev: Evaluator, instance: Instance, name: str, value: Any, node: ast.AST) -> None:
        if isinstance(value, Constant) and value.parameter:
            self.hold(name, value)  # PyTorch's __setattr__ registers a parameter as it does a module
        elif name in self.tensors and self.tensors[name] is not None:
            held = self.tensors[name]
            if held.parameter or not isinstance(value, Constant):  # PyTorch refuses a tensor for a parameter
                raise ev.error(node, f"archcalc cannot follow `self.{name}` replaced by {_kind(value)}: the module "
                                     f"holds it as a {'parameter' if held.parameter else 'buffer'}",
                               hint="assign an nn.Parameter to a parameter, and to a buffer a tensor made with "
                                    "torch.tensor([...]) or torch.full")
            self.hold(name, Constant(value.shape, held.source, held.location))  # a buffer given new values
        if _is_module(value):
            self.children[name] = value  # PyTorch's __setattr__ registers it (a second assignment replaces it)
        elif name in self.children:
            if value is None:
                self.children[name] = None
            elif isinstance(value, Unknown):
                ev.need(value, node, f"replaces the module `self.{name}`")
            else:
                raise ev.error(node, f"cannot assign {_kind(value)} to `self.{name}`, which holds a module",
                               hint="PyTorch refuses this too: assign a module or None")
        elif name == "training":
            raise ev.error(node, "archcalc does not read `training` set by hand", hint="leave the line out")

    def call(self, ev: Evaluator, instance: Instance, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if args and isinstance(args[0], Unknown):  # a training loop's `net(inputs)`: data, not the model's input
            return args[0].unknown() if isinstance(args[0], Constant) else args[0]
        method = instance.cls.lookup("forward")
        if not isinstance(method, Function) and self.sequential:
            if len(args) != 1 or kwargs:
                raise ev.error(node, f"the `{instance.cls.name}` (an nn.Sequential) is called on one tensor")
            return self.sequential_forward(ev, args[0], node)
        if not isinstance(method, Function):
            raise ev.error(node, f"the class `{instance.cls.name}` has no `forward` method",
                           hint="define `def forward(self, x):` returning the output tensor")
        out = ev.call_function(method, [instance, *args], kwargs, node)
        if self.built is None and len(args) == 1 and _is_input(ev, args[0]):
            self.built = (args[0], out)
        return out


@dataclass(eq=False)
class Tensor(Value):
    """A tensor of the model: a node of the graph, with its PyTorch shape (channels first, no batch)."""

    names: TorchNames
    index: int
    layout_given: str | None = None  # a flat tensor read in the other layout (nothing else changes)
    what: str = "a tensor of the model"

    @property
    def cl(self) -> tuple[int, ...]:
        """archcalc's (channels-last) shape."""
        return self.names.graph[self.index].cl

    @property
    def layout(self) -> str:
        return self.layout_given or self.names.graph[self.index].layout

    @property
    def shape(self) -> tuple[int, ...]:
        """PyTorch's shape of one example."""
        return torch_order(self.cl, self.layout)

    def full_shape(self) -> tuple[Any, ...]:
        return (BATCH, *self.shape)

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name == "shape":
            return self.full_shape()
        if name == "ndim":
            return len(self.shape) + 1
        if name == "dtype":
            return "float32"
        if name in TENSOR_OPS:
            return TensorMethod(lambda ev, n, *a, **k: tensor_op(ev, name, [self, *a], k, n, method=True), name)
        methods: dict[str, Callable[..., Any]] = {
            "size": self.size, "dim": lambda ev, n: len(self.shape) + 1, "numel": self.numel,
            "expand_as": lambda ev, n, other: self.expand(ev, n, *(other.full_shape() if isinstance(other, Tensor)
                                                                   else (other,))),
            "expand": self.expand,
            **{m: self._operator(op) for m, op in (("add", ast.Add()), ("add_", ast.Add()), ("mul", ast.Mult()),
                                                    ("mul_", ast.Mult()), ("sub", ast.Sub()), ("sub_", ast.Sub()))},
        }
        if name in methods:
            return TensorMethod(methods[name], name)
        if name in TENSOR_SAME:
            return TensorMethod(lambda ev, n, *a, **k: self, name)
        if f"torch.{name.rstrip('_')}" in K.TORCH_FUNCTIONS and name != "flatten":
            return TensorMethod(lambda ev, n, *a, **k: FunctionValue(name.rstrip("_"), "torch." + name.rstrip("_"))
                                .call(ev, [self, *a], k, n), name)
        raise ev.error(node, f"archcalc does not read the tensor method `{name}`",
                       hint="the tensor methods it reads: size, shape, dim, view, reshape, flatten, permute, "
                            "transpose, squeeze, unsqueeze, expand_as, mean, max, amax, chunk, split, add, mul, sub, "
                            "relu, sigmoid, tanh, softmax, contiguous")

    def size(self, ev: Evaluator, node: ast.AST, dim: Any = None) -> Any:
        full = self.full_shape()
        if dim is None:
            return full
        if not isinstance(dim, int) or not -len(full) <= dim < len(full):
            raise ev.error(node, f"`size({dim})` of a tensor of {len(full)} dimensions")
        return full[dim]

    def numel(self, ev: Evaluator, node: ast.AST) -> Any:
        return Unknown.of(ev.segment(node), ev.location(node), "it counts the batch too")

    def view(self, ev: Evaluator, node: ast.Call, *sizes: Any) -> Any:
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        method = ev.segment(node.func).rsplit(".", 1)[-1]
        total = math.prod(self.shape)
        written = f"`{ev.segment(node)}`"
        if not sizes:
            raise ev.error(node, f"{written} needs the new shape")
        first, rest = sizes[0], list(sizes[1:])
        if first is BATCH:
            pass
        elif isinstance(first, Unknown):
            raise ev.error(node, f"{written}: its first size depends on {_causes(first)}, which archcalc cannot know",
                           hint="write `x.size(0)` or `-1` for the batch")
        elif first != -1:
            raise ev.error(node, f"{written} fixes the batch size at {first}",
                           hint=f"write `x.{method}(x.size(0), ...)` or `x.{method}(-1, ...)`: the first size is "
                                "the batch")
        elif -1 in rest:
            raise ev.error(node, f"{written} has two -1 sizes", hint="only one size can be inferred")
        for s in rest:
            if isinstance(s, Unknown) or s is BATCH or not isinstance(s, int) or isinstance(s, bool) \
                    or (s < 1 and s != -1):
                raise ev.error(node, f"{written}: archcalc reads sizes that are whole numbers (and one -1), got "
                                     f"{_kind(s) if not isinstance(s, int) or isinstance(s, bool) else s}")
        if not rest:
            raise ev.error(node, f"{written} would mix the batch into one axis",
                           hint=f"write `x.{method}(x.size(0), -1)` to keep one row per example")
        if -1 in rest:
            known = math.prod(s for s in rest if s != -1)
            if total % known:
                raise ev.error(node, f"{written}: shape [{', '.join(_size_text(s) for s in sizes)}] is invalid for "
                                     f"a tensor of {total:,} values per example ({_shape_text(self.shape)})",
                               hint=f"the known sizes must divide {total:,}")
            rest = [total // known if s == -1 else s for s in rest]
        elif math.prod(rest) != total:
            hint = (f"write `x.{method}(x.size(0), {total})` or `x.{method}(x.size(0), -1)`"
                    if len(rest) == 1 else f"the sizes must multiply to {total:,}")
            raise ev.error(node, f"{written}: shape [{', '.join(_size_text(s) for s in sizes)}] is invalid for a "
                                 f"tensor of {total:,} values per example ({_shape_text(self.shape)}), not "
                                 f"{math.prod(rest):,}", hint=hint)
        return self.names.reshape(ev, self, tuple(rest), node)

    def _operator(self, op: ast.operator) -> Callable[..., Any]:
        """``x.add(y)``, ``out.add_(identity)``: the operator ``+`` (or ``*``, ``-``)."""
        return lambda ev, n, other: ev.binary(op, self, other, n)

    def expand(self, ev: Evaluator, node: ast.Call, *sizes: Any) -> Any:
        """``y.expand_as(x)``: the same values repeated along size-1 axes, read inside ``x * y``, where the
        multiply broadcasts them anyway."""
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        target = list(sizes[1:])
        fits = all((t == -1 or t == s or s == 1) and isinstance(t, int) for t, s in zip(target, self.shape))
        if len(target) != len(self.shape) or not fits:
            raise ev.error(node, f"`{ev.segment(node)}`: cannot expand {_shape_text(self.shape)} to the sizes given",
                           hint="expand only axes of size 1")
        shape = tuple(s if t == -1 else t for t, s in zip(target, self.shape))
        return Expanded(self, shape)

    reads_unknown_keys = True  # `x[...]`, and `x[:n]` of an unknown n, reach :func:`index`

    def item(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        return index(ev, self, key, node)

    def binary(self, ev: Evaluator, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
        kinds = {ast.Add: "add", ast.Mult: "multiply", ast.Sub: "subtract"}
        if isinstance(a, Expanded) or isinstance(b, Expanded):
            other = b if isinstance(a, Expanded) else a
            wide = a if isinstance(a, Expanded) else b
            if not isinstance(other, Tensor) or other.shape != wide.shape:
                raise ev.error(node, "archcalc reads an expanded tensor in `+`, `-` or `*` with a tensor of the "
                                     "shape it was expanded to", hint="write `x * y`: the sizes of 1 broadcast")
            a, b = (wide.tensor, other) if wide is a else (other, wide.tensor)
        if isinstance(a, Tensor) and isinstance(b, Tensor) and type(op) in kinds:
            return self.names.merge(ev, kinds[type(op)], {}, [a, b], node, ev.segment(node, 80))
        number = b if isinstance(a, Tensor) else a
        if isinstance(number, (int, float)) and not isinstance(number, bool) \
                and isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            return a if isinstance(a, Tensor) else b  # a number added or multiplied: same shape, no weights
        raise ev.error(node, f"archcalc reads `+`, `-` and `*` of two tensors (and a tensor with a number), not "
                             f"{_kind(a)} and {_kind(b)}")


@dataclass(eq=False)
class Expanded(Value):
    """``y.expand_as(x)``: readable only as an operand of ``+``, ``-``, ``*`` (where it broadcasts)."""

    tensor: Tensor
    shape: tuple[int, ...]
    what: str = "a tensor made by `expand`/`expand_as` (archcalc reads it in `+`, `-`, `*` only)"

    def binary(self, ev: Evaluator, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
        return self.tensor.binary(ev, op, a, b, node)


def _size_text(s: Any) -> str:
    return "batch" if s is BATCH else str(s)


def _causes(value: Unknown) -> str:
    return ", ".join(f"`{c.name}`" for c in value.causes[:4]) or "a value from outside the code"


class BatchSize(Unknown):
    """The batch size: ``x.size(0)``. Unknown (any batch goes through a model), but a ``view`` may
    pass it on as its first size."""

    what = "the batch size"


BATCH = BatchSize((Cause("x.size(0)", None, "the batch size"),))  # one object: every tensor's batch


@dataclass(eq=False)
class TensorMethod(Value):
    function: Callable[..., Any]
    name: str
    what: str = "a tensor method"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        try:
            return self.function(ev, node, *args, **kwargs)
        except TypeError:
            raise ev.error(node, f"`{ev.segment(node.func)}` is not called as PyTorch's `{self.name}` is") from None


def _dim(ev: Evaluator, dim: Any, rank: int, node: ast.AST) -> int:
    """A dimension as PyTorch counts it (the batch is 0), made non-negative."""
    if not isinstance(dim, int) or isinstance(dim, bool) or not -rank <= dim < rank:
        raise ev.error(node, f"dimension {dim} is out of range for a tensor of {rank} dimensions (the batch is 0)")
    return dim % rank


def flatten(ev: Evaluator, x: Any, start_dim: Any, end_dim: Any, node: ast.Call, layer: Layer | None = None) -> Any:
    if isinstance(x, Unknown):
        return x
    if not isinstance(x, Tensor):
        raise ev.error(node, f"`flatten` of {_kind(x)}, not of a tensor of the model")
    rank = len(x.shape) + 1
    start, end = _dim(ev, start_dim, rank, node), _dim(ev, end_dim, rank, node)
    if start == 0:
        raise ev.error(node, f"`{ev.segment(node)}` flattens the batch into the values",
                       hint="write `torch.flatten(x, 1)` to keep one row per example")
    if end < start:
        raise ev.error(node, f"`{ev.segment(node)}`: end_dim comes before start_dim")
    shape = x.shape
    merged = (*shape[:start - 1], math.prod(shape[start - 1:end]), *shape[end:])
    return ev.names.reshape(ev, x, merged, node, layer)


def unflatten(ev: Evaluator, x: Tensor, kwargs: dict[str, Any], node: ast.Call, layer: Layer) -> Any:
    """``nn.Unflatten(1, (16, 7, 7))``: one axis of PyTorch's shape split in several, the layout kept."""
    if set(kwargs) != {"dim", "unflattened_size"}:
        raise ev.error(node, "`nn.Unflatten` takes `dim` and `unflattened_size`",
                       hint="write e.g. `nn.Unflatten(1, (16, 7, 7))`")
    rank = len(x.shape) + 1
    axis = _dim(ev, kwargs["dim"], rank, node)
    sizes = kwargs["unflattened_size"]
    sizes = tuple(sizes) if isinstance(sizes, (tuple, list)) else (sizes,)
    if axis == 0:
        raise ev.error(node, "`nn.Unflatten(0, ...)` splits the batch", hint="unflatten dimension 1 or later")
    if not sizes or not all(isinstance(n, int) and not isinstance(n, bool) and (n >= 1 or n == -1) for n in sizes):
        raise ev.error(node, f"`nn.Unflatten`: unflattened_size must be whole numbers, got {sizes}")
    n = x.shape[axis - 1]
    known = math.prod(v for v in sizes if v != -1)
    if sizes.count(-1) > 1 or (-1 in sizes and n % known) or (-1 not in sizes and known != n):
        raise ev.error(node, f"`{layer.source}`: unflattened_size {sizes} does not hold the {n:,} values of dimension "
                             f"{axis} ({_shape_text(x.shape)})", hint=f"the sizes must multiply to {n:,}")
    sizes = tuple(n // known if v == -1 else v for v in sizes)
    shape = (*x.shape[:axis - 1], *sizes, *x.shape[axis:])
    return ev.names.reshape(ev, x, shape, node, layer)


#: Reductions over dimensions that archcalc reads: over every spatial dimension they are global pooling.
#: ``sum``, ``min`` and ``amin`` have no kind (archcalc has no global sum or minimum pooling): refused.
GLOBAL_POOLS = {"mean": ("global_avgpool", "the mean over the height and width is global average pooling"),
                "max": ("global_maxpool", "the maximum over the height and width (over time for a sequence) "
                                          "is global max pooling"),
                "amax": ("global_maxpool", "the maximum over the height and width (over time for a sequence) "
                                           "is global max pooling")}


def mean(ev: Evaluator, x: Any, dim: Any, keepdim: Any, node: ast.Call, name: str = "mean") -> Any:
    """``x.mean((2, 3))``: the average over every spatial axis (all but the channels) is global average
    pooling; with ``keepdim=True``, adaptive average pooling to 1. ``x.amax(2)`` (``name``), the maximum over
    time of a ``C x T`` tensor, is global max pooling in the same way."""
    if isinstance(x, Unknown):
        return x
    kind, hint = GLOBAL_POOLS.get(name, (None, "archcalc reads `mean` and `max` over every spatial dimension "
                                               "(global pooling)"))
    rank = len(x.shape) + 1
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    if kind is None:
        raise ev.error(node, f"archcalc has no layer kind for `{name}` over dimensions of a tensor "
                             f"(`{ev.segment(node, 80)}`)", hint=hint)
    if dim is None or not dims or not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
        raise ev.error(node, f"archcalc reads `{name}` over the spatial dimensions (`{ev.segment(node.func)}((2, 3))`)")
    axes = sorted({_cl_axis(_dim(ev, d, rank, node) - 1, rank - 1, x.layout) for d in dims if
                   _dim(ev, d, rank, node) > 0})
    spatial = list(range(rank - 2))  # every channels-last axis but the channels
    if axes != spatial or rank < 3 or any(_dim(ev, d, rank, node) == 0 for d in dims):
        wanted = tuple(range(2, rank)) if x.layout == FIRST else tuple(range(1, rank - 1))
        said = ", ".join(map(str, wanted)) if rank >= 3 else "2, 3, ..."
        raise ev.error(node, f"archcalc reads `{name}` over every spatial dimension ({said}), got {tuple(dims)}",
                       hint=hint)
    if keepdim not in (True, False):
        raise ev.error(node, "`keepdim` must be True or False")
    return ev.names.node(ev, kind, {"keepdims": bool(keepdim)}, [x], node, ev.segment(node, 80))


def max_min(ev: Evaluator, x: Tensor, name: str, dim: Any, keepdim: Any, node: ast.Call) -> Any:
    """``torch.max(x, dim)``: the maximum over a dimension and where it is (a pair: ``[0]`` or ``.values``
    is read); ``torch.max(a, b)`` of two tensors: their elementwise maximum (a merge, as Keras's
    ``Maximum``). ``min`` likewise, though only its elementwise form has a kind."""
    if isinstance(dim, Unknown):
        return dim
    if isinstance(dim, Tensor):
        if keepdim is not False:
            raise ev.error(node, f"`{ev.segment(node.func)}` of two tensors takes no `keepdim`")
        kind = "maximum" if name == "max" else "minimum"
        return ev.names.merge(ev, kind, {}, [x, dim], node, ev.segment(node, 80))
    if dim is None:
        raise ev.error(node, f"`{ev.segment(node)}` reduces the whole batch to one number",
                       hint=f"give the dimension: `torch.{name}(x, dim=2)[0]` over time, or "
                            f"`torch.{name}(x, other)` for the elementwise {name}imum of two tensors")
    if isinstance(dim, (tuple, list)):
        raise ev.error(node, f"`{ev.segment(node.func)}` takes one dimension, got {_kind(dim)}",
                       hint=f"`torch.a{name}(x, dim=(2, 3))` takes several")
    return ValuesIndices(mean(ev, x, dim, keepdim, node, name), ev.segment(node, 80))


@dataclass(eq=False)
class ValuesIndices(Value):
    """What ``torch.max(x, dim)`` returns: the values (``[0]``, ``.values``) and their indices (refused:
    whole numbers that no layer of the model makes)."""

    values: Tensor
    source: str
    what: str = "the (values, indices) pair of a reduction"

    def _indices(self, ev: Evaluator, node: ast.AST) -> SpecError:
        return ev.error(node, f"archcalc reads the values of `{self.source}`, not its indices",
                        hint="take `[0]` or `.values`")

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name == "values":
            return self.values
        if name == "indices":
            raise self._indices(ev, node)
        return super().attribute(ev, name, node)

    def item(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        if key in (0, -2) and not isinstance(key, bool):
            return self.values
        if key in (1, -1) and not isinstance(key, bool):
            raise self._indices(ev, node)
        raise ev.error(node, f"`{self.source}` is a pair (values, indices), indexed by 0 or 1, got {_kind(key)}")

    def items(self, ev: Evaluator, node: ast.AST) -> list[Any]:
        return [self.values, Indices(self.source)]


@dataclass(eq=False)
class Indices(Value):
    """The indices of ``values, indices = torch.max(x, 1)``: unpacking them is fine, using them is refused."""

    source: str

    @property
    def what(self) -> str:  # type: ignore[override]
        return f"the indices of `{self.source}` (archcalc reads its values only)"


def permute(ev: Evaluator, x: Any, dims: Any, node: ast.Call) -> Any:
    """``x.permute(0, 2, 3, 1)``: moving the channels last (or back) changes only the layout; any other order
    is a permute node of archcalc's axes."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    if isinstance(x, Unknown):
        return x
    rank = len(x.shape) + 1
    order = [_dim(ev, d, rank, node) for d in dims]
    if sorted(order) != list(range(rank)) or order[0] != 0:
        raise ev.error(node, f"`{ev.segment(node)}` is not an order of the {rank} dimensions that keeps the batch "
                             "first", hint="write every dimension once, the batch (0) first")
    per = [d - 1 for d in order[1:]]  # new PyTorch axis k is old PyTorch axis per[k]
    n = len(per)
    for layout in (x.layout, FIRST if x.layout == LAST else LAST):
        # new channels-last axis i → new PyTorch axis → old PyTorch axis → old channels-last axis
        inverse = [0] * n
        for k in range(n):
            inverse[_cl_axis(k, n, layout)] = k
        source = [_cl_axis(per[inverse[i]], n, x.layout) for i in range(n)]
        if source == list(range(n)):
            return Tensor(ev.names, x.index, layout) if layout != x.layout else x
    inverse = [0] * n
    for k in range(n):
        inverse[_cl_axis(k, n, FIRST)] = k
    source = [_cl_axis(per[inverse[i]], n, x.layout) for i in range(n)]
    return ev.names.node(ev, "permute", {"dims": tuple(s + 1 for s in source)}, [x], node, ev.segment(node, 80),
                         layout=FIRST)


def transpose(ev: Evaluator, x: Any, a: Any, b: Any, node: ast.Call) -> Any:
    if isinstance(x, Unknown):
        return x
    rank = len(x.shape) + 1
    order = list(range(rank))
    i, j = _dim(ev, a, rank, node), _dim(ev, b, rank, node)
    order[i], order[j] = order[j], order[i]
    return permute(ev, x, tuple(order), node)


def squeeze(ev: Evaluator, x: Tensor, dim: Any, node: ast.Call) -> Any:
    """``x.squeeze(-1)``: a size-1 axis left out; ``x.squeeze()``: every size-1 axis of one example (the
    batch is kept: archcalc reads a model for any batch size)."""
    shape = list(x.shape)
    if dim is None:
        kept = [d for d in shape if d != 1] or [1]
    else:
        axis = _dim(ev, dim, len(shape) + 1, node)
        if axis == 0:
            raise ev.error(node, f"`{ev.segment(node)}` squeezes the batch", hint="squeeze dimension 1 or later")
        kept = shape[:axis - 1] + shape[axis:] if shape[axis - 1] == 1 else shape
    return ev.names.reshape(ev, x, tuple(kept), node)


def unsqueeze(ev: Evaluator, x: Tensor, dim: Any, node: ast.Call) -> Any:
    shape = list(x.shape)
    axis = _dim(ev, dim, len(shape) + 2, node)
    if axis == 0:
        raise ev.error(node, f"`{ev.segment(node)}` adds an axis before the batch", hint="use dimension 1 or later")
    if axis == 1 and x.layout == LAST and len(x.cl) > 1:
        # `(H, W)` → `(1, H, W)`: a map of one channel (what `x[:, 0]` of a map was), read channels first
        return ev.names.node(ev, "reshape", {"shape": (*x.cl, 1)}, [x], node, ev.segment(node, 80), layout=FIRST)
    return ev.names.reshape(ev, x, (*shape[:axis - 1], 1, *shape[axis - 1:]), node)


def _index_parts(ev: Evaluator, x: Tensor, key: Any, node: ast.AST) -> list[int | slice] | Unknown:
    """The index of each of PyTorch's dimensions (the batch first), ``...`` spread out; anything but whole
    numbers and slices of step 1 refused."""
    written = f"`{ev.segment(node, 80)}`"
    elts = node.slice.elts if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple) else \
        [node.slice] if isinstance(node, ast.Subscript) else []
    parts = list(key) if isinstance(key, tuple) else [key]
    # `...` is an unknown value to the evaluator: found by its place in the code.
    dots = [i for i, e in enumerate(elts) if isinstance(e, ast.Constant) and e.value is Ellipsis]
    for i in dots:
        parts[i] = Ellipsis
    for part in parts:
        if isinstance(part, Unknown):
            return part
        if part is None:
            raise ev.error(node, f"{written}: archcalc does not read `None` (a new axis) in an index",
                           hint="write `x.unsqueeze(dim)`")
        if isinstance(part, slice) and part.step not in (None, 1):
            raise ev.error(node, f"{written}: archcalc reads slices of step 1, got a step of {part.step}",
                           hint="a strided slice has no layer kind in archcalc")
        if not (part is Ellipsis or isinstance(part, slice) or (isinstance(part, int) and not isinstance(part, bool))):
            raise ev.error(node, f"{written}: archcalc reads a tensor indexed by whole numbers, slices and `...`, "
                                 f"not by {_kind(part)}")
    rank = len(x.shape) + 1
    if parts.count(Ellipsis) > 1:
        raise ev.error(node, f"{written}: an index can only have a single `...`")
    if len(parts) - parts.count(Ellipsis) > rank:
        raise ev.error(node, f"{written}: too many indices for a tensor of {rank} dimensions (the batch is 0)")
    if Ellipsis in parts:
        i = parts.index(Ellipsis)
        parts[i:i + 1] = [slice(None)] * (rank - len(parts) + 1)
    return parts + [slice(None)] * (rank - len(parts))


def index(ev: Evaluator, x: Tensor, key: Any, node: ast.AST) -> Any:
    """``y[:, :, -1]``, ``x[:, :3]``, ``x[..., 2:5]``: a slice of one of archcalc's axes is a ``slice`` node
    (the kind takes the last axis: another is moved last by a ``permute`` and back), a whole number keeps
    one position and drops its axis (a reshape)."""
    parts = _index_parts(ev, x, key, node)
    if isinstance(parts, Unknown):
        ev.need(parts, node, "indexes a tensor of the model")
        return parts
    written = f"`{ev.segment(node, 80)}`"
    if parts[0] != slice(None):
        raise ev.error(node, f"{written} indexes the batch", hint="keep every example: write `:` first")
    shape, layout, n = x.shape, x.layout, len(x.cl)
    source = ev.segment(node, 80)
    order = list(range(n))  # which of x's channels-last axes each axis of the current tensor is
    current, dropped = x, []
    for k, part in enumerate(parts[1:]):
        size = shape[k]
        if isinstance(part, int):
            if not -size <= part < size:
                raise ev.error(node, f"{written}: index {part} is out of range for dimension {k + 1} of size {size}")
            start, stop = part % size, part % size + 1
            dropped.append(_cl_axis(k, n, layout))
        else:
            start, stop, _ = part.indices(size)
            if stop <= start:
                raise ev.error(node, f"{written}: the slice of dimension {k + 1} (size {size}) selects nothing")
        if (start, stop) == (0, size):
            continue
        j = order.index(_cl_axis(k, n, layout))
        if j != n - 1:  # moved last, where the slice kind takes its part
            moved = [*order[:j], *order[j + 1:], order[j]]
            # shown features last: PyTorch's order is then archcalc's, the part taken from the last axis
            current = ev.names.node(ev, "permute", {"dims": tuple(order.index(a) + 1 for a in moved)}, [current],
                                    node, source, layout=LAST)
            order = moved
        current = ev.names.node(ev, "slice", {"start": start, "stop": stop}, [current], node, source,
                                layout=layout if order == list(range(n)) else LAST)
    kept = [a for a in range(n) if a not in dropped]  # the result in x's channels-last order
    labels = [k for k in range(n) if _cl_axis(k, n, layout) not in dropped]  # its PyTorch axes
    axis_of = {_cl_axis(k, n, layout): k for k in range(n)}
    out_layout = next(lay for lay in (layout, LAST if layout == FIRST else FIRST)
                      if from_torch_order(tuple(labels), lay) == tuple(axis_of[a] for a in kept))
    if [a for a in order if a not in dropped] != kept:  # the axes moved by a slice come back first
        current = ev.names.node(ev, "permute", {"dims": tuple(order.index(a) + 1 for a in range(n))}, [current],
                                node, source, layout=layout)
        order = list(range(n))
    if not dropped:
        return current
    cl = tuple(current.cl[i] for i, a in enumerate(order) if a not in dropped)
    kind, args = ("flatten", {}) if len(cl) == 1 else ("reshape", {"shape": cl})
    return ev.names.node(ev, kind, args, [current], node, source, layout=out_layout)


@dataclass(frozen=True)
class TensorOp:
    """A tensor operation read both as a function of ``torch`` (``torch.squeeze(x, 1)``) and as a method
    (``x.squeeze(1)``): its parameters after the tensor, their defaults, and how it is read."""

    params: tuple[str, ...]
    defaults: dict[str, Any]
    read: Callable[..., Any]  # (ev, x, node, **arguments): the tensor or value it makes
    spread: bool = False  # the method may spread its one parameter: `x.permute(0, 2, 1)`, `x.view(-1, 8)`
    method_only: bool = False  # `x.view(...)`: torch has no function of that name
    method_names: tuple[tuple[str, str], ...] = ()  # the method's own names of parameters: `x.split(split_size=2)`


#: The tensor operations of both spellings, by name (one table: the two spellings cannot drift apart).
TENSOR_OPS: dict[str, TensorOp] = {
    "view": TensorOp(("shape",), {}, lambda ev, x, n, shape: x.view(ev, n, *shape), spread=True, method_only=True),
    "reshape": TensorOp(("shape",), {}, lambda ev, x, n, shape: x.view(ev, n, *shape), spread=True),
    "flatten": TensorOp(("start_dim", "end_dim"), {"start_dim": 0, "end_dim": -1},
                        lambda ev, x, n, start_dim, end_dim: flatten(ev, x, start_dim, end_dim, n)),
    "squeeze": TensorOp(("dim",), {"dim": None}, lambda ev, x, n, dim: squeeze(ev, x, dim, n)),
    "unsqueeze": TensorOp(("dim",), {}, lambda ev, x, n, dim: unsqueeze(ev, x, dim, n)),
    "permute": TensorOp(("dims",), {}, lambda ev, x, n, dims: permute(ev, x, dims, n), spread=True),
    "transpose": TensorOp(("dim0", "dim1"), {}, lambda ev, x, n, dim0, dim1: transpose(ev, x, dim0, dim1, n)),
    "mean": TensorOp(("dim", "keepdim", "dtype"), {"dim": None, "keepdim": False, "dtype": None},
                     lambda ev, x, n, dim, keepdim, dtype: mean(ev, x, dim, keepdim, n)),
    **{name: TensorOp(("dim", "keepdim"), {"dim": None, "keepdim": False},
                      lambda ev, x, n, dim, keepdim, name=name: max_min(ev, x, name, dim, keepdim, n))
       for name in ("max", "min")},
    **{name: TensorOp(("dim", "keepdim"), {"dim": (), "keepdim": False},
                      lambda ev, x, n, dim, keepdim, name=name: mean(ev, x, dim, keepdim, n, name))
       for name in ("amax", "amin")},
    "sum": TensorOp(("dim", "keepdim", "dtype"), {"dim": None, "keepdim": False, "dtype": None},
                    lambda ev, x, n, dim, keepdim, dtype: mean(ev, x, dim, keepdim, n, "sum")),
    "chunk": TensorOp(("chunks", "dim"), {"dim": 0},
                      lambda ev, x, n, chunks, dim: split(ev, x, "chunk", chunks, dim, n)),
    "split": TensorOp(("split_size_or_sections", "dim"), {"dim": 0},
                      lambda ev, x, n, split_size_or_sections, dim: split(ev, x, "split", split_size_or_sections,
                                                                           dim, n),
                      method_names=(("split_size", "split_size_or_sections"),)),
}


def split(ev: Evaluator, x: Tensor, name: str, sizes: Any, dim: Any, node: ast.Call) -> tuple[Any, ...]:
    """``torch.chunk(x, 2, dim=1)``, ``x.split([16, 48], 1)``: a tuple of parts of one dimension, each a
    slice (see :func:`index`). As PyTorch does, ``chunk(n)`` cuts parts of ``ceil(size / n)`` (the last one
    smaller, and fewer than n parts if they run out); ``split(k)`` parts of k, the last one smaller; ``split``
    of a list cuts exactly those sizes."""
    rank = len(x.shape) + 1
    axis = _dim(ev, dim, rank, node)
    if axis == 0:
        raise ev.error(node, f"`{ev.segment(node)}` splits the batch", hint="write `dim=1` to split the channels")
    size = x.shape[axis - 1]

    def whole(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    if name == "chunk":
        if not whole(sizes) or sizes < 1:
            raise ev.error(node, f"`{ev.segment(node)}`: the number of chunks must be a whole number of at least 1, "
                                 f"got {_kind(sizes) if not whole(sizes) else sizes}")
        step = -(-size // sizes)
        parts = [min(step, size - start) for start in range(0, size, step)]
    elif whole(sizes):
        if sizes < 1:
            raise ev.error(node, f"`{ev.segment(node)}`: the split size must be at least 1, got {sizes}")
        parts = [min(sizes, size - start) for start in range(0, size, sizes)]
    elif isinstance(sizes, (tuple, list)) and sizes and all(whole(v) and v >= 0 for v in sizes):
        if sum(sizes) != size:
            raise ev.error(node, f"`{ev.segment(node)}`: the sizes {list(sizes)} add up to {sum(sizes)}, not to the "
                                 f"{size} of dimension {axis} ({_shape_text(x.shape)})",
                           hint=f"the sizes must add up to {size}")
        if 0 in sizes:
            raise ev.error(node, f"`{ev.segment(node)}`: a part of size 0 has no layer kind in archcalc")
        parts = list(sizes)
    else:
        raise ev.error(node, f"`{ev.segment(node)}`: archcalc reads a split size or a list of sizes (whole numbers), "
                             f"got {_kind(sizes)}")
    if len(parts) > MAX_PARTS:
        raise ev.error(node, f"`{ev.segment(node)}` makes {len(parts):,} parts, more than archcalc reads "
                             f"({MAX_PARTS:,})")
    out, start = [], 0
    for n in parts:
        first = len(ev.names.graph)
        out.append(index(ev, x, (*(slice(None),) * axis, slice(start, start + n)), node) if n != size else x)
        for g in ev.names.graph[first:]:
            g.optional = True  # `a, _ = x.chunk(2, 1)`: the part never used is no row (nor an output)
        start += n
    return tuple(out)


def tensor_op(ev: Evaluator, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call,
              method: bool = False) -> Any:
    """``torch.<name>(x, ...)``, or ``x.<name>(...)`` (``method``: ``args[0]`` is the tensor itself)."""
    op = TENSOR_OPS[name]
    rest = list(args[1:]) if method else list(args)
    if method and op.spread and not kwargs and not (len(rest) == 1 and isinstance(rest[0], (tuple, list))):
        rest = [tuple(rest)]  # x.permute(0, 2, 1) is torch.permute(x, (0, 2, 1)); x.view() says what it lacks
    if method:
        names = dict(op.method_names)
        given = _args(ev, node, op.params, rest, {names.get(k, k): v for k, v in kwargs.items()}, op.defaults)
        x = args[0]
    else:
        given = _args(ev, node, ("input", *op.params), rest, kwargs, op.defaults)
        x = given.pop("input")
    if isinstance(x, Unknown):
        return x
    if not isinstance(x, Tensor):
        raise ev.error(node, f"`{name}` of {_kind(x)}, not of a tensor of the model")
    if op.spread:
        value = given[op.params[0]]
        given[op.params[0]] = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return op.read(ev, x, node, **given)


@dataclass(eq=False)
class FunctionValue(Value):
    """A functional form of a module (``F.relu``, ``F.max_pool2d``, ``torch.sigmoid``)."""

    name: str
    path: str
    what: str = "a PyTorch function"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if not args and "input" not in kwargs:
            raise ev.error(node, f"`{ev.segment(node.func)}` needs a tensor")
        kwargs = dict(kwargs)
        x = args[0] if args else kwargs.pop("input")
        rest = list(args[1:])
        unknown = deep_unknown([x, rest, kwargs])
        if unknown is not None:
            if not isinstance(x, Unknown):
                ev.need(unknown, node, f"reaches `{ev.segment(node.func)}`")
            return unknown
        full = _full_name(self.path)
        if any(isinstance(v, Value) for v in [*rest, *kwargs.values()]):
            raise ev.error(node, f"`{ev.segment(node.func)}` is given a value archcalc does not read")
        return ev.names.apply(ev, K.TORCH_FUNCTIONS[full].class_name, {}, x, node, None, ev.segment(node, 80),
                              function=full, call_args=(rest, kwargs))


def _full_name(path: str) -> str:
    """``torch.nn.functional.relu`` however the code imported it (``F.relu``, ``torch.relu``)."""
    parts = path.split(".")
    if "functional" in parts:
        return "torch.nn.functional." + parts[-1]
    return "torch." + parts[-1]


@dataclass(eq=False)
class TensorFunction(Value):
    """``torch.flatten``, ``torch.cat``, ``torch.add``, ``torch.mul``, ``torch.mean``, ``torch.permute``,
    ``torch.transpose``."""

    name: str
    path: str
    what: str = "a PyTorch function"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if self.name in TENSOR_OPS:
            return tensor_op(ev, self.name, args, kwargs, node)
        if self.name in ("add", "mul"):
            given = _args(ev, node, ("input", "other"), args, kwargs, {})
            op = ast.Add() if self.name == "add" else ast.Mult()
            return ev.binary(op, given["input"], given["other"], node)
        given = _args(ev, node, ("tensors", "dim"), args, kwargs, {"dim": 0})
        tensors, dim = given["tensors"], given["dim"]
        if isinstance(tensors, Unknown):
            return tensors
        if not isinstance(tensors, (list, tuple)) or not tensors:
            raise ev.error(node, f"`{ev.segment(node.func)}` takes a list of tensors")
        if any(isinstance(t, Unknown) for t in tensors):
            return Unknown.merge(list(tensors))
        if not all(isinstance(t, Tensor) for t in tensors):
            raise ev.error(node, f"`{ev.segment(node.func)}` takes a list of tensors of the model")
        rank = len(tensors[0].shape) + 1
        axis = _dim(ev, dim, rank, node)
        if axis == 0:
            raise ev.error(node, f"`{ev.segment(node)}` concatenates along the batch",
                           hint="write `dim=1` to stack the channels")
        if len(tensors) == 1:
            return tensors[0]
        # PyTorch's axis (1 = the channels of a FIRST tensor) in the channels-last shape, counted as Keras
        # does (1 = the first axis after the batch).
        layout = tensors[0].layout
        cl_axis = _cl_axis(axis - 1, rank - 1, layout) + 1
        return ev.names.merge(ev, "concat", {"axis": cl_axis}, list(tensors), node, ev.segment(node, 80))


def _args(ev: Evaluator, node: ast.Call, params: tuple[str, ...], args: list[Any], kwargs: dict[str, Any],
          defaults: dict[str, Any]) -> dict[str, Any]:
    if len(args) > len(params):
        raise ev.error(node, f"`{ev.segment(node.func)}` takes at most {len(params)} arguments")
    given = {**defaults, **dict(zip(params, args))}
    for key, value in kwargs.items():
        if key not in params:
            raise ev.error(node, f"`{ev.segment(node.func)}` has no argument `{key}`")
        given[key] = value
    for p in params:
        if p not in given:
            raise ev.error(node, f"`{ev.segment(node.func)}` needs `{p}`")
    return given


@dataclass(eq=False)
class TensorMaker(Value):
    """``torch.randn(1, 3, 32, 32)``: a tensor of that shape, which can be the model's input."""

    name: str
    what: str = "a PyTorch function"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        sizes = args[2:] if self.name == "randint" else args
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = list(sizes[0])
        if "size" in kwargs:
            sizes = list(kwargs["size"]) if isinstance(kwargs["size"], (tuple, list)) else [kwargs["size"]]
        if len(sizes) < 2 or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in sizes):
            if self.name != "randint" and all(_size(s) for s in sizes):  # torch.ones(16): a buffer's values
                return Constant(tuple(sizes), ev.segment(node, 80), ev.location(node))
            return Unknown.of(ev.segment(node), ev.location(node), "a tensor that is not a batch of examples")
        names: TorchNames = ev.names
        shape = tuple(sizes[1:]) if names.input_shape is None else names.input_shape
        made = names.new_input(ev, shape, node, ev.segment(node, 80))
        if self.name != "randint":  # an input, or the values of a buffer or a parameter (register_buffer)
            names.made[made.index] = Constant(tuple(sizes), ev.segment(node, 80), ev.location(node))
        return made


def _size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


#: Why a constant tensor's values are unknown (its cause, found again when forward returns nothing else).
CONSTANT_VALUES = "the values of a constant tensor"
#: The values a constant tensor can have at most (a limit, as for the layers' tensors).
MAX_CONSTANT_VALUES = 10**12


class Constant(Unknown):
    """A tensor of known shape whose values do not come from the model's input: ``torch.zeros(1, 3, 1, 1)``,
    ``torch.tensor([0.485, 0.456, 0.406])``, a buffer or a parameter a module holds (``self.mean``).

    Its values are unknown (it is an :class:`Unknown`: outside the model it is data, as before); in ``forward``
    it is read as an operand of ``+``, ``-``, ``*`` and ``/`` with a tensor of the model that it broadcasts
    to (the tensor keeps its shape, nothing is added to the graph). Given to anything else it is only an
    unknown value: a call that returns it unchanged makes it one (its shape may not hold any more).

    Args:
        shape: PyTorch's shape, every axis (a buffer has no batch axis of its own).
        source: how the code made it.
        location: where.
        parameter: an ``nn.Parameter`` (else a plain tensor).
        trainable: a parameter's ``requires_grad``.
    """

    def __init__(self, shape: tuple[int, ...], source: str, location: Location | None, parameter: bool = False,
                 trainable: bool = True) -> None:
        super().__init__((Cause(source, location, CONSTANT_VALUES),))
        self.shape = tuple(shape)
        self.source = source
        self.location = location
        self.parameter = parameter
        self.trainable = trainable

    @property
    def what(self) -> str:  # type: ignore[override]
        kind = "parameter" if self.parameter else "constant tensor"
        return f"a {kind} of shape {self.shape}"

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    def unknown(self) -> Unknown:
        """The same values, their shape forgotten."""
        return Unknown(self.causes)

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name == "shape":
            return self.shape
        if name == "requires_grad" and self.parameter:
            return self.trainable
        if name == "requires_grad_" and self.parameter:
            return TensorMethod(lambda ev, n, flag=True: freeze(ev, ParamValue(self), flag, n) or self, name)
        if name in ("view", "reshape"):
            return TensorMethod(lambda ev, n, *sizes: self._view(ev, n, sizes), name)
        if name == "unsqueeze":
            return TensorMethod(lambda ev, n, dim: self._unsqueeze(ev, n, dim), name)
        if name in ("numel", "nelement"):
            return TensorMethod(lambda ev, n: self.numel, name)
        if name in ("dim", "ndimension"):
            return TensorMethod(lambda ev, n: len(self.shape), name)
        if name == "size":
            return TensorMethod(lambda ev, n, *dim: self.shape[dim[0]] if dim else self.shape, name)
        if name in TENSOR_SAME or name == "data":
            return self.derived(self.shape) if name == "data" else TensorMethod(lambda ev, n, *a, **k: self, name)
        return self.unknown()  # its values (`.mean()`, `.item()`, `nn.init` on `.data`): unknown

    def set_attribute(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        if self.parameter and name == "requires_grad":
            freeze(ev, ParamValue(self), value, node)

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        return self.unknown().call(ev, args, kwargs, node)

    def derived(self, shape: tuple[int, ...]) -> Constant:
        """A tensor computed from this one (a view of a parameter, a buffer times a number): only its shape is
        known; it is no parameter itself (the parameter is counted where the module holds it)."""
        return Constant(tuple(shape), self.source, self.location)

    def _view(self, ev: Evaluator, node: ast.Call, sizes: tuple[Any, ...]) -> Constant:
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        ok = all(isinstance(s, int) and not isinstance(s, bool) and (s >= 0 or s == -1) for s in sizes)
        known = math.prod(s for s in sizes if s != -1) if ok else 0
        if not ok or sizes.count(-1) > 1 or (-1 in sizes and (not known or self.numel % known)) \
                or (-1 not in sizes and known != self.numel):
            raise ev.error(node, f"`{ev.segment(node)}`: {self.what} cannot be viewed as "
                                 f"({', '.join(map(str, sizes))})", hint=f"the sizes must multiply to {self.numel:,}")
        return self.derived(tuple(self.numel // known if s == -1 else s for s in sizes))

    def _unsqueeze(self, ev: Evaluator, node: ast.Call, dim: Any) -> Constant:
        rank = len(self.shape) + 1
        if not isinstance(dim, int) or isinstance(dim, bool) or not -rank <= dim < rank:
            raise ev.error(node, f"dimension {dim} is out of range for `unsqueeze` of {self.what}")
        axis = dim % rank
        return self.derived((*self.shape[:axis], 1, *self.shape[axis:]))

    def binary(self, ev: Evaluator, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
        """``x - self.mean`` (see :func:`operand`), ``1e-6 * torch.ones(dim)``, ``self.a + self.b``."""
        other = b if a is self else a
        if isinstance(other, (Tensor, Expanded)):
            return operand(ev, op, a, b, node)
        if isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            if isinstance(other, (int, float)) and not isinstance(other, bool):
                return self.derived(self.shape)  # the same shape
            if isinstance(other, Constant) and _broadcast(self.shape, other.shape) is not None:
                return self.derived(_broadcast(self.shape, other.shape))
        return Unknown.merge([a, b])


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """PyTorch's broadcast of two shapes (None when they do not broadcast).

    >>> _broadcast((1, 3, 1, 1), (3, 32, 32)), _broadcast((2,), (3,))
    ((1, 3, 32, 32), None)
    """
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    if any(x != y and 1 not in (x, y) for x, y in zip(a, b)):
        return None
    return tuple(max(x, y) if 1 in (x, y) else x for x, y in zip(a, b))


def operand(ev: Evaluator, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
    """``x - self.mean``, ``(x - self.mean) / self.std``, ``x * self.gamma.view(1, -1, 1, 1)``: a tensor of the
    model and a constant tensor (a buffer, a parameter), element by element. PyTorch broadcasts them; when the
    constant only repeats along the tensor's axes, the result has the tensor's shape and archcalc adds no row
    (as for ``x / 255``): the constant's own values are counted where the module holds them.

    Raises:
        SpecError: another operator, or a constant that would change the tensor's shape.
    """
    x, c = (a, b) if isinstance(b, Constant) else (b, a)
    if not isinstance(x, Tensor):
        raise ev.error(node, f"archcalc reads {c.what} with a tensor of the model as it is, not expanded",
                       hint="write `x * y`: the sizes of 1 broadcast")
    symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}.get(type(op))
    full = (1, *x.shape)  # the batch (of any size) as 1: a constant must not grow it
    if symbol is None:
        raise ev.error(node, f"archcalc reads `+`, `-`, `*` and `/` of a tensor of the model and {c.what}",
                       hint="the constant tensor and the model's tensor are combined element by element")
    if len(c.shape) > len(full) or _broadcast(full, c.shape) != full:
        raise ev.error(node, f"`{ev.segment(node, 80)}`: {c.what} {symbol} a tensor of shape "
                             f"(batch, {', '.join(map(str, x.shape))}) would change its shape",
                       hint="archcalc reads a constant tensor that broadcasts to the model's tensor: each of its "
                            "axes, counted from the last, of size 1 or of the tensor's size")
    return x


@dataclass(eq=False)
class ConstantMaker(Value):
    """``torch.tensor([0.485, 0.456, 0.406])``, ``torch.full((1, 3, 1, 1), 0.5)``, ``torch.eye(4)``,
    ``torch.arange(10)``: a :class:`Constant` of the shape they make (unknown when it depends on data)."""

    name: str
    what: str = "a PyTorch function"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        shape = self._shape(ev, args, kwargs, node)
        if shape is None:
            return Unknown.of(ev.segment(node), ev.location(node), "a tensor made from values archcalc does not know")
        if math.prod(shape) > MAX_CONSTANT_VALUES:
            raise ev.error(node, f"`{ev.segment(node, 80)}` makes a tensor of {math.prod(shape):,} values, more than "
                                 f"archcalc reads ({MAX_CONSTANT_VALUES:,})")
        return Constant(shape, ev.segment(node, 80), ev.location(node))

    def _shape(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> tuple[int, ...] | None:
        if self.name == "tensor":
            data = args[0] if args else kwargs.get("data")
            return _nested_shape(data) if not isinstance(data, Constant) else data.shape
        if self.name == "full":
            size = args[0] if args else kwargs.get("size")
            size = tuple(size) if isinstance(size, (tuple, list)) else (size,)
            return size if all(_size(s) for s in size) else None
        if self.name == "eye":
            n = args[0] if args else kwargs.get("n")
            m = args[1] if len(args) > 1 else kwargs.get("m", n)
            return (n, m) if _size(n) and _size(m) else None
        numbers = [v for v in args[:3]]
        if not numbers or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
            return None
        start, end, step = (0, numbers[0], 1) if len(numbers) == 1 else (*numbers[:2], numbers[2] if len(numbers) > 2
                                                                           else kwargs.get("step", 1))
        if not isinstance(step, (int, float)) or isinstance(step, bool) or step == 0:
            return None
        if all(isinstance(v, int) for v in (start, end, step)):
            return (max(0, -((start - end) // step)),)
        return None  # a float range: its length depends on rounding archcalc does not repeat


def _nested_shape(data: Any) -> tuple[int, ...] | None:
    """The shape of a nested list of numbers (``[[1, 2], [3, 4]]`` is (2, 2)); None when it is not rectangular.

    >>> _nested_shape([[1, 2], [3, 4]]), _nested_shape(0.5), _nested_shape([[1], [2, 3]])
    ((2, 2), (), None)
    """
    if isinstance(data, (int, float)):  # a bool too: torch.tensor(True) is a 0-d tensor
        return ()
    if not isinstance(data, (list, tuple)):
        return None
    inner = [_nested_shape(v) for v in data]
    if not inner:
        return (0,)
    if any(s is None or s != inner[0] for s in inner):
        return None
    return (len(data), *inner[0])


@dataclass(eq=False)
class ParameterClass(Value):
    """``nn.Parameter(torch.zeros(1, 1, dim))``: a parameter a module holds directly (ConvNeXt's layer scale,
    a ViT's class token); counted in ``model.parameters()`` once a module holds it."""

    what: str = "`nn.Parameter`"

    def instance_check(self, value: Any) -> bool:
        return isinstance(value, Constant) and value.parameter

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        given = _args(ev, node, ("data", "requires_grad"), args, kwargs, {"data": None, "requires_grad": True})
        data, grad = constant_of(ev, given["data"]), given["requires_grad"]
        if data is None:
            raise ev.error(node, f"archcalc cannot count `{ev.segment(node, 80)}`: it reads a parameter made from "
                                 "a tensor of constant sizes",
                           hint="write its values with torch.zeros, torch.ones, torch.randn, torch.rand, torch.empty, "
                                "torch.full or torch.tensor([...]) and sizes that are numbers")
        if grad not in (True, False):
            raise ev.error(node, "`requires_grad` must be True or False")
        return Constant(data.shape, ev.segment(node, 80), ev.location(node), parameter=True, trainable=grad)


def constant_of(ev: Evaluator, value: Any) -> Constant | None:
    """The constant tensor a value is: a :class:`Constant`, or a tensor made by ``torch.zeros(1, 3, 1, 1)``
    (which the reader takes for an input until a module holds it)."""
    if isinstance(value, Constant):
        return value
    if isinstance(value, Tensor) and value.index in ev.names.made:
        return ev.names.made[value.index]
    return None


# -- the networks ----------------------------------------------------------------------------------
def module_names(root: Any) -> dict[int, str]:
    """Every module of a model by its qualified name, as ``model.named_modules()`` gives them (a module
    registered twice keeps its first name)."""
    out: dict[int, str] = {id(root): ""}
    stack: list[tuple[Any, str]] = [(root, "")]
    order: list[tuple[Any, str]] = []
    while stack:
        module, prefix = stack.pop()
        order.append((module, prefix))
        kids = _children(module)
        for key, child in reversed(list(kids.items())):
            if child is None or id(child) in out:
                continue
            name = f"{prefix}.{key}" if prefix else key
            out[id(child)] = name
            stack.append((child, name))
    return out


def _all_modules(root: Any, named: bool) -> list[Any]:
    """``model.modules()`` (``named_modules()``): the model and every module inside it, once each, in order."""
    names = module_names(root)
    order, stack, seen = [], [root], set()
    while stack:
        m = stack.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        order.append(m)
        stack.extend(reversed([c for c in _children(m).values() if c is not None]))
    return [(names[id(m)], m) for m in order] if named else order


def _children(module: Any) -> dict[str, Any]:
    if isinstance(module, Container):
        return module.children
    if isinstance(module, Instance) and isinstance(module.framework, ModuleState):
        return module.framework.children
    return {}


def _leaves(root: Any) -> list[tuple[str, Layer]]:
    names = module_names(root)
    found: dict[int, Any] = {}
    stack = [root]
    while stack:
        m = stack.pop()
        if id(m) in found:
            continue
        found[id(m)] = m
        stack.extend(c for c in _children(m).values() if c is not None)
    return [(names[i], m) for i, m in found.items() if isinstance(m, Layer)]


def _pick(ev: Evaluator, names: TorchNames, net: str | None) -> tuple[str, Any]:
    """The model to read: ``--net`` (a class or a variable), else a variable holding an object of the last
    ``nn.Module`` class (or any model when the file defines none), else the last class made from defines."""
    classes = [c for c in names.classes]
    variables = [(k, v) for k, v in ev.globals.names.items() if _is_model_value(v)]
    inner = {id(c) for _, v in variables for c in _descendants(v)}
    top = [(k, v) for k, v in variables if id(v) not in inner]
    if net is not None:
        for same in (lambda a, b: a == b, lambda a, b: a.lower() == b.lower()):  # exact spelling first
            for k, v in variables:
                if same(k, net):
                    return k, v
            for c in classes:
                if same(c.name, net):
                    objects = [(k, v) for k, v in top if isinstance(v, Instance) and v.cls is c]
                    return (c.name, objects[-1][1]) if objects else (c.name, _instantiate(ev, c))
            for k, v in ev.globals.names.items():  # `def ResNet18(): return ResNet(BasicBlock, [2, 2, 2, 2])`
                if same(k, net) and isinstance(v, Function) and isinstance(v.node, ast.FunctionDef):
                    made = _call_builder(ev, v)
                    if _is_module(made):
                        return k, made
                    raise SpecError(f"`{k}()` returns {_kind(made)}, not a PyTorch module",
                                    location=ev.location(v.node), hint="--net names a model class, a variable "
                                                                      "holding a model or a function returning one")
        choices = [c.name for c in classes] + [k for k, _ in top]
        import difflib

        close = difflib.get_close_matches(net, choices, n=1)
        raise SpecError(f"{ev.path} has no model class or variable `{net}`",
                        hint=(f"did you mean `{close[0]}`? " if close else "")
                        + ("it holds: " + ", ".join(choices) if choices else "it defines no nn.Module"))
    if classes:
        last = classes[-1]
        objects = [(k, v) for k, v in top if isinstance(v, Instance) and v.cls is last]
        if objects:
            return objects[-1]
        return last.name, _instantiate(ev, last)
    if top:
        return top[-1]
    raise SpecError(f"{ev.path}: found no PyTorch model",
                    hint="define a class based on `nn.Module`, or assign `model = nn.Sequential(...)`")


def _call_builder(ev: Evaluator, function: Function) -> Any:
    """A function of the file that builds the model, called with the ``--define`` values its parameters
    name (the others keep their defaults; one without is reported with the other missing values)."""
    a = function.node.args
    kwargs: dict[str, Any] = {}
    for p in [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]:
        if p in ev.defines:
            kwargs[p] = ev.defines[p]
        elif p not in function.defaults:
            kwargs[p] = Unknown.of(p, ev.location(function.node), f"an argument of `{function.name}` with no default")
    node = _anchor(ev, ev.location(function.node))
    return ev.call_function(function, [], kwargs, node)


def _created(item: tuple[str, Layer]) -> tuple[int, int]:
    where = item[1].location
    return (where.line, where.column) if where else (0, 0)


def unsupported_error(ev: Evaluator, missing: list[tuple[str, Location | None]], node: ast.AST | None) -> SpecError:
    """One error naming every module class of the model that archcalc has no kind for."""
    listed = list(dict.fromkeys(n for n, _ in missing))
    return SpecError(f"archcalc has no layer kind for {len(listed)} PyTorch class{'es' * (len(listed) != 1)} of "
                     "this model: " + ", ".join(f"`nn.{n}`" for n in listed),
                     location=missing[0][1] if missing[0][1] is not None or node is None else ev.location(node),
                     hint="the modules archcalc reads are listed in docs/pytorch.md; leave these out to analyse "
                          "the rest")


def _is_model_value(value: Any) -> bool:
    return (isinstance(value, Container) and value.class_name == "Sequential") or (
        isinstance(value, Instance) and isinstance(value.framework, ModuleState))


def _descendants(root: Any) -> list[Any]:
    """Every module under ``root``, each once: a module may hold itself (``nn.Sequential(self)``), as PyTorch's
    ``named_modules`` allows, so the walk remembers what it has seen."""
    out, seen, stack = [], {id(root)}, list(_children(root).values())
    while stack:
        m = stack.pop()
        if m is None or id(m) in seen:
            continue
        seen.add(id(m))
        out.append(m)
        stack.extend(_children(m).values())
    return out


def _instantiate(ev: Evaluator, cls: ClassValue) -> Any:
    """An object of the chosen class, its constructor's arguments taken from ``--define`` (the others
    keep their defaults; one without a default is reported with the other missing values)."""
    init = cls.lookup("__init__")
    kwargs: dict[str, Any] = {}
    where = ast.Module(body=[], type_ignores=[])
    if isinstance(init, Function):
        a = init.node.args
        params = [x.arg for x in (*a.posonlyargs, *a.args)][1:] + [x.arg for x in a.kwonlyargs]
        for p in params:
            if p in ev.defines:
                kwargs[p] = ev.defines[p]
            elif p not in init.defaults:
                kwargs[p] = Unknown.of(p, ev.location(init.node), f"an argument of `{cls.name}.__init__` with no "
                                                                   "default")
        where = init.node
    defined = [d for d in getattr(ev.names, "tree", ast.Module(body=[], type_ignores=[])).body
               if isinstance(d, ast.ClassDef) and d.name == cls.name]
    if defined:  # point at `class Net(nn.Module):`, the name only
        d = defined[-1]
        col = len(ev.lines[d.lineno - 1]) - len(ev.lines[d.lineno - 1].lstrip()) + len("class ")
        where = ast.Name(cls.name, ast.Load(), lineno=d.lineno, col_offset=col, end_lineno=d.lineno,
                         end_col_offset=col + len(cls.name))
    node = ast.copy_location(ast.Call(func=ast.Name(cls.name, ast.Load()), args=[], keywords=[]), where) \
        if hasattr(where, "lineno") else ast.Call(func=ast.Name(cls.name, ast.Load()), args=[], keywords=[],
                                                  lineno=1, col_offset=0, end_lineno=1, end_col_offset=0)
    node.end_lineno, node.end_col_offset = getattr(where, "end_lineno", 1), getattr(where, "end_col_offset", 0)
    return ev.instantiate(cls, [], kwargs, node)


def networks(ev: Evaluator, names: TorchNames, net: str | None) -> list[Network]:
    """The network of the chosen model: its forward pass on the input shape, every module named."""
    name, model = _pick(ev, names, net)
    missing = [(m.class_name, m.location) for _, m in sorted(_leaves(model), key=_created) if not m.supported]
    if missing:
        raise unsupported_error(ev, missing, None)
    from .keras import needs_error

    if ev.needs:
        raise needs_error(ev, names.input_shape)
    where = getattr(model, "location", None) or getattr(getattr(model, "framework", None), "location", None)
    built = model.framework.built if isinstance(model, Instance) else getattr(model, "built", None)
    if names.input_shape is not None or built is None:
        if names.input_shape is None:
            call = name if ev.globals.names.get(name) is model else f"{name}()"  # a variable, or a class
            raise SpecError(f"the model `{name}` needs an input shape, and PyTorch code does not say it",
                            location=where,
                            hint="give it channels first, as PyTorch does: `--input 3x32x32` (C x H x W), "
                                 "`--input 64x100` (C x L) or `--input 784`; or run the model on a sample in the "
                                 f"code: `{call}(torch.randn(1, 3, 32, 32))`")
        anchor = _anchor(ev, where)
        x = names.new_input(ev, names.input_shape, anchor, "input")
        before = ev.depth
        out = model.call(ev, [x], {}, anchor) if not isinstance(model, Instance) else \
            model.framework.call(ev, model, [x], {}, anchor)
        ev.depth = before
    else:
        x, out = built
    if ev.needs:
        raise needs_error(ev, names.input_shape)
    return [extract(ev, names, name, model, x, out, where)]


def _anchor(ev: Evaluator, where: Location | None) -> ast.Call:
    line = where.line if where else 1
    col = max(0, (where.column - 1) if where else 0)
    return ast.Call(func=ast.Name("input", ast.Load()), args=[], keywords=[], lineno=line, col_offset=col,
                    end_lineno=line, end_col_offset=col + max(1, where.length if where else 1))


def extract(ev: Evaluator, names: TorchNames, name: str, model: Any, x: Tensor, out: Any,
            where: Location | None) -> Network:
    """Every node computed from the input (a module whose output is not used still has its parameters),
    with the module names of ``model.named_modules()``."""
    outputs = [t for t in _tensors(out)]
    if not outputs:
        held = next((c for c in getattr(out, "causes", ()) if c.why == CONSTANT_VALUES), None)
        if held is not None:  # `torch.cat([self.cls_token, x], 1)`: a constant tensor where no kind reads it
            raise SpecError(f"the forward pass of `{name}` uses `{held.name}` in a way archcalc does not read: it "
                            "reads a constant tensor (a buffer, a parameter) only in `+`, `-`, `*`, `/` with a "
                            "tensor of the model that it broadcasts to", location=held.location,
                            hint="archcalc has no layer kind for the other uses of a tensor a module holds itself")
        raise SpecError(f"the forward pass of `{name}` returns {_kind(out)}, not a tensor", location=where,
                        hint="return the output tensor from `forward`")
    keep = {x.index}
    for i in range(x.index + 1, len(names.graph)):
        if any(p in keep for p in names.graph[i].parents):
            keep.add(i)
    used = {t.index for t in outputs}
    for i in sorted(keep, reverse=True):  # the parts of a split that nothing uses are left out
        if names.graph[i].optional and i not in used:
            keep.discard(i)
        else:
            used.update(names.graph[i].parents)
    qualified = module_names(model)
    order = sorted(keep)
    new = {old: n for n, old in enumerate(order)}
    seen: dict[int, int] = {}
    nodes: list[Node] = []
    problems: list[tuple[str, Location | None]] = []
    for old in order:
        g = names.graph[old]
        shares, module = None, ""
        if g.layer is not None:
            if id(g.layer) not in qualified:
                if not _parameter_free(g.layer.class_name):
                    problems.append((f"`{g.layer.source}` (line {g.layer.location.line if g.layer.location else '?'})",
                                     g.layer.location))
            else:
                module = qualified[id(g.layer)]
            shares = seen.get(id(g.layer))
            seen.setdefault(id(g.layer), new[old])
        nodes.append(Node(g.kind, dict(g.args), tuple(new[p] for p in g.parents), g.location, g.source,
                          shares=shares, module=module,
                          frozen=frozenset(g.layer.frozen) if g.layer is not None else frozenset()))
    if problems:
        raise SpecError(f"the forward pass of `{name}` calls {len(problems)} module{'s' * (len(problems) != 1)} "
                        "that the model does not hold: " + ", ".join(text for text, _ in problems),
                        location=problems[0][1] or where,
                        hint="PyTorch counts only the modules a model holds (`self.name = ...`, nn.ModuleList, "
                             "nn.ModuleDict, nn.Sequential): model.parameters() misses one made in `forward` "
                             "(which gets new weights at every call) or kept in a plain list or dict; create it in "
                             "`__init__` and hold it so")
    unused = [(n, m) for n, m in sorted(_leaves(model), key=_created)
              if id(m) not in seen and not _parameter_free(m.class_name)]
    network = Network(_word(name), nodes, where, "torch")
    network.unused = [standalone(qualified_name, layer) for qualified_name, layer in unused] + held_tensors(model)
    return network


def held_tensors(model: Any) -> list[Unused]:
    """The parameters and buffers the model's modules hold themselves (``nn.Parameter``, ``register_buffer``):
    no row counts them (a use in ``forward`` adds none), so each is carried as the live reader of a module
    carries them, by the module that holds it (its class name for a kind), and counted in the totals."""
    out = []
    for qualified, module in _all_modules(model, True):
        state = module.framework if isinstance(module, Instance) and isinstance(module.framework, ModuleState) \
            else None
        for name, held in (state.tensors.items() if state is not None else ()):
            if held is None:
                continue
            out.append(Unused(qualified, module.cls.name, held.source, held.numel if held.parameter else 0, 0,
                              0 if held.parameter else held.numel, held.location, tensor=name,
                              frozen=held.numel if held.parameter and not held.trainable else 0))
    return out


#: The size of each spatial axis of the stand-in input an uncalled module is counted on (its weights do
#: not depend on it; only a kernel larger than it would matter).
STAND_IN_SIZE = 64
#: Constructor arguments that say how many channels (or features) a module takes.
CHANNEL_ARGUMENTS = ("in_channels", "num_features", "num_channels", "in_features", "num_parameters")


def standalone(qualified: str, layer: Layer) -> Unused:
    """The parameters and buffers of a module that ``forward`` never calls, from its constructor alone:
    it is counted on a stand-in input of the channels it names (``in_channels``, ``num_features``), which
    is what ``model.parameters()`` counts (a convolution's weights do not depend on the map's size).

    Raises:
        SpecError: the module's size depends on an input it never gets (``nn.LazyLinear``), or it cannot
            be counted on its own.
    """
    spec = K.TORCH_CLASSES[layer.class_name]
    channels = next((layer.kwargs[a] for a in CHANNEL_ARGUMENTS if a in layer.kwargs), None)
    where = f"`{qualified}` ({layer.class_name}, line {layer.location.line if layer.location else '?'})"
    if channels is None and layer.class_name.startswith("Lazy"):
        raise SpecError(f"the model holds {where}, which its forward pass never calls: a lazy module never called "
                        "has no size", location=layer.location,
                        hint="PyTorch cannot count it either (its parameters are uninitialized): use it in "
                             "`forward`, or give its input size (nn.Linear(in_features, out_features))")
    ranks = spec.ranks or (1,)
    kernel = max((v for v in _numbers(layer.kwargs.get("kernel_size", 1))), default=1)
    size = max(STAND_IN_SIZE, 4 * kernel)
    for rank in ranks:
        shape = (*(size,) * (rank - 1), channels if isinstance(channels, int) else 1)
        try:
            kind, args = K.torch_layer(layer.class_name, layer.kwargs, shape)
            effect = K.KINDS[kind].infer(args, [shape])
        except ArchcalcError:
            continue
        frozen = effect.weights * ("weight" in layer.frozen) + effect.biases * ("bias" in layer.frozen)
        return Unused(qualified, kind, layer.source, effect.weights, effect.biases, effect.buffers, layer.location,
                      args, shape, frozen=frozen)
    raise SpecError(f"the model holds {where}, which its forward pass never calls, and archcalc cannot count its "
                    "parameters without an input", location=layer.location,
                    hint="PyTorch counts them in model.parameters(): use the module in `forward`, or delete it")


def _numbers(value: Any) -> list[int]:
    values = value if isinstance(value, (tuple, list)) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _tensors(value: Any) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


def _word(name: str) -> str:
    import re

    return re.sub(r"[^\w.-]+", "_", name) or "model"


# -- the entry ------------------------------------------------------------------------------------
def read(text: str, path: str = "<text>", *, defines: dict[str, Any] | None = None,
         input_shape: tuple[int, ...] | None = None, net: str | None = None) -> list[Network]:
    """Evaluate PyTorch code and return the network of its model (see :func:`_pick`).

    Raises:
        SpecError: with file, line and column, for everything that cannot be read exactly.
    """
    tree = parse(text, path)
    names = TorchNames(tuple(input_shape) if input_shape is not None else None)
    names.tree = tree
    ev = Evaluator(text, path, names, defines)
    ev.run(tree)
    names.classes = [v for v in _classes(ev)]
    try:  # the model is made and run after the module code: the same bound as evaluator.run's
        return networks(ev, names, net)
    except RecursionError:
        raise ev.too_deep() from None


def _classes(ev: Evaluator) -> list[ClassValue]:
    out = []
    for value in ev.globals.names.values():
        if isinstance(value, ClassValue) and isinstance(value.framework(), ModuleFramework):
            out.append(value)
    out.sort(key=_class_line)
    return out


def _class_line(cls: ClassValue) -> int:
    """Where a class is defined: the first line of its methods (a class keeps no position of its own)."""
    lines = [m.node.lineno for m in cls.members.values() if isinstance(m, Function)]
    return min(lines) if lines else 0


__all__ = ["TorchNames", "channels_first", "channels_last", "read"]
