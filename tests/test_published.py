"""Bundled specs against published numbers: papers, torchvision, Keras, the tutorials' summaries.

The expected values are typed in from the sources named in each spec's header comment, never
taken from archcalc's own output.
"""

from __future__ import annotations

import os

import pytest

import archcalc

# (spec, network) -> total parameters, from the source named in the spec's header.
PUBLISHED_PARAMS = {
    ("vgg16", None): 138_357_544,           # keras.applications.VGG16
    ("vgg19", None): 143_667_240,           # keras.applications.VGG19
    ("alexnet", "alexnet"): 61_100_840,     # torchvision.models.alexnet docs
    ("alexnet", "alexnet-caffe"): 60_965_224,  # Caffe bvlc_alexnet
    ("lenet5", None): 61_706,               # modern LeNet-5, Keras summary
    ("keras_mnist", None): 50_186,          # printed model.summary() in the DAY 10 notes
    ("keras_cifar10", None): 60_362,        # printed model.summary() in the DAY 10 notes
    ("mnist_cnn", None): 421_642,           # hand-derived in the spec header
    ("steel_defects_cnn", None): 10_333_574,  # hand-derived in the spec header
}


@pytest.mark.parametrize(("spec", "net"), list(PUBLISHED_PARAMS))
def test_published_totals(spec: str, net: str | None) -> None:
    assert archcalc.analyze(spec, net=net).totals.params == PUBLISHED_PARAMS[(spec, net)]


def test_vgg_table2_in_millions() -> None:
    """Simonyan & Zisserman, Table 2: A 133, A-LRN 133, B 133, C 134, D 138, E 144 (millions)."""
    got = {a.network: round(a.totals.params / 1e6) for a in archcalc.analyze_all("vgg")}
    assert got == {"vgg-a": 133, "vgg-a-lrn": 133, "vgg-b": 133, "vgg-c": 134, "vgg16": 138, "vgg19": 144}


def test_vgg16_design_totals_and_cs231n_rows() -> None:
    """DESIGN §4's VGG-16 totals, and rows of the CS231n VGG table (memory 224*224*64, weights)."""
    a = archcalc.analyze("vgg16")
    t = a.totals
    assert (t.params, t.activations, t.macs, t.flops) == (138_357_544, 15_087_080, 15_470_264_320,
                                                          30_940_528_640)
    assert t.activation_bytes == 60_348_320
    first = a.rows[0]
    assert (first.output_shape, first.params, first.weights, first.activations, first.macs) == (
        (224, 224, 64), 1792, 1728, 3_211_264, 86_704_128)
    fc6 = next(r for r in a.rows if r.kind == "dense")
    assert fc6.weights == 7 * 7 * 512 * 4096  # CS231n: FC: [1x1x4096] weights: 7*7*512*4096
    # CS231n --no-bias convention: weights only.
    weights_only = archcalc.analyze("vgg16", count_bias=False)
    assert weights_only.totals.params == 138_344_128
    # ... a counting convention only: the biases still take memory (138,357,544 float32 values).
    assert weights_only.memory.parameters == a.memory.parameters == 138_357_544 * 4
    assert weights_only.memory.optimizer_state == 2 * 138_357_544 * 4  # Adam: two slots


def test_vgg16_receptive_fields_match_published_table() -> None:
    """Receptive fields of VGG-16 per google-research/receptive_field's table: pool5 212, stride 32."""
    rows = archcalc.analyze("vgg16").rows
    pools = [r for r in rows if r.kind == "maxpool"]
    assert [(r.rf_size[0], r.rf_stride[0]) for r in pools] == [(6, 2), (16, 4), (44, 8), (100, 16), (212, 32)]


def test_vgg16_file_equals_column_d() -> None:
    a = archcalc.analyze("vgg16").to_dict()
    b = archcalc.analyze("specs/vgg.txt", net="vgg16").to_dict()
    assert a["layers"] == b["layers"]


KERAS_SPECS = ["mnist_cnn", "steel_defects_cnn", "keras_mnist", "keras_cifar10"]


@pytest.mark.parametrize("spec", KERAS_SPECS)
def test_keras_specs_against_real_keras(spec: str) -> None:
    """Run the bundled Keras code itself with TensorFlow and compare layer by layer."""
    pytest.importorskip("tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    from archcalc.source import specs_dir

    # The DAY 10 notes were written for Keras 2, whose `keras.layers.pooling` module Keras 3 folds
    # into `keras.layers`: alias it so the notes' code runs as written.
    if not hasattr(keras.layers, "pooling"):
        keras.layers.pooling = keras.layers
    code = (specs_dir() / f"{spec}.py").read_text()
    scope: dict = {}
    exec(compile(code, spec, "exec"), scope)  # the spec is plain Keras code: Keras is the reference
    model = scope["model"]
    analysis = archcalc.analyze(spec)
    assert analysis.totals.params == model.count_params()
    keras_layers = [layer for layer in model.layers if layer.__class__.__name__ != "InputLayer"]
    assert [tuple(layer.output.shape[1:]) for layer in keras_layers] == [r.output_shape for r in analysis.rows]
    assert [layer.count_params() for layer in keras_layers] == [r.params for r in analysis.rows]
