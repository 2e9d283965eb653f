"""The layer kinds of issue 13: shapes and counts against Keras' own layers (hypothesis), ceil mode
against a brute force, the notation's round trip, and the error messages word for word."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc import formulas as F
from archcalc.analysis import analyze_network
from archcalc.errors import ArchcalcError
from archcalc.kinds import KERAS_NAMES, KINDS
from archcalc.paper import format_paper, parse_paper
from archcalc.source import load

FAST = settings(max_examples=300, deadline=None, database=None)
KERAS = settings(max_examples=40, deadline=None, database=None)


# -- formulas against brute force ----------------------------------------------------------------

@FAST
@given(n=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4), a=st.integers(0, 3), b=st.integers(0, 3))
def test_ceil_mode_counts_the_windows_that_start_inside(n: int, k: int, s: int, a: int, b: int) -> None:
    """PyTorch's ceil mode: a window j exists when it fits once rounded up and starts before the
    input ends (``j·s − a < n``)."""
    if n + a + b < k:
        return
    brute = sum(1 for j in range(n + a + b + 1) if j * s <= n + a + b - k + s - 1 and j * s - a < n)
    assert F.ceil_output_size(n, k, s, (a, b)) == brute


@FAST
@given(n=st.integers(1, 30), k=st.integers(1, 6), s=st.integers(1, 4))
def test_transposed_valid_output_is_the_last_position_written(n: int, k: int, s: int) -> None:
    """Input i writes outputs i·s .. i·s + k − 1; Keras' valid output covers them (and n·s at least)."""
    written = max(i * s + k - 1 for i in range(n)) + 1
    assert F.transposed_output_size(n, k, s, "valid") == max(written, n * s)


# -- every rank against Keras' layers --------------------------------------------------------------

_RANK_LAYERS = {
    1: ["Conv1D", "SeparableConv1D", "DepthwiseConv1D", "Conv1DTranspose", "MaxPooling1D", "AveragePooling1D",
        "UpSampling1D", "ZeroPadding1D", "Cropping1D", "GlobalMaxPooling1D"],
    2: ["Conv2D", "Conv2DTranspose", "AveragePooling2D", "UpSampling2D", "Cropping2D", "GroupNormalization",
        "LayerNormalization"],
    3: ["Conv3D", "Conv3DTranspose", "MaxPooling3D", "UpSampling3D", "ZeroPadding3D", "Cropping3D",
        "GlobalAveragePooling3D"],
}


@st.composite
def keras_layers(draw: st.DrawFn) -> tuple[str, dict, tuple[int, ...]]:
    rank = draw(st.sampled_from([1, 2, 3]))
    cls = draw(st.sampled_from(_RANK_LAYERS[rank]))
    sizes = tuple(draw(st.integers(6, 12)) for _ in range(rank))
    shape = (*sizes, draw(st.sampled_from([2, 4])))
    kw: dict = {}
    if "Conv" in cls:  # the test's own table of Keras arguments, not archcalc's dispatch
        kw["kernel_size"] = draw(st.integers(1, 3))
        kw["strides"] = draw(st.integers(1, 2))
        kw["padding"] = draw(st.sampled_from(["same", "valid"]))
        if not cls.startswith("Depthwise"):
            kw["filters"] = draw(st.integers(1, 5))
        if cls.endswith("Transpose") and kw["strides"] > 1 and draw(st.booleans()):
            kw["output_padding"] = draw(st.integers(0, kw["strides"] - 1))
        kw["use_bias"] = draw(st.booleans())
    elif "Pooling" in cls and not cls.startswith("Global"):
        kw["pool_size"] = draw(st.integers(1, 3))
        kw["padding"] = draw(st.sampled_from(["same", "valid"]))
    elif cls.startswith("UpSampling"):
        kw["size"] = draw(st.integers(1, 3))
    elif cls.startswith(("ZeroPadding", "Cropping")):
        key = "padding" if cls.startswith("Zero") else "cropping"
        kw[key] = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(rank)) \
            if rank > 1 else (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    elif cls == "GroupNormalization":
        kw["groups"] = 2
    return cls, kw, shape


@KERAS
@given(case=keras_layers())
def test_each_rank_matches_keras_layers(case: tuple[str, dict, tuple[int, ...]]) -> None:
    """Output shape and parameters of archcalc's kind (read through KERAS_NAMES, as the readers do)
    equal the Keras layer's, built on the same input."""
    keras = pytest.importorskip("keras")
    cls, kw, shape = case
    layer = getattr(keras.layers, cls)(**kw)
    out = layer.compute_output_shape((None, *shape))
    layer.build((None, *shape))
    kind_name, preset = KERAS_NAMES[cls]
    kind = KINDS[kind_name]
    args = {**kind.defaults, **kind.keras_defaults, **preset}
    for pname, value in kw.items():
        arg, convert = kind.keras_params[pname]
        args[arg] = convert(value)
    if kind_name in ("maxpool", "avgpool") and args.get("strides") is None:
        args["strides"] = args["pool"]
    try:
        effect = kind.infer(args, [shape])
    except ArchcalcError:
        assert any(d is not None and d < 1 for d in out[1:]), (cls, kw, shape)
        return
    assert effect.shape == tuple(out[1:]), (cls, kw, shape)
    assert effect.weights + effect.biases + effect.non_trainable == layer.count_params(), (cls, kw, shape)


# -- the notation round trip -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["unet", "googlenet_aux", "timeseries_cnn", "volume_cnn", "autoencoder",
                                  "efficientnetb0", "convnexttiny", "mobilenetv3small"])
