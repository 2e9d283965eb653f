"""Very deep specs (issue 17): the limit of 100,000 layers is reachable, equal layers are read and
inferred once without changing a number, and the JSON of a deep network is complete. Behaviour only:
benchmarks/deep.py times it."""

from __future__ import annotations

import gc
import json

import pytest

import archcalc.analysis as analysis
from archcalc import analyze, parse
from archcalc.analysis import analyze_network
from archcalc.cli import main
from archcalc.errors import ShapeError, SpecError
from archcalc.limits import MAX_LAYERS
from archcalc.network import Network, Node
from archcalc.render import JSON_INDENTED_LAYERS, json_text
from archcalc.source import bundled_files, load


def test_a_network_of_max_layers_is_read_and_one_more_is_refused() -> None:
    """`relu x100000` is 100,000 layers (the input is no layer of the table)."""
    a = analyze(f"input 8x8x1\nrelu x{MAX_LAYERS}")
    assert len(a.rows) == MAX_LAYERS and a.rows[-1].index == MAX_LAYERS
    with pytest.raises(SpecError, match=f"would have {MAX_LAYERS + 1:,} layers"):
        parse(f"input 8x8x1\nrelu x{MAX_LAYERS}\nrelu")


def _uncached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "_inference_key", lambda *_: None)


@pytest.mark.parametrize("name", sorted({f.stem for f in bundled_files()}))
def test_inferring_equal_layers_once_changes_no_number(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every bundled network analysed with the cache of inferences and without it: the same rows."""
    for network in load(name):
        cached = analyze_network(network, count_bias=False)
        with monkeypatch.context() as m:
            _uncached(m)
            assert analyze_network(network, count_bias=False) == cached


def test_equal_options_of_other_types_are_not_confused(monkeypatch: pytest.MonkeyPatch) -> None:
    """`0`, `0.0` and `False` are equal keys in Python: an option's type is part of the cache's key, so a
    network built by hand with such options gets what the kinds make of each (both readers normalise them)."""
    assert len({analysis._inference_key("dropout", {"rate": v}, [(8,)]) for v in (0, 0.0, False)}) == 3
    nodes = [Node("input", {"shape": (8,)}), Node("dropout", {"rate": 0}, (0,)), Node("dropout", {"rate": 0.0}, (1,)),
             Node("dropout", {"rate": 0}, (2,))]
    network = Network("n", nodes)
    cached = analyze_network(network)
    _uncached(monkeypatch)
    assert analyze_network(network) == cached


def test_a_line_read_again_is_placed_at_its_own_line() -> None:
    """Lines of the same text are read once; each layer still points at its own line."""
    network = parse("input 8x8x1\nconv3-4\nrelu\nconv3-4\nrelu\nFC-10\nconv3-4\n")[0]
    assert [n.location.line for n in network.nodes[1:]] == [2, 4, 6, 7]
    with pytest.raises(ShapeError) as e:
        analyze_network(network)
    assert e.value.location is not None and e.value.location.line == 7


def test_folded_activations_of_equal_lines_stay_apart() -> None:
    """`conv3-4` then `relu` folds the relu into that conv only; the same line before batchnorm stays linear."""
    a = analyze("input 8x8x1\nconv3-4\nrelu\nconv3-4\nbatchnorm\nconv3-4\nsigmoid\nconv3-4\n")
    assert [r.activation for r in a.rows if r.kind == "conv"] == ["relu", None, "sigmoid", "relu"]


def test_the_json_of_a_deep_network_has_every_layer_one_a_line(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    layers = JSON_INDENTED_LAYERS + 1
    spec = tmp_path / "deep.txt"
    spec.write_text("input 8x8x3\n" + "conv3-4\nbatchnorm\nrelu\n" * (layers // 3) + "relu\n" * (layers % 3))
    with pytest.raises(SystemExit):
        main(["summary", str(spec), "--format", "json", "--explain"])
    out = capsys.readouterr().out
    doc = json.loads(out)
    a = analyze(str(spec))
    assert doc == json.loads(json.dumps(json.loads(json_text([a], explain=True))))
    assert len(doc["layers"]) == layers and doc["layers"][-1]["explain"][-1].startswith("memory = 8·8·4")
    lines = out.splitlines()
    assert lines[:3] == ["{", '  "network": "deep",', '  "input_shape": ['] and lines.count("  \"layers\": [") == 1
    first = lines.index('  "layers": [') + 1
    assert all(line.startswith('    {"index": ') for line in lines[first:first + layers])
    assert json.loads(lines[first].rstrip(","))["name"] == "conv3-4 activation=none"  # batchnorm follows


def test_a_shallow_network_keeps_its_indented_json(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["compare", "vgg16", "lenet5", "--format", "json"])
    out = capsys.readouterr().out
    assert out == json.dumps(json.loads(out), indent=2) + "\n"


def test_the_collector_is_back_on_after_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert gc.isenabled()
    with pytest.raises(SystemExit):
        main(["summary", "vgg16"])
    capsys.readouterr()
    assert gc.isenabled()
