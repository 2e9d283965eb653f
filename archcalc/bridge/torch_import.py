"""``archcalc import torchvision.models.NAME`` and :func:`archcalc.from_torch`: a live PyTorch module
read into archcalc's notation, checked layer by layer against the module.

The module's forward pass is recorded on the ``meta`` device (:mod:`.torch_trace`). Each call of a
module whose class the vocabulary knows becomes a node, its kind and options given by
:func:`archcalc.kinds.torch_layer` from the module's attributes (``conv.kernel_size``, ``bn.eps``) — the
same tables the PyTorch-code reader uses. Functions called on tensors (``torch.flatten``, ``x.view``,
``torch.cat``, ``+``, ``x * scale``, ``x / 255``, ``x.mean((2, 3))``, ``torch.max(x, 2)``, ``x.chunk(2, 1)``,
``y[:, :, -1]``) become nodes of the matching kinds, or are refused by name: nothing is dropped, nothing is
guessed.

PyTorch's tensors are channels first, archcalc's shapes channels last. Each value carries the order
that maps the one onto the other (:class:`Val`): a ``permute``/``transpose`` only changes that order
(ConvNeXt's ``Permute([0, 2, 3, 1])`` before its ``LayerNorm`` and ``Linear`` layers, which then act
on archcalc's last axis, the channels), and a ``view`` that regroups the channels of every position
is an archcalc ``reshape`` of the channels (ShuffleNet's channel shuffle: ``reshape HxWx2xC/2``,
``permute 1x2x4x3``, ``reshape HxWxC``, exactly).

The result is checked against the recording before it is returned: every node's shape must be the
module's output shape (reordered channels last), every module's parameters and buffers must be
archcalc's, and so must the totals of ``model.parameters()`` and ``model.buffers()``.
"""

from __future__ import annotations

import inspect
import math
import re
from dataclasses import dataclass, field
from typing import Any

from .. import kinds as K
from ..analysis import Analysis, analyze_network
from ..errors import ArchcalcError, KerasError, SourceError, SpecError
from ..network import Network, Node, Unused
from .torch_trace import IDENTITY_FUNCTIONS, Op, Recorder, Ref, outputs
from .torchlib import torch, torchvision

_PREFIXES = ("torchvision.models.", "models.", "torchvision.")
DEFAULT_INPUT = (3, 224, 224)  # channels first, as PyTorch writes it
_BATCH = 2  # a batch of 2: a view that mixes the batch axis into another is seen (and BN trains on it)

#: Classes torchvision defines beyond ``torch.nn`` that are one layer for archcalc, not traced into:
#: ``LayerNorm2d`` normalises each position's channels (archcalc's last axis).
TORCHVISION_LAYERS = frozenset({"LayerNorm2d", "StochasticDepth"})

_MERGES = {"add": "add", "add_": "add", "__add__": "add", "__iadd__": "add", "__radd__": "add",
           "mul": "multiply", "mul_": "multiply", "__mul__": "multiply", "__imul__": "multiply",
           "__rmul__": "multiply", "sub": "subtract", "sub_": "subtract", "__sub__": "subtract",
           "__isub__": "subtract"}
_DIVIDES = {"div", "div_", "__truediv__", "__itruediv__", "true_divide"}
_VIEWS = {"view", "reshape", "flatten", "view_as", "reshape_as", "squeeze", "unsqueeze"}
_ORDERS = {"permute", "transpose", "swapaxes", "movedim"}


@dataclass
class Imported:
    """A PyTorch module read into archcalc.

    Attributes:
        network: the network, notation ``torch``.
        torch_names: for each row, the module (qualified name) or function it stands for.
        source: where the model came from (``torchvision.models.resnet50``).
        notes: what the user should know.
        model: the live module.
        recorded: for each row, the output shape PyTorch gave (channels first, no batch).
    """

    network: Network
    torch_names: list[str]
    source: str
    notes: list[str] = field(default_factory=list)
    model: Any = None
    recorded: list[tuple[int, ...]] = field(default_factory=list)
    modules: list[Any] = field(default_factory=list)
    main_output: int = 0  # the node of the model's (first) output: the others are side outputs
    param_rows: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Val:
    """A value of the forward pass: the node that made it and how its axes map onto archcalc's.

    ``order[i]`` is the PyTorch axis (batch not counted) that archcalc's axis ``i`` is: a ``(C, H, W)``
    tensor is archcalc's ``(H, W, C)``, ``order == (1, 2, 0)``.
    """

    node: int
    order: tuple[int, ...]

    @staticmethod
    def standard(rank: int, leading: int = 1) -> tuple[int, ...]:
        """Channels first (``leading`` channel axes) → channels last.

        >>> Val.standard(3), Val.standard(1), Val.standard(4, 2)
        ((1, 2, 0), (0,), (2, 3, 0, 1))
        """
        if rank <= 1:
            return tuple(range(rank))
        return tuple(range(leading, rank)) + tuple(range(leading))


class _Refused(Exception):
    """One operation archcalc cannot express (collected, then raised together)."""

    def __init__(self, why: str) -> None:
        self.why = why


def model_names() -> list[str]:
    """torchvision's classification models (``resnet50``, ``vgg16_bn``, ...)."""
    tv = torchvision()
    return sorted(tv.models.list_models(module=tv.models))


