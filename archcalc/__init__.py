"""archcalc: shapes, parameters, memory, MACs and receptive fields of CNNs, before training.

The Python API for notebooks and scripts::

    import archcalc
    a = archcalc.analyze("vgg16")             # a bundled spec, a file path, or the spec text itself
    a.totals.params                           # 138357544
    a.to_dict()                               # the JSON of `archcalc summary --format json`
    a                                         # renders as a table in Jupyter
    archcalc.from_keras(model)                # a live Keras model (imports TensorFlow)
    archcalc.from_torch(model, (3, 224, 224)) # a live PyTorch module (imports torch; meta device)

Nothing here imports TensorFlow, PyTorch or numpy, except ``from_keras`` and ``from_torch`` when called.
"""

from __future__ import annotations

from pathlib import Path

from .acyclic import acyclic_work
from .analysis import Analysis, Memory, Row, Totals, analyze_network, largest_batch
from .errors import ArchcalcError, ShapeError, SourceError, SpecError, UsageError
from .network import Network, Node
from .source import load, parse_text

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "ArchcalcError",
    "Memory",
    "Network",
    "Node",
    "Row",
    "ShapeError",
    "SourceError",
    "SpecError",
    "Totals",
    "UsageError",
    "__version__",
    "analyze",
    "analyze_all",
    "analyze_network",
    "from_keras",
    "from_torch",
    "largest_batch",
    "load",
    "parse",
]


def parse(text_or_path: str, net: str | None = None, *, define: dict[str, object] | None = None,
          input: object = None) -> list[Network]:
    """Networks from a spec: a file path, a bundled name (``"vgg16"``), or the text itself.

    Args:
        text_or_path: the spec.
        net: the name of one network of the spec.
        define: values the code uses but does not define, as ``--define`` gives them
            (``{"num_classes": 10, "input_shape": (28, 28, 1)}``; strings like ``"28x28x1"`` are read
            as the command line reads them).
        input: the input shape of the network, ``(28, 28, 1)`` or ``"28x28x1"`` (``--input``).

    >>> [n.name for n in parse("network tiny\\ninput 8x8\\nconv3-4")]
    ['tiny']
    >>> parse("model = Sequential([Dense(num_classes)])", define={"num_classes": 10}, input=(784,))[0].input_shape
    (784,)
    """
    reading = _reading(define, input)
    with acyclic_work():
        if "\n" in text_or_path or not _is_reference(text_or_path):
            networks = parse_text(text_or_path, only=net, **reading)  # type: ignore[arg-type]
            if net is not None:
                networks = [n for n in networks if net in (n.name, n.variable)] or _no_such(net, networks)
            return networks
        return load(text_or_path, net, **reading)  # type: ignore[arg-type]


def _reading(define: dict[str, object] | None, input: object) -> dict[str, object]:
    from .code.defines import parse_input_shape, parse_value

    defines = {k: parse_value(v, f"the value of `{k}`") if isinstance(v, str) else v
               for k, v in (define or {}).items()}
    if isinstance(input, (tuple, list)):
        shape = parse_input_shape("x".join(str(v) for v in input))
    else:
        shape = parse_input_shape(None if input is None else str(input))
    return {"defines": defines, "input_shape": shape}


def analyze(text_or_path: str, net: str | None = None, *, define: dict[str, object] | None = None,
            input: object = None, **options: object) -> Analysis:
    """Analyse one network. ``define`` and ``input`` as :func:`parse`; options as
    :func:`archcalc.analysis.analyze_network` (``batch``, ``dtype``, ``count_bias``, ``optimizer``).

    >>> analyze("input 28x28\\nconv3-32\\nmaxpool\\nFC-10\\nsoft-max").totals.params
    63050
    """
    networks = parse(text_or_path, net, define=define, input=input)
    if len(networks) > 1:
        raise UsageError(f"the spec holds {len(networks)} networks: " + ", ".join(n.name for n in networks),
                         hint="pick one with net=NAME, or use analyze_all()")
    with acyclic_work():
        return analyze_network(networks[0], **options)  # type: ignore[arg-type]


def analyze_all(text_or_path: str, *, define: dict[str, object] | None = None, input: object = None,
                **options: object) -> list[Analysis]:
    """Analyse every network of a spec (``define`` and ``input`` as :func:`parse`)."""
    networks = parse(text_or_path, define=define, input=input)
    with acyclic_work():
        return [analyze_network(n, **options) for n in networks]  # type: ignore[arg-type]


def from_keras(model: object, **options: object) -> Analysis:
    """Analyse a live Keras model, e.g. in a notebook: ``archcalc.from_keras(model)``.

    The model is read into archcalc's notation and checked layer by layer against Keras' own
    shapes and counts (imports TensorFlow; see :mod:`archcalc.bridge.importer`). Options as
    :func:`analyze` (``batch``, ``dtype``, ...). The analysis is named after the variable that holds the
    model where it is called (``encoder``), as people refer to it, rather than Keras' ``functional``; after
    the model's own name when no variable holds it.
    """
    import sys

    from .bridge.importer import from_keras as _from_keras

    analysis = _from_keras(model, **options)
    analysis.network = variable_of(model, sys._getframe(1)) or analysis.network
    return analysis


def variable_of(value: object, frame: object) -> str | None:
    """The name a frame's code gives ``value`` (its locals first, then its globals), if one does; names
    that start with ``_`` (a notebook's ``_``, ``_3``) and names that are no identifiers (a tool's
    temporaries) are passed over.

    >>> import sys
    >>> encoder = object()
    >>> variable_of(encoder, sys._getframe()), variable_of(object(), sys._getframe())
    ('encoder', None)
    """
    for names in (getattr(frame, "f_locals", {}), getattr(frame, "f_globals", {})):
        for name, bound in list(names.items()):
            if bound is value and name.isidentifier() and not name.startswith("_"):
                return name
    return None


def from_torch(module: object, input_shape: object = (3, 224, 224), **options: object) -> Analysis:
    """Analyse a live PyTorch module: ``archcalc.from_torch(model, (3, 32, 32))``.

    ``input_shape`` is one example, channels first as PyTorch writes it (``(3, 224, 224)`` or
    ``"3x224x224"``). The module's forward pass runs once on the ``meta`` device (no memory, nothing
    computed; the module is not moved), is read into archcalc's notation and checked layer by layer
    against the module's own shapes, ``parameters()`` and ``buffers()`` (see
    :mod:`archcalc.bridge.torch_import`). Options as :func:`analyze` (``batch``, ``dtype``, ...).
    """
    from .bridge.torch_import import from_torch as _from_torch

    return _from_torch(module, input_shape, **options)


def _is_reference(text: str) -> bool:
    from .source import find_bundled

    return Path(text).exists() or find_bundled(text) is not None or (
        " " not in text.strip() and "." in text)


def _no_such(net: str, networks: list[Network]) -> list[Network]:
    raise SourceError(f"no network `{net}`", hint="it holds: " + ", ".join(n.name for n in networks))
