"""torchvision's classification models imported into archcalc (issue 14's acceptance).

For each model: ``archcalc import torchvision.models.NAME`` exits 0 and writes a spec; the spec, read
back, gives every row and total of the importer's reading; and that reading is compared here, not by
the importer's own check, with the live module:

* parameters and buffers: ``model.parameters()`` and ``model.buffers()`` in total, and each module's
  own, row by row;
* shapes: each module's output in a forward pass of its own (forward hooks, on the meta device);
* MACs: PyTorch's own count (``torch.utils.flop_counter``: convolutions and matrix products, FLOPs / 2)
  in eval mode equals archcalc's MACs of the main output's layers, and in training mode (auxiliary
  classifiers included) archcalc's total; torchvision's published GFLOPS figure (the weights' metadata
  ``_ops``: MACs, rounded to 3 decimals; nothing downloaded) equals archcalc's, rounded the same way.

Everything runs on the ``meta`` device: no weights are allocated. Marked ``torchvision``: it runs with the
suite (CI); ``pytest -m "not torchvision"`` skips it while developing.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from archcalc.analysis import analyze_network  # noqa: E402
from archcalc.bridge import torch_import  # noqa: E402
from archcalc.cli import main  # noqa: E402
from archcalc.source import parse_text  # noqa: E402

pytestmark = pytest.mark.torchvision

MODELS = [
    "alexnet", "vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "googlenet", "inception_v3",
    "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "densenet121", "squeezenet1_0",
    "efficientnet_b0", "convnext_tiny", "shufflenet_v2_x1_0",
]


def _run(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def _build(name: str):
    with warnings.catch_warnings(), torch.device("meta"):
        warnings.simplefilter("ignore")
        return torchvision.models.get_model(name, weights=None)


def _numel(tensors) -> int:
    return sum(math.prod(t.shape) for t in tensors)


def _hooked_shapes(model, shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
    """Each module's output shape at its first call (batch dropped), from a forward pass of our own."""
    names = {id(m): n for n, m in model.named_modules()}
    seen: dict[str, tuple[int, ...]] = {}

    def hook(module, args, output):
        if isinstance(output, torch.Tensor):
            seen.setdefault(names[id(module)], tuple(output.shape[1:]))

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    model.train()
    try:
        with torch.no_grad():
            model(torch.empty((2, *shape), device="meta"))
    finally:
        for h in handles:
            h.remove()
    return seen


def _flop_macs(model, shape: tuple[int, ...], training: bool) -> int:
    model.train(training)
    with FlopCounterMode(display=False) as counter, torch.no_grad():  # a batch of 2: batch norm trains on it
        model(torch.empty((2, *shape), device="meta"))
    return counter.get_total_flops() // 2 // 2


def _channels_first(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if len(shape) < 2 else (shape[-1], *shape[:-1])


def _ancestors(network, end: int) -> set[int]:
    keep, stack = set(), [end]
    while stack:
        i = stack.pop()
        if i not in keep:
            keep.add(i)
            stack.extend(network.nodes[i].inputs)
    return keep


@pytest.mark.parametrize("name", MODELS)
def test_torchvision_model_imports_exactly(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"{name}.txt"
    assert _run(["import", f"torchvision.models.{name}", "-o", str(out)]) == 0, capsys.readouterr().err

    model = _build(name)
    shape = (3, 299, 299) if name == "inception_v3" else (3, 224, 224)
    imported = torch_import.read_module(model, shape, name)
    ours = analyze_network(imported.network)

    # Parameters and buffers: the totals, and each module's own.
    assert ours.totals.params == _numel(model.parameters())
    assert ours.totals.buffers == _numel(model.buffers())
    modules = dict(model.named_modules())
    hooked = _hooked_shapes(model, shape)
    seen: set[str] = set()
    checked = 0
    for row, node in zip(ours.rows, imported.network.layers):
        if not node.module or node.module in seen:
            continue
        seen.add(node.module)
        m = modules[node.module]
        assert (row.params, row.buffers) == (_numel(m.parameters()), _numel(m.buffers())), (name, node.module)
        if name == "convnext_tiny" and type(m).__name__ in ("LayerNorm", "Linear", "GELU"):
            # ConvNeXt's block permutes its map to N x H x W x C for these: PyTorch's shape is archcalc's.
            assert tuple(row.output_shape) == hooked[node.module], (name, node.module)
        else:
            assert _channels_first(tuple(row.output_shape)) == hooked[node.module], (name, node.module)
        checked += 1
    assert checked >= 8

    # The written spec reads back to the same numbers.
    back = analyze_network(parse_text(out.read_text(encoding="utf-8"), str(out))[0])
    assert [(r.output_shape, r.params, r.buffers, r.macs) for r in back.rows] == \
        [(r.output_shape, r.params, r.buffers, r.macs) for r in ours.rows]
    assert (back.totals.params, back.totals.buffers, back.totals.macs) == \
        (ours.totals.params, ours.totals.buffers, ours.totals.macs)

    # MACs: PyTorch's count, with and without the auxiliary classifiers, and torchvision's figure.
    main_path = _ancestors(imported.network, imported.main_output)
    main_macs = sum(r.macs for r in ours.rows if r.index in main_path)
    assert main_macs == _flop_macs(model, shape, training=False)
    assert ours.totals.macs == _flop_macs(model, shape, training=True)
    published = torchvision.models.get_model_weights(name).DEFAULT.meta["_ops"]
    assert round(main_macs / 1e9, 3) == published


def test_auxiliary_classifiers_are_side_outputs() -> None:
    imported = torch_import.read_module(_build("googlenet"), (3, 224, 224), "googlenet")
    assert len(imported.network.outputs) == 3
    assert {imported.torch_names[i - 1] for i in imported.network.outputs} == {"fc", "aux1.fc2", "aux2.fc2"}
    assert imported.notes == ["2 side output(s) (auxiliary classifiers): their layers count in the totals, as "
                              "model.parameters() counts them; the model returns them in training mode only"]
