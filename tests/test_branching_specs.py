"""The bundled Inception v3, Xception and GoogLeNet specs against their sources.

Inception v3 and Xception are compared with ``keras.applications`` (the totals typed in from Keras 3,
and a test that builds the Keras models and matches them layer by layer); GoogLeNet with Table 1 of
Szegedy et al., "Going Deeper with Convolutions" (CVPR 2015), its numbers typed in here and the
expected counts computed by hand from them, never taken from archcalc's own output.
"""

from __future__ import annotations

import importlib.util
from collections import Counter

import pytest

import archcalc

# keras.applications.X(weights=None, include_top=True), Keras 3: (params, trainable).
KERAS_TOTALS = {
    "inceptionv3": (23_851_784, 23_817_352),
    "xception": (22_910_480, 22_855_952),
}

# Table 1: module -> (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj, output size, ops in M).
GOOGLENET_TABLE = {
    "3a": (64, 96, 128, 16, 32, 32, (28, 28, 256), 128),
    "3b": (128, 128, 192, 32, 96, 64, (28, 28, 480), 304),
    "4a": (192, 96, 208, 16, 48, 64, (14, 14, 512), 73),
    "4b": (160, 112, 224, 24, 64, 64, (14, 14, 512), 88),
    "4c": (128, 128, 256, 24, 64, 64, (14, 14, 512), 100),
    "4d": (112, 144, 288, 32, 64, 64, (14, 14, 528), 119),
    "4e": (256, 160, 320, 32, 128, 128, (14, 14, 832), 170),
    "5a": (256, 160, 320, 32, 128, 128, (7, 7, 832), 54),
    "5b": (384, 192, 384, 48, 128, 128, (7, 7, 1024), 71),
}


@pytest.mark.parametrize("name", list(KERAS_TOTALS))
def test_keras_totals(name: str) -> None:
    t = archcalc.analyze(name).totals
    assert (t.params, t.trainable_params) == KERAS_TOTALS[name]


def _modules(a: archcalc.Analysis) -> list[list]:
    """GoogLeNet's rows grouped by inception module, in order: a module ends with its concat."""
    groups: list[list] = [[]]
    for row in a.rows:
        if row.scope and row.scope[0].startswith("inception("):
            groups[-1].append(row)
            if row.kind == "concat" and len(row.scope) == 1:
                groups.append([])
    return groups[:-1]


def test_googlenet_sizes_per_stage() -> None:
    a = archcalc.analyze("googlenet")
    chain = [(r.name.split()[0], r.output_shape) for r in a.rows if not r.scope]
    assert chain == [
        ("conv7-64", (112, 112, 64)),
        ("maxpool3", (56, 56, 64)),
        ("LRN", (56, 56, 64)),
        ("conv1-64", (56, 56, 64)),
        ("conv3-192", (56, 56, 192)),
        ("LRN", (56, 56, 192)),
        ("maxpool3", (28, 28, 192)),
        ("maxpool3", (14, 14, 480)),
        ("maxpool3", (7, 7, 832)),
        ("avgpool7", (1, 1, 1024)),
        ("dropout", (1, 1, 1024)),
        ("FC-1000", (1000,)),
        ("soft-max", (1000,)),
    ]
    modules = _modules(a)
    assert [m[-1].output_shape for m in modules] == [v[6] for v in GOOGLENET_TABLE.values()]
    assert [m[-1].output_shape[-1] for m in modules] == [256, 480, 512, 512, 512, 528, 832, 832, 1024]


def test_googlenet_columns_and_activations() -> None:
    """Each module's convolutions are the table's #1x1 ... pool proj columns, each with ReLU."""
    a = archcalc.analyze("googlenet")
    modules = _modules(a)
    assert len(modules) == 9
    for module, expected in zip(modules, GOOGLENET_TABLE.values()):
        convs = [r for r in module if r.kind == "conv"]
        assert tuple(r.output_shape[-1] for r in convs) == expected[:6]
        assert [r.name.split("-")[0] for r in convs] == ["conv1", "conv1", "conv3", "conv1", "conv5", "conv1"]
    assert all(r.activation == "relu" for r in a.rows if r.kind == "conv")
    fc = next(r for r in a.rows if r.kind == "dense")
    assert fc.activation is None and a.rows[-1].kind == "activation"


