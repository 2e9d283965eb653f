"""The Keras bridge: verify, export and import against real Keras 3 models (TensorFlow backend).

Every number here is Keras' own: the model is built, saved, loaded or taken from
``keras.applications`` and asked for its shapes and counts.
"""

from __future__ import annotations

import json
import math
import runpy
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

import archcalc  # noqa: E402
from archcalc.analysis import analyze_network  # noqa: E402
from archcalc.bridge import build as B  # noqa: E402
from archcalc.bridge.export import python_code  # noqa: E402
from archcalc.bridge.importer import notation, read_model  # noqa: E402
from archcalc.bridge.verify import verify  # noqa: E402
from archcalc.cli import main  # noqa: E402
from archcalc.paper import parse_paper  # noqa: E402
from archcalc.source import bundled_files, parse_text, read_file  # noqa: E402


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def doctored(analysis: archcalc.Analysis, index: int, **changes) -> archcalc.Analysis:
    """A copy of ``analysis`` with row ``index`` changed: what a wrong formula would have produced."""
    from dataclasses import replace

    rows = list(analysis.rows)
    rows[index - 1] = replace(rows[index - 1], **changes)
    return replace(analysis, rows=rows)


def bundled_networks():
    return [(f.stem, n) for f in bundled_files() for n in parse_text(read_file(f).text, f.name)]


def numbers(a: archcalc.Analysis) -> list[tuple]:
    """Everything of an analysis but the row names (an import writes `FC-1000 activation=softmax`
    for the spec's `FC-1000` + `soft-max`)."""
    rows = [(r.kind, tuple(r.output_shape), r.params, r.trainable, r.non_trainable, r.activations, r.macs,
             r.rf_size, r.rf_stride, r.inputs) for r in a.rows]
    return [tuple(a.input_shape), *rows, a.totals]


EVERY_KIND = """network every-kind
input 64x48x3
zeropad ((1,0),(2,3))
conv3-8 stride=2 padding=1 bias=false activation=none
batchnorm center=false
relu6
conv1x5-8 dilation=2 groups=2 activation=elu
dwconv3 multiplier=2 stride=2
sepconv3-12 padding=valid activation=none
prelu shared_axes=1,2
LRN size=3
avgpool3 stride=2 padding=same
maxpool
conv1-16 padding=valid activation=tanh
dropout 0.3
global-avgpool keepdims=true
flatten
FC-32 activation=gelu bias=false
prelu
reshape 4x8
concat
  identity
  branch
    add
      identity
      branch
        FC-8 activation=none flatten=false
FC-10
soft-max
"""

# The kinds of issue 13, one network per rank and use (tests/test_kinds_*.py check their numbers).
SEQUENCE = """network sequence
input 100x3 sequence
conv5-8 padding=causal dilation=2
dwconv3 padding=valid
sepconv3-8
maxpool2
avgpool3 stride=1 padding=same
zeropad ((2,1))
crop ((1,0))
upsample2
deconv3-4 stride=2 output_padding=1
adaptive-maxpool 20
layernorm
groupnorm 2
global-maxpool keepdims=true
flatten
FC-4
"""

VOLUME = """network volume
input 8x16x16x2
conv3-4
maxpool
deconv2-4 stride=2 padding=valid
upsample 1x2x2
adaptive-avgpool 2x4x4
crop 0x1x1
zeropad1
batchnorm
global-avgpool
"""

IMAGE = """network image
input 32x32x3
rescale 1/255
normalize
augment flip
augment rotation
resize 40x40
center-crop 36x36
random-crop 32x32
conv3-8 padding=((0,1),(1,0))
maxpool3 stride=2 ceil=true
maxpool3 stride=1 padding=((0,1),(0,1)) ceil=true
channel-shuffle 2
concat
  branch
    slice 0:3
  branch
    slice 3:8
layerscale
stochastic-depth 0.1
multiply
  identity
  branch
    global-avgpool keepdims=true
    conv1-8 activation=sigmoid
subtract
  identity
  branch
    bn
average
  identity
  identity
maximum
  identity
  branch
    conv1-8 activation=none
minimum
  identity
  identity
scaled-add 0.17
  identity
  branch
    conv1-8
concat axis=2
  identity
  identity
permute 2x1x3
reshape -1x8
normalize given=true
"""

