"""The PyTorch corpus (tests/corpus/torch/: 50+ models in the styles of public tutorials) through the bridge.

For each file, three readings must agree with each other and with PyTorch:

* archcalc's reading of the code (never run), built back with PyTorch by ``verify --framework torch``: every
  row's shape, parameters and buffers equal the module built from it;
* the live module (the file executed with torch) read by ``from_torch``: ``model.parameters()`` (those with
  ``requires_grad`` trainable) and ``model.buffers()``, and the same parameters, trainable parameters, buffers
  and MACs as the code reading (where the reader reads the file);
* ``export --framework torch`` of the code reading: the written module has the same parameters and buffers.
"""

from __future__ import annotations

import math
import runpy
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from torch_reference import load_model, options  # noqa: E402

from archcalc.analysis import analyze_network  # noqa: E402
from archcalc.bridge import torch_import  # noqa: E402
from archcalc.bridge.torch_export import python_code  # noqa: E402
from archcalc.bridge.torch_verify import verify  # noqa: E402
from archcalc.errors import KerasError, SpecError  # noqa: E402
from archcalc.torch_code import parse_torch  # noqa: E402

CORPUS = Path(__file__).parent / "corpus" / "torch"
FILES = sorted(CORPUS.glob("*.py"))

#: Models whose live module cannot be read before it has run once: their lazy modules have no size yet.
LAZY = {"lazy_conv_reshape", "lazy_linear_head"}


def _numel(tensors) -> int:
    return sum(math.prod(t.shape) for t in tensors)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_corpus_model_through_the_bridge(path: Path, tmp_path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    reading = options(text)
    try:
        network = parse_torch(text, str(path), **reading)[0]
    except SpecError:  # the code reader refuses it (tests/test_torch_corpus.py says why): the live module still reads
        network = None

    name, model = load_model(text, reading)
    model.eval()
    if path.stem in LAZY:
        with pytest.raises(KerasError, match="the module has parameters that are not initialized yet"):
            torch_import.read_module(model, reading["input_shape"], name)
    else:
        live = analyze_network(torch_import.read_module(model, reading["input_shape"], name).network)
        assert (live.totals.params, live.totals.buffers) == (_numel(model.parameters()), _numel(model.buffers()))
        assert live.totals.trainable_params == _numel(p for p in model.parameters() if p.requires_grad)
    if network is None:
        return
    ours = analyze_network(network)
    if path.stem not in LAZY:
        assert (live.totals.params, live.totals.trainable_params, live.totals.buffers, live.totals.macs) == \
            (ours.totals.params, ours.totals.trainable_params, ours.totals.buffers, ours.totals.macs)

    report = verify(network, ours)
    assert report.ok, (report.refused, report.notes,
                       [(x.name, [c for c in x.cells if not c.ok]) for x in report.mismatches])

    target = tmp_path / "net.py"
    target.write_text(python_code(network, ours, path.name), encoding="utf-8")
    with torch.device("meta"):
        exported = runpy.run_path(str(target))["Net"]()
    # The modules forward never calls are written too (in __init__ only): the exported module counts what the
    # original counts (ours.totals, equal to the original's model.parameters() and buffers() above).
    assert (_numel(exported.parameters()), _numel(exported.buffers())) == (ours.totals.params, ours.totals.buffers)
    # ... and freezes what the original freezes (trainable_params: archcalc's, equal to requires_grad's count).
    assert _numel(p for p in exported.parameters() if p.requires_grad) == ours.totals.trainable_params
