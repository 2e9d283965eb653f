"""What Keras' names mean to the evaluator: layers, tensors, ``Sequential``, ``Model``, subclasses.

The evaluator (:mod:`archcalc.code.evaluator`) knows Python; this names table knows Keras. An import
of ``tensorflow``, ``keras`` or ``tf_keras`` gives a :class:`Module` whose attributes name Keras
objects by their last component (``tf.keras.layers.Conv2D`` and ``layers.Conv2D`` are the same class);
a layer class listed in :data:`archcalc.kinds.KERAS_NAMES` makes a :class:`Layer`; calling a layer on a
:class:`Tensor` adds a node to the graph and infers its shape at once (so ``x.shape[-1]`` can be read).
Every model the code builds — ``Sequential``, ``Model(inputs, outputs)``, a ``keras.Model`` subclass —
becomes one :class:`~archcalc.network.Network`, named by the variable that holds it.

Any other import (``numpy``, ``matplotlib``, ``os``) is a :class:`Module` too, whose calls return
:class:`~archcalc.code.values.Unknown` values: nothing is imported or run.

>>> nets = read("import keras\\nm = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])")
>>> [(n.name, [x.kind for x in n.nodes]) for n in nets]
[('m', ['input', 'dense'])]
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace
from typing import Any

from .. import kinds as K
from ..errors import ArchcalcError, Location, SpecError
from ..graph import canonical
from ..network import Network, Node
from ..values import BadValue, integer_list
from .evaluator import Evaluator, Names, _kind, parse
from .values import MISSING, Instance, NoOp, Unknown, Value, deep_unknown

#: Top-level packages whose names are Keras'.
KERAS_ROOTS = ("keras", "tensorflow", "tf_keras")
#: Names that mean Keras' module when the code uses them without importing them (a pasted cell).
UNIMPORTED_MODULES = {"tf": "tensorflow", "keras": "keras", "layers": "keras.layers", "models": "keras.models"}
#: Keras methods of a model that change nothing archcalc counts.
MODEL_NO_OPS = ("compile", "fit", "evaluate", "predict", "summary", "save", "save_weights", "load_weights",
                "fit_generator", "predict_on_batch", "train_on_batch", "test_on_batch", "to_json",
                "count_params", "get_config", "get_weights", "set_weights", "reset_states")
#: Evaluation steps a layer's creation and each of its calls cost (they take as long as that many
#: plain steps), so that a runaway loop of layers stops as fast as any other.
LAYER_STEPS = 25
#: Layers of a model built in a file at most (the evaluator's step budget comes first in practice).
MAX_LAYERS = 20_000


@dataclass(eq=False)
class GraphNode:
    """One layer application: the layer object (shared layers appear in several nodes)."""

    layer: Layer | None  # None for an Input
    kind: str
    args: dict[str, Any]
    parents: tuple[int, ...]
    location: Location | None
    source: str
    shape: tuple[int, ...] | None  # None when an unknown value reached the layer


class KerasNames(Names):
    """The names table for Keras, and the graph the code builds.

    Args:
        input_shape: ``--input``: the input shape of every model, overriding the code's.
    """

    def __init__(self, input_shape: tuple[int, ...] | None = None) -> None:
        self.input_shape = input_shape
        self.graph: list[GraphNode] = []
        self.models: list[Any] = []  # Sequential, FunctionalModel, Instance: in creation order
        self.unsupported: list[tuple[str, ast.AST]] = []

    # -- the interface the evaluator uses ------------------------------------------------------
    def module(self, path: str) -> Any:
        return resolve(self, path)

    def star(self, path: str) -> list[tuple[str, Any]]:
        if path.split(".")[0] not in KERAS_ROOTS:
            return []
        if path.endswith("layers"):
            return [(name, LayerClass(name)) for name in K.KERAS_NAMES if name not in ("Input",)] + [
                ("Input", InputFunction()), ("add", MergeFunction("Add")),
                ("concatenate", MergeFunction("Concatenate"))]
        if path.endswith("models"):
            return [("Sequential", SequentialClass()), ("Model", ModelClass())]
        return []

    def undefined(self, name: str) -> Any:
        if name == "__name__":
            return "__main__"  # a pasted script is read as if it were run
        if name in UNIMPORTED_MODULES:
            return resolve(self, UNIMPORTED_MODULES[name])
        if name in K.KERAS_NAMES or name in _SPECIAL:
            return resolve(self, f"keras.layers.{name}")
        return MISSING

    def builds_call(self, value: Any, attributes: list[str]) -> bool:
        """Whether calling ``value.a.b(...)`` could build part of a model (without calling it)."""
        if isinstance(value, Module):
            if "[]" in attributes:
                return value.keras
            return self.builds(resolve(self, ".".join([value.path, *attributes])))
        if attributes and attributes[-1] in MODEL_NO_OPS:
            return False
        return self.builds(value) or bool(attributes)

    def builds(self, value: Any) -> bool:
        return isinstance(value, (LayerClass, Layer, Tensor, Sequential, FunctionalModel, SequentialClass,
                                  ModelClass, InputFunction, MergeFunction, UnsupportedClass))

    def is_tensor(self, value: Any) -> bool:
        """Tensors and layers: what an unknown function must not be given (it could change the model)."""
        return isinstance(value, (Tensor, Layer))

    def own_class(self, name: str, decorators: list[str]) -> Any:
        """archcalc's own Keras layers (``LocalResponseNormalization``), as ``archcalc export`` writes them:
        registered under the package ``archcalc``, they mean archcalc's kind of that name."""
        registered = any("register_keras_serializable" in d and re.search(r"package\s*=\s*['\"]archcalc['\"]", d)
                         for d in decorators)
        return LayerClass(name) if registered and name in K.KERAS_NAMES else None

    def implicit_model(self, ev: Evaluator, name: ast.Name) -> Any:
        model = Sequential(ev.location(name))
        self.models.append(model)
        return model

    def base_class(self, value: Any) -> Any:
        if isinstance(value, ModelClass):
            return SubclassBase(self, model=True)
        if isinstance(value, Module) and value.keras and value.leaf in ("Layer", "Model"):
            return SubclassBase(self, model=value.leaf == "Model")
        if isinstance(value, Module) and not value.keras:
            return None
        return None

    # -- the graph -------------------------------------------------------------------------------
    def add_node(self, ev: Evaluator, node: GraphNode, where: ast.AST) -> Tensor:
        if len(self.graph) >= MAX_LAYERS:
            raise ev.error(where, f"the code builds more than {MAX_LAYERS:,} layers, more than archcalc reads")
        self.graph.append(node)
        return Tensor(self, len(self.graph) - 1)

    def new_input(self, ev: Evaluator, shape: Any, where: ast.AST, what: str) -> Tensor:
        """An input node; ``--input`` wins over the code's shape."""
        if self.input_shape is not None:
            shape = self.input_shape
        shape = deep_unknown(shape) or shape
        if isinstance(shape, Unknown):
            ev.need(shape, where, "reaches the input shape")
            return self.add_node(ev, GraphNode(None, "input", {"shape": None}, (), ev.location(where), what, None),
                                 where)
        try:
            dims = integer_list(shape, "the input shape")
        except BadValue as e:
            raise ev.error(where, e.message, e.hint) from None
        return self.add_node(ev, GraphNode(None, "input", {"shape": dims}, (), ev.location(where), what, dims), where)

    def apply(self, ev: Evaluator, layer: Layer, inputs: Any, where: ast.AST) -> Any:
        """Call a layer (or a model used as a layer) on a tensor or a list of tensors."""
        tensors = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        if isinstance(inputs, Unknown) or any(isinstance(t, Unknown) for t in tensors):
            raise ev.error(where, f"`{layer.class_name}` is called on {_describe(inputs)}, which is not a tensor "
                                  "of the model",
                           hint="call it on a tensor: the result of `keras.Input(...)` or of a previous layer call")
        for t in tensors:
            if not isinstance(t, Tensor):
                raise ev.error(where, f"`{layer.class_name}` is called on {_kind(t)}, not on a tensor of the model",
                               hint="call it on `keras.Input(...)` or on what a previous layer call returned")
        if layer.kind is None:  # a class archcalc lacks: listed in one error at the end
            return Tensor(self, None)
        kind = K.KINDS[layer.kind]
        merge = kind.inputs != 1
        if merge != isinstance(inputs, (list, tuple)) or (not merge and len(tensors) != 1):
            raise ev.error(where, f"`{layer.class_name}` takes " + ("a list of tensors" if merge else "one tensor"),
                           hint="a merge takes `([x, y])`, any other layer `(x)`")
        if layer.kind == "input":
            raise ev.error(where, "an `InputLayer` is not called on a tensor",
                           hint="use `keras.Input(shape=...)` to start a functional model")
        ev.charge(where, LAYER_STEPS)
        shapes = [self.graph[t.index].shape if t.index is not None else None for t in tensors]
        parents = tuple(t.index for t in tensors)
        if layer.causes is not None or any(s is None for s in shapes) or any(p is None for p in parents):
            return Tensor(self, None)
        try:
            effect = kind.infer(layer.args, list(shapes))
        except ArchcalcError as e:
            raise e.with_location(layer.location) from None
        node = GraphNode(layer, layer.kind, layer.args, parents, layer.location, layer.source, tuple(effect.shape))
        layer.calls += 1
        return self.add_node(ev, node, where)

    # -- the networks ------------------------------------------------------------------------
    def networks(self, ev: Evaluator) -> list[Network]:
        """One network per model the code builds, named by its variable."""
        if self.unsupported:
            names = list(dict.fromkeys(name for name, _ in self.unsupported))
            first = self.unsupported[0][1]
            raise ev.error(first, f"archcalc has no layer kind for {len(names)} Keras class"
                                  f"{'es' * (len(names) != 1)} of this code: "
                                  + ", ".join(f"`{n}`" for n in names),
                           hint="the layer kinds archcalc reads are listed in docs/spec-language.md; "
                                "leave these layers out to analyse the rest")
        if ev.needs:
            raise needs_error(ev, self.input_shape)
        names: dict[int, str] = {}
        for var, value in ev.globals.names.items():
            if id(value) not in names and _is_model(value):
                names[id(value)] = var
        networks: list[Network] = []
        taken: set[str] = set()
        if not self.models:
            networks.extend(self.unclosed(ev))
        for model in self.models:
            var = names.get(id(model))
            if var is None and getattr(model, "used_as_layer", False):
                continue  # built inside a function or used only as a part of another model
            network = model.network(ev, self, var or model.label or "model")
            if network is None:
                continue
            base, n = network.name, 2
            while network.name in taken:
                network.name, n = f"{base}_{n}", n + 1
            taken.add(network.name)
            networks.append(network)
        return networks

    def unclosed(self, ev: Evaluator) -> list[Network]:
        """Functional code pasted without ``keras.Model(...)``: each input to the last layer built on it."""
        networks = []
        for i, g in enumerate(self.graph):
            if g.kind != "input":
                continue
            last, reached = None, {i}
            for j in range(i + 1, len(self.graph)):
                if any(p in reached for p in self.graph[j].parents):
                    reached.add(j)
                    last = j
            if last is not None:
                parents = {p for j in reached for p in self.graph[j].parents}
                ends = [j for j in sorted(reached) if j not in parents and j != i]
                if len(ends) > 1:
                    raise SpecError(f"the layers built on this input end in {len(ends)} places and no "
                                    "`keras.Model(inputs, outputs)` says which is the output",
                                    location=g.location, hint="add `model = keras.Model(inputs, outputs)`")
                name = "model" if not networks else f"model_{len(networks) + 1}"
                networks.append(self.extract(ev, name, Tensor(self, i), Tensor(self, last), g.location))
        return networks

    def extract(self, ev: Evaluator, name: str, inputs: Tensor, output: Any, where: Location | None) -> Network:
        """The network from one input to one output: the nodes the output depends on."""
        if not isinstance(output, Tensor):
            raise SpecError(f"the outputs of the model `{name}` are {_kind(output)}, not one tensor",
                            location=where, hint="archcalc analyses models with one input and one output")
        keep: set[int] = set()
        stack = [output.index]
        while stack:
            i = stack.pop()
            if i is None or i in keep:
                continue
            keep.add(i)
            stack.extend(self.graph[i].parents)
        inputs_used = [i for i in keep if self.graph[i].kind == "input"]
        if inputs_used != [inputs.index]:
            raise SpecError(f"the output of the model `{name}` does not come from its input alone",
                            location=where, hint="archcalc analyses models with one input and one output")
        order = sorted(keep)
        new = {old: n for n, old in enumerate(order)}
        seen: dict[int, int] = {}
        nodes: list[Node] = []
        for old in order:
            g = self.graph[old]
            shares = None
            if g.layer is not None:
                shares = seen.get(id(g.layer))
                seen.setdefault(id(g.layer), new[old])
            nodes.append(Node(g.kind, dict(g.args), tuple(new[p] for p in g.parents), g.location, g.source,
                              shares=shares))
        network = Network(_word(name), nodes, where, "keras")
        try:  # number the layers as the paper notation would, each branch with its heading
            ordered, old = canonical(network)
        except SpecError:
            return network  # branches that do not nest: analysed as written
        new_of = {o: n for n, o in enumerate(old)}
        ordered.nodes = [n if n.shares is None else replace(n, shares=new_of[n.shares]) for n in ordered.nodes]
        return ordered