def load_model(ref: str, input_shape: tuple[int, ...] | None = None) -> tuple[Any, str, tuple[int, ...]]:
    """``torchvision.models.NAME`` built on the meta device with ``weights=None``: nothing is downloaded
    and no memory is allocated. Returns the module, how to name its source, and the input shape."""
    t = torch()
    name = next((ref[len(p):] for p in _PREFIXES if ref.startswith(p)), ref)
    names = model_names()
    if name not in names:
        import difflib

        close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
        raise SourceError(f"torchvision.models has no classification model `{name}`",
                          hint=f"did you mean `torchvision.models.{close[0]}`?" if close else
                          "it has: " + ", ".join(names[:12]) + ", …")
    import warnings

    with warnings.catch_warnings(), t.device("meta"):
        warnings.simplefilter("ignore")  # GoogLeNet's and Inception's notice about their weight initialisation
        model = torchvision().models.get_model(name, weights=None)
    # Inception v3 is built for (and torchvision's figures are of) 299x299 images.
    shape = input_shape or ((3, 299, 299) if name == "inception_v3" else DEFAULT_INPUT)
    return model, f"torchvision.models.{name}", tuple(shape)


_LAST_AXIS = {"Linear", "LazyLinear", "LayerNorm"}
_ANY_LAYOUT = {"activation", "dropout"}  # element by element: the order of the axes does not matter


def _own_layer(cls: str, kw: dict[str, Any], shape: tuple[int, ...]) -> tuple[str, dict[str, Any]]:
    """What the shared vocabulary does not read as it is used here: torchvision's ``LayerNorm2d`` (a layer norm
    over each position's channels of a channels-first map) and ``StochasticDepth``, and ``LayerNorm`` on the
    channels moved last (ConvNeXt's block): both are archcalc's layer norm over its last axis."""
    if cls == "StochasticDepth":
        return "stochastic_depth", {**K.KINDS["stochastic_depth"].defaults, "rate": float(kw.get("p", 0.0))}
    normalized = tuple(kw.get("normalized_shape", ()))
    if normalized != shape[-1:]:
        raise SpecError(f"`{cls}` normalises over {normalized}; archcalc reads it over the channels only "
                        f"({shape[-1]},)", hint="normalized_shape must be the number of channels")
    affine = bool(kw.get("elementwise_affine", True))
    return "layernorm", {**K.KINDS["layernorm"].defaults, "axis": (-1,), "scale": affine,
                         "center": affine and bool(kw.get("bias", True))}


def _is_leaf(m: Any) -> bool:
    cls = type(m).__name__
    return cls in K.TORCH_NAMES or cls in TORCHVISION_LAYERS


def _kwargs(module: Any) -> dict[str, Any]:
    """A live module's constructor arguments, read from its attributes of the same names."""
    t = torch()
    out: dict[str, Any] = {}
    try:
        params = inspect.signature(type(module).__init__).parameters
    except (TypeError, ValueError):
        return out
    spec = K.TORCH_CLASSES.get(type(module).__name__)
    known = None if spec is None else (*spec.params, *spec.keywords)
    for name in params:
        if name in ("self", "device", "dtype") or not hasattr(module, name) or (
                known is not None and name not in known):
            continue
        value = getattr(module, name)
        if name == "bias" and (value is None or isinstance(value, t.Tensor)):
            value = value is not None  # the constructor's bias=True is a tensor attribute afterwards
        elif isinstance(value, t.Tensor):
            continue
        out[name] = value
    return out


def dotted_name(func: Any) -> str:
    """The name :data:`archcalc.kinds.TORCH_FUNCTIONS` knows a recorded function by: ``torch.nn.functional.relu``,
    ``torch.flatten``; a tensor method (``x.relu()``, ``x.flatten(1)``) is the ``torch`` function of its name."""
    name = getattr(func, "__name__", "")
    module = getattr(func, "__module__", None) or "torch"
    if module == "torch._C._nn":  # F.avg_pool2d is torch._C._nn.avg_pool2d
        module = "torch.nn.functional"
    if module == "torch" and f"torch.{name}" not in K.TORCH_FUNCTIONS and f"torch.nn.functional.{name}" in \
            K.TORCH_FUNCTIONS:  # F.adaptive_avg_pool1d is torch.adaptive_avg_pool1d
        module = "torch.nn.functional"
    return f"{module}.{name}"


