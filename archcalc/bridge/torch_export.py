"""``archcalc export -o net.py --framework torch``: a spec as readable PyTorch code.

The file is the code a student would write: an ``nn.Module`` whose ``__init__`` creates one attribute per
row (``self.conv1 = nn.Conv2d(3, 64, 3, padding=1)``; an ``nn.Sequential`` when a row is several modules)
and whose ``forward`` wires them one line a row, each commented with archcalc's numbers. It is written
from the same description that ``verify --framework torch`` builds (:mod:`.torch_build`), without
PyTorch. Running it builds the module and prints its parameter count, archcalc's.

Nothing the user wrote reaches the code except through :func:`~.export._docstring_text` (the docstring)
and :func:`~archcalc.render.one_line` (comments); every value is written by :func:`literal`, which
refuses anything but numbers, booleans, ``None``, strings and tuples of them.
"""

from __future__ import annotations

import math
from typing import Any

from .. import __version__
from ..analysis import Analysis
from ..errors import UsageError
from ..network import Network
from ..render import one_line, short_name
from . import torch_build as TB
from .export import _docstring_text

#: Attribute names by the class of a row's main module: ``conv3``, ``fc21``, ``bn4``.
_PREFIXES = {"Conv": "conv", "ConvTranspose": "deconv", "Linear": "fc", "BatchNorm": "bn", "LayerNorm": "ln",
             "GroupNorm": "gn", "MaxPool": "pool", "AvgPool": "pool", "AdaptiveAvgPool": "pool",
             "AdaptiveMaxPool": "pool", "Dropout": "drop", "Flatten": "flatten", "ZeroPad": "pad",
             "ConstantPad": "pad", "Upsample": "up", "LocalResponseNorm": "lrn", "LayerScale": "scale",
             "StochasticDepth": "drop_path", "PReLU": "prelu", "Embedding": "embed", "InstanceNorm": "norm",
             "ChannelShuffle": "shuffle"}

_LAYERSCALE_SOURCE = '''

class LayerScale(nn.Module):
    """A learned scale per channel (ConvNeXt): x times gamma."""

    def __init__(self, channels, init=1e-6):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((channels,), init))

    def forward(self, x):
        return x * self.gamma.view(-1, *([1] * (x.dim() - 2)))
'''

_DROPPATH_SOURCE = '''

class StochasticDepth(nn.Module):
    """While training, each example's whole input is dropped with probability p (the rest scaled up)."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or not self.p:
            return x
        keep = torch.empty((x.shape[0],) + (1,) * (x.dim() - 1), device=x.device).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p)
'''

_CUSTOM_SOURCES = {"LayerScale": _LAYERSCALE_SOURCE, "StochasticDepth": _DROPPATH_SOURCE}