_SPECIAL = ("Sequential", "Model", "Input", "add", "concatenate", "Functional")


def _word(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name) or "model"


def _is_model(value: Any) -> bool:
    return isinstance(value, (Sequential, FunctionalModel)) or (
        isinstance(value, Instance) and isinstance(value.framework, SubclassState) and value.framework.model)


def _describe(value: Any) -> str:
    if isinstance(value, Unknown):
        return "`" + "`, `".join(c.name for c in value.causes[:3]) + "`"
    return _kind(value)


def needs_error(ev: Evaluator, input_shape: Any) -> SpecError:
    """ONE error for every unknown value that reached the model, with where each comes from."""
    causes: list[tuple[Any, ast.AST, str]] = []
    seen: set[tuple[str, int]] = set()
    for value, node, role in ev.needs:
        for cause in value.causes:
            key = (cause.name, cause.location.line if cause.location else 0)
            if key not in seen:
                seen.add(key)
                causes.append((cause, node, role))
    names = list(dict.fromkeys(c.name for c, _, _ in causes))
    details = []
    for cause, node, role in causes:
        where = f"line {cause.location.line}" if cause.location else "the code"
        used = ev.location(node)
        details.append(f"`{cause.name}` ({where}: {cause.why}) {role} at {used.line}:{used.column}")
    first_cause, first_node, _ = causes[0]
    location = first_cause.location or ev.location(first_node)
    roles = {c.name: role for c, _, role in reversed(causes)}
    computed = {c.name for c, _, _ in causes if c.why != "never defined"}
    shape = "reaches the input shape"
    # An input shape computed from data (`x_train = np.load(...)`) is given with --input, not --define.
    defined = [n for n in names if _is_name(n) and not (roles[n] == shape and n in computed)]
    defines = " ".join(f"--define {n}={_example(n, roles[n])}" for n in defined)
    parts = []
    if defines:
        parts.append(f"give {'them' if len(defined) > 1 else 'it'} on the command line: `{defines}` (numbers, "
                     "strings, shapes like 28x28x1, tuples)")
    if any(role == shape for _, _, role in causes):
        parts.append("`--input 28x28x1` sets the input shape")
    hint = "; ".join(parts) if parts else "write the value in the code"
    count = f"{len(names)} value{'s' * (len(names) != 1)}"
    return SpecError(f"the model needs {count} that archcalc cannot know without running the code: "
                     + ", ".join(f"`{n}`" for n in names),
                     location=location, details=tuple(details), hint=hint)


