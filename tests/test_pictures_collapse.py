"""`draw --collapse`: one box per block or run of equal layers, the numbers of the boxes adding up to the network's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import archcalc
from archcalc.analysis import analyze_network
from archcalc.cli import main
from archcalc.pictures.collapse import collapse
from archcalc.source import bundled_names, load


@pytest.mark.parametrize("name", bundled_names())
def test_units_partition_the_layers_and_add_up(name: str) -> None:
    for network in load(name):
        _check_units(analyze_network(network))


def _check_units(a: archcalc.Analysis) -> None:
    c = collapse(a)
    layers = [i for u in c.rows for i in u.layers]
    assert layers == [r.index for r in a.rows]  # every layer in exactly one unit, in order
    assert sum(u.params for u in c.rows) == a.totals.params
    assert sum(u.activations for u in c.rows) == a.totals.activations
    by_row = {r.index: r for r in a.rows}
    for u in c.rows:
        assert all(0 <= i < u.index for i in u.inputs)  # a unit reads units before it
        assert u.output_shape == tuple(by_row[u.layers[-1]].output_shape)
    assert c.layer_count == len(a.rows)


def test_resnet50_is_ten_boxes_named_as_its_spec() -> None:
    names = [u.name for u in collapse(archcalc.analyze("resnet50")).rows]
    assert names == ["stem", "bottleneck(64)", "identity_bottleneck(64) x2", "bottleneck(128,stride=2)",
                     "identity_bottleneck(128) x3", "bottleneck(256,stride=2)", "identity_bottleneck(256) x5",
                     "bottleneck(512,stride=2)", "identity_bottleneck(512) x2", "head"]


def test_a_run_of_layers_is_one_box() -> None:
    c = collapse(archcalc.analyze("input 8x8x1\nconv3-4 x3\nmaxpool\nconv3-4 x2\nFC-10"))
    assert [(u.name, u.inputs) for u in c.rows] == [("conv3-4 x3", (0,)), ("maxpool", (1,)), ("conv3-4 x2", (2,)),
                                                    ("FC-10", (3,))]
    assert c.rows[0].params == (9 + 1) * 4 + 2 * (36 + 1) * 4


def test_draw_collapse_writes_one_block_per_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "r.svg"
    with pytest.raises(SystemExit) as exc:
        main(["draw", "resnet50", "--collapse", "-o", str(target)])
    assert exc.value.code == 0
    assert "176 layers in 10 boxes" in capsys.readouterr().out
    svg = target.read_text()
    assert "176 layers" in svg and ">identity_bottleneck(256)</text>" in svg and ">x5</text>" in svg
    assert len(re.findall(r'<g class="block', svg)) == 11  # the input and the ten units


def test_1d_and_3d_maps_are_drawn_as_maps_not_as_flat_vectors() -> None:
    """A sequence (steps x C) and a volume (D x H x W x C) get boxes of their own, not the FC bar."""
    from archcalc.pictures.layout import _volume, bar, side, thickness

    w, h, dx, dy = _volume("conv", (500, 64))
    assert (w, h) == (thickness(64), side(500)) and (dx, dy) != (5.0, 4.0)
    assert _volume("conv", (16, 32, 32, 8)) == _volume("conv", (32, 32, 8))  # D is in the label
    assert _volume("fc", (4096,)) == (12.0, bar(4096), 5.0, 4.0)