def test_new_specs_are_written_back_exactly(name: str) -> None:
    from archcalc.graph import canonical

    (net,) = load(name)
    (again,) = parse_paper(format_paper(net))
    a, b = analyze_network(canonical(net)[0]), analyze_network(again)  # the order the writing numbers them
    assert [(r.output_shape, r.params, r.macs, r.rf_size, r.rf_padding) for r in a.rows] == \
        [(r.output_shape, r.params, r.macs, r.rf_size, r.rf_padding) for r in b.rows]


def test_side_outputs_count_once_and_are_outputs() -> None:
    (net,) = load("googlenet_aux")
    outputs = net.outputs
    assert len(outputs) == 3 and outputs[-1] == len(net.nodes) - 1
    assert [net.nodes[i].kind for i in outputs] == ["dense", "dense", "activation"]  # FC-1000 linear + soft-max
    a = analyze_network(net)
    assert a.totals.params == sum(r.params for r in a.rows)


def test_transposed_conv_explains_its_formula() -> None:
    (net,) = parse_paper("input 7x7x8\ndeconv3-4 stride=2 output_padding=1")
    working = analyze_network(net).rows[0].explain
    assert working[0] == "H = W: (7 − 1)·2 − 2·1 + 3 + 1 = 14   ((in − 1)·s − 2p + k + output_padding)"


def test_squeeze_and_excitation_broadcasts() -> None:
    (net,) = parse_paper("input 14x14x96\nmultiply\n  identity\n  branch\n    global-avgpool keepdims=true\n"
                         "    conv1-24\n    conv1-96 activation=sigmoid")
    row = analyze_network(net).rows[-1]
    assert row.output_shape == (14, 14, 96) and row.rf_size == (14, 14)


def test_embedding_then_1d_convolution() -> None:
    (net,) = parse_paper("input 400 flat\nembedding 20000-128\nconv5-64 padding=valid\nglobal-maxpool\nFC-1")
    a = analyze_network(net)
    assert [r.output_shape for r in a.rows] == [(400, 128), (396, 64), (64,), (1,)]
    assert a.rows[0].params == 20000 * 128 and a.rows[1].rf_size == (5,)
    assert math.prod(a.rows[1].output_shape) == a.rows[1].activations


# -- errors, word for word -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("input 8x8x4\ndeconv3-4 stride=2 output_padding=2",
     "<text>:2:1: deconv: output_padding 2 must be smaller than the stride 2"),
    ("input 8x8x4\ncrop 4", "<text>:2:1: crop removes all of H: 8 − 4 − 4 = 0"),
    ("input 8x8x4\nmultiply\n  identity\n  branch\n    conv1-8",
     "<text>:2:1: `multiply` needs branches of one shape (an axis of 1 may stretch), but branch 1 gives "
     "8x8x4, branch 2 gives 8x8x8"),
    ("input 8x8x4\nconv3-4 from stem", "<text>:2:1: `from stem`: no layer before this line is labelled `stem`"),
    ("input 8x8x4\noutput\n  conv1-4", "<text>:2:1: `output` needs a name"),
    ("input 100x3 sequence\nconv3-4 padding=causal\nconv3x5-4",
     "<text>:3:1: conv: the kernel 3x5 has 2 sizes but its input has 1 spatial axis"),
    ("input 8x8x4\nconv3-4 padding=causal", "<text>:2:1: conv: padding=causal is for sequences (steps x C), "
     "the input has 2 spatial axes"),
    ("input 8x8x4\ndecov2-32", "<text>:2:1: unknown layer kind `decov2-32`"),
])
def test_errors_say_where_and_what(text: str, message: str) -> None:
    with pytest.raises(ArchcalcError) as e:
        analyze_network(parse_paper(text)[0])
    assert str(e.value).splitlines()[0] == message


def test_a_misspelt_transposed_conv_gets_the_right_suggestion() -> None:
    with pytest.raises(ArchcalcError) as e:
        parse_paper("input 8x8x4\ndecov2-32")
    assert e.value.hint == "did you mean `deconv2-32`?"
    (net,) = parse_paper("input 8x8x4\ndeconv2-32 stride=2")  # the word itself reads
    assert analyze_network(net).rows[0].output_shape == (16, 16, 32)