TEXT = """network text
input 50 flat
embedding 1000-16
conv5-8
global-maxpool
FC-1 activation=sigmoid
"""

KERAS_ONLY = """
model = Sequential([
    Input(shape=(16, 16, 3)),
    Conv2D(4, 3),
    Dense(5),
    GlobalMaxPooling2D(),
    Dense(3, activation='sigmoid'),
])
"""


# -- verify -----------------------------------------------------------------------------------

def test_verify_every_bundled_spec_agrees_with_keras(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["verify", "--format", "json"], capsys)
    reports = json.loads(out)
    assert code == 0, [(r["network"], r["layers"]) for r in reports if not r["ok"]]
    assert len(reports) == len(bundled_networks()) >= 15
    assert all(r["ok"] and r["mode"] == "model" for r in reports)
    vgg16 = next(r for r in reports if r["spec"] == "vgg16")
    assert vgg16["totals"]["params"] == {"archcalc": 138357544, "keras": 138357544, "ok": True}
    assert vgg16["layers"][18]["keras_layers"] == ["l19_fc_4096_flatten", "l19_fc_4096"]


@pytest.mark.parametrize("spec", [EVERY_KIND, KERAS_ONLY, SEQUENCE, VOLUME, IMAGE, TEXT])
def test_every_layer_kind_translates_and_agrees(spec: str) -> None:
    (network,) = parse_text(spec)
    kinds = {n.kind for n in network.layers}
    r = verify(network, analyze_network(network))
    assert r.ok, [(x.name, x.cells, x.cause) for x in r.mismatches]
    assert r.checked == 4 * len(network.layers) + 3
    assert kinds


def test_the_two_specs_above_hold_every_registered_kind() -> None:
    from archcalc.kinds import KINDS

    used = {n.kind for spec in (EVERY_KIND, KERAS_ONLY, SEQUENCE, VOLUME, IMAGE, TEXT)
            for n in parse_text(spec)[0].nodes}
    assert used == set(KINDS)


def test_verify_reports_a_doctored_analysis(capsys: pytest.CaptureFixture[str]) -> None:
    (network,) = parse_text("input 32x32x3\nconv3-8\nmaxpool\nFC-10")
    a = analyze_network(network)
    r = verify(network, doctored(a, 1, params=a.rows[0].params + 1))
    assert not r.ok and [x.index for x in r.mismatches] == [1]
    (cell,) = [c for c in r.mismatches[0].cells if not c.ok]
    assert (cell.field, cell.ours, cell.keras) == ("params", 225, 224)
    assert "does not match archcalc's own recomputation" in r.mismatches[0].cause


def test_verify_names_the_padding_and_bias_conventions() -> None:
    (valid,) = parse_text("input 32x32x3\nconv3-8 padding=valid bias=false\nFC-10")
    (same,) = parse_text("input 32x32x3\nconv3-8\nFC-10")
    r = verify(valid, analyze_network(same))  # analysis of the other convention
    assert [x.index for x in r.mismatches] == [1, 2]
    assert r.mismatches[0].cause == (
        "the analysis assumed 'same' padding (the output keeps the input's size at stride 1) and a bias per "
        "filter, but the spec says padding='valid', bias=False (and Keras agrees with the spec)")
    assert r.mismatches[1].cause.startswith("follows from layer 1")
    (nobias,) = parse_text("input 32x32x3\nconv3-8 bias=false")
    r = verify(nobias, analyze_network(parse_text("input 32x32x3\nconv3-8")[0]))
    assert "the analysis assumed a bias per filter" in r.mismatches[0].cause