def test_googlenet_macs_against_table_ops() -> None:
    a = archcalc.analyze("googlenet")
    modules = _modules(a)
    # Inception 3a by hand: 28·28 positions x (192·64 + 192·96 + 9·96·128 + 192·16 + 25·16·32 + 192·32).
    macs_3a = 28 * 28 * (192 * 64 + 192 * 96 + 9 * 96 * 128 + 192 * 16 + 25 * 16 * 32 + 192 * 32)
    assert macs_3a == 128_049_152
    assert sum(r.macs for r in modules[0]) == macs_3a
    # The table's ops column (millions, rounded) agrees with every module but 5a (54M in the table).
    got = {name: sum(r.macs for r in m) / 1e6 for name, m in zip(GOOGLENET_TABLE, modules)}
    for name, values in GOOGLENET_TABLE.items():
        if name != "5a":
            assert abs(got[name] - values[7]) < 1, name
    assert round(got["5a"], 1) == 51.1


def test_googlenet_parameters_by_hand() -> None:
    """Weights and biases of every layer computed from the table's columns: 6,998,552."""
    def module(cin: int, c1: int, c3r: int, c3: int, c5r: int, c5: int, pp: int) -> int:
        return ((cin + 1) * c1 + (cin + 1) * c3r + (9 * c3r + 1) * c3 + (cin + 1) * c5r
                + (25 * c5r + 1) * c5 + (cin + 1) * pp)

    total = (7 * 7 * 3 + 1) * 64 + (64 + 1) * 64 + (9 * 64 + 1) * 192
    cin = 192
    for c1, c3r, c3, c5r, c5, pp, _size, _ops in GOOGLENET_TABLE.values():
        total += module(cin, c1, c3r, c3, c5r, c5, pp)
        cin = c1 + c3 + c5 + pp
    total += (1024 + 1) * 1000
    assert total == 6_998_552
    assert archcalc.analyze("googlenet").totals.params == total


_KERAS_KINDS = {
    "Conv2D": "conv", "SeparableConv2D": "separable", "BatchNormalization": "batchnorm",
    "Activation": "activation", "MaxPooling2D": "maxpool", "AveragePooling2D": "avgpool",
    "GlobalAveragePooling2D": "global_avgpool", "Dense": "dense", "Add": "add", "Concatenate": "concat",
}


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="needs TensorFlow (.[keras])")
@pytest.mark.parametrize(("name", "application"), [("inceptionv3", "InceptionV3"), ("xception", "Xception")])
def test_equal_to_keras_applications(name: str, application: str) -> None:
    """Every Keras layer but the input is one archcalc row: same class, output shape and parameters;
    and every merge takes the same input shapes in the same order (so the channels line up)."""
    keras = pytest.importorskip("keras")
    try:
        model = getattr(keras.applications, application)(weights=None, include_top=True)
        trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
        assert (model.count_params(), trainable) == KERAS_TOTALS[name]
        theirs: Counter = Counter()
        their_merges: Counter = Counter()
        for layer in model.layers:
            cls = type(layer).__name__
            if cls == "InputLayer":
                continue
            kind = _KERAS_KINDS[cls]
            layer_trainable = sum(int(w.numpy().size) for w in layer.trainable_weights)
            theirs[(kind, tuple(layer.output.shape[1:]), layer.count_params(), layer_trainable)] += 1
            if kind in ("add", "concat"):
                their_merges[(kind, tuple(tuple(t.shape[1:]) for t in layer.input))] += 1
    finally:
        keras.backend.clear_session()
    a = archcalc.analyze(name)
    ours = Counter((r.kind, r.output_shape, r.params, r.trainable) for r in a.rows)
    assert ours == theirs
    shapes = {0: a.input_shape, **{r.index: r.output_shape for r in a.rows}}
    our_merges = Counter((r.kind, tuple(shapes[i] for i in r.inputs)) for r in a.rows if r.kind in ("add", "concat"))
    assert our_merges == their_merges
