"""Running PyTorch model code with real torch and comparing it with archcalc's reading, module by module.

Shared by the corpus test (tests/corpus/torch/) and the hypothesis test of random programs. Only the tests
import it; it executes the code it is given, so it is only ever given our own test files.

The model a file defines, as the reader picks it (docs/reading-code.md, "PyTorch code"): the class named by
``--net`` (or a module-level variable of that name holding a module), else the last module-level object of
the last ``nn.Module`` subclass the file defines (``model = Net(); model.fc = nn.Linear(512, 2)``), else that
class constructed with the ``--define`` values its ``__init__`` takes by name and nothing else, else the last
module-level ``nn.Module`` (a bare ``nn.Sequential``). Every define is also a global name of the executed code.

Layouts: archcalc keeps every shape channels-last, torch keeps a feature map channels-first (``(C, H, W)``)
but the output of ``nn.Linear``/``nn.Embedding`` features-last (``(T, E)``), and a ``permute``/``transpose``
that swaps axis 1 with the last axis turns one into the other. :class:`_LayoutMode` follows each tensor's
layout through the forward pass, so each recorded shape says which of archcalc's shapes it must equal.
"""

from __future__ import annotations

import inspect
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from archcalc.code.defines import parse_defines, parse_input_shape

FIRST, LAST = "first", "last"  # channels-first (C, H, W); features-last (T, E) as Linear and Embedding give


def options(text: str) -> dict[str, Any]:
    """The ``# archcalc: --input ... [--net ...] [--define ...]`` line of a corpus file, as ``parse_torch`` keywords.

    >>> options("# archcalc: --input 3x32x32 --net Net --define num_classes=10\\nimport torch\\n")
    {'defines': {'num_classes': 10}, 'input_shape': (3, 32, 32), 'net': 'Net'}
    """
    match = re.search(r"^# archcalc: (.*)$", text, re.M)
    words = shlex.split(match.group(1)) if match else []
    defines = [words[i + 1] for i, w in enumerate(words) if w == "--define"]
    shape = next((words[i + 1] for i, w in enumerate(words) if w == "--input"), None)
    net = next((words[i + 1] for i, w in enumerate(words) if w == "--net"), None)
    return {"defines": parse_defines(defines), "input_shape": parse_input_shape(shape), "net": net}


@dataclass
class ModuleRecord:
    """What torch says about one module of ``model.named_modules()``.

    Attributes:
        cls: the module's class name when it was constructed (``LazyLinear`` stays ``LazyLinear``).
        leaf: whether it holds no other module.
        params: its own parameters (``recurse=False``), counted after the forward pass (lazy modules resolved).
        buffers: its own buffers (``recurse=False``).
        trainable: its own parameters that train (``requires_grad``; a frozen backbone's do not).
        calls: per call, the output shape without the batch axis and that tensor's layout (FIRST or LAST).
        passes_through: every call returned its input tensor itself (``nn.Identity``, an empty ``nn.Sequential``).
        macs: for a convolution or a linear layer, the multiply-accumulates of all its calls for one example, by
            torch's own counter (``torch.utils.flop_counter``: FLOPs / 2); None for the other modules.
    """

    cls: str
    leaf: bool
    params: int = 0
    buffers: int = 0
    calls: list[tuple[tuple[int, ...], str]] = field(default_factory=list)
    passes_through: bool = True
    macs: int | None = None
    trainable: int = 0  # its own parameters with requires_grad


@dataclass
class TorchRun:
    """One forward pass of a model, as torch saw it."""

    name: str
    modules: dict[str, ModuleRecord]
    params: int
    buffers: int
    outputs: list[tuple[tuple[int, ...], str]]
    trainable: int = 0  # parameters with requires_grad (a frozen backbone's are not)


def _tensors(value: Any) -> list[Any]:
    import torch

    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


_COUNTED = re.compile(r"^(Lazy)?(Conv(Transpose)?[123]d|Linear)$")  # what torch's flop counter counts exactly
_LAST_MAKERS = {"linear", "embedding", "bilinear", "embedding_bag"}
_FIRST_MAKERS = re.compile(r"conv|pool|batch_norm|group_norm|instance_norm|interpolate|upsample|pad|"
                           r"pixel_(un)?shuffle|feature_dropout|dropout[123]d|unflatten")


