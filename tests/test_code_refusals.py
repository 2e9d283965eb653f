"""What the code reader refuses, word for word: every refusal names the place, the value and the fix.
Also the limits (steps, nesting, number size) and ``--define`` / ``--input`` on the command line."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from archcalc.cli import main
from archcalc.errors import ArchcalcError, SpecError
from archcalc.keras_code import parse_keras

HEAD = "model = Sequential()\nmodel.add(Input((8,)))\n"


def refusal(code: str) -> list[str]:
    """The rendered error's lines (long source lines left out)."""
    with pytest.raises(ArchcalcError) as e:
        parse_keras(code, "m.py")
    return [line for line in e.value.render().split("\n") if len(line) < 200]


@pytest.mark.parametrize(("code", "expected"), [
    ("model = Sequential([Input((8,))])\nfor u in widths:\n    model.add(Dense(u))\n", [
        "error: the model needs 1 value that archcalc cannot know without running the code: `widths`",
        " --> m.py:2:10", "  |", "2 | for u in widths:", "  |          ^^^^^^",
        "  `widths` (line 2: never defined) decides the `for` loop around layer calls at 2:10",
        "hint: give it on the command line: `--define widths=32,64` (numbers, strings, shapes like 28x28x1, "
        "tuples)"]),
    ("model = Sequential([Input((8,))])\nif big:\n    model.add(Dense(4))\n", [
        "error: the model needs 1 value that archcalc cannot know without running the code: `big`",
        " --> m.py:2:4", "  |", "2 | if big:", "  |    ^^^",
        "  `big` (line 2: never defined) decides the `if` around layer calls at 2:4",
        "hint: give it on the command line: `--define big=True` (numbers, strings, shapes like 28x28x1, tuples)"]),
    ("model = Sequential([Input((8,))])\nn = depth\nwhile n > 0:\n    model.add(Dense(4))\n    n -= 1\n", [
        "error: the `while` condition `n > 0` depends on `n`, and its loop builds layers",
        " --> m.py:3:7", "  |", "3 | while n > 0:", "  |       ^^^^^",
        "hint: write the loop as `for ... in range(n):`, or give the value with --define NAME=VALUE"]),
    ("def f(x, n):\n    return f(Dense(2)(x), n + 1)\ninputs = Input((8,))\nmodel = Model(inputs, f(inputs, 0))\n", [
        "error: calls nest more than 64 deep (recursion without end?)",
        " --> m.py:2:12", "  |", "2 |     return f(Dense(2)(x), n + 1)", "  |            ^^^^^^^^^^^^^^^^^^^^^",
        "hint: archcalc follows recursion up to that depth; write the layers with a loop"]),
    ("inputs = Input((8,))\nx = layers.Lambda(lambda t: t * 2)(inputs)\nx = layers.LSTM(4)(x)\n"
     "x = layers.GRU(2)(x)\nmodel = Model(inputs, layers.Lambda(lambda t: t)(x))\n", [
         "error: archcalc has no layer kind for 3 Keras classes of this code: `Lambda`, `LSTM`, `GRU`",
         " --> m.py:2:5", "  |", "2 | x = layers.Lambda(lambda t: t * 2)(inputs)", "  |     ^^^^^^^^^^^^^",
         "hint: the layer kinds archcalc reads are listed in docs/spec-language.md; leave these layers out to "
         "analyse the rest"]),
    ("img = get_image_size()\nmodel = Sequential([Conv2D(32, 3, input_shape=img), Dense(n_out)])\n", [
        "error: the model needs 2 values that archcalc cannot know without running the code: `img`, `n_out`",
        " --> m.py:1:1", "  |", "1 | img = get_image_size()", "  | ^^^",
        "  `img` (line 1: set from `get_image_size()`) reaches the input shape at 2:21",
        "  `n_out` (line 2: never defined) reaches `units` of `Dense` at 2:53",
        "hint: give it on the command line: `--define n_out=64` (numbers, strings, shapes like 28x28x1, tuples); "
        "`--input 28x28x1` sets the input shape"]),
    ("inputs = Input((8,))\nx = tf.nn.relu(inputs)\nmodel = Model(inputs, x)\n", [
        "error: archcalc does not know what `tf.nn.relu` does to a tensor of the model",
        " --> m.py:2:5", "  |", "2 | x = tf.nn.relu(inputs)", "  |     ^^^^^^^^^^^^^^^^^^",
        "hint: write it as a Keras layer (e.g. `layers.Activation('relu')(x)`); archcalc reads layers"]),
    ("model = Sequential([Input((8,)), Dense(4)])\nmodel.layers[0].trainable = False\n", [
        "error: archcalc does not read `trainable` set on a layer: it counts every weight of a layer as "
        "trainable, as Keras does by default",
        " --> m.py:2:1", "  |", "2 | model.layers[0].trainable = False", "  | ^^^^^^^^^^^^^^^^^^^^^^^^^",
        "hint: leave the line out to count the model as built; the total does not change"]),
    ("model = Sequential([Conv2D(32, 3, activation='relu'), Dense(3)])\n", [
        "error: the model `model` has no input shape before `Conv2D(32, 3, activation='relu')`",
        " --> m.py:1:21", "  |", "1 | model = Sequential([Conv2D(32, 3, activation='relu'), Dense(3)])",
        "  |                     ^^^^^^",
        "hint: add `input_shape=(28, 28, 1)` to the first layer, start the list with "
        "`keras.Input(shape=(28, 28, 1))`, or give `--input 28x28x1`"]),
    ("m0 = Sequential([Input((8,)), Dense(4)])\nm1 = Sequential([m0])\n", [
        "error: the model `m1` has no input shape: its first layer is the model `m0`, and it is the only layer",
        " --> m.py:2:6", "  |", "2 | m1 = Sequential([m0])", "  |      ^^^^^^^^^^^^^^^^",
        "hint: start the list with `keras.Input(shape=(28, 28, 1))`, or give `--input 28x28x1` (Keras takes a "
        "model's input shape only when another layer follows)"]),
    ("m0 = Sequential([Dense(4)])\nm1 = Sequential([m0, Dense(2)])\n", [
        "error: the model `m0` has no input shape before `Dense(4)`",
        " --> m.py:1:18", "  |", "1 | m0 = Sequential([Dense(4)])", "  |                  ^^^^^",
        "hint: add `input_shape=(28, 28, 1)` to the first layer, start the list with "
        "`keras.Input(shape=(28, 28, 1))`, or give `--input 28x28x1`"]),
    ("class Net(keras.Model):\n    def call(self, x):\n        return layers.Dense(2)(x)\nnet = Net()\n", [
        "error: the model `net` (Net) is never built, so its input shape is unknown",
        " --> m.py:4:7", "  |", "4 | net = Net()", "  |       ^^^^^",
        "hint: call `net.build((None, 28, 28, 1))` or `net(keras.Input(shape=(28, 28, 1)))`, or give "
        "`--input 28x28x1`"]),
    ("model = Sequential([Input((8,)), Dense(4)])\nmodel.add(keras.applications.VGG16(weights=None))\n", [
        "error: `VGG16` is a Keras application, not a layer archcalc reads",
        " --> m.py:2:11", "  |", "2 | model.add(keras.applications.VGG16(weights=None))",
        "  |           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        "hint: read it with `archcalc import keras.applications.VGG16`"]),
])
def test_refusals_word_for_word(code: str, expected: list[str]) -> None:
    assert refusal(code) == expected


@pytest.mark.parametrize(("code", "message", "where"), [
    (HEAD + "for i in range(10**12):\n    model.add(Dense(4))\n",
     "the code takes more than 100,000 steps to read (a loop that runs too long?)", "m.py:4:15"),
    (HEAD + "while True:\n    model.add(Dense(4))\n",
     "the code takes more than 100,000 steps to read (a loop that runs too long?)", "m.py:4:15"),
    ("x = 0\nwhile True:\n    x = x\n", "the code takes more than 100,000 steps to read (a loop that runs too long?)",
     "m.py:3:5"),
    ("model = Sequential([Input((8,)), Dense(" + "-" * 100_000 + "1)])\n",
     "the code is nested too deeply to read (more than 100 levels)", "m.py:1:1"),
    ("x = " + "+".join(["1"] * 5000) + "\n", "the code is nested too deeply to read (more than 100 levels)",
     "m.py:1:1"),
    ("model = Sequential([Input((8,)), Dense(0x" + "f" * 3600 + ")])\n",
     "a number with more than 256 bits (about 78 digits), more than archcalc reads", "m.py:1:40"),
    ("n = 7\nfor _ in range(10):\n    n = n * n\nname = f'{n}'\n"
     "model = Sequential([Input((8,)), Dense(2, name=name)])\n",
     "a number with more than 256 bits (about 78 digits), more than archcalc reads", "m.py:3:9"),
    ("model = Sequential([Input((8,)), Dense(" + "9" * 5000 + ")])\n",
     "a number has more digits than archcalc reads", "m.py:1:1"),
    ("x = 2 ** 10 ** 9\n", "`2 ** 1000000000` has more than 256 bits, more than archcalc reads", "m.py:1:5"),
    ("x = 'ab' * 10**9\n", "repeating a string 1,000,000,000 times gives more than 100,000 items", "m.py:1:5"),
    ("x = list(range(10**9))\n", "a loop of more than 100,000 rounds (`range` of 1,000,000,000)", "m.py:1:5"),
])
def test_limits_are_clear_errors_within_a_second(code: str, message: str, where: str) -> None:
    start = time.perf_counter()
    with pytest.raises(SpecError) as e:
        parse_keras(code, "m.py")
    assert time.perf_counter() - start < 1.0
    assert (e.value.message, str(e.value.location)) == (message, where)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


SEED_003 = """model = Sequential()
model.add(Conv2D(32, kernel_size=(3, 3), activation='relu', input_shape=input_shape))
model.add(Conv2D(64, (3, 3), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))
model.add(Flatten())
model.add(Dense(128, activation='relu'))
model.add(Dropout(0.5))
model.add(Dense(num_classes, activation='softmax'))
"""


def test_define_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "seed003.py"
    spec.write_text(SEED_003)
    code, _, err = run(["summary", str(spec)], capsys)
    assert code == 2 and "`input_shape`, `num_classes`" in err and "Traceback" not in err
    code, out, _ = run(["summary", str(spec), "--define", "num_classes=10", "--define", "input_shape=28x28x1",
                        "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["totals"]["params"] == 1_199_882
    code, out, _ = run(["summary", str(spec), "-D", "num_classes=10", "--input", "28x28x1", "-f", "json"], capsys)
    assert code == 0 and json.loads(out)["input_shape"] == [28, 28, 1]


@pytest.mark.parametrize("command", [
    ["summary"], ["compare"], ["draw", "-o", "{tmp}/x.svg"], ["exercise", "solve"],
    ["export", "-o", "{tmp}/x.py"],
])
def test_define_and_input_on_every_command(command: list[str], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "m.py"
    spec.write_text("model = Sequential([Conv2D(width, 3, input_shape=shape), Flatten(), Dense(10)])\n")
    args = [command[0], *([str(spec)] if command[0] != "exercise" else ["solve", str(spec)]),
            *[a.format(tmp=tmp_path) for a in command[1:] if command[0] != "exercise"],
            "--define", "width=8", "--input", "12x12x1"]
    code, _, err = run(args, capsys)
    assert code == 0, err


def test_input_overrides_the_paper_notation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["summary", "vgg16", "--input", "32x32x3", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["layers"][-1]["output_shape"] == [1000]
    assert json.loads(out)["input_shape"] == [32, 32, 3]


@pytest.mark.parametrize(("args", "message"), [
    (["--define", "num_classes"], "error: `--define num_classes` has no value"),
    (["--define", "1x=3"], "error: `--define 1x=3`: `1x` is not a name"),
    (["--input", "28xax1"], "error: `--input 28xax1` is not a shape"),
    (["--input", "0x28"], "error: `--input 0x28` is not a shape"),
])
def test_bad_define_and_input_are_usage_errors(args: list[str], message: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["summary", "vgg16", *args], capsys)
    assert code == 2 and err.splitlines()[0] == message


def test_python_api_takes_define_and_input() -> None:
    import archcalc

    a = archcalc.analyze(SEED_003, define={"num_classes": 10, "input_shape": "28x28x1"})
    assert a.totals.params == 1_199_882
    assert archcalc.analyze(SEED_003, define={"num_classes": 10}, input=(28, 28, 1)).totals.params == 1_199_882


def test_several_models_are_networks_named_after_the_file_and_their_variables(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`reversed_decoder.encoder`, as people refer to it; `--net` takes the variable or the whole name."""
    path = Path(__file__).parent / "corpus" / "keras" / "reversed_decoder.py"
    code, out, _ = run(["summary", str(path), "--format", "json"], capsys)
    assert code == 0 and [n["network"] for n in json.loads(out)] == [
        "reversed_decoder.encoder", "reversed_decoder.decoder", "reversed_decoder.autoencoder"]
    for net in ("decoder", "reversed_decoder.decoder", "Reversed_Decoder.DECODER"):
        code, out, _ = run(["summary", str(path), "--net", net, "--format", "json"], capsys)
        assert code == 0 and json.loads(out)["input_shape"] == [16]
        assert json.loads(out)["network"] == "reversed_decoder.decoder"


def test_one_model_is_named_after_its_file_and_code_given_as_text_after_its_variable(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import archcalc

    spec = tmp_path / "mnist_cnn.py"
    spec.write_text("net = Sequential([Input((28, 28, 1)), Conv2D(8, 3), Flatten(), Dense(10)])\n")
    code, out, _ = run(["summary", str(spec), "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["network"] == "mnist_cnn"
    code, out, _ = run(["summary", str(spec), "--net", "net", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["network"] == "mnist_cnn"
    code, _, err = run(["summary", str(spec), "--net", "model"], capsys)
    assert code == 2 and "has no network `model`" in err and "it holds: mnist_cnn" in err
    assert archcalc.analyze(spec.read_text()).network == "net"
    assert archcalc.analyze(spec.read_text(), "net").network == "net"
    assert archcalc.analyze(str(spec), "net").network == "mnist_cnn"


@pytest.mark.parametrize("command", [["summary"], ["compare"], ["verify"], ["export"], ["draw"], ["train"],
                                     ["check"], ["exercise", "solve"], ["profile"]])
def test_every_command_that_reads_a_spec_takes_define_and_input(command: list[str],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([*command, "--help"], capsys)
    assert code == 0 and "--define" in out and "--input" in out