class _Builder:
    def __init__(self, ops: list[Op], model: Any) -> None:
        self.ops = ops
        self.model = model
        self.nodes: list[Node] = []
        self.names: list[str] = []
        self.recorded: list[tuple[int, ...]] = []
        self.modules: list[Any] = []
        self.vals: dict[Ref, Val] = {}
        self.first_call: dict[int, int] = {}  # id(module) → its first node
        self.refused: list[tuple[str, str, str]] = []  # (what, where, why)
        self.skipped = 0
        self.orders: dict[int, tuple[int, ...]] = {}  # node → its value's axis order (to check its shape)
        self.param_rows: dict[str, int] = {}  # a parameter used directly (layer_scale) → its node
        self.constants: dict[Ref, tuple[int, ...]] = {}  # op outputs computed from parameters and buffers alone
        self.unreadable: dict[Ref, str] = {}  # outputs archcalc does not read (torch.max's indices) → why
        self._shapes: list[tuple[int, ...]] = []

    # -- helpers --------------------------------------------------------------------------------
    def add(self, kind: str, args: dict[str, Any], inputs: list[Val], name: str, recorded: tuple[int, ...] | None,
            module: Any = None, shares: int | None = None, frozen: frozenset[str] = frozenset()) -> int:
        """A node of ``kind`` on ``inputs``; ``name`` is the module's qualified name (or the function's), and
        ``recorded`` PyTorch's output shape for it (``None``: a step of an operation, checked downstream).
        ``frozen``: its tensors that do not train (a module's are read from it)."""
        kind_obj = K.KINDS[kind]
        args = {**kind_obj.defaults, **args}
        if module is not None:
            frozen = _frozen(module)
        # Contract point 3: a node made by a module carries its qualified name; functions carry none.
        node = Node(kind, args, tuple(v.node for v in inputs), None, "", shares=shares,
                    module=name if module is not None else "", frozen=frozen)
        try:
            effect = kind_obj.infer(args, [self._shapes[v.node] for v in inputs])
        except ArchcalcError as e:
            raise _Refused(f"archcalc's `{kind}` refuses it: {e.message}") from None
        self.nodes.append(node)
        self.names.append(name)
        self.recorded.append(recorded)
        self.modules.append(module)
        self._shapes.append(tuple(effect.shape))
        return len(self.nodes) - 1

    def to_standard(self, v: Val, name: str, recorded: tuple[int, ...], leading: int = 1) -> Val:
        """The value with channels-first axes in archcalc's channels-last order: a ``permute`` node if needed."""
        want = Val.standard(len(v.order), leading)
        if v.order == want:
            return v
        dims = tuple(v.order.index(a) + 1 for a in want)
        i = self.add("permute", {"dims": dims}, [v], name, None)  # a step of the op: its own shape is unrecorded
        return Val(i, want)

    def val(self, x: Any) -> Val:
        if not isinstance(x, Ref):
            raise _Refused("an input that is not a tensor of the forward pass (a constant made inside it)")
        if x in self.unreadable:
            raise _Refused(self.unreadable[x])
        if x not in self.vals:
            raise _Refused("its input could not be read")
        return self.vals[x]

    # -- the walk -------------------------------------------------------------------------------
    def build(self, input_shape: tuple[int, ...]) -> None:
        order = Val.standard(len(input_shape))
        shape = tuple(input_shape[a] for a in order)
        self.nodes = [Node("input", {"shape": shape}, (), None, "input")]
        self.names, self.recorded, self.modules, self._shapes = ["input"], [tuple(input_shape)], [None], [shape]
        self.vals = {Ref(0): Val(0, order)}
        for index, op in enumerate(self.ops):
            if op.kind == "input":
                continue
            where = op.name if op.kind == "module" else f"{op.name}()"
            what = type(op.target).__name__ if op.kind == "module" else op.name
            if op.kind != "module" and len(op.shapes) == 1 and not _refs_in([op.args, op.kwargs], self.constants):
                # A computation on the model's own parameters and buffers alone (`self.gamma.view(1, -1, 1, 1)`):
                # a constant of that shape, read where it meets a tensor of the forward pass.
                self.constants[Ref(index, 0)] = op.shapes[0]
                continue
            first_new = len(self.nodes)
            try:
                results = self.op(op)
            except _Refused as e:
                if e.why == "its input could not be read":
                    self.skipped += 1
                else:
                    self.refused.append((what, self._context(index, where), e.why))
                continue
            for out, v in enumerate(results):
                self.vals[Ref(index, out)] = v
                if v.node >= first_new:
                    self.orders[v.node] = v.order
            for out in range(len(results), len(op.shapes)):  # `values, indices = x.max(2)`: the indices
                self.unreadable[Ref(index, out)] = f"the indices `{op.name}` returns (archcalc reads its values only)"

    def _context(self, index: int, where: str) -> str:
        if self.ops[index].kind == "module":
            return where
        before = next((o.name for o in reversed(self.ops[:index]) if o.kind == "module"), "")
        return f"{where} after {before}" if before else where

    def op(self, op: Op) -> list[Val]:
        recorded = [s[1:] for s in op.shapes]
        if any(s[:1] != (_BATCH,) for s in op.shapes):
            raise _Refused(f"its output {op.shapes[0]} mixes the batch axis into the others")
        if op.kind == "module":
            return [self.module(op, recorded[0])]
        name = op.name
        if name in IDENTITY_FUNCTIONS:
            return [self.val(op.args[0])]
        if name in ("expand", "expand_as"):
            # A broadcast view (SE's y.view(b, c, 1, 1).expand_as(x)): archcalc's merges stretch size-1 axes
            # themselves, so the value stays what it is; the merge that reads it has the full shape.
            return [self.val(op.args[0])]
        dotted = dotted_name(op.target)
        if dotted in K.TORCH_FUNCTIONS:
            x = self.val(op.args[0])
            if len(x.order) > 1 and K.TORCH_NAMES[K.TORCH_FUNCTIONS[dotted].class_name][0] not in _ANY_LAYOUT:
                x = self.to_standard(x, op.name, None)
            try:
                kind, args = K.torch_function(dotted, list(op.args[1:]), dict(op.kwargs), self._shapes[x.node])
            except ArchcalcError as e:
                raise _Refused(e.message) from None
            i = self.add(kind, args, [x], op.name, recorded[0])
            return [Val(i, x.order if len(self._shapes[i]) == len(x.order) else Val.standard(len(self._shapes[i])))]
        if name in _MERGES:
            return [self.merge(op, _MERGES[name], recorded[0])]
        if name in _DIVIDES:
            return [self.divide(op, recorded[0])]
        if name in ("cat", "concat", "concatenate"):
            return [self.cat(op, recorded[0])]
        if name in _VIEWS:
            return [self.view(op, recorded[0])]
        if name in _ORDERS:
            return [self.reorder(op, recorded[0])]
        if name in ("chunk", "split", "tensor_split"):
            return self.split(op, recorded)
        if name in ("max", "min", "maximum", "minimum") and sum(isinstance(a, Ref) for a in op.args[:2]) == 2:
            return [self.merge(op, "maximum" if name.startswith("max") else "minimum", recorded[0])]
        if name in ("mean", "amax", "max"):
            return [self.reduce(op, recorded[0])]
        if name == "__getitem__":
            return [self.index(op, recorded[0])]
        if name == "stochastic_depth":
            x = self.val(op.args[0])
            p = op.args[1] if len(op.args) > 1 else op.kwargs.get("p", 0.0)
            i = self.add("stochastic_depth", {"rate": float(p)}, [x], name, recorded[0])
            return [Val(i, x.order)]
        raise _Refused("no archcalc kind for this function")

    def layer(self, cls: str, kwargs: dict[str, Any], x: Val, name: str, recorded: tuple[int, ...],
              module: Any = None, shares: int | None = None) -> Val:
        rank = len(x.order)
        channels_last = rank > 1 and x.order == tuple(range(rank))  # after x.permute(0, 2, 3, 1)
        try:
            if cls in TORCHVISION_LAYERS:
                x = self.to_standard(x, name, recorded) if rank > 1 else x
                kind, args = _own_layer(cls, kwargs, self._shapes[x.node])
            elif cls in _LAST_AXIS and channels_last:
                # ConvNeXt's LayerNorm and Linear after Permute([0, 2, 3, 1]): PyTorch's last axis is the
                # channels, archcalc's last axis: the layer acts on every position's channels.
                shape = self._shapes[x.node]
                if cls == "LayerNorm":
                    kind, args = _own_layer(cls, kwargs, shape)
                else:
                    kind, args = K.torch_layer(cls, kwargs, shape[-1:])
                    args = {**args, "flatten": False, "axis": -1}
            else:
                if rank > 1 and K.TORCH_NAMES.get(cls, ("",))[0] not in _ANY_LAYOUT:
                    x = self.to_standard(x, name, recorded)
                kind, args = K.torch_layer(cls, kwargs, self._shapes[x.node])
        except ArchcalcError as e:
            raise _Refused(e.message) from None
        if kind == "embedding":  # its (T, E) output is read features last, as the code reader reads it
            args = {**args, "channels_first": False}
        i = self.add(kind, args, [x], name, recorded, module=module, shares=shares)
        out_rank = len(self._shapes[i])
        if kind == "embedding":
            return Val(i, tuple(range(out_rank)))
        return Val(i, x.order if out_rank == rank else Val.standard(out_rank))

    def module(self, op: Op, recorded: tuple[int, ...]) -> Val:
        m = op.target
        x = self.val(op.args[0] if op.args else next(iter(op.kwargs.values()), None))
        shares = self.first_call.get(id(m)) if op.call else None
        v = self.layer(type(m).__name__, _kwargs(m), x, op.name, recorded, module=m, shares=shares)
        self.first_call.setdefault(id(m), v.node)
        return v

    def merge(self, op: Op, kind: str, recorded: tuple[int, ...]) -> Val:
        a, b = (*op.args, op.kwargs.get("other"))[:2]
        if op.kwargs.get("alpha", 1) != 1:
            raise _Refused("an addition with alpha")
        a, b = (("tensor", self.constants[v]) if isinstance(v, Ref) and v in self.constants else v for v in (a, b))
        refs = [x for x in (a, b) if isinstance(x, Ref)]
        if len(refs) == 2:
            va, vb = self.val(a), self.val(b)
            if va.order != vb.order:
                vb = self.to_standard(vb, op.name, recorded) if va.order == Val.standard(len(va.order)) else vb
                if va.order != vb.order:
                    raise _Refused("its two tensors hold their axes in different orders")
            i = self.add(kind, {}, [va, vb], op.name, recorded)
            return Val(i, va.order)
        x = self.val(refs[0]) if refs else self.val(None)
        other = b if a is refs[0] else a
        if isinstance(other, tuple) and other[:1] == ("parameter",) and kind == "multiply" \
                and _per_channel(other[2], recorded, x.order[-1], self._shapes[x.node][-1]):
            return self.scale(op, x, other, recorded)
        if isinstance(other, tuple) and other[:1] in (("parameter",), ("tensor",)) \
                and _fits((_BATCH, *recorded), other[-1]):
            # A buffer or a parameter that only repeats along the tensor's axes (`x - self.mean`): the tensor's
            # shape, no row; its values are counted with the module that holds it (as the code reader does).
            return x
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            args = {"add": {"offset": float(other)}, "subtract": {"offset": -float(other)} if a is refs[0] else None,
                    "multiply": {"scale": float(other)}}[kind]
            if args is None:
                raise _Refused("a number minus a tensor")
            i = self.add("rescale", args, [x], op.name, recorded)
            return Val(i, x.order)
        raise _Refused(f"`{op.name}` of a tensor and {type(other).__name__}")

    def divide(self, op: Op, recorded: tuple[int, ...]) -> Val:
        """``x / 255`` (a rescale) and ``x / self.std`` (a buffer that broadcasts to the tensor: no row)."""
        a, b = (("tensor", self.constants[v]) if isinstance(v, Ref) and v in self.constants else v
                for v in (*op.args, op.kwargs.get("other"))[:2])
        if op.kwargs.get("rounding_mode") is not None or not isinstance(a, Ref) or isinstance(b, Ref):
            raise _Refused("a division archcalc reads only as a tensor divided by a number or a constant")
        x = self.val(a)
        if isinstance(b, (int, float)) and not isinstance(b, bool) and b != 0:
            i = self.add("rescale", {"scale": 1 / float(b)}, [x], op.name, recorded)
            return Val(i, x.order)
        if isinstance(b, tuple) and b[:1] in (("parameter",), ("tensor",)) and _fits((_BATCH, *recorded), b[-1]):
            return x
        raise _Refused("a division archcalc reads only as a tensor divided by a number or a constant")

    def scale(self, op: Op, x: Val, param: tuple[Any, ...], recorded: tuple[int, ...]) -> Val:
        """``self.layer_scale * x``: a learned scale per channel (ConvNeXt), archcalc's ``layerscale``."""
        _, pname, pshape = param
        channels = self._shapes[x.node][-1]
        torch_axis = x.order[-1]  # PyTorch's axis of the channels
        aligned = (1,) * (len(recorded) - len(pshape)) + tuple(pshape)
        if len(aligned) != len(recorded) or any(n != 1 for i, n in enumerate(aligned) if i != torch_axis) \
                or aligned[torch_axis] != channels:
            raise _Refused(f"a multiplication by the parameter `{pname}` of shape {tuple(pshape)}, "
                           "which is not one value per channel")
        frozen = frozenset() if dict(self.model.named_parameters())[pname].requires_grad else frozenset({"weight"})
        i = self.add("layerscale", {}, [x], pname, recorded, frozen=frozen)
        self.param_rows[pname] = i
        return Val(i, x.order)

    def cat(self, op: Op, recorded: tuple[int, ...]) -> Val:
        tensors = op.args[0] if op.args else op.kwargs.get("tensors")
        dim = op.args[1] if len(op.args) > 1 else op.kwargs.get("dim", op.kwargs.get("axis", 0))
        vals = [self.val(t) for t in tensors]
        if len(vals) == 1:
            return vals[0]
        rank = len(vals[0].order)
        vals = [v if v.order == vals[0].order else self.to_standard(v, op.name, recorded) for v in vals]
        if len({v.order for v in vals}) != 1:
            raise _Refused("its tensors hold their axes in different orders")
        axis = (dim % (rank + 1)) - 1
        if axis < 0:
            raise _Refused("a concatenation along the batch axis")
        j = vals[0].order.index(axis)
        i = self.add("concat", {"axis": -1 if j == rank - 1 else j + 1}, vals, op.name, recorded)
        return Val(i, vals[0].order)

    def view(self, op: Op, recorded: tuple[int, ...]) -> Val:
        x = self.val(op.args[0])
        before = self._torch_shape(x)
        after = tuple(recorded)
        if before == after:
            return x
        if len(after) == 1:  # flattened: archcalc's flatten (the same values, channels-last order)
            i = self.add("flatten", {}, [x], op.name, recorded)
            return Val(i, (0,))
        spatial = next(m for m in range(len(before) - 1, -1, -1)
                       if m == 0 or (len(after) > m and before[-m:] == after[-m:]))
        leading = len(before) - spatial
        if spatial and before[-spatial:] != after[-spatial:]:
            spatial = 0
        if len(before) == 1:
            spatial, leading = 0, 1
        x = self.to_standard(x, op.name, recorded, leading) if len(before) > 1 else x
        new_leading = len(after) - spatial
        order = Val.standard(len(after), new_leading)
        target = tuple(after[a] for a in order)
        i = self.add("reshape", {"shape": target}, [x], op.name, recorded)
        return Val(i, order)

    def _torch_shape(self, v: Val) -> tuple[int, ...]:
        shape = self._shapes[v.node]
        out = [0] * len(shape)
        for i, axis in enumerate(v.order):
            out[axis] = shape[i]
        return tuple(out)

    def reorder(self, op: Op, recorded: tuple[int, ...]) -> Val:
        x = self.val(op.args[0])
        rank = len(x.order)
        if op.name in ("transpose", "swapaxes"):
            d0, d1 = (op.args[1:3] if len(op.args) >= 3 else (op.kwargs.get("dim0"), op.kwargs.get("dim1")))
            dims = list(range(rank + 1))
            d0, d1 = d0 % (rank + 1), d1 % (rank + 1)
            dims[d0], dims[d1] = dims[d1], dims[d0]
        elif op.name == "permute":
            dims = list(op.args[1:] if len(op.args) > 2 else op.args[1] if len(op.args) > 1 else op.kwargs["dims"])
            dims = [d % (rank + 1) for d in dims]
        else:
            raise _Refused("no archcalc kind for this function")
        if dims[0] != 0:
            raise _Refused("it moves the batch axis")
        q = [d - 1 for d in dims[1:]]  # new PyTorch axis i is old axis q[i]
        return Val(x.node, tuple(q.index(a) for a in x.order))

    def split(self, op: Op, recorded: list[tuple[int, ...]]) -> list[Val]:
        x = self.val(op.args[0])
        dim = op.args[2] if len(op.args) > 2 else op.kwargs.get("dim", 0)
        rank = len(x.order)
        axis = (dim % (rank + 1)) - 1
        if axis < 0:
            raise _Refused("a split of the batch axis")
        if "slice" not in K.KINDS:
            raise _Refused("archcalc has no kind for a part of the channels (`chunk`/`split`)")
        x = self._last(x, axis, op.name)
        vals, start = [], 0
        for shape in recorded:
            n = shape[axis]
            i = self.add("slice", {"start": start, "stop": start + n}, [x], op.name, shape)
            vals.append(Val(i, x.order))
            start += n
        return vals

    def _last(self, x: Val, axis: int, name: str) -> Val:
        """The value with PyTorch's ``axis`` as archcalc's last one, where its ``slice`` takes a part."""
        if x.order[-1] == axis:
            return x
        want = (*(a for a in x.order if a != axis), axis)
        i = self.add("permute", {"dims": tuple(x.order.index(a) + 1 for a in want)}, [x], name, None)
        return Val(i, want)

    def index(self, op: Op, recorded: tuple[int, ...]) -> Val:
        """``y[:, :, -1]``, ``x[..., 2:5]``: each part taken by archcalc's ``slice`` of its last axis (another axis
        is moved last first), a whole number's axis then dropped by a reshape."""
        key = op.args[1] if isinstance(op.args[1], tuple) else (op.args[1],)
        if any(not (k is Ellipsis or isinstance(k, slice) or (isinstance(k, int) and not isinstance(k, bool)))
               or (isinstance(k, slice) and k.step not in (None, 1)) for k in key) or list(key).count(Ellipsis) > 1:
            raise _Refused("an index that is not whole numbers, slices of step 1 and `...`")
        x = self.val(op.args[0])
        rank = len(x.order)
        parts = list(key)
        if Ellipsis in parts:
            i = parts.index(Ellipsis)
            parts[i:i + 1] = [slice(None)] * (rank + 2 - len(parts))
        parts += [slice(None)] * (rank + 1 - len(parts))
        if parts[0] != slice(None):
            raise _Refused("an index of the batch axis")
        before, dropped, first = self._torch_shape(x), [], len(self.nodes)
        for axis, part in enumerate(parts[1:]):
            size = before[axis]
            if isinstance(part, int):
                start, stop = part % size, part % size + 1
                dropped.append(axis)
            else:
                start, stop, _ = part.indices(size)
            if (start, stop) == (0, size):
                continue
            x = self._last(x, axis, op.name)
            x = Val(self.add("slice", {"start": start, "stop": stop}, [x], op.name, None), x.order)
        if not dropped:
            if x.node >= first:
                self.recorded[x.node] = tuple(recorded)
            return x
        shape = tuple(n for n, a in zip(self._shapes[x.node], x.order) if a not in dropped)
        order = tuple(a - sum(d < a for d in dropped) for a in x.order if a not in dropped)
        kind, args = ("flatten", {}) if len(shape) == 1 else ("reshape", {"shape": shape})
        return Val(self.add(kind, args, [x], op.name, recorded), order)

    def reduce(self, op: Op, recorded: tuple[int, ...]) -> Val:
        x = self.val(op.args[0])
        rank = len(x.order)
        dims = op.args[1] if len(op.args) > 1 else op.kwargs.get("dim")
        keep = bool(op.args[2] if len(op.args) > 2 else op.kwargs.get("keepdim", False))
        dims = (dims,) if isinstance(dims, int) else tuple(dims or ())
        kept = set(range(rank)) - {d % (rank + 1) - 1 for d in dims}
        if len(kept) == 1:  # the axis kept (the features of a `(T, E)` tensor) is made archcalc's last
            x = self._last(x, kept.pop(), op.name)
        axes = {x.order.index(d % (rank + 1) - 1) for d in dims if d % (rank + 1)}
        if len(axes) != len(dims) or axes != set(range(rank - 1)):
            raise _Refused(f"`{op.name}` over axes {dims}: archcalc has it over all the spatial axes only "
                           "(global pooling)")
        kind = "global_avgpool" if op.name == "mean" else "global_maxpool"
        # The reduced axes are archcalc's spatial ones, whatever PyTorch's order: the pooling reads them as such.
        i = self.add(kind, {"keepdims": keep}, [x], op.name, recorded)
        return Val(i, x.order if keep else (0,))