def test_verify_cli_exit_1_and_table_on_mismatch(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import archcalc.bridge.verify as V

    real = V.verify
    monkeypatch.setattr(V, "verify", lambda n, a, **kw: real(n, doctored(a, 2, output_shape=(15, 15, 8)), **kw))
    code, out, _ = run(["verify", "lenet5"], capsys)
    assert code == 1
    assert "1 layer(s) differ" in out and "15x15x8 ≠" in out and "✗" in out


def test_big_models_are_checked_without_allocating_them() -> None:
    network = parse_text("input 224x224x3\nconv3-64\nmaxpool\nFC-4096000000\nFC-10")[0]
    r = verify(network, analyze_network(network))  # 12,000 TiB of weights: must not be allocated
    assert r.ok and r.mode == "symbolic"
    assert "above the 4.00 GiB budget" in r.notes[0]
    skipped = {x.index for x in r.layers if x.skipped}
    assert skipped == {3, 4}  # FC-4096000000 and the FC-10 after it (152 GiB) are too big to count
    assert all(c.keras is not None for x in r.layers for c in x.cells if c.field == "output_shape")
    assert all(c.skipped for c in r.totals)

    vgg = archcalc.parse("vgg16")[0]
    r = verify(vgg, analyze_network(vgg), max_memory=100 * 2**20)
    assert r.ok and r.mode == "symbolic" and {x.index for x in r.layers if x.skipped} == {19}
    assert sum(not c.skipped for x in r.layers for c in x.cells) == 21 * 4 - 3


def test_verify_max_memory_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["verify", "vgg16", "--max-memory", "100MiB", "--format", "json"], capsys)
    (r,) = json.loads(out)
    assert code == 0 and r["mode"] == "symbolic"
    assert r["layers"][18]["checks"]["params"]["skipped"].startswith("392.02 MiB of weights")
    code, _, err = run(["verify", "vgg16", "--max-memory", "lots"], capsys)
    assert code == 2 and "lots" in err


def test_verify_csv_and_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["verify", "lenet5", "--format", "csv"], capsys)
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("spec,network,index,layer")
    assert len(lines) == 1 + 4 * len(archcalc.parse("lenet5")[0].layers) + 3
    code, out, _ = run(["verify", "lenet5", "--format", "markdown"], capsys)
    assert code == 0 and "| | **total** |" in out and "61,706" in out


# -- export -----------------------------------------------------------------------------------

def test_export_keras_loads_with_keras_and_counts_the_same(tmp_path: Path, capsys) -> None:
    target = tmp_path / "alexnet.keras"
    code, out, _ = run(["export", "alexnet", "--net", "alexnet-caffe", "-o", str(target)], capsys)
    assert code == 0 and "60,965,224 parameters" in out
    import archcalc.bridge.layers  # noqa: F401  (registers LocalResponseNormalization)

    model = keras.models.load_model(target, compile=False)
    assert model.count_params() == 60965224
    assert [type(x).__name__ for x in model.layers].count("LocalResponseNormalization") == 2
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_export_refuses_to_overwrite_and_bad_targets(tmp_path: Path, capsys) -> None:
    target = tmp_path / "mine.keras"
    target.write_text("the user's own file")
    code, _, err = run(["export", "lenet5", "-o", str(target)], capsys)
    assert code == 2 and "exists" in err and "--force" in err
    assert target.read_text() == "the user's own file"
    code, _, _ = run(["export", "lenet5", "-o", str(target), "--force"], capsys)
    assert code == 0 and keras.models.load_model(target).count_params() == 61706
    for bad, words in ((tmp_path / "x.onnx", "unknown file type"), (tmp_path / "no" / "x.py", "does not exist"),
                       (tmp_path, "is a folder")):
        code, _, err = run(["export", "lenet5", "-o", str(bad)], capsys)
        assert code == 2 and words in err, err
    code, _, err = run(["export", "vgg", "-o", str(tmp_path / "v.py")], capsys)
    assert code == 2 and "holds 6 networks" in err and "--net" in err


def test_export_python_is_keras_code_with_archcalcs_total(tmp_path: Path) -> None:
    """For every bundled spec: the .py runs, Keras counts archcalc's total, and archcalc reads it back."""
    for stem, network in bundled_networks():
        a = analyze_network(network)
        target = tmp_path / f"{network.name}.py"
        target.write_text(python_code(network, a, stem))
        model = runpy.run_path(str(target))["model"]
        assert model.count_params() == a.totals.params, network.name
        if len(network.outputs) > 1 or len(network.input_shape) in (2, 4):
            # The Keras-code reader (keras_code.py, issue 12) reads one-output models of images or
            # vectors; side outputs and sequence/volume inputs are read back once it does.
            continue
        back = archcalc.analyze(str(target))
        assert back.totals.params == a.totals.params and back.totals.macs == a.totals.macs, network.name
        del model


