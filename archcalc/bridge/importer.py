"""``archcalc import``: a Keras model into archcalc's notation.

A model comes from a ``.keras``/``.h5`` file or from ``keras.applications.NAME`` (built with
``weights=None``: nothing is downloaded). Each Keras layer becomes a node of the kind that
:data:`archcalc.kinds.KERAS_NAMES` names for its class, its options read from the layer's config
through the kind's own ``keras_params`` converters, the same table the Keras-code reader uses.

The helper layers that ``archcalc export`` inserts (``<layer>_flatten`` before a paper FC layer,
``<layer>_pad`` before a layer padded by a number of pixels) are folded back into their row, so
that importing an export gives the analysis of the original spec.

The result is checked against the live model before it is returned: every row's output shape and
parameter count must equal Keras'. A layer archcalc cannot express is never dropped: all such
layers are listed in one :class:`~archcalc.errors.KerasError`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .. import kinds as K
from ..analysis import Analysis, analyze_network
from ..errors import KerasError, SourceError, SpecError
from ..graph import canonical
from ..network import Network, Node
from ..values import BadValue
from .tf import keras

_MERGES = {"Add", "Concatenate", "Multiply", "Subtract", "Average", "Maximum", "Minimum", "Dot"}
_APPLICATION_PREFIXES = ("keras.applications.", "tf.keras.applications.", "applications.")


@dataclass
class Imported:
    """A Keras model read into archcalc.

    Attributes:
        network: the network, in archcalc's terms.
        keras_names: for each row, the Keras layers it stands for (helpers folded in come first).
        source: where the model came from (a path or ``keras.applications.VGG16``).
        notes: what the user should know (frozen layers, ...).
        model: the live Keras model.
    """

    network: Network
    keras_names: list[list[str]]
    source: str
    notes: list[str] = field(default_factory=list)
    model: Any = None
    objects: dict[str, Any] = field(default_factory=dict)  # Keras layer (or operation) by name


def _output_shape(obj: Any) -> tuple[int, ...]:
    """The output shape of a layer or an operation of a functional graph, without the batch."""
    try:
        out = obj.output
    except (AttributeError, ValueError):  # an operation, or a layer called more than once
        out = obj._inbound_nodes[-1].output_tensors[0]
    return tuple(int(d) for d in out.shape[1:])


def application_names() -> list[str]:
    """The model constructors of ``keras.applications`` (``VGG16``, ``ResNet50``, ...)."""
    apps = keras().applications
    return sorted(n for n in dir(apps) if n[:1].isupper() and callable(getattr(apps, n)))


def load_model(ref: str) -> tuple[Any, str]:
    """A Keras model from a file or ``keras.applications.NAME``, and how to name its source."""
    name = next((ref[len(p):] for p in _APPLICATION_PREFIXES if ref.startswith(p)), None)
    path = Path(ref)
    if name is None and not path.exists() and ref in application_names():
        name = ref
    if name is not None:
        k = keras()
        names = application_names()
        name = next((n for n in names if n.lower() == name.lower()), name)  # keras.applications.vgg16
        if name not in names:
            import difflib

            close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
            raise SourceError(f"keras.applications has no model `{name}`",
                              hint=f"did you mean `keras.applications.{close[0]}`?" if close else
                              "it has: " + ", ".join(names[:10]) + ", …")
        # weights=None: the architecture only, with fresh weights; nothing is downloaded.
        model = getattr(k.applications, name)(weights=None)
        if any(d is None for d in model.input_shape[1:]):
            # MobileNetV3 leaves the image size open by default: take the size it was trained at.
            return (getattr(k.applications, name)(weights=None, input_shape=(224, 224, 3)),
                    f"keras.applications.{name}(input_shape=(224, 224, 3))")
        return model, f"keras.applications.{name}"
    if not path.exists():
        raise SourceError(f"no such model file: `{ref}`",
                          hint="give a .keras or .h5 file, or `keras.applications.VGG16`")
    if path.is_dir():
        raise SourceError(f"`{ref}` is a folder (a TensorFlow SavedModel?)",
                          hint="archcalc reads .keras and .h5 files; in Keras, `model.save('model.keras')`")
    if path.suffix.lower() not in (".keras", ".h5", ".hdf5"):
        raise SourceError(f"`{ref}` is not a Keras model file (.keras or .h5)",
                          hint="to read a spec or Keras code, use `archcalc summary`")
    if not path.is_file():  # a FIFO would block the zip test below forever, /dev/zero never end
        raise SourceError(f"`{ref}` is not a regular file (a pipe or a device?), not a Keras model file",
                          hint="save the model to a file: in Keras, `model.save('model.keras')`")
    import zipfile

    if path.suffix.lower() == ".keras" and not zipfile.is_zipfile(path):
        # Keras would say "File not found" of a file that is there but is not a zip archive.
        raise SourceError(f"`{ref}` is not a .keras file: a .keras file is a zip archive, this one is not",
                          hint="was it truncated, or saved under the wrong name? In Keras: model.save('model.keras')")
    if path.suffix.lower() == ".keras":
        _check_config_size(path, ref)
    from .layers import CUSTOM_OBJECTS

    k = keras()
    try:
        model = k.models.load_model(path, compile=False, custom_objects=CUSTOM_OBJECTS)
    except Exception as e:  # Keras raises many types for a bad file; all mean "cannot read it"
        raise SourceError(f"Keras cannot load `{ref}`: {type(e).__name__}: {str(e).splitlines()[0][:300]}",
                          hint="is it a complete .keras/.h5 file written by Keras 3 or tf.keras?") from None
    return model, str(path)


def _check_config_size(path: Path, ref: str) -> None:
    """Refuse a .keras archive whose JSON (the model's description) unpacks to more than MAX_MODEL_CONFIG_BYTES,
    before Keras reads it whole: 1.5 MB of zip held 1.5 GB of config and took Keras 42 s and 5 GB."""
    import zipfile

    from ..limits import MAX_MODEL_CONFIG_BYTES

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise SourceError(f"`{ref}` is not a .keras file: {e}",
                          hint="was it truncated? In Keras: model.save('model.keras')") from None
    for info in members:
        if info.filename.endswith(".json") and info.file_size > MAX_MODEL_CONFIG_BYTES:
            raise SourceError(f"`{ref}` holds `{info.filename}` of {info.file_size:,} bytes once unpacked, more than "
                              f"a model's description archcalc reads ({MAX_MODEL_CONFIG_BYTES:,} bytes, "
                              "MAX_MODEL_CONFIG_BYTES)", hint="a model's config.json is a few megabytes at most: "
                                                              "is this a model saved by Keras?")


def _parents(entry: dict[str, Any]) -> list[str]:
    """Names of the layers whose outputs feed a functional model's layer (from its config)."""
    found: list[str] = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            history = x.get("config", {}).get("keras_history") if isinstance(x.get("config"), dict) else None
            if x.get("class_name") == "__keras_tensor__" and history:
                found.append(history[0])
                return
            for v in x.values():
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)

    walk(entry.get("inbound_nodes", []))
    return found