def read_module(model: Any, input_shape: tuple[int, ...] = DEFAULT_INPUT, source: str = "") -> Imported:
    """The network of a live module, checked against the module's own forward pass on the meta device.

    Args:
        model: an ``nn.Module``; its weights stay where they are (meta copies stand in for the forward).
        input_shape: one example's shape, channels first (``(3, 224, 224)``).
        source: how to name the module in messages and in the written spec.
    """
    input_shape = tuple(int(d) for d in input_shape)
    recorder = Recorder(model, _is_leaf)
    # A model that starts with an embedding takes token indices: integers.
    tokens = any(type(m).__name__ in ("Embedding", "EmbeddingBag") for m in model.modules())
    ops = recorder.run(input_shape, batch=_BATCH, tokens=tokens)
    builder = _Builder(ops, model)
    builder.build(input_shape)
    what = source or type(model).__name__
    if builder.refused:
        details = tuple(f"{cls} ({where}): {why}" for cls, where, why in builder.refused[:20])
        if len(builder.refused) > 20:
            details += (f"and {len(builder.refused) - 20} more",)
        if builder.skipped:
            details += (f"and {builder.skipped} operation(s) after them, not read",)
        raise KerasError(f"{len(builder.refused)} operation(s) of {what} cannot be written in archcalc's "
                         "notation yet", details=details,
                         hint="nothing was dropped: replace these operations, or analyse the rest")
    ends = outputs(recorder.result, recorder.produced)
    main = [builder.vals[r].node for r in ends if r in builder.vals]
    name = re.sub(r"[^0-9A-Za-z_.-]+", "_", source.rsplit(".", 1)[-1] if source else type(model).__name__) or "model"
    network = Network(name, builder.nodes, None, "torch")
    recorded = [None if r is None or i not in builder.orders else tuple(r[a] for a in builder.orders[i])
                for i, r in enumerate(builder.recorded)]
    network, old = _canonical(network)
    network.unused = _unused(model, builder)
    new_of = {o: n for n, o in enumerate(old)}
    imported = Imported(network, [builder.names[o] for o in old[1:]], source or type(model).__name__, [], model,
                        [recorded[o] for o in old[1:]], [builder.modules[o] for o in old[1:]],
                        new_of[main[0]] if main else len(network.nodes) - 1,
                        {n: new_of[i] for n, i in builder.param_rows.items()})
    if network.unused:
        imported.notes.append(f"{len(network.unused)} module(s) the forward pass never calls "
                              f"({', '.join(u.module for u in network.unused[:5])}"
                              f"{', …' if len(network.unused) > 5 else ''}): counted in the totals, as "
                              "model.parameters() counts them; they have no row")
    if len(main) > 1:
        imported.notes.append(f"{len(main) - 1} side output(s) (auxiliary classifiers): their layers count in "
                              "the totals, as model.parameters() counts them; the model returns them in training "
                              "mode only")
    check(imported)
    return imported


