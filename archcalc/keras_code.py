"""The Keras notation: the ``Sequential([...])`` list or ``model.add(...)`` lines of a notebook.

The code is read with :mod:`ast` and never executed. Layer calls are matched by their class name
whatever the prefix (``tf.keras.layers.Conv2D``, ``layers.Conv2D``, ``pooling.MaxPooling2D``,
``Conv2D``); their arguments are bound to Keras' own signature and defaults. Names assigned a
literal at the top level (``num_classes = 10``) are looked up; any other variable is an error
that names it. Statements that are not about layers (imports, ``compile``, ``fit``) are skipped.

>>> code = "model = Sequential([Conv2D(8, 3, input_shape=(28, 28, 1)), Flatten(), Dense(10)])"
>>> [n.kind for n in parse_keras(code)[0].nodes]
['input', 'conv', 'flatten', 'dense']
"""

from __future__ import annotations

import ast
import re
from typing import Any

from . import kinds as K
from .errors import Location, SpecError
from .graph import canonical
from .network import Network, Node
from .values import BadValue, integer_list

_LOOKS_LIKE_KERAS = re.compile(
    r"\b(Sequential|Conv2D|Dense|MaxPool(?:ing)?2D|Flatten|Dropout|InputLayer|Input|"
    r"BatchNormalization|AveragePooling2D|GlobalAveragePooling2D)\(|\.add\s*\(")


def looks_like_keras(text: str) -> bool:
    """Whether a text is Keras code rather than the paper notation.

    >>> looks_like_keras("model.add(Dense(10))"), looks_like_keras("conv3-64\\nFC-10")
    (True, False)
    """
    code = re.sub(r"#.*", "", text)  # `Dense(10)` in a comment of a paper spec is not Keras code
    return bool(_LOOKS_LIKE_KERAS.search(code))


class _Source:
    """The text with helpers to turn ast positions (UTF-8 byte offsets) into Locations."""

    def __init__(self, text: str, path: str) -> None:
        self.path, self.lines = path, text.splitlines() or [""]

    def loc(self, node: ast.AST) -> Location:
        line = getattr(node, "lineno", 1)
        text = self.lines[line - 1] if line <= len(self.lines) else ""
        raw = text.encode()
        col = len(raw[: getattr(node, "col_offset", 0)].decode(errors="replace")) + 1
        end_line, end = getattr(node, "end_lineno", line), getattr(node, "end_col_offset", None)
        if end is not None and end_line == line:
            length = len(raw[:end].decode(errors="replace")) + 1 - col
        else:
            length = len(text) - col + 1
        return Location(self.path, line, col, text, max(1, length))

    def error(self, node: ast.AST, message: str, hint: str | None = None) -> SpecError:
        return SpecError(message, location=self.loc(node), hint=hint)