class _ScalarOp:
    """``x + 3.0`` or ``x * (1/6)`` in a functional graph (MobileNetV3's hard sigmoid): the same
    numbers as Keras' ``Rescaling(scale, offset)``, and read as one. No weights."""

    _AS = {"Add": lambda c: (1.0, c), "Subtract": lambda c: (1.0, -c), "Multiply": lambda c: (c, 0.0),
           "TrueDivide": lambda c: (1.0 / c, 0.0), "Divide": lambda c: (1.0 / c, 0.0)}

    def __init__(self, op: Any, scale: float, offset: float) -> None:
        self.op, self.scale, self.offset = op, scale, offset
        self._inbound_nodes = op._inbound_nodes

    @classmethod
    def of(cls, op: Any, entry: dict[str, Any]) -> _ScalarOp | None:
        """The op as a rescaling when it is one: a tensor first, a number second."""
        name = type(op).__name__
        if hasattr(op, "weights") or name not in cls._AS or not entry.get("inbound_nodes"):
            return None
        call = entry["inbound_nodes"][0].get("args", ())
        if (len(call) != 2 or not isinstance(call[0], dict) or isinstance(call[1], bool)
                or not isinstance(call[1], (int, float)) or (name in ("TrueDivide", "Divide") and not call[1])):
            return None
        scale, offset = cls._AS[name](float(call[1]))
        return cls(op, scale, offset)

    def get_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "offset": self.offset}

    weights: ClassVar[list[Any]] = []
    trainable_weights: ClassVar[list[Any]] = []
    trainable = True