def test_export_python_needs_no_tensorflow(tmp_path: Path) -> None:
    import subprocess

    target = tmp_path / "v.py"
    code = ("import sys; sys.modules['tensorflow'] = None; sys.modules['keras'] = None\n"
            f"from archcalc.cli import main; main(['export', 'vgg16', '-o', {str(target)!r}])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "layers.Conv2D(64, (3, 3), padding='same', activation='relu')" in target.read_text()


# -- import -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "params"), [("VGG16", 138357544), ("VGG19", 143667240)])
def test_import_keras_applications_then_summary(name: str, params: int, tmp_path: Path, capsys) -> None:
    spec = tmp_path / f"{name}.txt"
    code, out, _ = run(["import", f"keras.applications.{name}", "-o", str(spec)], capsys)
    assert code == 0 and f"wrote {spec}" in out
    code, out, _ = run(["summary", str(spec), "--format", "json"], capsys)
    totals = json.loads(out)["totals"]
    assert code == 0 and totals["params"] == totals["trainable_params"] == params
    text = spec.read_text()
    assert "conv3-64                    # block1_conv1" in text and "FC-1000 activation=softmax" in text


def test_import_of_export_round_trips_every_bundled_spec(tmp_path: Path) -> None:
    """Through a real .keras file for the small specs; through the live model for the big ones
    (each VGG file is 0.5 GB): the importer is the same, only Keras' (de)serialisation is skipped."""
    from archcalc.bridge.export import export
    from archcalc.bridge.importer import load_model
    from archcalc.graph import canonical

    for stem, network in bundled_networks():
        a = analyze_network(network)
        if a.totals.params < 70_000_000:
            target = tmp_path / "m.keras"
            export(network, a, target, force=True)
            model, source = load_model(str(target))
        else:
            model, source = B.build_model(B.plan(network, [network.input_shape] + [r.output_shape for r in a.rows])), ""
        imported = read_model(model, source)
        # Rows in the order the notation numbers them (U-Net's crop branches come before the path they
        # skip: the same network, numbered as its written form reads).
        a = analyze_network(canonical(network)[0])
        assert numbers(analyze_network(imported.network)) == numbers(a), (stem, network.name)
        # and the printed notation parses back to the same network
        (again,) = parse_paper(notation(imported))
        assert numbers(analyze_network(again)) == numbers(a), (stem, network.name)
        del model


def test_legacy_h5_export_and_import(tmp_path: Path, capsys) -> None:
    target = tmp_path / "lenet5.h5"
    code, out, _ = run(["export", "lenet5", "-o", str(target)], capsys)
    assert code == 0 and "61,706 parameters" in out
    code, out, _ = run(["import", str(target), "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["totals"]["params"] == 61706


def test_from_keras_analyses_a_live_model() -> None:
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                              keras.layers.MaxPooling2D(), keras.layers.BatchNormalization(),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    a = archcalc.from_keras(model)
    assert a.totals.params == model.count_params() == 54_538
    assert a.totals.non_trainable_params == 64
    assert [tuple(r.output_shape) for r in a.rows] == [tuple(x.output.shape[1:]) for x in model.layers]
    assert a.network == "model"  # the variable, as people refer to it, not Keras' `sequential`
    unnamed = archcalc.from_keras(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]))
    assert unnamed.network.startswith("sequential")  # held by no variable: Keras' name


def test_import_lists_every_layer_it_cannot_express(tmp_path: Path, capsys) -> None:
    inp = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, padding="same")(inp)
    y = keras.layers.Conv2D(4, 1)(x)
    z = keras.layers.Dot(axes=-1)([keras.layers.Flatten()(x), keras.layers.Flatten()(y)])
    z = keras.layers.UnitNormalization()(z)
    z = keras.layers.Add()([z, z])
    model = keras.Model(inp, keras.layers.Dense(2)(z))
    target = tmp_path / "branchy.keras"
    model.save(target)
    code, _, err = run(["import", str(target)], capsys)
    assert code == 2
    assert "layer(s) of" in err and "UnitNormalization (no archcalc kind)" in err
    assert "Dot (a merge archcalc does not have)" in err
    assert "and 2 layer(s) after them" in err and "nothing was dropped" in err