def _frozen(module: Any) -> frozenset[str]:
    """A module's own parameters that do not train (``requires_grad = False``): its ``weight`` (archcalc's
    weights) and ``bias`` (its biases); another frozen tensor is one archcalc does not tell apart.

    Raises:
        _Refused: a frozen parameter of another name.
    """
    frozen = frozenset(n for n, p in module.named_parameters(recurse=False) if not p.requires_grad)
    if frozen - {"weight", "bias"}:
        raise _Refused(f"its frozen parameter `{sorted(frozen - {'weight', 'bias'})[0]}`, which archcalc does not "
                       "tell apart from the others")
    return frozen


def _refs_in(value: Any, constants: dict[Ref, tuple[int, ...]]) -> bool:
    """Whether a recorded argument holds a tensor of the forward pass (not one computed from constants)."""
    if isinstance(value, Ref):
        return value not in constants
    if isinstance(value, (list, tuple)) and value[:1] not in (("parameter",), ("tensor",)):
        return any(_refs_in(v, constants) for v in value)
    if isinstance(value, dict):
        return any(_refs_in(v, constants) for v in value.values())
    return False


def _per_channel(shape: tuple[int, ...], recorded: tuple[int, ...], axis: int, channels: int) -> bool:
    """Whether a parameter holds one value per channel of a tensor (its other axes 1): a layer scale."""
    aligned = (1,) * (len(recorded) - len(shape)) + tuple(shape)
    return len(aligned) == len(recorded) and aligned[axis] == channels and \
        all(n == 1 for i, n in enumerate(aligned) if i != axis)