def _is_name(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_]\w*", text))


def _example(name: str, role: str) -> str:
    """A plausible value to show in the hint, from the name or the argument it reaches."""
    v = name.lower()
    if "activation" in role:
        return "relu"
    if role == "reaches the input shape":
        return "28x28x1"
    if "`if`" in role or "`while`" in role:
        return "True"
    if "`for`" in role or "comprehension" in role:
        return "32,64"
    if "rate" in role:
        return "0.5"
    if "shape" in v or ("size" in v and "batch" not in v):
        return "28x28x1" if "shape" in v else "28"
    if "class" in v or "label" in v or "output" in v:
        return "10"
    if "activation" in v:
        return "relu"
    return "64"


# -- modules and names -----------------------------------------------------------------------------
def resolve(names: KerasNames, path: str) -> Any:
    """What a dotted name means: a Keras class or function, or a module (known or foreign)."""
    parts = path.lstrip(".").split(".")
    root, leaf = parts[0], parts[-1]
    if root not in KERAS_ROOTS:
        return Module(names, path, keras=False)
    if len(parts) == 1:
        return Module(names, path, keras=True)
    if leaf == "Sequential":
        return SequentialClass()
    if leaf in ("Model", "Functional"):
        return ModelClass()
    if leaf == "Input":
        return InputFunction()
    if leaf in ("add", "concatenate") and "layers" in parts:
        return MergeFunction({"add": "Add", "concatenate": "Concatenate"}[leaf])
    if leaf in K.KERAS_NAMES:
        return LayerClass(leaf)
    if parts[-2] in ("activations", "nn"):
        return ActivationFunction(leaf)
    if leaf == "image_data_format":
        return _Constant("channels_last")
    if "applications" in parts and leaf[:1].isupper():
        return UnsupportedClass(leaf, "a Keras application: read it with `archcalc import keras.applications."
                                      f"{leaf}`")
    if "layers" in parts and leaf[:1].isupper() and leaf != "Layer":
        return UnsupportedClass(leaf, None)
    return Module(names, path, keras=True)