_SWAPS = {"permute", "transpose", "swapaxes", "swapdims", "movedim"}
_RESHAPES = {"view", "reshape", "unsqueeze", "unflatten", "__getitem__"}


def _layout_mode() -> Any:
    """A torch function mode that labels every tensor the forward pass makes with its layout."""
    from torch.overrides import TorchFunctionMode

    class _LayoutMode(TorchFunctionMode):
        def __init__(self) -> None:
            super().__init__()
            self.layouts: dict[int, tuple[Any, str]] = {}  # id -> (the tensor, kept alive so ids stay unique; layout)

        def layout(self, tensor: Any) -> str:
            return self.layouts.get(id(tensor), (None, FIRST))[1]

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            result = func(*args, **kwargs)
            name = getattr(func, "__name__", "")
            inputs = _tensors(list(args) + list(kwargs.values()))
            layout = self.layout(inputs[0]) if inputs else FIRST
            if name in _LAST_MAKERS:
                layout = LAST
            elif _FIRST_MAKERS.search(name):
                layout = FIRST
            elif name in _SWAPS and inputs and _swaps_channels(inputs[0].dim(), args[1:], kwargs):
                layout = LAST if layout == FIRST else FIRST
            elif name in _RESHAPES and inputs and inputs[0].dim() <= 2 and _tensors(result)[0].dim() > 2:
                layout = FIRST  # a vector made into maps again: view(b, c, 1, 1), unsqueeze(-1)
            for tensor in _tensors(result):
                self.layouts[id(tensor)] = (tensor, layout)
            return result

    return _LayoutMode()


