"""Every ``keras.applications`` constructor of the installed Keras, imported (issue 13's acceptance).

For each of the 40 models: ``archcalc import keras.applications.NAME`` exits 0; every row's output
shape and parameters (total, trainable, non-trainable) equal the live model's layers (compared here,
from the Keras objects, not by the importer's own check); the written notation, read back, gives
the same numbers; and ``verify`` of the written network agrees with Keras. Marked ``applications``:
it runs with the rest of the suite (CI); ``pytest -m "not applications"`` skips it while developing.
Measured on this machine: about 10 s per model for the largest (ConvNeXtXLarge, EfficientNetB7).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from archcalc.analysis import analyze_network  # noqa: E402
from archcalc.bridge import importer  # noqa: E402
from archcalc.bridge.verify import verify  # noqa: E402
from archcalc.cli import main  # noqa: E402
from archcalc.source import parse_text  # noqa: E402

pytestmark = pytest.mark.applications

#: The constructors of keras.applications in Keras 3.15 (test_the_list_is_complete keeps it honest).
APPLICATIONS = [
    "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge",
    "DenseNet121", "DenseNet169", "DenseNet201",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4",
    "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
    "EfficientNetV2L", "EfficientNetV2M", "EfficientNetV2S",
    "InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Large", "MobileNetV3Small",
    "NASNetLarge", "NASNetMobile", "ResNet101", "ResNet101V2", "ResNet152", "ResNet152V2", "ResNet50",
    "ResNet50V2", "VGG16", "VGG19", "Xception",
]


def test_the_list_is_complete() -> None:
    assert importer.application_names() == APPLICATIONS


def _weights(objs: list, attr: str) -> int:
    return sum(math.prod(w.shape) for o in objs for w in getattr(o, attr, []))


@pytest.mark.parametrize("name", APPLICATIONS)
def test_application_imports_exactly(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list = []
    real = importer.load_model

    def keep(ref: str):  # the live model the command builds, to compare with
        loaded.append(real(ref))
        return loaded[-1]

    monkeypatch.setattr(importer, "load_model", keep)
    target = tmp_path / f"{name}.txt"
    try:
        code = main(["import", f"keras.applications.{name}", "-o", str(target)])
    except SystemExit as e:
        code = int(e.code or 0)
    err = capsys.readouterr().err
    assert code == 0, err
    model, source = loaded[0]

    # Every row against the Keras objects it stands for.
    imported = importer.read_model(model, source)
    a = analyze_network(imported.network)
    for row, names in zip(a.rows, imported.keras_names):
        objs = [imported.objects[n] for n in names]
        last = objs[-1]
        node = last.output if hasattr(last, "output") and not isinstance(last, importer._ScalarOp) else \
            last._inbound_nodes[-1].output_tensors[0]
        assert tuple(row.output_shape) == tuple(int(d) for d in node.shape[1:]), (name, row.name, names)
        assert row.params == _weights(objs, "weights"), (name, row.name, names)
        assert row.trainable == _weights(objs, "trainable_weights"), (name, row.name, names)
        assert row.non_trainable == _weights(objs, "non_trainable_weights"), (name, row.name, names)
    trainable = _weights(model.layers, "trainable_weights")
    assert (a.totals.params, a.totals.trainable_params) == (model.count_params(), trainable)
    assert a.totals.non_trainable_params == model.count_params() - trainable

    # The written notation reads back to the same numbers.
    (again,) = parse_text(target.read_text(), str(target))
    b = analyze_network(again)

    def numbers(x):
        return [(r.output_shape, r.params, r.trainable, r.non_trainable, r.macs) for r in x.rows]

    assert numbers(b) == numbers(a)
    keras.backend.clear_session()

    # verify: the written network built in Keras agrees with archcalc.
    report = verify(again, b)
    assert report.ok, [(m.name, m.cells, m.cause) for m in report.mismatches][:5]
    keras.backend.clear_session()