@dataclass(eq=False)
class Module(Value):
    """A module, or a name inside one that is not a Keras class: its calls return Unknown values."""

    names: KerasNames
    path: str
    keras: bool

    @property
    def what(self) -> str:  # type: ignore[override]
        return f"`{self.path}`"

    @property
    def leaf(self) -> str:
        return self.path.split(".")[-1]

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name.startswith("__"):
            return Unknown.of(f"{self.path}.{name}", ev.location(node), "not read by archcalc")
        return resolve(self.names, f"{self.path}.{name}")

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        ev.refuse_tensors([*args, *kwargs.values()], node)
        return Unknown.of(ev.segment(node), ev.location(node), "a value computed by a library")


@dataclass(eq=False)
class Opaque(Value):
    """A method that changes nothing archcalc counts (``model.fit``): its result is unknown."""

    what: str = "a method"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        return Unknown.of(ev.segment(node), ev.location(node), "a value computed by Keras")


@dataclass(eq=False)
class _Constant(Value):
    value: Any
    what: str = "a Keras function"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        return self.value


@dataclass(eq=False)
class ActivationFunction(Value):
    """``tf.nn.relu``, ``keras.activations.softmax``: as ``activation=``, the name of the function."""

    name: str
    what: str = "an activation function"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        ev.refuse_tensors([*args, *kwargs.values()], node)
        return Unknown.of(ev.segment(node), ev.location(node), "a value computed by a library")


@dataclass(eq=False)
class UnsupportedClass(Value):
    """A Keras class archcalc has no kind for: listed (with the others) in one error at the end."""

    name: str
    hint: str | None
    what: str = "a Keras class"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if self.hint is not None:
            raise ev.error(node, f"`{self.name}` is {self.hint.split(':')[0]}, not a layer archcalc reads",
                           hint=self.hint.split(": ", 1)[1])
        names: KerasNames = ev.names
        names.unsupported.append((self.name, node.func))
        return Layer(self.name, None, {}, ev.location(node.func), ev.segment(node), None)


@dataclass(eq=False)
class LayerClass(Value):
    """A Keras layer class that archcalc has a kind for."""

    name: str
    what: str = "a Keras layer class"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        return make_layer(ev, self.name, args, kwargs, node)


