"""Receptive fields with offsets: effective padding, union of windows at merges, any rank, strides below one.

The independent answer is a brute force on an unbounded line: each layer maps an output position to
the input positions it reads (a window starts at ``o·s − padding_before``; zero padding and cropping
shift positions), the sets are followed back to the network's input and merged by set union. The
field of output position 0 is the extent of that set, its effective padding how far the set starts
before the input's first pixel, the jump the distance between the sets of positions 0 and 1.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from archcalc.analysis import analyze_network
from archcalc.errors import ShapeError
from archcalc.paper import parse_paper

SLOW = settings(max_examples=120, deadline=None, database=None)

# One layer of a 1-D chain, along H (W = 1): (text, function output position → input positions).
Layer = tuple[str, object]


def _window(k: int, s: int, d: int, before: int):
    return lambda o: {o * s - before + t * d for t in range(k)}


@st.composite
def layers(draw: st.DrawFn) -> Layer:
    """A layer whose window may sit off-centre: asymmetric zero padding, cropping, padded convs."""
    choice = draw(st.sampled_from(["conv", "padconv", "pool", "zeropad", "crop"]))
    k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    a, b = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    if choice == "conv":
        return f"conv{k}x1-2 padding=valid stride={s}x1 dilation={d}x1 activation=none", _window(k, s, d, 0)
    if choice == "padconv":
        return f"conv{k}x1-2 padding=(({a},{b}),(0,0)) stride={s}x1 activation=none", _window(k, s, 1, a)
    if choice == "pool":
        return f"maxpool{k}x1 stride={s}x1", _window(k, s, 1, 0)
    if choice == "zeropad":
        return f"zeropad (({a},{b}),(0,0))", lambda o: {o - a}
    return f"crop (({a},{b}),(0,0))", lambda o: {o + a}


def _back(chain: list[Layer], positions: set[int]) -> set[int]:
    for _text, fn in reversed(chain):
        positions = set().union(*(fn(p) for p in positions))  # type: ignore[operator]
    return positions


def _length(lines: list[str]) -> int:
    (net,) = parse_paper("input 60x1x2\n" + "\n".join(lines))
    return analyze_network(net).rows[-1].output_shape[0] if lines else 60


@SLOW
@given(a=st.lists(layers(), min_size=1, max_size=4), b=st.lists(layers(), min_size=0, max_size=4))
def test_field_of_a_merge_is_the_union_of_offset_windows(a: list[Layer], b: list[Layer]) -> None:
    """Two branches of off-centre windows added: size, jump and effective padding match the brute force."""
    from math import prod

    def stride(chain: list[Layer]) -> int:
        return prod(len(fn(1)) and min(fn(1)) - min(fn(0)) for _t, fn in chain)  # type: ignore[operator]

    assume(stride(a) == stride(b))  # the branches of a merge share a grid
    ta, tb = [t for t, _ in a], [t for t, _ in b]
    try:
        la, lb = _length(ta), _length(tb)
    except ShapeError:
        assume(False)
    # Pad the shorter branch at its end (position 0's field does not move) so the shapes agree.
    if la < lb:
        ta.append(f"zeropad ((0,{lb - la}),(0,0))")
    elif lb < la:
        tb.append(f"zeropad ((0,{la - lb}),(0,0))")
    branch_a = "\n".join("    " + t for t in ta)
    branch_b = "\n".join("    " + t for t in tb) or None
    text = "input 60x1x2\nconv1-2 activation=none\nadd\n  branch\n" + branch_a + "\n" + (
        "  branch\n" + branch_b if branch_b else "  identity")
    (net,) = parse_paper(text)
    row = analyze_network(net).rows[-1]
    first = _back(a, {0}) | (_back(b, {0}) if b else {0})
    second = _back(a, {1}) | (_back(b, {1}) if b else {1})
    assert row.rf_size[0] == max(first) - min(first) + 1, text
    assert row.rf_padding[0] == -min(first), text
    assert row.rf_stride[0] == min(second) - min(first), text
    assert row.rf_size[1] == 1 and row.rf_padding[1] == 0


@pytest.mark.parametrize(("branches", "size", "padding"), [
    # The issue's examples: archcalc took the larger field (3, and 2) before it took the union.
    ("  branch\n    conv3-4 activation=none\n  branch\n    zeropad ((0,2),(0,2))\n"
     "    conv3-4 padding=valid activation=none", 4, 1),
    ("  branch\n    zeropad ((1,0),(1,0))\n    conv2-4 padding=valid activation=none\n"
     "  branch\n    zeropad ((0,1),(0,1))\n    conv2-4 padding=valid activation=none", 3, 1),
])
def test_the_issue_examples(branches: str, size: int, padding: int) -> None:
    (net,) = parse_paper("input 16x16x4\nadd\n" + branches)
    row = analyze_network(net).rows[-1]
    assert row.rf_size == (size, size) and row.rf_padding == (padding, padding)


def test_vgg16_effective_padding_matches_google_research_table() -> None:
    """google-research/receptive_field, README table: vgg_16 pool5 — size 212, stride 32, padding 90."""
    from archcalc.source import load

    (net,) = load("vgg16")
    rows = analyze_network(net).rows
    pool5 = [r for r in rows if r.kind == "maxpool"][-1]
    assert (pool5.rf_size, pool5.rf_stride, pool5.rf_padding) == ((212, 212), (32, 32), (90, 90))


def test_every_rank_and_axis_has_its_own_field() -> None:
    (seq,) = parse_paper("input 100x3 sequence\nconv5-8 padding=valid\nmaxpool3 stride=2\nconv3-8")
    assert [r.rf_size for r in analyze_network(seq).rows] == [(5,), (7,), (11,)]
    (vol,) = parse_paper("input 16x32x32x1\nconv1x3x3-8\nconv3x1x1-8 padding=valid")
    last = analyze_network(vol).rows[-1]
    assert last.rf_size == (3, 3, 3) and last.rf_padding == (0, 1, 1)


def test_strides_below_one_through_a_decoder() -> None:
    """A 2x2/2 transposed conv gives each output exactly one input: the field does not grow, the jump halves."""
    (net,) = parse_paper("input 32x32x3\nconv3-8 stride=2 padding=valid\ndeconv2-8 stride=2\nupsample2\nconv3-4")
    rows = analyze_network(net).rows
    assert [r.rf_stride[0] for r in rows] == [2, 1, Fraction(1, 2), Fraction(1, 2)]
    assert [r.rf_size[0] for r in rows] == [3, 3, 3, 4]  # 3 + 2·½ = 4