@pytest.mark.parametrize(("ref", "words"), [
    ("keras.applications.VGG16x", "did you mean `keras.applications.VGG16`?"),
    ("missing.keras", "no such model file"),
    ("specs", "is a folder"),
])
def test_import_bad_references(ref: str, words: str, capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent)
    code, _, err = run(["import", ref], capsys)
    assert code == 2 and words in err, err


def test_import_unreadable_file_and_existing_output(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"not a zip file")
    code, _, err = run(["import", str(bad)], capsys)
    assert code == 2 and "is not a .keras file" in err and "zip archive" in err
    truncated = tmp_path / "broken.h5"
    truncated.write_bytes(b"\x89HDF\r\n\x1a\n")
    code, _, err = run(["import", str(truncated)], capsys)
    assert code == 2 and "Keras cannot load" in err
    existing = tmp_path / "out.txt"
    existing.write_text("keep me")
    code, _, err = run(["import", "keras.applications.VGG16", "-o", str(existing)], capsys)
    assert code == 2 and existing.read_text() == "keep me"


def test_missing_tensorflow_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from archcalc.bridge import tf

    tf.keras.cache_clear()
    monkeypatch.setitem(sys.modules, "keras", None)
    try:
        code, _, err = run(["verify", "lenet5"], capsys)
    finally:
        tf.keras.cache_clear()
    assert code == 2
    assert "needs TensorFlow and Keras 3" in err and "archcalc[keras]" in err and "archcalc[gpu]" in err


# -- property: random chains agree with Keras -------------------------------------------------

@st.composite
def chains(draw: st.DrawFn) -> str:
    size = draw(st.integers(6, 20))
    lines = [f"input {size}x{draw(st.integers(6, 20))}x{draw(st.integers(1, 4))}"]
    for _ in range(draw(st.integers(1, 5))):
        k = draw(st.integers(1, 3))
        lines.append(draw(st.sampled_from([
            f"conv{k}-{draw(st.integers(1, 6))} stride={draw(st.integers(1, 2))} "
            f"padding={draw(st.sampled_from(['same', 'valid', '1']))} bias={draw(st.booleans())}",
            f"conv{k}x{draw(st.integers(1, 3))}-{draw(st.integers(1, 6))} dilation={draw(st.integers(1, 2))}",
            f"dwconv{k} multiplier={draw(st.integers(1, 2))}",
            f"sepconv{k}-{draw(st.integers(1, 5))}",
            f"maxpool{draw(st.integers(1, 3))} stride={draw(st.integers(1, 2))}",
            f"avgpool{draw(st.integers(1, 2))} padding=same",
            "batchnorm", "prelu", "zeropad1",
        ])))
    lines.append(draw(st.sampled_from(["FC-3", "global-avgpool", "flatten"])))
    return "\n".join(lines)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_random_chains_agree_with_keras(spec: str) -> None:
    try:
        (network,) = parse_text(spec)
        a = analyze_network(network)
    except archcalc.ArchcalcError:
        return  # shrank below 1x1: archcalc says so, and there's nothing to build
    r = verify(network, a)
    assert r.ok, (spec, [(x.name, [c for c in x.cells if not c.ok]) for x in r.mismatches])
    assert math.prod(a.rows[-1].output_shape) >= 1


def test_a_network_keras_refuses_fails_and_the_others_are_still_verified(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "refused.txt"
    spec.write_text("network refused\ninput 32x32x3\nconv3-8 stride=2 dilation=2\n")
    code, out, _ = run(["verify", str(spec), "lenet5", "--format", "json"], capsys)
    reports = json.loads(out)
    assert code == 1
    assert [(r["network"], r["ok"]) for r in reports] == [("refused", False), ("lenet5", True)]
    assert "`strides > 1` not supported" in reports[0]["refused"] and reports[0]["mode"] == "refused"
    code, out, _ = run(["verify", str(spec)], capsys)
    assert code == 1 and "refused: Keras refused to build it" in out