def _swaps_channels(rank: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether a permute/transpose moves axis 1 to the end or the last axis to 1 (batch axis 0 kept)."""
    if rank < 3:
        return False
    dims = list(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else list(args)
    dims = dims or list(kwargs.get("dims", ())) or [kwargs.get("dim0"), kwargs.get("dim1")]
    dims = [d % rank for d in dims if isinstance(d, int)]
    if len(dims) == rank:  # permute(0, 2, 3, 1)
        return dims[-1] == 1 or dims[1] == rank - 1
    return sorted(dims) == [1, rank - 1]  # transpose(1, 2) of (B, T, E)


def load_model(text: str, reading: dict[str, Any]) -> tuple[str, Any]:
    """Execute the code and build the model the reader must read: ``(its name, the module)``."""
    import torch

    defines = dict(reading.get("defines") or {})
    namespace: dict[str, Any] = {"__name__": "archcalc_corpus", **defines}
    exec(compile(text, "<corpus>", "exec"), namespace)
    classes = [v for k, v in namespace.items() if isinstance(v, type) and issubclass(v, torch.nn.Module)
               and v.__module__ == "archcalc_corpus"]
    instances = {k: v for k, v in namespace.items() if isinstance(v, torch.nn.Module)}
    net = reading.get("net")
    if net:
        target = namespace[net]
    elif classes:
        made = [v for v in instances.values() if type(v) is classes[-1]]
        target = made[-1] if made else classes[-1]  # `model = Net(); model.fc = ...`: that object
    else:
        target = list(instances.values())[-1]
    if isinstance(target, type):
        wanted = inspect.signature(target.__init__).parameters
        return target.__name__, target(**{k: v for k, v in defines.items() if k in wanted})
    return next(k for k, v in instances.items() if v is target), target


def run_torch(text: str, reading: dict[str, Any]) -> TorchRun:
    """Build the model, run it once in eval mode on zeros of shape ``(2, *input)`` and record every module."""
    import torch

    name, model = load_model(text, reading)
    model.eval()
    modules = {q: ModuleRecord(type(m).__name__, not list(m.children())) for q, m in model.named_modules()}
    mode = _layout_mode()

    def hook(qualified: str) -> Any:
        def record(module: Any, inputs: tuple[Any, ...], output: Any) -> None:
            entry = modules[qualified]
            for tensor in _tensors(output):
                entry.calls.append((tuple(tensor.shape[1:]), mode.layout(tensor)))
            entry.passes_through &= bool(inputs) and output is inputs[0]
        return record

    handles = [m.register_forward_hook(hook(q)) for q, m in model.named_modules()]
    embeds = any(isinstance(m, (torch.nn.Embedding, torch.nn.EmbeddingBag)) for m in model.modules())
    x = torch.zeros((2, *reading["input_shape"]), dtype=torch.long if embeds else torch.float32)
    try:
        with torch.no_grad(), mode:
            out = model(x)
    finally:
        for handle in handles:
            handle.remove()
    outputs = [(tuple(t.shape[1:]), mode.layout(t)) for t in _tensors(out)]
    _count_macs(model, x, modules)
    for q, m in model.named_modules():
        modules[q].params = sum(p.numel() for p in m.parameters(recurse=False))
        modules[q].buffers = sum(b.numel() for b in m.buffers(recurse=False))
        modules[q].trainable = sum(p.numel() for p in m.parameters(recurse=False) if p.requires_grad)
    return TorchRun(name, modules, sum(p.numel() for p in model.parameters()),
                    sum(b.numel() for b in model.buffers()), outputs,
                    sum(p.numel() for p in model.parameters() if p.requires_grad))


def _count_macs(model: Any, x: Any, modules: dict[str, ModuleRecord]) -> None:
    """Each convolution's and linear layer's MACs for one example, by a second pass under torch's flop counter."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False, depth=None)
    inputs: dict[str, list[Any]] = {}  # each counted module's inputs, for one the counter names otherwise
    hooks = [m.register_forward_hook(lambda _m, args, _out, q=q: inputs.setdefault(q, []).append(args))
             for q, m in model.named_modules() if q and _COUNTED.match(type(m).__name__)]
    try:
        with torch.no_grad(), counter:
            model(x)
    finally:
        for h in hooks:
            h.remove()
    counts = counter.get_flop_counts()
    root = type(model).__name__
    named = dict(model.named_modules())
    for qualified, record in modules.items():
        if _COUNTED.match(record.cls):
            key = f"{root}.{qualified}" if qualified else root
            if key in counts or qualified not in inputs:
                flops = sum(counts.get(key, {}).values())
            else:  # called through a copy of its container (`self.features[:3](x)`): counted call by call
                flops = 0
                for args in inputs[qualified]:
                    alone = FlopCounterMode(display=False, depth=None)
                    with torch.no_grad(), alone:
                        named[qualified](*args)
                    flops += alone.get_total_flops()
            record.macs = flops // 2 // x.shape[0]


def channels_first(shape: tuple[int, ...]) -> tuple[int, ...]:
    """archcalc's channels-last shape in torch's channels-first layout: ``(H, W, C)`` -> ``(C, H, W)``.

    >>> channels_first((32, 32, 3)), channels_first((10,))
    ((3, 32, 32), (10,))
    """
    shape = tuple(shape)
    return shape if len(shape) < 2 else (shape[-1], *shape[:-1])


def as_torch(shape: tuple[int, ...], layout: str) -> tuple[int, ...]:
    """archcalc's shape as torch holds a tensor of that layout."""
    return tuple(shape) if layout == LAST else channels_first(shape)


def _is_pass_through(record: ModuleRecord) -> bool:
    return record.leaf and record.passes_through and record.cls in ("Identity", "Sequential")


def compare(text: str, path: str = "<corpus>", *, run: TorchRun | None = None, **reading: Any) -> list[str]:
    """Every difference between torch's run of the model and archcalc's reading (empty: they agree).

    Per module (matched to archcalc's rows through ``Node.module``): the output shape of each call, its own
    parameters and buffers; every row made by no module has none; the totals equal
    ``sum(p.numel() for p in model.parameters())`` and the buffers' (a module never called still counts there).
    ``run``: torch's record of the same text and reading, when the caller has it already.
    """
    from archcalc import analysis as archcalc_analysis
    from archcalc import torch_code

    reading = reading or options(text)
    run = run or run_torch(text, reading)
    networks = torch_code.parse_torch(text, path, defines=reading.get("defines"),
                                      input_shape=reading.get("input_shape"), net=reading.get("net"))
    if len(networks) != 1:
        return [f"{path}: archcalc read {len(networks)} networks {[n.name for n in networks]}, "
                f"expected one ({run.name})"]
    (network,) = networks
    analysis = archcalc_analysis.analyze_network(network)
    problems: list[str] = []
    where = f"{path} {run.name}"
    if network.notation != "torch":
        problems.append(f"{where}: notation {network.notation!r} != 'torch'")
    if channels_first(network.input_shape) != tuple(reading["input_shape"]) and len(network.input_shape) > 1:
        problems.append(f"{where}: input {network.input_shape} (channels-last) is not --input "
                        f"{reading['input_shape']}")
    rows: dict[str, list[Any]] = {}
    for row in analysis.rows:
        node = network.nodes[row.index]
        module = getattr(node, "module", "")
        if not module:
            if row.params or getattr(row, "buffers", 0):
                problems.append(f"{where}: row {row.index} `{row.name}` (no module) has params {row.params}, "
                                f"buffers {getattr(row, 'buffers', 0)}; a function has none")
            continue
        if module not in run.modules:
            problems.append(f"{where}: row {row.index} `{row.name}` names module {module!r}, which the model "
                            f"does not have")
            continue
        rows.setdefault(module, []).append((row, node))
    for qualified, record in run.modules.items():
        label = f"{where}: module {qualified!r} ({record.cls})"
        ours = rows.get(qualified, [])
        if not ours:
            if record.leaf and record.calls and not _is_pass_through(record):
                problems.append(f"{label}: torch called it {len(record.calls)} time(s) "
                                f"(outputs {[s for s, _ in record.calls]}); archcalc has no row for it")
            continue
        if not record.calls:
            problems.append(f"{label}: archcalc has {len(ours)} row(s) for it; torch never called it")
            continue
        theirs = [shape for shape, _ in record.calls]
        mine = [as_torch(row.output_shape, layout) for (row, _), (_, layout) in zip(ours, record.calls)]
        if len(ours) != len(record.calls) or mine != theirs:
            problems.append(f"{label}: output shapes (channels-first) archcalc "
                            f"{[channels_first(r.output_shape) for r, _ in ours]} != torch {theirs}")
        if record.macs is not None and sum(r.macs for r, _ in ours) != record.macs:
            problems.append(f"{label}: MACs archcalc {sum(r.macs for r, _ in ours):,} != torch's flop counter "
                            f"{record.macs:,}")
        owned = [r for r, n in ours if n.shares is None]
        counts = (sum(r.params for r in owned), sum(getattr(r, "buffers", 0) for r in owned))
        if record.leaf and counts != (record.params, record.buffers):
            problems.append(f"{label}: (params, buffers) archcalc {counts} != torch "
                            f"{(record.params, record.buffers)}")
        if record.leaf and sum(r.trainable for r in owned) != record.trainable:
            problems.append(f"{label}: trainable parameters archcalc {sum(r.trainable for r in owned)} != torch "
                            f"{record.trainable} (requires_grad)")
        if len(owned) > 1:
            problems.append(f"{label}: {len(owned)} rows own its weights; the calls after the first must share")
    totals = (analysis.totals.params, getattr(analysis.totals, "buffers", None))
    if totals != (run.params, run.buffers):
        problems.append(f"{where}: totals (params, buffers) archcalc {totals} != torch {(run.params, run.buffers)}")
    if analysis.totals.trainable_params != run.trainable:
        problems.append(f"{where}: trainable parameters archcalc {analysis.totals.trainable_params} != torch "
                        f"{run.trainable} (requires_grad)")
    # What forward returns: each tensor is some row's output (a returned tensor may also feed later rows,
    # as an autoencoder's code does), and each row no other row reads is one of them.
    by_index = {row.index: row for row in analysis.rows}
    shapes = [tuple(network.input_shape)] + [tuple(r.output_shape) for r in analysis.rows]
    sinks = [tuple(by_index[i].output_shape) if i in by_index else tuple(network.input_shape)
             for i in network.outputs]
    unmatched = list(sinks)
    for shape, layout in run.outputs:
        if not any(as_torch(s, layout) == shape for s in shapes):
            problems.append(f"{where}: forward returns a {shape} tensor; no row of archcalc's has that shape")
        match = next((s for s in unmatched if as_torch(s, layout) == shape), None)
        if match is not None:
            unmatched.remove(match)
    if unmatched:
        problems.append(f"{where}: archcalc's last rows {[channels_first(s) for s in unmatched]} (channels-first) "
                        f"are not what forward returns {[s for s, _ in run.outputs]}")
    return problems
