"""The corpus of model code (tests/corpus/keras/): each file run with real Keras and read by archcalc,
compared layer by layer (kind, parameters, trainable, non-trainable, output shapes) and in total."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("keras")

from keras_reference import compare, options

from archcalc.analysis import analyze_network
from archcalc.keras_code import parse_keras

CORPUS = Path(__file__).parent / "corpus" / "keras"
FILES = sorted(CORPUS.glob("*.py"))


def test_the_corpus_is_large_enough() -> None:
    assert len(FILES) >= 40


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_corpus_file_agrees_with_keras(path: Path) -> None:
    text = path.read_text()
    assert compare(text, path.name, **options(text)) == []


@pytest.mark.parametrize(("name", "params", "output"), [
    ("seq_add_loop", 347_082, (10,)),            # the issue's loop: one layer per round
    ("vgg_block_seed004", 2_325_568, (32, 32, 256)),
    ("mnist_cnn_defines", 1_199_882, (10,)),      # seed 003 with --define
])
def test_the_issues_examples(name: str, params: int, output: tuple[int, ...]) -> None:
    text = (CORPUS / f"{name}.py").read_text()
    (network,) = parse_keras(text, name, **options(text))
    analysis = analyze_network(network)
    assert (analysis.totals.params, analysis.rows[-1].output_shape) == (params, output)


def test_verify_builds_shared_layers_once(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    """A layer object called twice: Keras counts its weights once, and so do archcalc and verify."""
    from archcalc.cli import main

    code = ("import keras\nfrom keras import layers\ninputs = keras.Input(shape=(16,))\n"
            "dense = layers.Dense(16, activation='relu')\nx = dense(inputs)\nx = dense(x)\n"
            "model = keras.Model(inputs, layers.Dense(3)(x))\n")
    (tmp_path / "shared.py").write_text(code)
    with pytest.raises(SystemExit) as exc:
        main(["verify", str(tmp_path / "shared.py"), "--format", "json"])
    out = capsys.readouterr().out
    assert exc.value.code == 0, out
    import json

    (report,) = json.loads(out)
    assert report["ok"] and report["mismatches"] == 0
    assert report["totals"]["params"]["keras"] == report["totals"]["params"]["archcalc"] == 16 * 16 + 16 + 16 * 3 + 3
    assert report["layers"][1]["keras_layers"] == report["layers"][0]["keras_layers"]  # the same Keras layer


def test_export_writes_shared_layers_as_one_layer_object(tmp_path) -> None:
    """The exported .py calls the shared layer's object twice: Keras builds archcalc's total."""
    import runpy

    import archcalc
    from archcalc.bridge.export import python_code

    code = ("import keras\nfrom keras import layers\ninputs = keras.Input(shape=(8, 8, 3))\n"
            "conv = layers.Conv2D(3, 3, padding='same')\nx = conv(conv(inputs))\n"
            "x = layers.Flatten()(x)\nmodel = keras.Model(inputs, layers.Dense(2)(x))\n")
    (tmp_path / "shared_conv.py").write_text(code)
    net = archcalc.parse(str(tmp_path / "shared_conv.py"))[0]
    a = archcalc.analyze(str(tmp_path / "shared_conv.py"))
    target = tmp_path / "exported.py"
    target.write_text(python_code(net, a))
    built = runpy.run_path(str(target))["model"]
    assert built.count_params() == a.totals.params == (3 * 3 * 3 + 1) * 3 + 8 * 8 * 3 * 2 + 2