def _layer_entries(model: Any) -> tuple[tuple[int, ...], set[str], list[tuple[Any, str, list[str]]]]:
    """The input shape, the input layers' names, and the layers in topological order, each with
    its name and its parents' names.

    A functional model's graph may hold operations that are not layers (ConvNeXt's ``inputs + x``
    is ``keras.ops.add``): they come as entries too. A ``Sequential`` used as a layer (ConvNeXt's
    stem) is opened into its layers.
    """
    config = model.get_config()
    dims = model.input_shape[1:] if not isinstance(model.input_shape, list) else None
    if dims is None or any(d is None for d in dims):
        raise KerasError(f"the model's input shape {model.input_shape} is not one fixed image or vector",
                         hint="archcalc analyses one input of a known size; rebuild the model with e.g. "
                              "input_shape=(224, 224, 3)")
    shape = tuple(int(d) for d in dims)
    objects = {op.name: op for op in getattr(model, "operations", model.layers)}
    entries: list[tuple[Any, str, list[str]]] = []
    if "input_layers" in config:  # functional
        inputs = config["input_layers"]
        inputs = [inputs] if inputs and isinstance(inputs[0], str) else inputs
        input_names = {i[0] for i in inputs}
        if len(input_names) != 1:
            raise KerasError(f"the model has {len(input_names)} inputs", hint="archcalc analyses one-input models")
        renamed: dict[str, str] = {}  # a nested Sequential's name → its last layer's
        for entry in config["layers"]:
            if entry["class_name"] == "InputLayer":
                continue
            obj = objects[entry["name"]]
            parents = [renamed.get(p, p) for p in _parents(entry)]
            if type(obj).__name__ == "Sequential" and len(parents) == 1:
                previous = parents[0]
                for layer in obj.layers:
                    entries.append((layer, layer.name, [previous]))
                    previous = layer.name
                renamed[entry["name"]] = previous
                continue
            entries.append((_ScalarOp.of(obj, entry) or obj, entry["name"], parents))
    else:  # Sequential: a chain
        input_names = {"<input>"}
        previous = "<input>"
        for layer in model.layers:
            entries.append((layer, layer.name, [previous]))
            previous = layer.name
    return shape, input_names, entries