def literal(value: Any) -> str:
    """``value`` as Python source: numbers, booleans, ``None``, strings and tuples of them, nothing else.

    >>> literal((1, 2)), literal(float("-inf")), literal("it's"), literal(0.5)
    ('(1, 2)', "float('-inf')", '"it\\'s"', '0.5')
    """
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"float('{value}')"
    if isinstance(value, str):
        return repr(value) if "'" not in value else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple):
        return "(" + ", ".join(literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    raise UsageError(f"cannot write the value {value!r} into code", hint="this is a bug in archcalc: please report it")


def _call(layer: TB.TorchLayer) -> str:
    prefix = "" if layer.cls in _CUSTOM_SOURCES else "nn."
    parts = [literal(a) for a in layer.args] + [f"{k}={literal(v)}" for k, v in layer.kwargs.items()]
    return f"{prefix}{layer.cls}({', '.join(parts)})"


def _attribute(row: TB.TorchRow, index: int) -> str:
    main = next((layer for layer in row.layers if not layer.role), row.layers[0])
    cls = main.cls[:-2] if main.cls[-2:] in ("1d", "2d", "3d") else main.cls
    return f"{_PREFIXES.get(cls, 'act' if main.role == 'activation' or cls in TB_ACTIVATIONS else 'layer')}{index}"


TB_ACTIVATIONS = {cls for cls, _ in TB.ACTIVATION_MODULES.values()}


def _shape(shape: tuple[int, ...]) -> str:
    """PyTorch's order for the comment: ``64x224x224``."""
    first = shape if len(shape) < 2 else (shape[-1], *shape[:-1])
    return "x".join(map(str, first))


def _expr(row: TB.TorchRow, x: str) -> str:
    p = row.params
    if row.expr == "slice":
        return f"{x}[:, {p['start']}:{p['stop']}]"
    if row.expr == "rescale":
        return f"{x} * {literal(float(p['scale']))} + {literal(float(p['offset']))}"
    # Reshape and permute act on archcalc's channels-last values: channels moved last, changed, moved back.
    if row.expr == "reshape":
        change = f".reshape({x}.shape[0], {', '.join(map(str, p['shape']))})"
        back = ".movedim(-1, 1)" if len(p["shape"]) > 1 else ""
    else:
        change = f".permute(0, {', '.join(map(str, p['dims']))})"
        back = ".movedim(-1, 1)"
    return f"{x}.movedim(1, -1){change}{back}"


def _join(row: TB.TorchRow, xs: list[str]) -> str:
    if row.join == "cat":
        return f"torch.cat([{', '.join(xs)}], dim={row.params['dim']})"
    if row.join in ("add", "subtract", "multiply"):
        return {"add": " + ", "subtract": " - ", "multiply": " * "}[row.join].join(xs)
    if row.join == "average":
        return f"({' + '.join(xs)}) / {len(xs)}"
    if row.join == "scaled_add":
        return f"{xs[0]} + {literal(float(row.params['scale']))} * {xs[1]}"
    out = xs[0]
    for x in xs[1:]:
        out = f"torch.{row.join}({out}, {x})"
    return out


def python_code(network: Network, analysis: Analysis, spec: str = "") -> str:
    """Readable PyTorch code that builds ``network``; no PyTorch needed to write it.

    >>> from archcalc import analyze, parse
    >>> text = "network tiny\\ninput 28x28\\nconv3-8\\nmaxpool\\nFC-10"
    >>> code = python_code(parse(text)[0], analyze(text))
    >>> print(code[code.index("class Net"):code.index("if __name__")].strip())
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU())  # 1 conv3-8: 8x28x28, 80 params
            self.pool2 = nn.MaxPool2d(2)  # 2 maxpool: 8x14x14
            self.fc3 = nn.Sequential(nn.Flatten(), nn.Linear(1568, 10), nn.ReLU())  # 3 FC-10: 10, 15,690 params
    <BLANKLINE>
        def forward(self, x0):
            x1 = self.conv1(x0)
            x2 = self.pool2(x1)
            x3 = self.fc3(x2)
            return x3
    """
    shapes = [tuple(network.input_shape)] + [tuple(r.output_shape) for r in analysis.rows]
    p = TB.plan(network, shapes)
    init: list[str] = []
    forward: list[str] = []
    names: dict[int, str] = {}
    custom: list[str] = []
    for row, trow, node in zip(analysis.rows, p.rows, network.layers):
        note = f"{row.index} {short_name(row.name)}: {_shape(tuple(row.output_shape))}"
        # PyTorch's counting: Keras' non-trainable statistics are buffers, with batch norm's counter.
        kept = row.non_trainable - row.frozen + row.buffers + (
            1 if node.kind == "batchnorm" and node.args.get("stats", "keras") == "keras" and node.shares is None else 0)
        if row.trainable or row.frozen or kept:
            note += f", {row.trainable + row.frozen:,} params" + (f" ({row.frozen:,} frozen)" if row.frozen else "") \
                + (f", {kept:,} buffers" if kept else "")
        note = one_line(note)
        xs = [f"x{i}" for i in row.inputs]
        if trow.join:
            forward.append(f"x{row.index} = {_join(trow, xs)}  # {note}")
            continue
        if trow.expr:
            forward.append(f"x{row.index} = {_expr(trow, xs[0])}  # {note}")
            continue
        if node.shares is not None:
            attr = names[node.shares]
            note = one_line(f"{note} (the weights of layer {node.shares})")
        else:
            attr = _attribute(trow, row.index)
            names[row.index] = attr
            for layer in trow.layers:
                if layer.cls in _CUSTOM_SOURCES and layer.cls not in custom:
                    custom.append(layer.cls)
            calls = [_call(layer) for layer in trow.layers]
            made = calls[0] if len(calls) == 1 else f"nn.Sequential({', '.join(calls)})"
            init.append(f"self.{attr} = {made}  # {note}")
            if len(calls) == 1:  # PyTorch parameters frozen by hand: frozen in the written module too
                init.extend(f"self.{attr}.{part}.requires_grad_(False)" for part in sorted(node.frozen))
        x = xs[0]
        if trow.channels_last:  # a Linear or LayerNorm on every position's channels
            forward.append(f"x{row.index} = self.{attr}({x}.movedim(1, -1)).movedim(-1, 1)"
                           + ("" if node.shares is None else f"  # {note}"))
        elif trow.features_last:  # an embedding's N x T x E, its features where the channels go
            forward.append(f"x{row.index} = self.{attr}({x}).movedim(-1, 1)"
                           + ("" if node.shares is None else f"  # {note}"))
        else:
            forward.append(f"x{row.index} = self.{attr}({x})" + ("" if node.shares is None else f"  # {note}"))
    left = _write_unused(network, init, custom)
    ends = [f"x{i}" for i in network.outputs]
    t = analysis.totals
    # PyTorch's buffers: batch norm's running statistics (Keras' non-trainable parameters) and its counter.
    counters = sum(1 for n in network.layers if n.kind == "batchnorm" and n.shares is None
                   and n.args.get("stats", "keras") == "keras")
    buffers = t.buffers + t.non_trainable_params - t.frozen + counters
    about = f" from `{_docstring_text(spec)}`" if spec else ""
    input_shape = _shape(tuple(network.input_shape))
    written = len(network.unused) - len(left)
    head = [
        f'"""{_docstring_text(network.name)}: PyTorch code written by archcalc {__version__}{about}.',
        "",
        f"archcalc's numbers: {t.trainable_params + t.frozen:,} parameters"
        + (f" ({t.frozen:,} frozen)" if t.frozen else "") + f", {buffers:,} buffers, {t.macs:,} MACs per example",
        f"of {input_shape} (channels first).",
        *([f"{written} module(s) or tensor(s) the original holds but its forward pass never calls or reads as a "
           "row are made in __init__ and, as there, not called (tensors flattened: the same counts)."]
          if written else []),
        *([f"Not written: {len(left)} module(s) the forward pass never calls, of classes archcalc cannot write "
           f"({sum(u.params for u in left):,} parameters, {sum(u.buffers for u in left):,} buffers), counted "
           "above."] if left else []),
        "Run it to build the module and print its parameter count.",
        '"""',
        "",
        "import torch",
        "from torch import nn",
    ]
    head += [_CUSTOM_SOURCES[cls].rstrip("\n") for cls in custom]
    body = [
        "",
        "",
        "class Net(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        *(f"        {line}" for line in init),
        "",
        "    def forward(self, x0):",
        *(f"        {line}" for line in forward),
        f"        return {ends[0] if len(ends) == 1 else '[' + ', '.join(ends) + ']'}",
        "",
        "",
        'if __name__ == "__main__":',
        '    with torch.device("meta"):  # the shapes only: no memory for the weights',
        "        model = Net()",
        f"        out = model(torch.empty(1, {', '.join(map(str, _channels_first(network.input_shape)))}"
        + (", dtype=torch.long))" if network.layers and network.layers[0].kind == "embedding" else "))"),
        '    print(f"{sum(p.numel() for p in model.parameters()):,} parameters, "',
        '          f"{sum(b.numel() for b in model.buffers()):,} buffers")',
    ]
    return "\n".join(head + body) + "\n"


def _write_unused(network: Network, init: list[str], custom: list[str]) -> list[Any]:
    """Append to ``init`` the modules the original holds but never calls (``Network.unused``), each built from its
    kind's arguments as ``verify`` builds it, so that the exported module counts what the original counts.

    Returns:
        The modules left out: those of a kind archcalc cannot build back.
    """
    left = []
    taken: set[str] = set()
    for u in network.unused:
        if u.tensor:  # an nn.Parameter or a buffer the module holds itself: its values, flattened
            attr = _plain(f"held_{u.module}_{u.tensor}" if u.module else f"held_{u.tensor}", taken)
            if u.params:
                made = (f"nn.Parameter(torch.zeros({u.params})"
                        + (", requires_grad=False)" if u.frozen else ")"))
                init.append(f"self.{attr} = {made}  # " + one_line(
                    f"{u.module + '.' if u.module else ''}{u.tensor}: a parameter the model holds, {u.params:,} values"
                    + (" (frozen)" if u.frozen else "")))
            else:
                init.append(f"self.register_buffer({literal(attr)}, torch.zeros({u.buffers}))  # " + one_line(
                    f"{u.module + '.' if u.module else ''}{u.tensor}: a buffer the model holds, {u.buffers:,} values"))
            continue
        if u.kind not in TB.TRANSLATIONS or not u.shape:
            left.append(u)
            continue
        row = TB.TRANSLATIONS[u.kind]({**u.args, "_kind": u.kind}, [u.shape])
        for layer in row.layers:
            if layer.cls in _CUSTOM_SOURCES and layer.cls not in custom:
                custom.append(layer.cls)
        attr = _plain(f"unused_{u.module}", taken)
        calls = [_call(layer) for layer in row.layers]
        made = calls[0] if len(calls) == 1 else f"nn.Sequential({', '.join(calls)})"
        init.append(f"self.{attr} = {made}  # " + one_line(f"{u.module}: never called by forward, "
                                                           f"{u.params:,} params, {u.buffers:,} buffers"))
        # Frozen by hand in the original: all of it, or its weights or its biases alone (the counts say which).
        frozen = {u.params: "", u.weights: ".weight", u.biases: ".bias"}.get(u.frozen) if u.frozen else None
        if frozen is not None and len(row.layers) == 1:
            init.append(f"self.{attr}{frozen}.requires_grad_(False)")
        elif u.frozen:
            init.append(f"# {attr}: {u.frozen:,} of its parameters are frozen in the original, not here")
    return left


def _plain(name: str, taken: set[str]) -> str:
    """The user's name made a plain identifier not yet ``taken`` (it reaches code: only [A-Za-z0-9_] survives).

    >>> _plain('unused_extra.a"b', set())
    'unused_extra_a_b'
    """
    base = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in name)[:70]
    attr, n = base, 2
    while attr in taken:
        attr, n = f"{base}_{n}", n + 1
    taken.add(attr)
    return attr


def _channels_first(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(shape) if len(shape) < 2 else (shape[-1], *shape[:-1])