def _call_name(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return None


class _Reader:
    def __init__(self, src: _Source, tree: ast.Module) -> None:
        self.src = src
        # Top-level `name = literal` assignments, so that `Dense(num_classes)` can be read.
        self.constants: dict[str, Any] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                try:
                    self.constants[stmt.targets[0].id] = self.literal(stmt.value)
                except SpecError:
                    pass

    def literal(self, node: ast.AST, *, activation: bool = False) -> Any:
        """A Python literal, safely: constants, tuples, lists, arithmetic, known constant names."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.Tuple, ast.List)):
            return tuple(self.literal(e, activation=activation) for e in node.elts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = self.literal(node.operand)
            if isinstance(v, (int, float)):
                return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)):
            a, b = self.literal(node.left), self.literal(node.right)
            if isinstance(a, int) and isinstance(b, int) and not (isinstance(node.op, ast.FloorDiv) and b == 0):
                return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}.get(type(node.op)) \
                    if not isinstance(node.op, ast.FloorDiv) else a // b
        if activation and isinstance(node, (ast.Name, ast.Attribute)):
            # activation=tf.nn.relu or activation=relu: the function's name is what matters.
            name = node.attr if isinstance(node, ast.Attribute) else node.id
            if name.lower() in K.ACTIVATIONS or name.lower() == "softmax":
                return name.lower()
        if isinstance(node, ast.Name):
            if node.id in self.constants:
                return self.constants[node.id]
            raise self.src.error(
                node, f"uses the variable `{node.id}`, which archcalc cannot know without running the code",
                f"write its value instead, e.g. `{_example_for(node.id, activation)}`, or assign it a literal "
                f"at the top of the file (`{node.id} = ...`)")
        segment = ast.unparse(node) if hasattr(ast, "unparse") else "this expression"
        raise self.src.error(node, f"cannot read `{segment}` without running the code",
                             "write a plain number, string or tuple")

    # -- the layers --------------------------------------------------------------------------
    def layer(self, call: ast.Call) -> tuple[Node, tuple[int, ...] | None]:
        """A layer call → (node, input shape given by ``input_shape=`` if any)."""
        name = _call_name(call) or "?"
        if name not in K.KERAS_NAMES:
            import difflib

            close = difflib.get_close_matches(name, list(K.KERAS_NAMES), n=1)
            raise self.src.error(call.func, f"unknown Keras layer `{name}`",
                                 f"did you mean `{close[0]}`?" if close else
                                 "archcalc reads: " + ", ".join(sorted(set(K.KERAS_NAMES))[:12]) + ", …")
        kind_name, preset = K.KERAS_NAMES[name]
        kind = K.KINDS[kind_name]
        params = list(kind.keras_params)
        args: dict[str, Any] = {**kind.defaults, **kind.keras_defaults, **preset}
        given: dict[str, ast.AST] = {}
        if kind_name == "input":
            given = dict(zip(("shape",), call.args))
            given.update({kw.arg: kw.value for kw in call.keywords if kw.arg})
            return self._input(call, name, given), None
        if len(call.args) > len(params):
            raise self.src.error(call.args[len(params)],
                                 f"`{name}` takes at most {len(params)} positional arguments",
                                 f"its arguments are: {', '.join(params)}")
        for pname, value in zip(params, call.args):
            given[pname] = value
        input_shape = None
        for kw in call.keywords:
            if kw.arg is None:
                raise self.src.error(kw.value, "cannot read `**kwargs` without running the code",
                                     "write the arguments out")
            if kw.arg in given:
                raise self.src.error(kw, f"`{kw.arg}` is given twice")
            given[kw.arg] = kw.value
        if kind_name == "input":
            return self._input(call, name, given), None
        for pname, value in given.items():
            if pname in ("input_shape", "batch_input_shape"):
                shape = self.literal(value)
                try:
                    if pname == "batch_input_shape":
                        if not isinstance(shape, tuple):
                            raise BadValue(f"{pname} must be a tuple such as `(None, 28, 28, 1)`")
                        shape = shape[1:]
                    shape = integer_list(shape, pname)
                except BadValue as e:
                    raise self.src.error(value, e.message, e.hint) from None
                input_shape = shape
                continue
            spec = kind.keras_params.get(pname)
            if spec is None:
                if pname in kind.keras_params or pname in K.KERAS_IGNORED:
                    continue  # accepted by Keras, changes no number
                import difflib

                close = difflib.get_close_matches(pname, [*params, "input_shape"], n=1)
                raise self.src.error(value, f"`{name}` has no argument `{pname}`",
                                     f"did you mean `{close[0]}`?" if close else
                                     f"its arguments are: {', '.join(params)}")
            arg, convert = spec
            raw = self.literal(value, activation=(arg in ("activation", "function")))
            try:
                converted = convert(raw)
            except BadValue as e:
                raise self.src.error(value, e.message, e.hint) from None
            if arg != "_":
                args[arg] = converted
        if kind_name in ("maxpool", "avgpool") and args.get("strides") is None:
            args["strides"] = args["pool"]  # Keras: strides=None means the pool size
        for arg in kind.required:
            if arg not in args:
                keras_arg = next((p for p, s in kind.keras_params.items() if s and s[0] == arg), arg)
                raise self.src.error(call, f"`{name}` needs `{keras_arg}`",
                                     f"write e.g. `{name}({_keras_example(kind_name)})`")
        segment = self.src.lines[call.lineno - 1].strip() if call.lineno <= len(self.src.lines) else name
        return Node(kind_name, args, (), self.src.loc(call.func), segment), input_shape

    def _input(self, call: ast.Call, name: str, given: dict[str, ast.AST]) -> Node:
        value = None
        for key in ("shape", "input_shape", "batch_shape", "batch_input_shape"):
            if key in given:
                value = self.literal(given[key])
                if key.startswith("batch"):
                    if not isinstance(value, tuple):
                        raise self.src.error(given[key], f"{key} must be a tuple such as `(None, 28, 28, 1)`")
                    value = value[1:]
                break
        else:
            if call.args:
                value = self.literal(call.args[0])
        if value is None:
            raise self.src.error(call, f"`{name}` needs a shape", f"write `{name}(shape=(224, 224, 3))`")
        try:
            shape = integer_list(value, "the input shape")
        except BadValue as e:
            raise self.src.error(call, e.message, e.hint) from None
        return Node("input", {"shape": _as_image(shape)}, (), self.src.loc(call.func), name)


def _as_image(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (*shape, 1) if len(shape) == 2 else shape


def _example_for(variable: str, activation: bool = False) -> str:
    v = variable.lower()
    if activation:
        return "'relu'"
    if "shape" in v:
        return f"{variable}=(28, 28, 1)" if "input" in v else "(28, 28, 1)"
    if "class" in v:
        return "Dense(10)"
    return "64"


def _keras_example(kind: str) -> str:
    return {"conv": "32, (3, 3)", "separable": "64, (3, 3)", "depthwise": "(3, 3)",
            "dense": "128", "dropout": "0.5", "activation": "'relu'"}.get(kind, "")


def _parse_module(text: str, src: _Source) -> ast.Module:
    """Parse the code; notebook leftovers (``%magic``, output lines) are dropped if they break it."""
    import warnings

    try:
        with warnings.catch_warnings():  # "invalid decimal literal" warnings on non-code lines
            warnings.simplefilter("ignore", SyntaxWarning)
            return ast.parse(text)
    except SyntaxError:
        pass
    # Keep only the statements about the model: each `...Sequential(` or `.add(` up to where its
    # brackets close, plus top-level literal assignments. Other lines become blank (line numbers stay).
    lines = text.splitlines()
    keep = [False] * len(lines)
    i = 0
    while i < len(lines):
        if re.search(r"Sequential\s*\(|\.add\s*\(|^\s*[A-Za-z_]\w*\s*=\s*[\d(\[]", lines[i]):
            depth, j = 0, i
            while j < len(lines):
                depth += sum(lines[j].count(c) for c in "([{") - sum(lines[j].count(c) for c in ")]}")
                keep[j] = True
                if depth <= 0:
                    break
                j += 1
            i = j + 1
        else:
            i += 1
    kept = "\n".join(line if k else "" for line, k in zip(lines, keep))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            return ast.parse(kept)
    except SyntaxError as e:
        line = e.lineno or 1
        text_line = lines[line - 1] if line <= len(lines) else ""
        raise SpecError(f"the Keras code does not parse: {e.msg}",
                        location=Location(src.path, line, e.offset or 1, text_line, 1),
                        hint="fix the Python syntax on that line (a missing comma or bracket?)") from None


def parse_keras(text: str, path: str = "<text>") -> list[Network]:
    """Read the Keras models of a piece of code: each ``Sequential(...)`` is one network.

    ``model.add(layer)`` appends to the model last assigned to that variable name.

    Raises:
        SpecError: with file, line and column, for unknown layers, unreadable arguments,
            variables and a missing input shape.
    """
    try:
        return _parse_keras(text, path)
    except RecursionError:
        raise SpecError(f"{path}: an expression is nested too deeply to read",
                        hint="write plain numbers instead of long arithmetic") from None


def _parse_keras(text: str, path: str) -> list[Network]:
    src = _Source(text, path)
    tree = _parse_module(text, src)
    reader = _Reader(src, tree)
    models: list[dict[str, Any]] = []  # {"name", "calls", "where"}
    by_var: dict[str, dict[str, Any]] = {}

    def new_model(call: ast.Call, var: str | None) -> dict[str, Any]:
        name = var or "model"
        for kw in call.keywords:
            if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                name = str(kw.value.value)
        name = re.sub(r"[^\w.-]+", "_", name) or "model"  # a spec's network name is one word
        taken = {m["name"] for m in models}
        base, n = name, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        model = {"name": name, "calls": [], "where": call}
        models.append(model)
        if var:
            by_var[var] = model
        layers = call.args[0] if call.args else next(
            (kw.value for kw in call.keywords if kw.arg == "layers"), None)
        if isinstance(layers, (ast.List, ast.Tuple)):
            for element in layers.elts:
                if not isinstance(element, ast.Call):
                    raise src.error(element, "each element of the Sequential list must be a layer call",
                                    "write e.g. `Dense(10)`")
                model["calls"].append(element)
        return model

    for node in sorted(ast.walk(tree), key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and _call_name(node.value) == "Sequential":
            var = node.targets[0].id if isinstance(node.targets[0], ast.Name) else None
            new_model(node.value, var)
            node.value._archcalc_seen = True  # type: ignore[attr-defined]
        elif isinstance(node, ast.Call) and _call_name(node) == "Sequential" \
                and not getattr(node, "_archcalc_seen", False):
            new_model(node, None)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add":
            receiver = node.func.value.id if isinstance(node.func.value, ast.Name) else None
            model = by_var.get(receiver) if receiver else None
            if model is None and not (node.args and isinstance(node.args[0], ast.Call)):
                continue  # `seen.add("x")`: a set's add, not a model's (those are given a layer call)
            if model is None:  # `model.add` with no `model = Sequential()` seen: one model for them all
                model = models[-1] if models else new_model(node, receiver)
            if len(node.args) != 1 or not isinstance(node.args[0], ast.Call):
                raise src.error(node, "`add(...)` must be given one layer call", "write `model.add(Dense(10))`")
            model["calls"].append(node.args[0])

    networks = [_network(reader, m, path) for m in models if m["calls"]]
    networks += _functional(reader, tree, {n.name for n in networks})
    if not networks:
        raise SpecError(f"{path}: found no Keras layers",
                        hint="paste the `Sequential([...])` list, the `model.add(...)` lines, or the "
                             "functional `x = layers.Conv2D(...)(x)` lines")
    return networks


def _network(reader: _Reader, model: dict[str, Any], path: str) -> Network:
    nodes: list[Node] = []
    for call in model["calls"]:
        node, input_shape = reader.layer(call)
        if node.kind == "input":
            if nodes:
                raise reader.src.error(call, "a second input in the same model",
                                       "an Input goes first in the Sequential list")
            nodes.append(node)
            continue
        if input_shape is not None and not nodes:
            nodes.append(Node("input", {"shape": _as_image(input_shape)}, (), node.location, "input_shape"))
        if not nodes:
            first = ast.get_source_segment("\n".join(reader.src.lines), call) or node.source
            raise reader.src.error(call, f"the model has no input shape before `{first}`",
                                   "add `input_shape=(28, 28, 1)` to the first layer, or start the list "
                                   "with `keras.Input(shape=(28, 28, 1))`")
        nodes.append(node)
    chained = [Node(n.kind, n.args, (i - 1,) if i else (), n.location, n.source) for i, n in enumerate(nodes)]
    return Network(model["name"], chained, reader.src.loc(model["where"]), "keras")


# -- the functional API ---------------------------------------------------------------------------
_MERGE_FUNCTIONS = {"add": "Add", "concatenate": "Concatenate"}  # keras.layers.add([a, b])


def _functional(reader: _Reader, tree: ast.Module, taken: set[str]) -> list[Network]:
    """The functional models of the code: ``x = keras.Input(...)``, ``y = layers.Conv2D(...)(x)``,
    ``z = layers.Add()([x, y])``, ``model = keras.Model(x, z)``. Each ``Input`` starts a graph;
    each ``Model(...)`` (or the end of the code) closes it, keeping the layers its output needs."""
    src = reader.src
    networks: list[Network] = []
    nodes: list[Node] = []
    tensors: dict[str, int] = {}

    def parent(ref: ast.AST) -> int:
        if isinstance(ref, ast.Name) and ref.id in tensors:
            return tensors[ref.id]
        what = ast.unparse(ref) if hasattr(ast, "unparse") else "this"
        raise src.error(ref, f"`{what}` is not a tensor of this model",
                        "pass the variable a previous layer call was assigned to, e.g. `(x)`")

    def close(where: ast.AST, output: int, name: str | None) -> None:
        keep, stack = set(), [output]
        while stack:  # the layers the output depends on
            i = stack.pop()
            if i not in keep:
                keep.add(i)
                stack.extend(nodes[i].inputs)
        order = sorted(keep)
        new = {old: n for n, old in enumerate(order)}
        kept = [Node(nodes[i].kind, nodes[i].args, tuple(new[p] for p in nodes[i].inputs), nodes[i].location,
                     nodes[i].source) for i in order]
        base = re.sub(r"[^\w.-]+", "_", name or "model") or "model"
        unique, n = base, 2
        while unique in taken:
            unique, n = f"{base}_{n}", n + 1
        taken.add(unique)
        network = Network(unique, kept, src.loc(where), "keras")
        try:  # number the layers as the paper notation would, each branch with its heading
            network = canonical(network)[0]
        except SpecError:
            pass  # branches that do not nest: analysed as written, without headings
        networks.append(network)

    statements = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Assign)),
                        key=lambda n: (n.lineno, n.col_offset))
    for stmt in statements:
        call = stmt.value
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            continue
        var = stmt.targets[0].id
        if isinstance(call, ast.Name) and call.id in tensors:  # `shortcut = x`: another name for a tensor
            tensors[var] = tensors[call.id]
            continue
        if not isinstance(call, ast.Call):
            continue
        name = _call_name(call) if not isinstance(call.func, ast.Call) else None
        if name in ("Input", "InputLayer"):
            node, _ = reader.layer(call)
            nodes, tensors = [node], {var: 0}
        elif not nodes:
            continue
        elif isinstance(call.func, ast.Call) and _call_name(call.func) not in (None, "Sequential"):
            if len(call.args) != 1:
                raise src.error(call, "a layer is called on one tensor, or on a list of them for a merge",
                                "write e.g. `layers.Conv2D(32, 3)(x)` or `layers.Add()([x, y])`")
            node, _ = reader.layer(call.func)
            arg = call.args[0]
            parents = [parent(a) for a in arg.elts] if isinstance(arg, (ast.List, ast.Tuple)) else [parent(arg)]
            merge = K.KINDS[node.kind].inputs != 1
            if merge != (len(parents) > 1) or (merge and not isinstance(arg, (ast.List, ast.Tuple))):
                raise src.error(arg, f"`{_call_name(call.func)}` takes "
                                + ("a list of tensors" if merge else "one tensor"),
                                "a merge takes `([x, y])`, any other layer `(x)`")
            nodes.append(Node(node.kind, node.args, tuple(parents), node.location, node.source))
            tensors[var] = len(nodes) - 1
        elif name in _MERGE_FUNCTIONS and call.args and isinstance(call.args[0], (ast.List, ast.Tuple)):
            kind_name, preset = K.KERAS_NAMES[_MERGE_FUNCTIONS[name]]
            nodes.append(Node(kind_name, dict(preset), tuple(parent(a) for a in call.args[0].elts),
                              src.loc(call.func), src.lines[call.lineno - 1].strip()))
            tensors[var] = len(nodes) - 1
        elif name in ("Model", "Functional"):
            given = dict(zip(("inputs", "outputs"), call.args))
            given.update({kw.arg: kw.value for kw in call.keywords if kw.arg})
            if "outputs" not in given:
                raise src.error(call, f"`{name}` needs its outputs", f"write `{name}(inputs, outputs)`")
            label = given.get("name")
            close(call, parent(given["outputs"]),
                  str(label.value) if isinstance(label, ast.Constant) else var)
            nodes, tensors = [], {}
    if len(nodes) > 1:  # layers after the last Model(...), or no Model(...) at all
        close(statements[-1], len(nodes) - 1, None)
    return networks
