"""The command line: output formats, error messages with locations, exit codes, a light start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from archcalc.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def write(tmp_path: Path, text: str, name: str = "net.txt") -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_summary_json_has_design_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["summary", "vgg16", "--format", "json"], capsys)
    assert code == 0
    obj = json.loads(out)
    assert obj["network"] == "vgg16" and obj["input_shape"] == [224, 224, 3]
    first = obj["layers"][0]
    assert {k: first[k] for k in ("index", "name", "kind", "output_shape", "params", "weights", "biases",
                                  "activations", "macs", "receptive_field")} == {
        "index": 1, "name": "conv3-64", "kind": "conv", "output_shape": [224, 224, 64], "params": 1792,
        "weights": 1728, "biases": 64, "activations": 3211264, "macs": 86704128,
        "receptive_field": {"size": 3, "stride": 1, "size_hw": [3, 3], "stride_hw": [1, 1],
                            "padding": 1, "padding_hw": [1, 1]}}
    assert obj["totals"]["params"] == 138357544 and obj["totals"]["flops"] == 30940528640


def test_summary_batch_dtype_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["summary", "vgg16", "--format", "csv", "--batch", "8", "--dtype", "float16"], capsys)
    assert code == 0
    header, first = out.splitlines()[:2]
    cols = dict(zip(header.split(","), first.split(",")))
    assert cols["activation_bytes"] == str(3211264 * 2 * 8)


def test_markdown_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["summary", "vgg16", "--format", "markdown", "--explain"], capsys)
    assert code == 0
    assert "| 1 | `conv3-64` | 224x224x64 | 1,792 |" in out
    assert "H = W: ⌊(224 + 2·1 − 3)/1⌋ + 1 = 224" in out
    assert "params = (3·3·3 + 1)·64 = 1,792" in out
    assert "memory = 224·224·64 = 3,211,264 values" in out


def test_fit_memory(capsys: pytest.CaptureFixture[str]) -> None:
    """Hand-derived with the training model (docs/formulas.md, section 6): VGG-16, float32, Adam.

    fixed = weights, gradients and 2 Adam slots (4·138,357,544·4 B) + Adam's temporaries (1.4 × the
    weights' bytes) + the framework (21 MiB + 2,400 KiB for each of the 21 layers). Per example: the input
    (150,528 values) + the peak, the backward pass of layer 2 (conv3-64, 224x224x64 = 3,211,264 values
    a tensor): saved, layer 1's and layer 2's outputs (2); alive gradients, layer 2's output's (1); made
    there, layer 1's output's and the pre-activation's (2); workspace (1): 6 tensors.
    """
    _code, out, _ = run(["summary", "vgg16", "--format", "json", "--fit-memory", "16GiB"], capsys)
    p = 138_357_544
    fixed = 4 * p * 4 + int(1.4 * p * 4) + 21 * 2**20 + 21 * 2400 * 2**10
    per = (150_528 + 6 * 3_211_264) * 4
    assert json.loads(out)["memory"]["fit_memory"]["largest_batch"] == (16 * 2**30 - fixed) // per == 181


def test_compare_vgg_table2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["compare", "vgg", "--format", "csv"], capsys)
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("parameters (millions)"))
    assert row.split(",")[1:] == ["133", "133", "133", "134", "138", "144"]


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["list", "--format", "json"], capsys)
    items = {i["network"]: i["params"] for i in json.loads(out)}
    assert code == 0 and items["vgg16"] == 138357544 and items["alexnet"] == 61100840


@pytest.mark.parametrize(("text", "expected"), [
    ("input 224x224x3\ncnv3-64\n", ["unknown layer kind `cnv3-64`", "net.txt:2:1", "cnv3-64\n  | ^^^^^^^",
                                    "did you mean `conv3-64`?"]),
    ("input 32x32x3\nconv3-64 strid=2\n", ["has no option `strid`", "net.txt:2:10", "did you mean `stride=2`?"]),
    ("input 8x8x3\nconv3-0\n", ["the number of filters must be at least 1, got `0`", "net.txt:2:"]),
    ("input 4x4x3\nmaxpool\nmaxpool\nmaxpool\n", ["shrinks the feature map below 1x1", "net.txt:4:1",
                                                  "⌊(1 − 2)/2⌋ + 1 = 0"]),
    ("FC-10\n", ["comes before the input shape", "net.txt:1:1", "input 224x224x3"]),
    ("# only a comment\n", ["holds no layers"]),
    ("model.add(Conv2D(32, (3,3), input_shape=input_shape))\n",
     ["the model needs 1 value that archcalc cannot know without running the code: `input_shape`",
      "net.txt:1:41", "--define input_shape=28x28x1", "--input 28x28x1"]),
    ("model.add(Conv2D(32, (3,3)))\n", ["no input shape", "input_shape=(28, 28, 1)"]),
])
def test_bad_input_is_located_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          text: str, expected: list[str]) -> None:
    code, out, err = run(["summary", write(tmp_path, text)], capsys)
    assert code == 2, err
    assert "Traceback" not in err and out == ""
    for piece in expected:
        assert piece in err, f"{piece!r} not in:\n{err}"


def test_missing_binary_and_empty_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["summary", str(tmp_path / "nope.txt")], capsys)
    assert code == 2 and "no such file" in err
    binary = tmp_path / "model.h5"
    binary.write_bytes(b"\x89HDF\r\n\x1a\n\0\0")
    code, _, err = run(["summary", str(binary)], capsys)
    assert code == 2 and "binary file" in err
    code, _, err = run(["summary", write(tmp_path, "", "empty.txt")], capsys)
    assert code == 2 and "is empty" in err
    code, _, err = run(["summary", "vgg61"], capsys)
    assert code == 2 and "did you mean `vgg1" in err


def test_bad_option_value_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["summary", "vgg16", "--dtype", "float33"], capsys)
    assert code == 2 and "float33" in err and "Traceback" not in err
    code, _, err = run(["summary", "vgg16", "--fit-memory", "12XB"], capsys)
    assert code == 2 and "cannot read the size `12XB`" in err


def test_console_script_is_light() -> None:
    """`archcalc summary` imports neither TensorFlow nor numpy (checked in a fresh interpreter)."""
    code = ("import sys\nfrom archcalc.cli import main\n"
            "try:\n    main(['summary', 'vgg16', '--format', 'json'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('tensorflow', 'keras', 'numpy', 'torch', 'jax', 'pandas') if m in sys.modules]\n"
            "sys.stderr.write('HEAVY=' + ','.join(heavy))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY=" in proc.stderr and proc.stderr.rsplit("HEAVY=", 1)[1] == ""
    assert json.loads(proc.stdout)["totals"]["params"] == 138357544


@pytest.mark.parametrize(("text", "name", "expect"), [
    ("input 28x28\nconv3-4 stride = 2\n", "a.txt", "conv3-4 stride=2"),       # blanks around `=`
    ("input: 28x28\nconv3-4\n", "b.txt", "input 28x28x1"),                   # `input:` as `network:`
    ("seen = set()\nseen.add('x')\nmodel = Sequential()\n"                   # a set's add is not a model's
     "model.add(Conv2D(8, 3, input_shape=(28, 28, 1)))\nseen.add(3)\nmodel.add(Flatten())\n", "k.py", "5408"),
])
def test_forgiving_spellings(text: str, name: str, expect: str, tmp_path: Path, capsys) -> None:
    code, out, err = run(["summary", write(tmp_path, text, name)], capsys)
    assert code == 0, err
    assert expect in out


@pytest.mark.parametrize(("text", "expect"), [
    ("act = get()\nmodel = Sequential([Conv2D(32, 3, activation=act, input_shape=(28, 28, 1))])\n",
     "--define act=relu"),
    ("model = Sequential([Conv2D(32, 3, activation='relu'), Dense(3)])\n",
     "no input shape before `Conv2D(32, 3, activation='relu')`"),
])
def test_keras_code_hints_name_the_call(text: str, expect: str, tmp_path: Path, capsys) -> None:
    code, _, err = run(["summary", write(tmp_path, text, "m.py")], capsys)
    assert code == 2 and expect in err, err


def test_summary_plot_keeps_an_existing_file_unless_forced(tmp_path: Path, capsys) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "charts.png"
    target.write_bytes(b"the user's picture")
    code, _, err = run(["summary", "lenet5", "--plot", str(target)], capsys)
    assert code == 2 and "already exists" in err and "--force" in err
    assert target.read_bytes() == b"the user's picture"
    code, _, _ = run(["summary", "lenet5", "--plot", str(target), "--force"], capsys)
    assert code == 0 and target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_network_names_differing_only_in_case_are_refused(tmp_path: Path, capsys) -> None:
    """`--net A` matches ignoring case, so `network a` and `network A` could not both be picked."""
    code, _, err = run(["summary", write(tmp_path, "network a\ninput 8x8\nconv3-4\nnetwork A\ninput 8x8\nconv3-4\n")],
                       capsys)
    assert code == 2 and "a second network named `A`" in err and ":4:9" in err


def test_bare_archcalc_prints_the_help_with_exit_0(capsys) -> None:
    with pytest.raises(SystemExit) as e:
        main([])
    assert e.value.code == 0
    assert "Usage: archcalc [OPTIONS] COMMAND" in capsys.readouterr().out
