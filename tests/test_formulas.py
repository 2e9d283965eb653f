"""Property tests of the integer formulas and the layer kinds' counts, against brute force.

Every expected value here is computed from first principles, never from archcalc: output sizes by
enumerating window positions over an explicitly padded axis, parameters by listing each weight of
a layer, MACs by walking the loops a naive convolution would run, and receptive fields by
propagating the set of input indices an output value depends on. The references are slow but
obviously right, so the sizes drawn are kept small (at most 64 along an axis).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc import formulas as F
from archcalc.analysis import analyze_network
from archcalc.kinds import KINDS, PAPER_CONV
from archcalc.paper import parse_paper

# The database is off so that a run leaves nothing behind; deadline=None because the brute-force
# references are deliberately slow and the timing of one example says nothing about archcalc.
FAST = settings(max_examples=300, deadline=None, database=None)
SLOW = settings(max_examples=80, deadline=None, database=None)

sizes = st.integers(1, 64)
kernels = st.integers(1, 7)
strides = st.integers(1, 5)
dilations = st.integers(1, 3)
pads = st.integers(0, 4)

Chain = list[tuple[int, int, int]]  # 1-D windows along one axis: (kernel, stride, dilation)


# ---------------------------------------------------------------------------------------------
# Brute-force references.

def window_starts(size: int, kernel: int, stride: int, dilation: int, before: int, after: int) -> list[int]:
    """Start positions of every window that fits in a padded axis.

    The axis is ``before`` zeros, ``size`` pixels, ``after`` zeros; a window starts at 0, stride,
    2·stride, … and touches ``start + j·dilation`` for ``j < kernel``. It counts when every pixel
    it touches lies inside the padded axis. No formula is involved: the positions are enumerated.
    """
    padded = before + size + after
    starts = []
    for start in range(0, padded, stride):
        touched = [start + j * dilation for j in range(kernel)]
        if all(0 <= t < padded for t in touched):
            starts.append(start)
    return starts


def window_count(size: int, kernel: int, stride: int, dilation: int, before: int, after: int) -> int:
    """How many windows fit: the output length of a convolution along this axis."""
    return len(window_starts(size, kernel, stride, dilation, before, after))


def ceil_div(a: int, b: int) -> int:
    """``⌈a / b⌉`` by counting the blocks of ``b`` needed to cover ``a`` (no floating point)."""
    blocks = 0
    while blocks * b < a:
        blocks += 1
    return blocks


def conv_weight_set(kh: int, kw: int, channels: int, filters: int, groups: int) -> set[tuple[int, ...]]:
    """Every weight of a grouped convolution, named by (row, column, input channel, filter).

    Filter ``f`` belongs to group ``f // (filters/groups)`` and sees exactly the input channels of
    that group; it has one weight per kernel cell for each of them.
    """
    per_group_in, per_group_out = channels // groups, filters // groups
    return {(y, x, c, f)
            for f in range(filters)
            for c in range(channels) if c // per_group_in == f // per_group_out
            for y in range(kh) for x in range(kw)}


def grouped_convs() -> st.SearchStrategy[tuple[int, int, int, int, int]]:
    """(kh, kw, channels, filters, groups) with groups dividing both channels and filters."""
    return st.tuples(kernels, kernels, st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)).map(
        lambda t: (t[0], t[1], t[2] * t[4], t[3] * t[4], t[4]))


def depends_on(chain: Chain, output_index: int) -> set[int]:
    """Input indices that one output value of a chain of 1-D windows depends on.

    Walks the chain backwards from ``{output_index}``: output ``i`` of a layer (kernel ``k``,
    stride ``s``, dilation ``d``, no padding) reads inputs ``i·s + j·d`` for ``j < k``.
    """
    indices = {output_index}
    for kernel, stride, dilation in reversed(chain):
        indices = {i * stride + j * dilation for i in indices for j in range(kernel)}
    return indices


def brute_field(chain: Chain) -> tuple[int, int]:
    """(size, jump) of the receptive field of a chain: the span output 0 sees, and how far the
    span of output 1 is shifted from it."""
    first, second = depends_on(chain, 0), depends_on(chain, 1)
    return max(first) - min(first) + 1, min(second) - min(first)


def smallest_input(chain: Chain) -> int:
    """The smallest input length for which every layer of the chain keeps at least one value."""
    return max(depends_on(chain, 0)) + 1


# ---------------------------------------------------------------------------------------------
# 1. Output sizes.

@FAST
@given(n=sizes, k=kernels, d=dilations)
def test_effective_kernel_is_the_span_of_the_taps(n: int, k: int, d: int) -> None:
    """A dilated kernel covers the pixels from its first tap to its last one."""
    taps = [j * d for j in range(k)]
    assert F.effective_kernel(k, d) == max(taps) - min(taps) + 1


@FAST
@given(n=sizes, k=kernels, s=strides, p=pads, d=dilations)
def test_output_size_with_explicit_padding_counts_window_positions(n: int, k: int, s: int, p: int,
                                                                    d: int) -> None:
    """An int padding adds ``p`` zeros on each side; the output is how many windows fit."""
    expected = window_count(n, k, s, d, p, p)
    # The docstring allows "0 or less" when no window fits: only the sign matters there.
    assert max(F.conv_output_size(n, k, s, p, d), 0) == expected
    assert F.padding_total(n, k, s, p, d) == 2 * p


@FAST
@given(n=sizes, k=kernels, s=strides, d=dilations)
def test_output_size_valid_counts_window_positions(n: int, k: int, s: int, d: int) -> None:
    """'valid' adds no zeros: the windows must fit in the image itself."""
    assert max(F.conv_output_size(n, k, s, "valid", d), 0) == window_count(n, k, s, d, 0, 0)
    assert F.padding_total(n, k, s, "valid", d) == 0


@FAST
@given(n=sizes, k=kernels, s=strides, d=dilations)
def test_same_padding_follows_tensorflow(n: int, k: int, s: int, d: int) -> None:
    """'same' gives ⌈n/s⌉ (TensorFlow's documented rule), and padding_total zeros achieve it.

    The total is split the way TensorFlow does (the odd pixel after), and must be the least that
    works: one zero fewer would lose an output position.
    """
    want = ceil_div(n, s)
    assert F.conv_output_size(n, k, s, "same", d) == want
    total = F.padding_total(n, k, s, "same", d)
    assert total >= 0
    assert window_count(n, k, s, d, total // 2, total - total // 2) == want
    if total > 0:
        fewer = total - 1
        assert window_count(n, k, s, d, fewer // 2, fewer - fewer // 2) < want


# ---------------------------------------------------------------------------------------------
# 2. Parameters.

@FAST
@given(conv=grouped_convs(), bias=st.booleans())
def test_conv_parameters_count_every_weight(conv: tuple[int, int, int, int, int], bias: bool) -> None:
    """``conv_weights`` and the conv kind count each kernel weight once, plus a bias per filter."""
    kh, kw, c, d, g = conv
    weights = len(conv_weight_set(kh, kw, c, d, g))
    assert F.conv_weights(kh, kw, c, d, g) == weights
    args = dict(PAPER_CONV, kernel=(kh, kw), filters=d, groups=g, bias=bias)
    effect = KINDS["conv"].infer(args, [(16, 16, c)])
    assert effect.weights == weights
    assert effect.biases == (d if bias else 0)
    assert effect.non_trainable == 0


@FAST
@given(n_in=st.integers(1, 40), units=st.integers(1, 40), bias=st.booleans())
def test_dense_parameters_count_every_connection(n_in: int, units: int, bias: bool) -> None:
    """A dense layer has one weight per (input, unit) pair and one bias per unit."""
    connections = sum(1 for _i, _u in itertools.product(range(n_in), range(units)))
    assert F.dense_weights(n_in, units) == connections
    effect = KINDS["dense"].infer(dict(KINDS["dense"].defaults, units=units, bias=bias), [(n_in,)])
    assert (effect.weights, effect.biases) == (connections, units if bias else 0)


@FAST
@given(h=st.integers(1, 5), w=st.integers(1, 5), c=st.integers(1, 5), units=st.integers(1, 9),
       flatten=st.booleans())
def test_dense_on_a_feature_map(h: int, w: int, c: int, units: int, flatten: bool) -> None:
    """The paper's FC flattens a map first (every value connects to every unit); Keras' Dense
    (flatten=false) shares one kernel over the last axis at every position."""
    effect = KINDS["dense"].infer(dict(KINDS["dense"].defaults, units=units, flatten=flatten),
                                  [(h, w, c)])
    inputs = [(y, x, ch) for y in range(h) for x in range(w) for ch in range(c)]
    if flatten:
        kernel = {(i, u) for i in range(len(inputs)) for u in range(units)}
        assert effect.shape == (units,)
        assert effect.macs == len(kernel)  # one MAC per weight, applied once
    else:
        kernel = {(ch, u) for ch in range(c) for u in range(units)}
        assert effect.shape == (h, w, units)
        assert effect.macs == sum(1 for _y, _x in itertools.product(range(h), range(w))) * len(kernel)
    assert effect.weights == len(kernel)


@FAST
@given(kh=kernels, kw=kernels, c=st.integers(1, 8), m=st.integers(1, 3), bias=st.booleans())
def test_depthwise_parameters(kh: int, kw: int, c: int, m: int, bias: bool) -> None:
    """A depthwise conv gives each input channel its own ``m`` filters of kh x kw weights."""
    weights = {(ch, j, y, x) for ch in range(c) for j in range(m) for y in range(kh) for x in range(kw)}
    out_channels = {(ch, j) for ch in range(c) for j in range(m)}
    kind = KINDS["depthwise"]
    effect = kind.infer(dict(kind.defaults, kernel=(kh, kw), multiplier=m, bias=bias), [(9, 9, c)])
    assert effect.weights == len(weights)
    assert effect.biases == (len(out_channels) if bias else 0)
    assert effect.shape[2] == len(out_channels)


@FAST
@given(kh=kernels, kw=kernels, c=st.integers(1, 8), m=st.integers(1, 3), d=st.integers(1, 8),
       bias=st.booleans())
def test_separable_parameters(kh: int, kw: int, c: int, m: int, d: int, bias: bool) -> None:
    """A separable conv is a depthwise conv (no bias) then a 1x1 conv with ``d`` filters (bias)."""
    depthwise = {(ch, j, y, x) for ch in range(c) for j in range(m) for y in range(kh) for x in range(kw)}
    pointwise = {(ch, j, f) for ch in range(c) for j in range(m) for f in range(d)}
    kind = KINDS["separable"]
    effect = kind.infer(dict(kind.defaults, kernel=(kh, kw), filters=d, multiplier=m, bias=bias),
                        [(9, 9, c)])
    assert effect.weights == len(depthwise) + len(pointwise)
    assert effect.biases == (d if bias else 0)


@FAST
@given(c=st.integers(1, 64), center=st.booleans(), scale=st.booleans())
def test_batchnorm_parameters(c: int, center: bool, scale: bool) -> None:
    """Batch norm keeps gamma, beta (trained, each optional) and a moving mean and variance per
    channel (not trained), as Keras counts them."""
    trained = [(name, ch) for ch in range(c) for name, on in (("gamma", scale), ("beta", center)) if on]
    kept = [(name, ch) for ch in range(c) for name in ("moving_mean", "moving_variance")]
    kind = KINDS["batchnorm"]
    effect = kind.infer(dict(kind.defaults, center=center, scale=scale), [(4, 4, c)])
    assert effect.weights == sum(1 for name, _ in trained if name == "gamma")
    assert effect.biases == sum(1 for name, _ in trained if name == "beta")
    assert effect.non_trainable == len(kept)


# ---------------------------------------------------------------------------------------------
# 3. MACs.

@st.composite
def small_convs(draw: st.DrawFn) -> dict:
    """A small conv layer and an input it fits: sizes for which the brute-force loops stay fast."""
    kh, kw, c, d, g = draw(st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
                                     st.integers(1, 3), st.integers(1, 2)).map(
        lambda t: (t[0], t[1], t[2] * t[4], t[3] * t[4], t[4])))
    padding = draw(st.one_of(st.sampled_from(["same", "valid"]), st.integers(0, 2)))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    h = draw(st.integers(dilation[0] * (kh - 1) + 1, 9))
    w = draw(st.integers(dilation[1] * (kw - 1) + 1, 9))
    return {"kernel": (kh, kw), "channels": c, "filters": d, "groups": g, "padding": padding,
            "strides": strides, "dilation": dilation, "shape": (h, w, c)}


def axis_padding(size: int, kernel: int, stride: int, dilation: int, padding: object) -> tuple[int, int]:
    """Zeros before and after along one axis, derived without archcalc.

    'same' pads the least total that gives ⌈n/s⌉ windows (searched for, not computed), the odd
    zero going after, as TensorFlow does.
    """
    if padding == "valid":
        return 0, 0
    if padding == "same":
        want, total = ceil_div(size, stride), 0
        while window_count(size, kernel, stride, dilation, total // 2, total - total // 2) < want:
            total += 1
        return total // 2, total - total // 2
    return int(padding), int(padding)  # type: ignore[call-overload]


@SLOW
@given(conv=small_convs())
def test_conv_macs_count_the_loops(conv: dict) -> None:
    """One multiply-accumulate per (output position, filter, input channel of its group, kernel
    cell): the loops of a naive convolution, padded positions included (zeros are multiplied too,
    the convention of Keras, torchinfo and the CS231n notes)."""
    (kh, kw), c, d, g = conv["kernel"], conv["channels"], conv["filters"], conv["groups"]
    (h, w, _), (sh, sw), (dh, dw) = conv["shape"], conv["strides"], conv["dilation"]
    rows = window_starts(h, kh, sh, dh, *axis_padding(h, kh, sh, dh, conv["padding"]))
    cols = window_starts(w, kw, sw, dw, *axis_padding(w, kw, sw, dw, conv["padding"]))
    macs = 0
    for _oy, _ox in itertools.product(rows, cols):
        for f in range(d):
            for ch in range(c):
                if ch // (c // g) != f // (d // g):
                    continue  # another group's channel: never multiplied by this filter
                for _ky, _kx in itertools.product(range(kh), range(kw)):
                    macs += 1
    args = dict(PAPER_CONV, kernel=(kh, kw), filters=d, groups=g, strides=conv["strides"],
                padding=conv["padding"] if isinstance(conv["padding"], str) else (conv["padding"],) * 2,
                dilation=conv["dilation"])
    effect = KINDS["conv"].infer(args, [conv["shape"]])
    assert effect.shape == (len(rows), len(cols), d)
    assert effect.macs == macs
    assert F.conv_macs(len(rows), len(cols), kh, kw, c, d, g) == macs


@SLOW
@given(conv=small_convs(), multiplier=st.integers(1, 2), separable=st.booleans())
def test_depthwise_and_separable_macs_count_the_loops(conv: dict, multiplier: int, separable: bool) -> None:
    """A depthwise conv multiplies each channel by its own ``m`` kernels at every position; a
    separable conv then mixes the ``C·m`` results with a 1x1 conv: one MAC per (position,
    intermediate channel, filter)."""
    (kh, kw), c, d = conv["kernel"], conv["channels"], conv["filters"]
    (h, w, _), (sh, sw), (dh, dw) = conv["shape"], conv["strides"], conv["dilation"]
    rows = window_starts(h, kh, sh, dh, *axis_padding(h, kh, sh, dh, conv["padding"]))
    cols = window_starts(w, kw, sw, dw, *axis_padding(w, kw, sw, dw, conv["padding"]))
    macs = 0
    for _oy, _ox in itertools.product(rows, cols):
        for _ch, _j in itertools.product(range(c), range(multiplier)):
            for _ky, _kx in itertools.product(range(kh), range(kw)):
                macs += 1  # depthwise: this channel's j-th kernel
            if separable:
                for _f in range(d):
                    macs += 1  # pointwise: intermediate channel (ch, j) into filter f
    kind = KINDS["separable" if separable else "depthwise"]
    args = dict(kind.defaults, kernel=(kh, kw), multiplier=multiplier, strides=conv["strides"],
                padding=conv["padding"] if isinstance(conv["padding"], str) else (conv["padding"],) * 2,
                dilation=conv["dilation"])
    if separable:
        args["filters"] = d
    effect = kind.infer(args, [conv["shape"]])
    assert effect.shape == (len(rows), len(cols), d if separable else c * multiplier)
    assert effect.macs == macs


# ---------------------------------------------------------------------------------------------
# 4. Receptive field.

windows_1d = st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(1, 2))  # kernel, stride, dilation


@FAST
@given(chain=st.lists(windows_1d, min_size=1, max_size=6))
def test_field_through_matches_the_dependency_set(chain: Chain) -> None:
    """``Field.through`` (fed the dilated kernel) gives the span and jump of the input indices that
    output 0 depends on."""
    field = F.Field()
    for kernel, stride, dilation in chain:
        field = field.through(F.effective_kernel(kernel, dilation), stride)
    assert (field.size, field.jump) == brute_field(chain)


@st.composite
def window_chains(draw: st.DrawFn) -> tuple[list[str], Chain, Chain]:
    """Spec lines of valid convs and pools with rectangular windows, and each axis' 1-D chain."""
    lines: list[str] = []
    rows: Chain = []
    cols: Chain = []
    for _ in range(draw(st.integers(1, 6))):
        kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
        sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        k = str(kh) if kh == kw else f"{kh}x{kw}"
        s = str(sh) if sh == sw else f"{sh}x{sw}"
        if draw(st.booleans()):
            dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
            dil = "" if dh == dw == 1 else f" dilation={dh}x{dw}"
            lines.append(f"conv{k}-{draw(st.integers(1, 4))} padding=valid stride={s}{dil}")
        else:
            dh = dw = 1
            lines.append(f"maxpool{k} stride={s}")
        rows.append((kh, sh, dh))
        cols.append((kw, sw, dw))
    return lines, rows, cols


@SLOW
@given(spec=window_chains(), extra_h=st.integers(0, 5), extra_w=st.integers(0, 5))
def test_analysis_receptive_field_matches_the_dependency_set(
        spec: tuple[list[str], Chain, Chain], extra_h: int, extra_w: int) -> None:
    """Each row's rf_size/rf_stride is the brute-force field of the chain up to that row, per axis.

    The input is just big enough (plus a little) that no map shrinks below 1x1; the output sizes
    are checked too, by counting window positions layer by layer.
    """
    lines, rows, cols = spec
    h, w = smallest_input(rows) + extra_h, smallest_input(cols) + extra_w
    analysis = analyze_network(parse_paper(f"input {h}x{w}x2\n" + "\n".join(lines))[0])
    assert len(analysis.rows) == len(lines)
    for i, row in enumerate(analysis.rows):
        fh, fw = brute_field(rows[: i + 1]), brute_field(cols[: i + 1])
        assert row.rf_size == (fh[0], fw[0]), lines[: i + 1]
        assert row.rf_stride == (fh[1], fw[1]), lines[: i + 1]
        k, s, d = rows[i]
        h = window_count(h, k, s, d, 0, 0)
        k, s, d = cols[i]
        w = window_count(w, k, s, d, 0, 0)
        assert row.output_shape[:2] == (h, w)
    assert analysis.receptive_field == analysis.rows[-1].rf_size


@pytest.mark.parametrize(("spec", "size"), [
    # Hand-checked: two 3x3 convs see 5x5; a 2x2/2 pool then a 3x3 conv sees 2 + 2·2 = 6.
    ("conv3-4 padding=valid\nconv3-4 padding=valid", 5),
    ("maxpool\nconv3-4 padding=valid", 6),
])
def test_receptive_field_examples(spec: str, size: int) -> None:
    """Two fixed points, so a wrong brute force cannot agree with a wrong formula unnoticed."""
    analysis = analyze_network(parse_paper("input 16x16x1\n" + spec)[0])
    assert analysis.rows[-1].rf_size == (size, size)