def _args(kind: K.Kind, preset: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {**kind.defaults, **kind.keras_defaults, **preset}
    for pname, spec in kind.keras_params.items():
        if spec is None or pname not in config:
            continue
        arg, convert = spec
        value = config[pname]
        if isinstance(value, list):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        converted = convert(value)
        if arg != "_":
            args[arg] = converted
    if kind.name in ("maxpool", "avgpool") and args.get("strides") is None:
        args["strides"] = args["pool"]  # Keras: strides=None means the pool size
    return args


def read_model(model: Any, source: str = "") -> Imported:
    """The network of a live Keras model, checked against the model itself."""
    from .layers import CUSTOM_OBJECTS  # noqa: F401  (registers the custom classes)

    shape, input_names, entries = _layer_entries(model)
    unsupported: list[tuple[str, str, str]] = []  # (class, layer name, why)
    downstream = 0  # layers not read because a parent could not be
    nodes, names = [Node("input", {"shape": shape}, (), None, "input")], [["input"]]
    index: dict[str, int] = dict.fromkeys(input_names, 0)
    notes: list[str] = []
    objects: dict[str, Any] = {}
    for layer, lname, parents in entries:
        objects[lname] = layer
        cls = "Rescaling" if isinstance(layer, _ScalarOp) else type(layer).__name__
        kind_name, preset = K.KERAS_NAMES.get(cls) or (None, None)
        if kind_name is None:
            why = "a merge archcalc does not have" if cls in _MERGES else (
                "runs arbitrary Python code: archcalc cannot know its shape or weights" if cls == "Lambda"
                else "no archcalc kind")
            unsupported.append((cls, lname, why))
            continue
        kind = K.KINDS[kind_name]
        if (len(parents) != 1) != (kind.inputs != 1):
            unsupported.append((cls, lname, f"{len(parents)} input(s)"))
            continue
        if any(p not in index for p in parents):  # a parent could not be read, and is listed already
            downstream += 1
            continue
        # An operation (keras.ops.add of two tensors) has no constructor options.
        config = layer.get_config() if hasattr(layer, "get_config") and hasattr(layer, "weights") else {}
        try:
            args = _args(kind, preset, config)
        except BadValue as e:
            unsupported.append((cls, lname, e.message))
            continue
        if getattr(layer, "weights", None) and not layer.trainable:
            notes.append(f"{lname} is frozen (trainable=False): archcalc counts its weights as trainable")
        in_shape = _output_shape(objects[parents[0]]) if parents[0] in objects else shape
        if kind_name == "dense" and len(in_shape) == 1:
            args["flatten"] = True  # a flat input: the paper's default, the same numbers, a shorter line
        if kind_name == "concat" and args.get("axis") == len(in_shape):
            args["axis"] = -1  # Keras' channel axis 3 of an image is archcalc's -1
        nodes.append(Node(kind_name, args, tuple(index[p] for p in parents), None, ""))
        names.append([lname])
        index[lname] = len(nodes) - 1
    if unsupported:
        raise KerasError(f"{len(unsupported)} layer(s) of {source or 'the model'} cannot be written in "
                         "archcalc's notation yet", details=_grouped(unsupported, downstream),
                         hint="nothing was dropped: remove or replace these layers, or analyse the rest")
    nodes, names = _fold_helpers(nodes, names)
    network = Network(re.sub(r"[^0-9A-Za-z_.-]+", "_", model.name) or "model", nodes, None, "paper")
    try:  # number the layers as the notation writes them: each branch in turn, then its merge
        network, old = canonical(network)
    except SpecError as e:
        raise KerasError(f"{source or 'the model'} cannot be written in archcalc's notation: {e.message}",
                         hint=e.hint) from None
    names = [names[i] for i in old]
    imported = Imported(network, names[1:], source, notes, model, objects)
    _check(imported)
    return imported


def _grouped(unsupported: list[tuple[str, str, str]], downstream: int) -> tuple[str, ...]:
    """One line per Keras class and reason, naming the first few layers: 16 ``Add`` layers make one line.

    >>> _grouped([("Add", "a1", "merge"), ("Add", "a2", "merge"), ("LSTM", "rnn", "no archcalc kind")], 3)
    ('Add × 2 (merge): a1, a2', 'LSTM (no archcalc kind): rnn', 'and 3 layer(s) after them, not read')
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for cls, name, why in unsupported:
        groups.setdefault((cls, why), []).append(name)
    lines = []
    for (cls, why), layer_names in groups.items():
        count = f" × {len(layer_names)}" if len(layer_names) > 1 else ""
        shown = ", ".join(layer_names[:4]) + (", …" if len(layer_names) > 4 else "")
        lines.append(f"{cls}{count} ({why}): {shown}")
    if downstream:
        lines.append(f"and {downstream} layer(s) after them, not read")
    return tuple(lines)


def _fold_helpers(nodes: list[Node], names: list[list[str]]) -> tuple[list[Node], list[list[str]]]:
    """Fold ``X_flatten`` → ``X`` (Dense) and ``X_pad`` → ``X`` (conv, pool) back into one node."""
    drop: dict[int, int] = {}  # helper index → the index of the node it is folded into
    children: dict[int, list[int]] = {}
    for i, n in enumerate(nodes):
        for p in n.inputs:
            children.setdefault(p, []).append(i)
    new_args: dict[int, dict[str, Any]] = {}
    for i, n in enumerate(nodes):
        kids = children.get(i, [])
        if len(kids) != 1:
            continue
        j = kids[0]
        helper, owner = names[i][0], names[j][0]
        if n.kind == "flatten" and helper == f"{owner}_flatten" and nodes[j].kind == "dense":
            drop[i] = j
            new_args[j] = {**nodes[j].args, "flatten": True}
        elif (n.kind == "zeropad" and helper == f"{owner}_pad" and nodes[j].args.get("padding") == "valid"):
            (t, b), (left, r) = n.args["padding"]
            if t == b and left == r:
                drop[i] = j
                new_args[j] = {**nodes[j].args, "padding": (t, left)}
    if not drop:
        return nodes, names
    keep = [i for i in range(len(nodes)) if i not in drop]
    new_index = {old: new for new, old in enumerate(keep)}

    def parent(p: int) -> int:
        while p in drop:  # a helper's child takes the helper's parent
            p = nodes[p].inputs[0]
        return new_index[p]

    out_nodes, out_names = [], []
    for i in keep:
        n = nodes[i]
        args = new_args.get(i, n.args)
        out_nodes.append(Node(n.kind, args, tuple(parent(p) for p in n.inputs), None, ""))
        out_names.append([names[h][0] for h, owner in drop.items() if owner == i] + names[i])
    return out_nodes, out_names


def _check(imported: Imported) -> None:
    """Every row's output shape and parameters must equal the live model's: else it's archcalc's bug."""
    model = imported.model
    analysis = analyze_network(imported.network)
    frozen = bool(imported.notes)
    for row, keras_names in zip(analysis.rows, imported.keras_names):
        layers = [imported.objects[n] if n in imported.objects else model.get_layer(n) for n in keras_names]
        shape = _output_shape(layers[-1])
        params = sum(math.prod(w.shape) for layer in layers for w in getattr(layer, "weights", []))
        trainable = sum(math.prod(w.shape) for layer in layers for w in getattr(layer, "trainable_weights", []))
        if shape != tuple(row.output_shape) or params != row.params or (not frozen and trainable != row.trainable):
            raise KerasError(
                f"archcalc reads Keras layer `{keras_names[-1]}` as `{row.name}` but disagrees with Keras: "
                f"shape {tuple(row.output_shape)} vs {shape}, params {row.params:,} vs {params:,}",
                hint="this is a bug in archcalc's importer: please report it with the model")


def notation(imported: Imported) -> str:
    """The imported network in the paper notation, each line ending with the Keras layer(s) it stands for.

    Parsing the text gives back the same network (tests/test_bridge.py).
    """
    from .. import __version__
    from ..paper import paper_lines
    from ..render import one_line

    k = keras()
    analysis = analyze_network(imported.network)
    lines = paper_lines(imported.network)
    width = max(len(text) for text, _ in lines)
    # Names and paths are the model's text: one_line keeps a name holding a newline from adding a line
    # (a layer) to the spec.
    source = one_line(imported.source or "a Keras model")
    out = [f"# imported by archcalc {__version__} from {source} (Keras {k.__version__}):",
           f"# {analysis.totals.params:,} parameters, {analysis.totals.trainable_params:,} trainable",
           *[f"# note: {one_line(n)}" for n in imported.notes], f"network {imported.network.name}"]
    for text, index in lines:
        if index:  # a layer: the Keras layer(s) it stands for (the input and branch lines have none)
            text = f"{text.ljust(width)}  # {one_line(', '.join(imported.keras_names[index - 1]))}"
        out.append(text)
    return "\n".join(out) + "\n"


def from_keras(model: Any, **options: Any) -> Analysis:
    """Analyse a live Keras model (in a notebook, say): archcalc's table for it.

    Options as :func:`archcalc.analysis.analyze_network` (``batch``, ``dtype``, ...).
    """
    return analyze_network(read_model(model).network, **options)
