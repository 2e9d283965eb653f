"""The values of the evaluator: what a name in the user's code can stand for.

Plain data (``int``, ``float``, ``str``, ``bool``, ``None``, ``tuple``, ``list``, ``dict``) is held as
Python's own immutable or container objects, but the evaluator reaches into them only through its
own tables (:data:`METHODS`): no attribute of a real Python object is ever looked up by the name the
code gives. Everything else is one of the classes here — functions and classes defined in the file,
their instances, values from outside the model code (:class:`Unknown`) — or a value of a names table
(Keras' layers, tensors and models, in :mod:`archcalc.code.keras`), all subclasses of :class:`Value`.

>>> Unknown.of("num_classes", None, "never defined").causes[0].name
'num_classes'
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import Location

if TYPE_CHECKING:
    from .evaluator import Evaluator


class Value:
    """A value of the evaluator's own (not plain data). Subclasses answer attributes and calls.

    ``what`` is how messages name the value (``the layer `Conv2D```).
    """

    what = "this value"

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        raise ev.error(node, f"{self.what} has no attribute `{name}` that archcalc knows",
                       "archcalc reads the layers of a model; leave this out of the model code")

    def set_attribute(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        raise ev.error(node, f"cannot set `{name}` on {self.what}")

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        raise ev.error(node, f"{self.what} cannot be called")


@dataclass(frozen=True)
class Cause:
    """Why a value is unknown: the name (or expression) the user can give, and where it stands."""

    name: str
    location: Location | None
    why: str


class Unknown(Value):
    """A value archcalc cannot know without running the code: data, a name never defined, the result
    of a library call that builds no layer. Any operation on it gives another Unknown with the same
    causes; only when it reaches the model does it become an error (all of them listed at once)."""

    what = "a value from outside the model code"

    def __init__(self, causes: tuple[Cause, ...]) -> None:
        self.causes = causes

    @staticmethod
    def of(name: str, location: Location | None, why: str) -> Unknown:
        return Unknown((Cause(name, location, why),))

    @staticmethod
    def merge(values: list[Any]) -> Unknown:
        causes: list[Cause] = []
        for v in values:
            if isinstance(v, Unknown):
                causes.extend(c for c in v.causes if c not in causes)
        return Unknown(tuple(causes[:20]))

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        return self

    def set_attribute(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        return None

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        ev.refuse_tensors([*args, *kwargs.values()], node)
        return self


def deep_unknown(value: Any, limit: int = 10_000) -> Unknown | None:
    """The Unknown values inside a tuple, list or dict (merged), or None when everything is known."""
    found: list[Any] = []
    stack, seen = [value], 0
    while stack and seen < limit:
        seen += 1
        v = stack.pop()
        if isinstance(v, Unknown):
            found.append(v)
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
    return Unknown.merge(found) if found else None


@dataclass(eq=False)
class Function(Value):
    """A ``def`` (or ``lambda``) of the file, with the scope it was defined in."""

    name: str
    node: ast.FunctionDef | ast.Lambda
    defaults: dict[str, Any]
    scope: Scope | None
    owner: ClassValue | None = None
    what: str = "a function"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        return ev.call_function(self, args, kwargs, node)


@dataclass(eq=False)
class BoundMethod(Value):
    """``obj.method``: a function of the file with its first argument given."""

    function: Function
    instance: Any
    what: str = "a method"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        return ev.call_function(self.function, [self.instance, *args], kwargs, node)


@dataclass(eq=False)
class ClassValue(Value):
    """A ``class`` of the file: its methods and class attributes, and its bases."""

    name: str
    bases: tuple[Any, ...]
    members: dict[str, Any]
    framework_base: Any = None  # the names table's base class (keras.Model, keras.layers.Layer) if any
    what: str = "a class"

    def lookup(self, name: str) -> Any:
        if name in self.members:
            return self.members[name]
        for base in self.bases:
            if isinstance(base, ClassValue):
                found = base.lookup(name)
                if found is not _MISSING:
                    return found
        return _MISSING

    def framework(self) -> Any:
        if self.framework_base is not None:
            return self.framework_base
        for base in self.bases:
            if isinstance(base, ClassValue) and base.framework() is not None:
                return base.framework()
        return None

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        found = self.lookup(name)
        if found is _MISSING or name.startswith("__"):
            return super().attribute(ev, name, node)
        return found

    def subclass_of(self, other: ClassValue) -> bool:
        return self is other or any(isinstance(b, ClassValue) and b.subclass_of(other) for b in self.bases)

    def instance_check(self, value: Any) -> bool:
        """``isinstance(value, ThisClass)``."""
        return isinstance(value, Instance) and value.cls.subclass_of(self)

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        return ev.instantiate(self, args, kwargs, node)


@dataclass(eq=False)
class Instance(Value):
    """An object of a class of the file. ``framework`` holds what the names table keeps about it
    (a Keras model subclass: its layers, its input)."""

    cls: ClassValue
    attributes: dict[str, Any] = field(default_factory=dict)
    framework: Any = None

    @property
    def what(self) -> str:  # type: ignore[override]
        return f"the `{self.cls.name}` object"

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name in self.attributes:
            return self.attributes[name]
        found = self.cls.lookup(name)
        if isinstance(found, Function) and not name.startswith("__"):
            return BoundMethod(found, self)
        if found is not _MISSING and not name.startswith("__"):
            return found
        if self.framework is not None:
            return self.framework.attribute(ev, self, name, node)
        return super().attribute(ev, name, node)

    def set_attribute(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        if self.framework is not None:
            self.framework.set_attribute(ev, self, name, value, node)
        self.attributes[name] = value

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if self.framework is not None:
            return self.framework.call(ev, self, args, kwargs, node)
        found = self.cls.lookup("__call__")
        if isinstance(found, Function):
            return ev.call_function(found, [self, *args], kwargs, node)
        return super().call(ev, args, kwargs, node)


@dataclass(eq=False)
class Super(Value):
    """``super()`` inside a method: the bases' methods bound to the same object."""

    cls: ClassValue
    instance: Any
    what: str = "`super()`"

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        for base in self.cls.bases:
            if isinstance(base, ClassValue):
                found = base.lookup(name)
                if isinstance(found, Function):
                    return BoundMethod(found, self.instance)
        framework = self.cls.framework()
        if framework is not None:
            return framework.super_attribute(ev, self.instance, name, node)
        if name == "__init__":
            return NoOp("`object.__init__`")
        return super().attribute(ev, name, node)


@dataclass(eq=False)
class NoOp(Value):
    """A call that changes nothing archcalc counts (``print``, ``model.compile``): it returns None."""

    what: str = "a function"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        return None


@dataclass(eq=False)
class Builtin(Value):
    """A function of the evaluator's fixed builtins table; ``function`` gets the evaluator too."""

    name: str
    function: Any
    what: str = "a builtin function"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        return self.function(ev, node, *args, **kwargs)


class Scope:
    """Names of one scope (the module, a function call, a class body), with its enclosing one."""

    def __init__(self, parent: Scope | None = None, *, module: bool = False) -> None:
        self.names: dict[str, Any] = {}
        self.parent = parent
        self.module = module
        self.global_names: set[str] = set()  # `global x` in a function: x is bound in the module

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return _MISSING


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()
MISSING: Any = _MISSING
