"""A live PyTorch module's forward pass, recorded operation by operation on the ``meta`` device.

The module runs once on an input of the ``meta`` device (shapes only: no memory is allocated, nothing
is computed) inside a :class:`torch.overrides.TorchFunctionMode` that sees every function called on a
tensor (``torch.flatten``, ``x.view``, ``+``, ``torch.cat``, ``F.relu``), while forward hooks see every
call of a *leaf* module (one whose class the vocabulary knows: ``Conv2d``, ``BatchNorm2d``, ...).
What a leaf module does inside is not recorded: it is one operation, with its qualified name.

Recording a real forward (rather than ``torch.fx``'s symbolic trace) means that every size is a
number: ``x.view(b, groups, c // groups, h, w)`` of a channel shuffle is read with its sizes, and
``if self.training`` takes the branch it takes. A model is traced in training mode, so that the
auxiliary classifiers of GoogLeNet and Inception v3, whose parameters ``model.parameters()``
counts, are part of the graph (as side outputs).

The result is data (:class:`Op`); :mod:`.torch_import` turns it into archcalc nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import KerasError
from .torchlib import torch

#: Tensor methods and functions that change nothing but the tensor's memory layout or its autograd
#: history: the value they return is their input's, for archcalc.
IDENTITY_FUNCTIONS = frozenset({"contiguous", "clone", "detach", "float", "to", "requires_grad_"})


@dataclass
class Op:
    """One recorded operation.

    Attributes:
        kind: ``"input"``, ``"module"`` (a leaf module called), ``"function"`` (a torch function or
            tensor method), ``"output"`` (never made: outputs are the values nobody reads).
        name: the module's qualified name (``layer1.0.conv1``) or the function's name (``flatten``, ``add``).
        target: the module object, or the function.
        args: the call's positional arguments, tensors replaced by :class:`Ref`.
        kwargs: its keyword arguments, likewise.
        shapes: the output tensor(s) shapes, batch axis included (a ``chunk`` gives several).
        parameter: for a function, the model's parameters it was given directly, by argument position
            (ConvNeXt's ``self.layer_scale * x``).
    """

    kind: str
    name: str
    target: Any
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    shapes: list[tuple[int, ...]] = field(default_factory=list)
    parameters: dict[int, str] = field(default_factory=dict)
    call: int = 0  # how many times this module was called before (0: the first call)


@dataclass(frozen=True)
class Ref:
    """A tensor argument: output ``out`` of operation ``op``."""

    op: int
    out: int = 0


def function_name(func: Callable[..., Any]) -> str:
    """``flatten``, ``add``, ``__iadd__``, ``view``: the name a table can look up."""
    name = getattr(func, "__name__", "") or str(func)
    if name == "__get__":  # a property such as Tensor.shape
        owner = getattr(func, "__self__", None)
        name = getattr(owner, "__name__", name)
    return name


class Recorder:
    """Runs ``model`` on a meta tensor of ``input_shape`` (channels first, no batch) and records it."""

    def __init__(self, model: Any, is_leaf: Callable[[Any], bool]) -> None:
        self.model = model
        self.is_leaf = is_leaf
        self.ops: list[Op] = []
        self.produced: dict[int, Ref] = {}  # id(tensor) → the op output it is
        self.alive: list[Any] = []  # keeps every recorded tensor alive: an id is never reused
        self.depth = 0  # > 0 inside a leaf module: its insides are not recorded
        self.names = {id(m): n for n, m in model.named_modules()}
        self.parameters = {id(p): n for n, p in model.named_parameters()}
        self.calls: dict[int, int] = {}
        self.pending: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    # -- values ---------------------------------------------------------------------------------
    def _refs(self, value: Any, params: dict[int, str], position: int) -> Any:
        t = torch()
        if isinstance(value, t.Tensor):
            ref = self.produced.get(id(value))
            if ref is not None:
                return ref
            if id(value) in self.parameters:
                params[position] = self.parameters[id(value)]
                return ("parameter", self.parameters[id(value)], tuple(value.shape))
            return ("tensor", tuple(value.shape))  # made inside the forward (torch.zeros): not an input
        if isinstance(value, (list, tuple)):
            return type(value)(self._refs(v, params, position) for v in value)
        if isinstance(value, t.Size):
            return tuple(int(d) for d in value)
        return value

    def _outputs(self, result: Any) -> list[Any]:
        t = torch()
        if isinstance(result, t.Tensor):
            return [result]
        if isinstance(result, (list, tuple)) and result and all(isinstance(r, t.Tensor) for r in result):
            return list(result)
        return []

    def _record(self, op: Op, result: Any) -> None:
        outs = self._outputs(result)
        op.shapes = [tuple(int(d) for d in r.shape) for r in outs]
        self.ops.append(op)
        for position, r in enumerate(outs):
            self.produced[id(r)] = Ref(len(self.ops) - 1, position)
            self.alive.append(r)

    # -- the hooks ------------------------------------------------------------------------------
    def _pre(self, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if self.depth == 0:
            params: dict[int, str] = {}
            self.pending.append((self._refs(tuple(args), params, 0), self._refs(dict(kwargs), params, 0)))
        self.depth += 1

    def _post(self, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
        self.depth -= 1
        if self.depth:
            return
        a, kw = self.pending.pop()
        call = self.calls.get(id(module), 0)
        self.calls[id(module)] = call + 1
        self._record(Op("module", self.names.get(id(module), ""), module, a, kw, call=call), result)

    def function(self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
        if self.depth or not self._outputs(result):
            return  # inside a leaf module, or a function giving no tensor (x.size(), x.dim())
        params: dict[int, str] = {}
        a = tuple(self._refs(v, params, i) for i, v in enumerate(args))
        kw = {k: self._refs(v, params, -1) for k, v in kwargs.items()}
        if not any(isinstance(v, Ref) for v in _flat((a, kw))):
            return  # a constant made in the forward (torch.zeros(3)); used later, it is refused there
        self._record(Op("function", function_name(func), func, a, kw, parameters=params), result)

    def run(self, input_shape: tuple[int, ...], batch: int = 2, tokens: bool = False) -> list[Op]:
        """Record one forward pass on a meta tensor of shape ``(batch, *input_shape)`` (of integers: ``tokens``)."""
        t = torch()
        from torch.overrides import TorchFunctionMode

        recorder = self

        class Mode(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
                kwargs = kwargs or {}
                result = func(*args, **kwargs)
                recorder.function(func, args, kwargs, result)
                return result

        handles = []
        for m in self.model.modules():
            if m is not self.model and self.is_leaf(m):
                handles.append(m.register_forward_pre_hook(self._pre, with_kwargs=True))
                handles.append(m.register_forward_hook(self._post, with_kwargs=True))
        x = t.empty((batch, *input_shape), device="meta", dtype=t.long if tokens else t.float32)
        # The module's own tensors stay where they are: meta copies stand in for them during the call
        # (no memory, and the user's module is not moved).
        lazy = [n for n, v in self.model.named_parameters() if isinstance(v, t.nn.parameter.UninitializedParameter)]
        if lazy:
            raise KerasError(f"the module has parameters that are not initialized yet ({', '.join(lazy[:3])}"
                             f"{', …' if len(lazy) > 3 else ''}): a lazy module (nn.LazyLinear) gets its size from "
                             "its first input", hint="run the module once on an input of the right shape, then read it")
        replacements = {n: t.empty_like(v, device="meta")
                        for n, v in [*self.model.named_parameters(), *self.model.named_buffers()]}
        self.parameters = {id(replacements[n]): n for n, _ in self.model.named_parameters()}
        self.ops = [Op("input", "input", None, shapes=[tuple(x.shape)])]
        self.produced = {id(x): Ref(0)}
        self.alive = [x]
        was_training = self.model.training
        self.model.train()  # auxiliary classifiers run in training mode only
        try:
            with t.no_grad(), Mode():
                result = t.func.functional_call(self.model, replacements, (x,))
        except KerasError:
            raise
        except Exception as e:  # the model's own code refused the input: its message says why
            raise KerasError(f"the module's forward pass failed on an input of shape {tuple(x.shape)}: "
                             f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}",
                             hint="is --input the shape the model expects (channels first, e.g. 3x224x224)?") from None
        finally:
            for h in handles:
                h.remove()
            self.model.train(was_training)
        self.result = result
        return self.ops


def _flat(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flat(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flat(v)]
    return [value]


def outputs(result: Any, produced: dict[int, Ref]) -> list[Ref]:
    """The op outputs the model returned (a tensor, a tuple, a named tuple of main and auxiliary outputs)."""
    t = torch()
    found: list[Ref] = []

    def walk(v: Any) -> None:
        if isinstance(v, t.Tensor):
            if id(v) in produced:
                found.append(produced[id(v)])
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    walk(result)
    return found