def _fits(full: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """Whether a constant of ``shape`` broadcasts to a tensor of ``full`` (batch first) without growing it."""
    shape = tuple(shape)
    if len(shape) > len(full):
        return False
    return all(c in (1, t) for c, t in zip(reversed(shape), reversed(full))) and \
        (len(shape) < len(full) or shape[0] == 1)


def _unused(model: Any, builder: _Builder) -> list[Unused]:
    """The modules whose parameters or buffers the forward pass never used: no row, but in the totals."""
    called = [n for n, m in model.named_modules() if id(m) in builder.first_call]
    used = set(builder.param_rows)

    def covered(name: str) -> bool:
        return name in used or any(name.startswith(c + ".") for c in called if c)

    owners: dict[str, list[tuple[str, Any, bool]]] = {}
    for pname, p in model.named_parameters():
        if not covered(pname):
            owners.setdefault(pname.rpartition(".")[0], []).append((pname, p, True))
    for bname, b in model.named_buffers():
        if not covered(bname):
            owners.setdefault(bname.rpartition(".")[0], []).append((bname, b, False))
    modules = dict(model.named_modules())
    out = []
    for owner, tensors in owners.items():
        cls = type(modules[owner]).__name__
        biases = sum(math.prod(t.shape) for n, t, is_param in tensors if is_param and n.endswith("bias"))
        params = sum(math.prod(t.shape) for _, t, is_param in tensors if is_param)
        buffers = sum(math.prod(t.shape) for _, t, is_param in tensors if not is_param)
        kind, args, shape = _standalone(modules[owner])
        frozen = sum(math.prod(t.shape) for _, t, is_param in tensors if is_param and not t.requires_grad)
        out.append(Unused(owner, kind, f"{cls} (never called)", params - biases, biases, buffers, None, args, shape,
                          frozen=frozen))
    return out


def _standalone(module: Any) -> tuple[str, dict[str, Any], tuple[int, ...]]:
    """A module never called, as the code reader counts one: its kind and arguments on a stand-in input of
    the channels its constructor names, so that ``verify`` can build it alone. A class the vocabulary does
    not know gives its own name and no arguments (its counts, from the module, still go in the totals)."""
    from ..code.torch import CHANNEL_ARGUMENTS, STAND_IN_SIZE

    cls = type(module).__name__
    spec = K.TORCH_CLASSES.get(cls)
    if spec is None:
        return cls, {}, ()
    kw = _kwargs(module)
    channels = next((kw[a] for a in CHANNEL_ARGUMENTS if isinstance(kw.get(a), int)), 1)
    kernel = kw.get("kernel_size", 1)
    size = max(STAND_IN_SIZE, 4 * max(kernel if isinstance(kernel, tuple) else (kernel,)))
    for rank in spec.ranks or (1,):
        shape = (*(size,) * (rank - 1), channels)
        try:
            kind, args = K.torch_layer(cls, kw, shape)
        except ArchcalcError:
            continue
        return kind, args, shape
    return cls, {}, ()


def _canonical(network: Network) -> tuple[Network, list[int]]:
    """The network numbered as the notation writes it (each branch in turn, then its merge); a node's
    ``shares`` follows its first use to the new numbering."""
    import dataclasses

    from ..graph import canonical

    try:
        renumbered, old = canonical(network)
    except ArchcalcError:
        return network, list(range(len(network.nodes)))
    new_of = {o: n for n, o in enumerate(old)}
    nodes = [dataclasses.replace(n, shares=None if n.shares is None else new_of[n.shares]) for n in renumbered.nodes]
    return dataclasses.replace(renumbered, nodes=nodes), old


def _count(tensors: Any) -> int:
    return sum(math.prod(t.shape) for t in tensors)


def check(imported: Imported) -> Analysis:
    """Every row's shape, parameters and buffers against the module's: a difference is archcalc's bug."""
    model = imported.model
    analysis = analyze_network(imported.network)
    params = dict(model.named_parameters())
    for row, name, shape, module in zip(analysis.rows, imported.torch_names, imported.recorded, imported.modules):
        theirs: dict[str, Any] = {}
        if shape is not None:
            theirs["shape"] = shape
        if module is not None and imported.network.nodes[row.index].shares is None:  # a module's first call
            theirs["params"] = _count(module.parameters())
            theirs["buffers"] = _count(module.buffers())
        elif name in imported.param_rows and imported.param_rows[name] == row.index:
            theirs["params"] = math.prod(params[name].shape)
        ours = {"shape": tuple(row.output_shape), "params": row.params, "buffers": row.buffers}
        wrong = [f"{k} {ours[k]} vs {v}" for k, v in theirs.items() if ours[k] != v]
        if wrong:
            raise KerasError(f"archcalc reads `{name}` as `{row.name}` (row {row.index}) but disagrees with "
                             f"PyTorch: {'; '.join(wrong)}",
                             hint="this is a bug in archcalc's PyTorch importer: please report it with the model")
    totals = {"params": _count(model.parameters()), "buffers": _count(model.buffers())}
    ours = {"params": analysis.totals.params, "buffers": analysis.totals.buffers}
    wrong = [f"{k} {ours[k]:,} vs {v:,}" for k, v in totals.items() if ours[k] != v]
    if wrong:
        raise KerasError(f"archcalc's totals for {imported.source} disagree with the module's "
                         f"(model.parameters(), model.buffers()): {'; '.join(wrong)}",
                         hint="a parameter the forward pass never used is not read (a branch taken only in "
                              "another mode?)")
    return analysis


def notation(imported: Imported) -> str:
    """The imported network in the paper notation, each line ending with the module (or function) it
    stands for; ``archcalc summary`` of the text gives PyTorch's numbers (batch norm with ``stats=torch``).

    Raises:
        KerasError: a module with weights is called twice (shared weights), which the notation cannot
            write without counting them twice.
    """
    from .. import __version__
    from ..paper import paper_lines
    from ..render import one_line

    net = imported.network
    shared = [imported.torch_names[i - 1] for i, n in enumerate(net.nodes) if n.shares is not None
              and any(True for _ in (imported.modules[n.shares - 1].parameters()
                                     if imported.modules[n.shares - 1] is not None else ()))]
    if shared:
        raise KerasError(f"{', '.join(shared[:5])} reuse(s) the weights of an earlier call: the paper notation "
                         "cannot write shared weights without counting them twice",
                         hint="use `summary` on the live module (archcalc.from_torch), or `--format json`")
    analysis = analyze_network(net)
    lines = paper_lines(net)
    width = max(len(text) for text, _ in lines)
    t = torch()
    source = one_line(imported.source or "a PyTorch module")
    shape = "x".join(map(str, _channels_first(net.input_shape)))
    out = [f"# imported by archcalc {__version__} from {source} (PyTorch {t.__version__}), input {shape}:",
           f"# {analysis.totals.params:,} parameters (model.parameters()), "
           f"{analysis.totals.buffers:,} buffers (model.buffers()); shapes channels last",
           *[f"# note: {one_line(n)}" for n in imported.notes], f"network {net.name}"]
    for text, index in lines:
        if index:
            text = f"{text.ljust(width)}  # {one_line(imported.torch_names[index - 1])}"
        out.append(text)
    return "\n".join(out) + "\n"


def _channels_first(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if len(shape) < 2 else (shape[-1], *shape[:-1])


def from_torch(module: Any, input_shape: Any = DEFAULT_INPUT, **options: Any) -> Analysis:
    """Analyse a live PyTorch module: archcalc's table for it, its numbers checked against the module.

    Args:
        module: an ``nn.Module`` (on any device: meta copies of its tensors stand in for the forward).
        input_shape: one example, channels first: ``(3, 224, 224)`` or ``"3x224x224"``.
        options: as :func:`archcalc.analysis.analyze_network` (``batch``, ``dtype``, ...).
    """
    if isinstance(input_shape, str):
        from ..code.defines import parse_input_shape

        input_shape = parse_input_shape(input_shape)
    return analyze_network(read_module(module, tuple(input_shape)).network, **options)
