"""The bundled specs of issue 13 against networks built here with Keras' own layers (or taken from
keras.applications): totals, and every layer's output shape and parameters as a multiset (the
order of a functional model's layers need not be the spec's)."""

from __future__ import annotations

import math
from collections import Counter

import pytest

pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
L = keras.layers

from archcalc.analysis import analyze_network  # noqa: E402
from archcalc.source import load  # noqa: E402


def _analysis(name: str):
    (net,) = load(name)
    return analyze_network(net)


def _keras_rows(model) -> Counter:
    rows = Counter()
    for layer in model.layers:
        if isinstance(layer, L.InputLayer):
            continue
        params = sum(math.prod(w.shape) for w in layer.weights)
        rows[(tuple(int(d) for d in layer.output.shape[1:]), params)] += 1
    return rows


def _ours(a, *, skip_kinds: tuple[str, ...] = ()) -> Counter:
    return Counter((tuple(r.output_shape), r.params) for r in a.rows if r.kind not in skip_kinds)


def _same(a, model) -> None:
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert (a.totals.params, a.totals.trainable_params) == (model.count_params(), trainable)
    assert _ours(a) == _keras_rows(model)


def test_autoencoder() -> None:
    x = inp = keras.Input((28, 28, 1))
    x = L.Conv2D(32, 3, activation="relu", padding="same")(x)
    x = L.MaxPooling2D(2, padding="same")(x)
    x = L.Conv2D(32, 3, activation="relu", padding="same")(x)
    x = L.MaxPooling2D(2, padding="same")(x)
    x = L.Conv2DTranspose(32, 3, strides=2, activation="relu", padding="same")(x)
    x = L.Conv2DTranspose(32, 3, strides=2, activation="relu", padding="same")(x)
    x = L.Conv2D(1, 3, activation="sigmoid", padding="same")(x)
    a = _analysis("autoencoder")
    _same(a, keras.Model(inp, x))
    assert a.totals.params == 28_353  # keras.io's summary of the example


def test_timeseries_cnn() -> None:
    x = inp = keras.Input((500, 1))
    for _ in range(3):
        x = L.ReLU()(L.BatchNormalization()(L.Conv1D(64, 3, padding="same")(x)))
    x = L.Dense(2, activation="softmax")(L.GlobalAveragePooling1D()(x))
    a = _analysis("timeseries_cnn")
    _same(a, keras.Model(inp, x))
    assert a.totals.params == 25_858 and a.rows[-4].rf_size == (7,)  # three 3-tap layers see 7 steps


def test_volume_cnn() -> None:
    x = inp = keras.Input((128, 128, 64, 1))
    for filters in (64, 64, 128, 256):
        x = L.BatchNormalization()(L.MaxPool3D(2)(L.Conv3D(filters, 3, activation="relu")(x)))
    x = L.Dense(512, activation="relu")(L.GlobalAveragePooling3D()(x))
    x = L.Dense(1, activation="sigmoid")(L.Dropout(0.3)(x))
    a = _analysis("volume_cnn")
    _same(a, keras.Model(inp, x))
    assert a.totals.params == 1_352_897  # keras.io's summary of the example


def test_unet() -> None:
    def down(x, f):
        return L.Conv2D(f, 3, activation="relu")(L.Conv2D(f, 3, activation="relu")(x))

    x = inp = keras.Input((572, 572, 1))
    skips = []
    for f in (64, 128, 256, 512):
        x = down(x, f)
        skips.append(x)
        x = L.MaxPooling2D(2)(x)
    x = down(x, 1024)
    for f, skip, crop in zip((512, 256, 128, 64), reversed(skips), (4, 16, 40, 88)):
        x = L.Conv2DTranspose(f, 2, strides=2)(x)
        x = L.Concatenate()([L.Cropping2D(crop)(skip), x])
        x = down(x, f)
    x = L.Conv2D(2, 1, activation="softmax")(x)
    a = _analysis("unet")
    _same(a, keras.Model(inp, x))
    assert a.rows[-1].output_shape == (388, 388, 2)


def _aux_googlenet(channels: int):
    x = inp = keras.Input((14, 14, channels))
    x = L.Conv2D(128, 1, activation="relu")(L.AveragePooling2D(5, strides=3)(x))
    x = L.Dense(1024, activation="relu")(L.Flatten()(x))
    x = L.Dense(1000, activation="softmax")(L.Dropout(0.7)(x))
    return keras.Model(inp, x)


def test_googlenet_with_auxiliary_classifiers() -> None:
    main, aux = _analysis("googlenet"), _analysis("googlenet_aux")
    heads = [_aux_googlenet(512), _aux_googlenet(528)]
    assert aux.totals.params == main.totals.params + sum(h.count_params() for h in heads)
    expected = sum((_keras_rows(h) for h in heads), Counter())
    del expected[((2048,), 0)]  # Keras' Flatten: archcalc's FC-1024 flattens the 4x4x128 map itself
    assert _ours(aux) - _ours(main) == expected
    assert aux.rows[-1].output_shape == (1000,)


def test_inceptionv3_with_auxiliary_classifier() -> None:
    base = keras.applications.InceptionV3(weights=None)
    x = base.get_layer("mixed7").output
    x = L.AveragePooling2D(5, strides=3)(x)
    for filters, k in ((128, 1), (768, 5)):
        x = L.Activation("relu")(L.BatchNormalization(scale=False)(L.Conv2D(filters, k, use_bias=False)(x)))
    x = L.Dense(1000, activation="softmax")(L.Flatten()(x))
    model = keras.Model(base.input, [base.output, x])
    a = _analysis("inceptionv3_aux")
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert (a.totals.params, a.totals.trainable_params) == (model.count_params(), trainable)
    keras.backend.clear_session()


@pytest.mark.parametrize(("spec", "constructor"), [
    ("efficientnetb0", "EfficientNetB0"), ("mobilenetv3small", "MobileNetV3Small"), ("convnexttiny", "ConvNeXtTiny"),
])
def test_application_specs_equal_keras(spec: str, constructor: str) -> None:
    kw = {"input_shape": (224, 224, 3)} if constructor.startswith("MobileNetV3") else {}
    model = getattr(keras.applications, constructor)(weights=None, **kw)
    a = _analysis(spec)
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert (a.totals.params, a.totals.trainable_params) == (model.count_params(), trainable)
    assert a.rows[-1].output_shape == tuple(int(d) for d in model.output.shape[1:])
    keras.backend.clear_session()