@dataclass(eq=False)
class Layer(Value):
    """A layer object: what ``layers.Conv2D(32, 3)`` returns; called on a tensor, it adds a node."""

    class_name: str
    kind: str | None
    args: dict[str, Any]
    location: Location | None
    source: str
    causes: Unknown | None  # unknown values among its arguments (already reported)
    input_shape: Any = None
    calls: int = 0

    @property
    def what(self) -> str:  # type: ignore[override]
        return f"the layer `{self.class_name}`"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if len(args) != 1:
            raise ev.error(node, f"a layer is called on one tensor, or on a list of them for a merge "
                                 f"(`{self.class_name}` got {len(args)} arguments)",
                           hint="write e.g. `layers.Conv2D(32, 3)(x)` or `layers.Add()([x, y])`")
        return ev.names.apply(ev, self, args[0], node)

    def set_attribute(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        if name == "trainable":
            raise ev.error(node, "archcalc does not read `trainable` set on a layer: it counts every weight of a "
                                 "layer as trainable, as Keras does by default",
                           hint="leave the line out to count the model as built; the total does not change")
        raise ev.error(node, f"archcalc does not read `{name}` set on a layer")


#: Keras classes whose positional arguments differ from their kind's (``ReLU(6.0)`` is ``max_value``).
POSITIONAL: dict[str, tuple[str, ...]] = {
    "ReLU": ("max_value", "negative_slope", "threshold"),
    "LeakyReLU": ("negative_slope",),
    "ELU": ("alpha",),
    "Softmax": ("axis",),
}


def make_layer(ev: Evaluator, class_name: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Layer:
    """A layer object from its class name and arguments, bound to Keras' signature and defaults."""
    ev.charge(node, LAYER_STEPS)
    kind_name, preset = K.KERAS_NAMES[class_name]
    kind = K.KINDS[kind_name]
    location, source = ev.location(node.func), ev.segment(node, 80)
    if kind_name == "input":  # InputLayer(input_shape=...) as the first element of a Sequential list
        given = dict(zip(("input_shape",), args))
        given.update(kwargs)
        shape = next((given[k] for k in ("shape", "input_shape", "batch_shape", "batch_input_shape") if k in given),
                     None)
        if shape is None:
            raise ev.error(node, f"`{class_name}` needs a shape", hint=f"write `{class_name}(shape=(224, 224, 3))`")
        if "batch_shape" in given or "batch_input_shape" in given:
            shape = _drop_batch(ev, shape, node)
        return Layer(class_name, "input", {}, location, source, None, input_shape=shape)
    params = list(POSITIONAL.get(class_name, kind.keras_params))
    values: dict[str, Any] = {**kind.defaults, **kind.keras_defaults, **preset}
    if len(args) > len(params):
        raise ev.error(node, f"`{class_name}` takes at most {len(params)} positional arguments, got {len(args)}",
                       hint=f"its arguments are: {', '.join(params)}")
    given = dict(zip(params, args))
    for key, value in kwargs.items():
        if key in given:
            raise ev.error(node, f"`{class_name}` got `{key}` twice")
        given[key] = value
    for key, value in given.items():  # `(k, k)` with `k` unknown is unknown as a whole
        given[key] = deep_unknown(value) or value
    shape_keys = ("input_shape", "batch_input_shape", "input_dim")
    for key in shape_keys:
        if isinstance(given.get(key), Unknown):
            if ev.names.input_shape is None:
                ev.need(given[key], node, "reaches the input shape")
            given[key] = ev.names.input_shape
    unknown = [v for v in given.values() if isinstance(v, Unknown)]
    causes = Unknown.merge(unknown) if unknown else None
    for key, value in given.items():
        if isinstance(value, Unknown):
            ev.need(value, node, f"reaches `{key}` of `{class_name}`")
    input_shape = None
    for key, value in given.items():
        if isinstance(value, Unknown):
            continue
        if key in shape_keys:
            if value is None:
                continue
            if key == "batch_input_shape" and ev.names.input_shape is None:
                value = _drop_batch(ev, value, node)
            input_shape = (value,) if key == "input_dim" and ev.names.input_shape is None else value
            continue
        if key == "trainable" and value is False:
            raise ev.error(node, f"archcalc does not read `trainable=False` (`{class_name}`): it counts every "
                                 "weight as trainable", hint="leave `trainable=False` out; the total does not change")
        spec = kind.keras_params.get(key)
        if spec is None:
            if key in kind.keras_params or key in K.KERAS_IGNORED:
                continue  # accepted by Keras, changes no number
            import difflib

            close = difflib.get_close_matches(key, [*params, "input_shape"], n=1)
            raise ev.error(node, f"`{class_name}` has no argument `{key}`",
                           hint=f"did you mean `{close[0]}`?" if close else f"its arguments are: {', '.join(params)}")
        arg, convert = spec
        if isinstance(value, ActivationFunction):
            value = value.name
        elif isinstance(value, Value):
            raise ev.error(node, f"`{class_name}({key}=...)` is given {value.what}; archcalc reads a value here",
                           hint="write e.g. `activation='relu'`" if "activation" in key else
                           "write a number, a string or a tuple")
        try:
            converted = convert(value)
        except BadValue as e:
            raise ev.error(node, f"`{class_name}`: {e.message}", e.hint) from None
        if arg != "_":
            values[arg] = converted
    if kind_name in ("maxpool", "avgpool") and values.get("strides") is None:
        values["strides"] = values.get("pool")  # Keras: strides=None means the pool size
    if causes is None:
        for arg in kind.required:
            if arg not in values:
                keras_arg = next((p for p, s in kind.keras_params.items() if s and s[0] == arg), arg)
                raise ev.error(node, f"`{class_name}` needs `{keras_arg}`")
    return Layer(class_name, kind_name, values, location, source, causes, input_shape=input_shape)


def _drop_batch(ev: Evaluator, shape: Any, node: ast.AST) -> Any:
    if isinstance(shape, (list, tuple)) and shape and not isinstance(shape[0], Unknown):
        shape = (None, *shape[1:])  # the batch size is not the model's business
    shape = deep_unknown(shape) or shape
    if isinstance(shape, Unknown):
        return shape
    if not isinstance(shape, (tuple, list)) or not shape:
        raise ev.error(node, "a batch shape must be a tuple such as `(None, 28, 28, 1)`")
    return tuple(shape[1:])


@dataclass(eq=False)
class Tensor(Value):
    """A tensor of the network being built: a node of the graph (``None``: an unknown value reached it)."""

    names: KerasNames
    index: int | None
    what: str = "a tensor of the model"

    @property
    def shape(self) -> tuple[int, ...] | None:
        return None if self.index is None else self.names.graph[self.index].shape

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name == "shape":
            if self.shape is None:
                return Unknown.of(ev.segment(node), ev.location(node), "the shape after an unknown value")
            return (None, *self.shape)
        if name == "dtype":
            return "float32"
        return super().attribute(ev, name, node)

    def binary(self, ev: Evaluator, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
        if isinstance(op, ast.Add) and isinstance(a, Tensor) and isinstance(b, Tensor):
            layer = make_layer(ev, "Add", [], {}, _call_at(node))
            return ev.names.apply(ev, layer, [a, b], node)
        raise ev.error(node, "archcalc reads `+` of two tensors (an `Add` layer) and no other operator on tensors",
                       hint="write the operation as a Keras layer")


def _call_at(node: ast.AST) -> ast.Call:
    call = ast.Call(func=node, args=[], keywords=[])
    return ast.copy_location(call, node)


@dataclass(eq=False)
class InputFunction(Value):
    """``keras.Input(shape=...)``: a new input tensor."""

    what: str = "`keras.Input`"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        given = dict(zip(("shape", "batch_size", "name", "dtype"), args))
        given.update(kwargs)
        if "batch_shape" in given:
            shape = _drop_batch(ev, given["batch_shape"], node)
        elif "shape" in given:
            shape = given["shape"]
        else:
            if ev.names.input_shape is None:
                raise ev.error(node, "`Input` needs a shape", hint="write `keras.Input(shape=(224, 224, 3))`")
            shape = ev.names.input_shape
        return ev.names.new_input(ev, shape, node, ev.segment(node, 80))


@dataclass(eq=False)
class MergeFunction(Value):
    """``layers.add([a, b])``, ``layers.concatenate([a, b])``: a merge layer made and called at once."""

    class_name: str
    what: str = "a Keras merge function"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if not args:
            raise ev.error(node, f"`{ev.segment(node.func)}` needs a list of tensors")
        layer = make_layer(ev, self.class_name, [], kwargs, node)
        return ev.names.apply(ev, layer, args[0], node)


# -- models -------------------------------------------------------------------------------------
@dataclass(eq=False)
class SequentialClass(Value):
    what: str = "`keras.Sequential`"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        given = dict(zip(("layers", "trainable", "name"), args))
        given.update(kwargs)
        model = Sequential(ev.location(node), label=given.get("name") if isinstance(given.get("name"), str) else None)
        layers = given.get("layers")
        if isinstance(layers, Unknown):
            ev.need(layers, node, "reaches the layers of `Sequential`")
        elif layers is not None:
            if not isinstance(layers, (list, tuple)):
                raise ev.error(node, f"`Sequential` takes a list of layers, got {_kind(layers)}")
            for layer in layers:
                model.add(ev, layer, node)
        ev.names.models.append(model)
        return model


class _Model(Value):
    """What the models have in common: the methods that change nothing, being used as a layer."""

    used_as_layer = False
    label: str | None = None

    def no_op(self, name: str) -> Value:
        return Opaque(f"`model.{name}`")


class Sequential(_Model):
    """A ``Sequential`` model: its layers in order, and its input shape when the code gives one."""

    what = "a `Sequential` model"

    def __init__(self, location: Location, label: str | None = None) -> None:
        self.location = location
        self.label = label
        self.layers: list[Any] = []
        self.input_shape: Any = None
        self.input_where: ast.AST | None = None
        self.built_input: tuple[Tensor, Any] | None = None

    def add(self, ev: Evaluator, layer: Any, node: ast.AST) -> None:
        if isinstance(layer, Tensor) and layer.index is not None and ev.names.graph[layer.index].kind == "input" \
                and not self.layers and self.input_shape is None:
            self.input_shape, self.input_where = ev.names.graph[layer.index].args["shape"], node
            return
        if isinstance(layer, Layer) and layer.kind == "input":
            if self.layers or self.input_shape is not None:
                raise ev.error(node, "a second input in the same model", hint="an Input goes first")
            self.input_shape, self.input_where = layer.input_shape, node
            return
        if isinstance(layer, Unknown):
            ev.need(layer, node, "reaches the layers of `Sequential`")
            return
        if not isinstance(layer, (Layer, Sequential, FunctionalModel)) and not _is_layer_instance(layer):
            raise ev.error(node, f"`add` is given {_kind(layer)}, not a layer",
                           hint="write `model.add(layers.Dense(10))`")
        if isinstance(layer, _Model):
            layer.used_as_layer = True
        if isinstance(layer, Layer) and not self.layers and self.input_shape is None and layer.input_shape is not None:
            self.input_shape, self.input_where = layer.input_shape, node
        self.layers.append(layer)

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name == "add":
            return _Method(lambda ev, args, kwargs, n: self.add(ev, _one(ev, args, kwargs, n, "layer"), n))
        if name == "build":
            return _Method(lambda ev, args, kwargs, n: self.build(ev, _one(ev, args, kwargs, n, "input_shape"), n))
        if name == "pop":
            return _Method(lambda ev, args, kwargs, n: self.layers.pop() if self.layers else None)
        if name in MODEL_NO_OPS:
            return self.no_op(name)
        if name == "layers":
            return list(self.layers)
        return super().attribute(ev, name, node)

    def build(self, ev: Evaluator, shape: Any, node: ast.AST) -> None:
        self.input_shape, self.input_where = _drop_batch(ev, shape, node), node

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if len(args) != 1:
            raise ev.error(node, "a model is called on one tensor")
        self.used_as_layer = True
        x = args[0]
        if isinstance(x, Tensor) and x.index is not None and ev.names.graph[x.index].kind == "input" \
                and self.built_input is None:
            self.built_input = (x, None)
        for layer in self.layers:
            x = call_layer(ev, layer, x, node)
        if self.built_input is not None and self.built_input[1] is None and self.built_input[0] is args[0]:
            self.built_input = (args[0], x)
        return x

    def network(self, ev: Evaluator, names: KerasNames, name: str) -> Network | None:
        if not self.layers:
            return None
        shape = names.input_shape if names.input_shape is not None else self.input_shape
        if shape is None:
            if self.built_input is not None and self.built_input[1] is not None:
                x, out = self.built_input
                return names.extract(ev, name, x, out, self.location)
            first = self.layers[0]
            # Keras builds a Sequential from its first layer's `input_shape` when that is a built model
            # and another layer follows (`Sequential._maybe_rebuild`); `Sequential([m0])` alone stays unbuilt.
            if isinstance(first, _Model) and len(self.layers) > 1:
                shape = _built_input_shape(ev, first)
        if shape is None:
            if isinstance(first, _Model):
                var = next((v for v, value in ev.globals.names.items() if value is first), first.label)
                inner = f"the model `{var}`" if var else "a model"
                why = ("it is the only layer" if len(self.layers) == 1 else "that model has no input shape either")
                raise SpecError(f"the model `{name}` has no input shape: its first layer is {inner}, and {why}",
                                location=self.location,
                                hint="start the list with `keras.Input(shape=(28, 28, 1))`, or give `--input "
                                     "28x28x1` (Keras takes a model's input shape only when another layer follows)")
            written = f" before `{first.source}`" if isinstance(first, Layer) else ""
            raise SpecError(f"the model `{name}` has no input shape{written}",
                            location=getattr(first, "location", None)
                            or self.location,
                            hint="add `input_shape=(28, 28, 1)` to the first layer, start the list with "
                                 "`keras.Input(shape=(28, 28, 1))`, or give `--input 28x28x1`")
        where = self.input_where if self.input_where is not None else ast.Module(body=[], type_ignores=[])
        x = names.new_input(ev, shape, where, "input")
        if ev.needs:
            raise needs_error(ev, names.input_shape)
        out = x
        for layer in self.layers:
            out = call_layer(ev, layer, out, where)
        return names.extract(ev, name, x, out, self.location)


def call_layer(ev: Evaluator, layer: Any, x: Any, node: ast.AST) -> Any:
    if isinstance(layer, Layer):
        return ev.names.apply(ev, layer, x, node)
    if isinstance(layer, Value):
        return layer.call(ev, [x], {}, node if isinstance(node, ast.Call) else _call_at(node))
    raise ev.error(node, f"{_kind(layer)} is not a layer")


def _is_layer_instance(value: Any) -> bool:
    return isinstance(value, Instance) and isinstance(value.framework, SubclassState)


@dataclass(eq=False)
class _Method(Value):
    function: Any
    what: str = "a method of the model"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        return self.function(ev, args, kwargs, node)


def _one(ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.AST, name: str) -> Any:
    values = [*args, *kwargs.values()]
    if len(values) != 1:
        raise ev.error(node, f"this method takes one argument (`{name}`), got {len(values)}")
    return values[0]


@dataclass(eq=False)
class ModelClass(Value):
    what: str = "`keras.Model`"

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        given = dict(zip(("inputs", "outputs", "name"), args))
        given.update(kwargs)
        if "outputs" not in given or "inputs" not in given:
            raise ev.error(node, "`Model` needs its inputs and outputs", hint="write `Model(inputs, outputs)`")
        inputs, outputs = given["inputs"], given["outputs"]
        if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
            inputs = inputs[0]
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]
        for what, value in (("inputs", inputs), ("outputs", outputs)):
            if isinstance(value, Unknown):
                ev.need(value, node, f"reaches the {what} of `Model`")
            elif not isinstance(value, Tensor):
                raise ev.error(node, f"the {what} of `Model` are {_kind(value)}, not one tensor",
                               hint="archcalc analyses models with one input and one output")
        label = given.get("name") if isinstance(given.get("name"), str) else None
        model = FunctionalModel(ev.location(node), inputs, outputs, label)
        ev.names.models.append(model)
        return model


def _built_input_shape(ev: Evaluator, model: _Model) -> Any:
    """Keras' ``model.input_shape`` (without the batch axis), or ``None`` while Keras has not built the model.

    A ``Sequential`` is built by an ``Input`` or ``input_shape=`` followed by a layer, by ``build(shape)``, by a
    call on an ``Input``, or by a first layer that is itself a built model with another layer after it.
    Walked in a loop: models nest in models as deep as the code likes.
    """
    seen: set[int] = set()
    while isinstance(model, Sequential) and model.layers and id(model) not in seen:
        seen.add(id(model))
        if model.input_shape is not None:
            return model.input_shape
        if model.built_input is not None and model.built_input[0].index is not None:
            return ev.names.graph[model.built_input[0].index].args["shape"]
        if len(model.layers) < 2 or not isinstance(model.layers[0], _Model):
            return None
        model = model.layers[0]
    if isinstance(model, FunctionalModel) and isinstance(model.inputs, Tensor) and model.inputs.index is not None:
        return ev.names.graph[model.inputs.index].args["shape"]
    return None


class FunctionalModel(_Model):
    """``keras.Model(inputs, outputs)``."""

    what = "a functional model"

    def __init__(self, location: Location, inputs: Any, outputs: Any, label: str | None) -> None:
        self.location, self.inputs, self.outputs, self.label = location, inputs, outputs, label

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name in MODEL_NO_OPS:
            return self.no_op(name)
        if name in ("output", "outputs"):
            return self.outputs
        if name in ("input", "inputs"):
            return self.inputs
        return super().attribute(ev, name, node)

    def call(self, ev: Evaluator, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        """Used as a layer: its layers applied again to the new tensor (their weights shared)."""
        if len(args) != 1 or not isinstance(args[0], Tensor):
            raise ev.error(node, "a model is called on one tensor")
        self.used_as_layer = True
        names: KerasNames = ev.names
        if not isinstance(self.inputs, Tensor) or not isinstance(self.outputs, Tensor) or self.outputs.index is None:
            return Tensor(names, None)
        keep: set[int] = set()
        stack = [self.outputs.index]
        while stack:
            i = stack.pop()
            if i is not None and i not in keep:
                keep.add(i)
                stack.extend(names.graph[i].parents)
        mapping: dict[int, Tensor] = {self.inputs.index: args[0]}  # type: ignore[dict-item]
        for i in sorted(keep):
            g = names.graph[i]
            if g.kind == "input":
                if i not in mapping:
                    raise ev.error(node, "the model called here has more than one input")
                continue
            parents = [mapping[p] for p in g.parents]
            mapping[i] = names.apply(ev, g.layer, parents if len(parents) > 1 else parents[0], node)  # type: ignore[arg-type]
        return mapping[self.outputs.index]

    def network(self, ev: Evaluator, names: KerasNames, name: str) -> Network | None:
        if isinstance(self.inputs, Tensor) and self.inputs.index is None:
            return None
        return names.extract(ev, name, self.inputs, self.outputs, self.location)


# -- subclasses of keras.Model and keras.layers.Layer --------------------------------------------
@dataclass(eq=False)
class SubclassBase:
    """``keras.Model`` or ``keras.layers.Layer`` as the base of a class of the file."""

    names: KerasNames
    model: bool

    def new_instance(self, ev: Evaluator, instance: Instance, node: ast.AST) -> SubclassState:
        state = SubclassState(self.names, self.model, instance, ev.location(node))
        if self.model:
            self.names.models.append(instance)
        return state

    def init(self, ev: Evaluator, instance: Instance, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> None:
        return None

    def super_attribute(self, ev: Evaluator, instance: Any, name: str, node: ast.AST) -> Any:
        if name in ("__init__", "build"):
            return NoOp(f"`super().{name}`")
        raise ev.error(node, f"archcalc does not read `super().{name}` of a Keras class")


@dataclass(eq=False)
class SubclassState:
    """What the names table keeps about an object of a Keras subclass: the input it was built on."""

    names: KerasNames
    model: bool
    instance: Instance
    location: Location
    built: tuple[Tensor, Any] | None = None
    used_as_layer: bool = False
    calling: int = field(default=0)

    def attribute(self, ev: Evaluator, instance: Instance, name: str, node: ast.AST) -> Any:
        if name == "build" and self.model:
            return _Method(lambda ev, args, kwargs, n: self.build(ev, _one(ev, args, kwargs, n, "input_shape"), n))
        if name in MODEL_NO_OPS:
            return Opaque(f"`{name}`")
        if name in ("add_weight", "add_variable"):
            raise ev.error(node, f"archcalc cannot count the weights that `{name}` creates",
                           hint="build the layer from Keras layers, which archcalc counts")
        raise ev.error(node, f"the `{instance.cls.name}` object has no attribute `{name}` that archcalc knows")

    def set_attribute(self, ev: Evaluator, instance: Instance, name: str, value: Any, node: ast.AST) -> None:
        if name == "trainable":
            raise ev.error(node, "archcalc does not read `trainable` set on a model: it counts every weight as "
                                 "trainable", hint="leave the line out; the total does not change")

    def build(self, ev: Evaluator, shape: Any, node: ast.Call) -> None:
        x = self.names.new_input(ev, _drop_batch(ev, shape, node), node, "input")
        out = self.call(ev, self.instance, [x], {}, node)
        self.built = (x, out)

    def call(self, ev: Evaluator, instance: Instance, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        method = instance.cls.lookup("call")
        from .values import Function

        if not isinstance(method, Function):
            raise ev.error(node, f"the class `{instance.cls.name}` has no `call` method",
                           hint="define `def call(self, inputs):` returning the output tensor")
        if instance.cls.lookup("build") is not MISSING:
            raise ev.error(node, f"archcalc does not read the `build` method of `{instance.cls.name}` (weights made "
                                 "there are not layers it can count)",
                           hint="create the layers in `__init__` and use them in `call`")
        kwargs = {k: v for k, v in kwargs.items() if k not in ("training", "mask")}
        x = args[0] if args else None
        out = ev.call_function(method, [instance, *args], kwargs, node)
        if self.model and self.built is None and isinstance(x, Tensor) and x.index is not None \
                and ev.names.graph[x.index].kind == "input":
            self.built = (x, out)
        elif self.calling == 0:
            self.used_as_layer = True
        return out

    def network(self, ev: Evaluator, names: KerasNames, name: str) -> Network | None:
        if names.input_shape is not None and self.built is None:
            self.build(ev, (None, *names.input_shape), _call_at(ast.Module(body=[], type_ignores=[])))
        if self.built is None:
            raise SpecError(f"the model `{name}` ({self.instance.cls.name}) is never built, so its input shape is "
                            "unknown", location=self.location,
                            hint=f"call `{name}.build((None, 28, 28, 1))` or `{name}(keras.Input(shape=(28, 28, 1)))`"
                                 ", or give `--input 28x28x1`")
        if ev.needs:
            raise needs_error(ev, names.input_shape)
        return names.extract(ev, name, self.built[0], self.built[1], self.location)


def _instance_network(self: Instance, ev: Evaluator, names: KerasNames, name: str) -> Network | None:
    return self.framework.network(ev, names, name)


# Instances of Keras subclasses take part in the list of models like the others.
Instance.network = _instance_network  # type: ignore[attr-defined]
Instance.label = None  # type: ignore[attr-defined]
Instance.used_as_layer = property(  # type: ignore[attr-defined]
    lambda self: bool(self.framework and self.framework.used_as_layer))


# -- the entry ----------------------------------------------------------------------------------
def read(text: str, path: str = "<text>", *, defines: dict[str, Any] | None = None,
         input_shape: tuple[int, ...] | None = None) -> list[Network]:
    """Evaluate Keras code and return one network per model it builds.

    Raises:
        SpecError: with file, line and column, for everything that cannot be read exactly.
    """
    tree = parse(text, path)
    names = KerasNames(input_shape)
    ev = Evaluator(text, path, names, defines)
    ev.run(tree)
    try:
        networks = names.networks(ev)
    except RecursionError:  # models nested in models, read on a small stack
        raise ev.too_deep() from None
    if not networks:
        raise SpecError(f"{path}: found no Keras model",
                        hint="paste the `Sequential([...])` list, the `model.add(...)` lines, or the functional "
                             "`x = layers.Conv2D(...)(x)` lines ending in `keras.Model(inputs, outputs)`")
    return networks
