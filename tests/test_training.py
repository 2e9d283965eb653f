"""``archcalc train``: datasets, checks, training, files, determinism, resume, devices.

Every run here is small (a few hundred 8x8 digits or generated 28x28 images, one to four epochs)
except the one that checks the bundled digits CNN's accuracy, which is the acceptance criterion.
Runs go through ``archcalc.cli.main`` in this process; the ones that need a fresh TensorFlow (two
logical CPUs for ``--strategy mirrored``, a process killed with SIGKILL) run in a subprocess.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorflow")  # CI installs .[keras,dev]; a base install has no TensorFlow

from archcalc.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _private_caches(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checkpoints without --output go to $XDG_CACHE_HOME: keep them out of the user's home."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("ARCHCALC_TRAIN_STOP_AFTER", raising=False)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    captured = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


def train_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    code, out, err = run(["train", *args, "--format", "json", "--quiet"], capsys)
    assert code == 0, err
    assert "Traceback" not in err
    return json.loads(out)


def images(n: int, shape: tuple[int, ...], classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Learnable uint8 images: class k is a bright bar in row band k, on noise."""
    rng = np.random.RandomState(seed)
    y = rng.randint(0, classes, n)
    x = rng.randint(0, 60, (n, *shape)).astype(np.uint8)
    h = shape[0]
    for i, k in enumerate(y):
        top = k * h // classes
        x[i, top: top + max(1, h // classes)] = 230
    return x, y.astype(np.uint8)


def write_npz(path: Path, shape: tuple[int, ...] = (28, 28), classes: int = 10, n: int = 512,
              n_test: int = 128) -> Path:
    x_train, y_train = images(n, shape, classes, 1)
    x_test, y_test = images(n_test, shape, classes, 2)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


@pytest.fixture(scope="module")
def mnist_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_npz(tmp_path_factory.mktemp("data") / "mnist.npz")


# ---------------------------------------------------------------------------------------------
# start-up, registration


def test_importing_the_cli_loads_no_tensorflow_numpy_or_sklearn() -> None:
    code = ("import sys; import archcalc.cli; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'numpy', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_train_is_a_command_with_the_issue_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["train", "--help"], capsys)
    assert code == 0
    for option in ("--dataset", "--data", "--epochs", "--batch-size", "--optimizer", "--lr", "--validation-split",
                   "--seed", "--limit", "--output", "--format", "--quiet", "--force", "--device",
                   "--mixed-precision", "--jit", "--strategy", "--resume", "--resize"):
        assert option in out, option


# ---------------------------------------------------------------------------------------------
# the acceptance run: the bundled digits CNN


def test_bundled_digits_cnn_reaches_95_percent_on_cpu(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # How long it takes is measured in benchmarks/train.py, not asserted: a shared machine is slow at times.
    r = train_json(["digits_cnn", "--dataset", "digits", "--epochs", "20", "--seed", "0",
                    "--device", "cpu", "--output", str(tmp_path / "out")], capsys)
    assert r["test_accuracy"] >= 0.95, r["test_accuracy"]
    assert r["device_kind"] == "cpu" and r["device"].startswith("CPU")
    # scikit-learn's 1,797 digits: 360 for the test set, the rest split 90/10 by --validation-split.
    assert (r["test_examples"], r["train_examples"] + r["validation_examples"]) == (360, 1437)
    assert r["validation_examples"] == 1437 - 1294
    # archcalc's count is Keras' count, and both are the saved model's.
    import keras

    model = keras.models.load_model(r["model_path"])
    assert r["params"] == r["keras_params"] == model.count_params() == 62_250


# ---------------------------------------------------------------------------------------------
# --data FILE.npz end to end: files, JSON, the saved model


def test_end_to_end_from_a_generated_npz_via_data(tmp_path: Path, mnist_npz: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "run"
    r = train_json(["mnist_cnn", "--dataset", "mnist", "--data", str(mnist_npz), "--epochs", "2",
                    "--batch-size", "64", "--seed", "5", "--output", str(out_dir)], capsys)
    for key in ("test_accuracy", "test_loss", "epochs", "device", "history", "model_path", "images_per_second"):
        assert key in r, key
    assert r["epochs"] == 2 and r["batch_size"] == 64 and r["dataset"] == "mnist"
    assert r["train_examples"] == 461 and r["validation_examples"] == 51  # ceil(512 * 0.9), as Keras splits
    assert set(r["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 2 for v in r["history"].values())
    assert r["images_per_second"] == pytest.approx(461 * 2 / sum(r["epoch_seconds"]), rel=1e-6)
    assert r["test_accuracy"] > 0.5  # the bars are easy: chance is 0.1
    # The four files, each loadable, and consistent with what was printed.
    assert sorted(p.name for p in out_dir.iterdir() if not p.name.startswith(".")) == [
        "history.json", "history.png", "metrics.json", "model.keras"]
    # Once the results are written the checkpoint is a small finished state (for `--epochs N --resume`).
    assert [p.name for p in (out_dir / ".checkpoint").iterdir()] == ["state.json"]
    assert json.loads((out_dir / ".checkpoint" / "state.json").read_text())["finished"]
    assert json.loads((out_dir / "metrics.json").read_text()) == r
    history = json.loads((out_dir / "history.json").read_text())
    assert history["epochs"] == 2 and history["loss"] == r["history"]["loss"]
    assert (out_dir / "history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import keras

    model = keras.models.load_model(r["model_path"])
    assert model.count_params() == r["params"] == 421_642  # the lecture notes' CNN, counted by hand
    with np.load(mnist_npz) as f:
        x, y = f["x_test"].astype("float32")[..., None] / 255, f["y_test"]
    loss, acc = model.evaluate(x, y, verbose=0, batch_size=64)
    assert acc == pytest.approx(r["test_accuracy"], abs=1e-6) and loss == pytest.approx(r["test_loss"], rel=1e-4)


def test_existing_output_folder_is_not_overwritten_without_force(tmp_path: Path, mnist_npz: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "taken"
    out_dir.mkdir()
    (out_dir / "notes.txt").write_text("mine")
    args = ["train", "digits_cnn", "--dataset", "digits", "--limit", "100", "--epochs", "1", "--quiet",
            "--output", str(out_dir)]
    code, out, err = run(args, capsys)
    assert code == 2 and out == ""
    assert "already exists; archcalc does not overwrite it" in err and "--force" in err
    assert sorted(p.name for p in out_dir.iterdir()) == ["notes.txt"]
    code, out, err = run([*args, "--force"], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == [".checkpoint", "history.json", "history.png",
                                                         "metrics.json", "model.keras", "notes.txt"]
    assert (out_dir / "notes.txt").read_text() == "mine"


def test_table_output_names_accuracy_time_images_per_second_and_device(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["train", "digits_cnn", "--dataset", "digits", "--limit", "200", "--epochs", "2",
                          "--seed", "1"], capsys)
    assert code == 0, err
    for label in ("test accuracy", "test loss", "per epoch", "images/s", "device", "CPU"):
        assert label in out, label
    # Progress goes to stderr, one line per epoch when it is not a terminal.
    assert [ln.split(" - ")[0] for ln in err.splitlines() if ln.startswith("Epoch")] == ["Epoch 1/2", "Epoch 2/2"]
    assert "loss:" in err and "images/s" in err


def test_csv_and_markdown_give_the_epochs_and_the_test_result(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["train", "digits_cnn", "--dataset", "digits", "--limit", "120", "--epochs", "2", "--seed", "2", "--quiet"]
    code, out, err = run([*args, "--format", "csv"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "epoch,seconds,loss,accuracy,val_loss,val_accuracy"
    assert [ln.split(",")[0] for ln in lines[1:]] == ["1", "2", "test"]
    r = train_json(args[1:-1], capsys)  # same seed: the same numbers
    assert float(lines[3].split(",")[3]) == r["test_accuracy"]
    assert float(lines[2].split(",")[2]) == r["history"]["loss"][1]
    code, out, err = run([*args, "--format", "markdown"], capsys)
    assert code == 0 and "| test accuracy |" in out and "| epoch | seconds | loss | accuracy | val_loss |" in out


# ---------------------------------------------------------------------------------------------
# --limit, --resize, scaling


def test_limit_trains_on_the_first_n_examples(capsys: pytest.CaptureFixture[str]) -> None:
    r = train_json(["digits_cnn", "--dataset", "digits", "--limit", "150", "--epochs", "1",
                    "--validation-split", "0.2"], capsys)
    assert (r["train_examples"], r["validation_examples"], r["test_examples"]) == (120, 30, 360)
    assert "val_loss" in r["history"]
    r = train_json(["digits_cnn", "--dataset", "digits", "--limit", "100", "--epochs", "1",
                    "--validation-split", "0"], capsys)
    assert (r["train_examples"], r["validation_examples"]) == (100, 0) and "val_loss" not in r["history"]


def test_resize_turns_grey_28x28_into_rgb_32x32(tmp_path: Path, mnist_npz: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    args = ["train", "keras_cifar10", "--data", str(mnist_npz), "--epochs", "1", "--limit", "128", "--quiet"]
    code, _, err = run(args, capsys)
    assert code == 2 and "Traceback" not in err
    assert "`mnist.npz` has 28x28x1 images but `keras_cifar10` takes 32x32x3" in err
    assert "--resize" in err and "grey → RGB" in err
    r = train_json([*args[1:-1], "--resize"], capsys)
    assert r["conversion"] == "resized 28x28 → 32x32, grey → RGB" and r["input_shape"] == [32, 32, 3]


def test_pipeline_scales_to_unit_range_and_adds_the_channel_axis() -> None:
    from archcalc.training import pipeline
    from archcalc.training.datasets import Conversion

    x = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)  # one 2x2 grey image
    batch = next(iter(pipeline.batches(pipeline.source(x, np.array([3])), 1, batch_size=4,
                                       conversion=Conversion((2, 2, 1), (4, 4, 3)), scale=1 / 255)))
    xb, yb = batch[0].numpy(), batch[1].numpy()
    assert xb.shape == (1, 4, 4, 3) and yb.tolist() == [3]
    assert xb.min() == 0.0 and xb.max() == pytest.approx(1.0)
    assert np.array_equal(xb[..., 0], xb[..., 2])  # grey → RGB copies the channel
    plain = next(iter(pipeline.batches(pipeline.source(x, np.array([3])), 1, batch_size=4,
                                       conversion=Conversion((2, 2, 1), (2, 2, 1)), scale=1 / 255)))[0].numpy()
    assert plain.shape == (1, 2, 2, 1) and plain.ravel().tolist() == pytest.approx([0, 1, 0.2, 0.4])


def test_each_epoch_has_its_own_seeded_order() -> None:
    from archcalc.training import pipeline
    from archcalc.training.datasets import Conversion

    x, y = np.arange(64, dtype=np.uint8).reshape(64, 1, 1), np.arange(64)
    src = pipeline.source(x, y)

    def order(epoch: int) -> list[int]:
        ds = pipeline.batches(src, 64, batch_size=64, conversion=Conversion((1, 1, 1), (1, 1, 1)), scale=1.0,
                              shuffle_seed=pipeline.epoch_seed(9, epoch))
        return next(iter(ds))[1].numpy().tolist()

    assert order(3) == order(3) != order(4)
    assert sorted(order(3)) == list(range(64))


# ---------------------------------------------------------------------------------------------
# errors: shapes, classes, activations, datasets, devices


@pytest.mark.parametrize(("spec", "npz", "expected"), [
    ("input 28x28\nconv3-8\nmaxpool\nFC-12\nsoft-max\n", {"classes": 10},
     ["the last layer of `net` has 12 outputs but `mnist.npz` has 10 classes", "net.txt:5:1",
      "end the spec with `FC-10` then `soft-max`"]),
    ("input 28x28\nconv3-8\nmaxpool\nFC-5\n", {"classes": 5},
     ["applies `relu` to its outputs", "followed by ReLU unless `soft-max` follows it", "`FC-5` then `soft-max`"]),
    ("input 28x28\nconv3-10\nglobal-avgpool keepdims=true\n", {"classes": 10},
     ["is a 1x1x10 feature map, not one score per class"]),
    ("model.add(Conv2D(8, (3,3), input_shape=(28,28,1)))\nmodel.add(Flatten())\n"
     "model.add(Dense(3, activation='softmax'))\n", {"classes": 10},
     ["has 3 outputs but `mnist.npz` has 10 classes", "Dense(10, activation='softmax')"]),
    ("input 32x32x3\nconv3-8\nFC-10\nsoft-max\n", {"classes": 10, "shape": (28, 28)},
     ["has 28x28x1 images but `net` takes 32x32x3", "add --resize", "input 28x28x1"]),
    ("input 28x28x2\nconv3-8\nFC-10\nsoft-max\n", {"classes": 10, "shape": (28, 28, 3)},
     ["has 28x28x3 images but `net` takes 28x28x2"]),
])
def test_data_that_does_not_fit_the_network_is_an_error_with_the_fix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, npz: dict, expected: list[str]) -> None:
    spec_file = tmp_path / "net.txt"
    spec_file.write_text(("network net\n" if not spec.startswith("model") else "") + spec)
    data = write_npz(tmp_path / "mnist.npz", n=32, n_test=8, **npz)
    code, out, err = run(["train", str(spec_file), "--dataset", str(data), "--epochs", "1", "--quiet"], capsys)
    assert code == 2 and out == "" and "Traceback" not in err
    for piece in expected:
        assert piece in err, f"{piece!r} not in:\n{err}"


def test_resize_refuses_channels_it_cannot_convert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_npz(tmp_path / "four.npz", shape=(8, 8, 4), n=16, n_test=4)
    code, _, err = run(["train", "digits_cnn", "--dataset", str(data), "--resize", "--quiet"], capsys)
    assert code == 2 and "--resize converts only grey ↔ RGB" in err


@pytest.mark.parametrize(("args", "expected"), [
    (["--dataset", "mnst"], ["unknown dataset `mnst`", "did you mean `mnist`?"]),
    ([], ["no dataset given", "--dataset NAME"]),
    (["--dataset", "digits", "--optimizer", "adamw"], ["unknown optimizer `adamw`", "sgd, adam, adadelta, rmsprop"]),
    (["--dataset", "digits", "--validation-split", "1.5"], ["--validation-split must be in [0, 1)"]),
    (["--dataset", "digits", "--device", "gpu"], ["--device gpu: TensorFlow sees no GPU", "archcalc[gpu]"]),
    (["--dataset", "digits", "--mixed-precision"], ["--mixed-precision needs a GPU"]),
    (["--dataset", "digits", "--resume"], ["nothing to resume: no checkpoint in"]),
    (["--dataset", "nothing.npz"], ["no such file: `nothing.npz`"]),
])
def test_bad_options_are_errors_with_a_hint(capsys: pytest.CaptureFixture[str], args: list[str],
                                            expected: list[str]) -> None:
    code, out, err = run(["train", "digits_cnn", "--epochs", "1", "--quiet", *args], capsys)
    assert code == 2 and out == "" and "Traceback" not in err
    for piece in expected:
        assert piece in err, f"{piece!r} not in:\n{err}"


def test_npz_with_the_wrong_layout_says_what_it_holds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.npz"
    np.savez(bad, images=np.zeros((2, 8, 8)), labels=np.zeros(2))
    code, _, err = run(["train", "digits_cnn", "--dataset", str(bad), "--quiet"], capsys)
    assert code == 2 and "has no array `x_train`, `y_train`, `x_test`, `y_test` (it holds images, labels)" in err
    (tmp_path / "text.npz").write_text("not a zip")
    code, _, err = run(["train", "digits_cnn", "--dataset", str(tmp_path / "text.npz"), "--quiet"], capsys)
    assert code == 2 and "cannot read" in err and "np.savez" in err


def test_offline_and_not_cached_says_exactly_where_to_put_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import keras

    def offline() -> None:  # what Keras raises without a network (checked by hand on this machine)
        raise Exception("URL fetch failure on https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
                        "mnist.npz: None -- [Errno -2] Name or service not known")

    keras_home(monkeypatch, tmp_path / "kh")
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    code, out, err = run(["train", "mnist_cnn", "--dataset", "mnist", "--quiet"], capsys)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "cannot download `mnist` and it is not in Keras' cache" in err
    assert f"`mnist.npz` as {tmp_path / 'kh' / 'datasets' / 'mnist.npz'}" in err
    assert "--data FILE.npz" in err


def keras_home(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Point Keras' cache at ``folder``: what ``KERAS_HOME`` does, but Keras reads that variable only
    when it is first imported, and this process imported it long ago."""
    import keras.src.backend.config as config

    monkeypatch.setattr(config, "_KERAS_DIR", str(folder))


def _idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">II", 2049, len(array)) if array.ndim == 1 else struct.pack(">IIII", 2051, *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_keras_loader_reads_its_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """fashion_mnist through Keras' own loader, from files put in Keras' cache (no download)."""
    folder = tmp_path / "kh" / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    for part, n, seed in (("train", 96, 1), ("t10k", 32, 2)):
        x, y = images(n, (28, 28), 10, seed)
        _idx(folder / f"{part}-images-idx3-ubyte.gz", x)
        _idx(folder / f"{part}-labels-idx1-ubyte.gz", y)
    keras_home(monkeypatch, tmp_path / "kh")
    r = train_json(["keras_mnist", "--dataset", "fashion_mnist", "--epochs", "1", "--validation-split", "0"], capsys)
    assert (r["dataset"], r["train_examples"], r["test_examples"], r["classes"]) == ("fashion_mnist", 96, 32, 10)
    assert r["dataset_source"].startswith("Keras (") and str(folder.parent) in r["dataset_source"]


def test_missing_scikit_learn_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import fails as if not installed
    code, _, err = run(["train", "digits_cnn", "--dataset", "digits", "--quiet"], capsys)
    assert code == 2 and "needs scikit-learn" in err and "pip install 'archcalc[train]'" in err


# ---------------------------------------------------------------------------------------------
# determinism and resume


SMALL = ["digits_cnn", "--dataset", "digits", "--limit", "400", "--batch-size", "32", "--seed", "11"]


def test_same_seed_same_history(capsys: pytest.CaptureFixture[str]) -> None:
    a = train_json([*SMALL, "--epochs", "2"], capsys)
    b = train_json([*SMALL, "--epochs", "2"], capsys)
    c = train_json([*SMALL[:-1], "12", "--epochs", "2"], capsys)
    assert a["deterministic"] and a["seed"] == 11
    assert a["history"] == b["history"] and (a["test_loss"], a["test_accuracy"]) == (b["test_loss"], b["test_accuracy"])
    assert a["history"] != c["history"]


def test_interrupted_run_resumes_to_the_same_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    whole = train_json([*SMALL, "--epochs", "4"], capsys)
    out_dir = tmp_path / "run"
    args = ["train", *SMALL, "--epochs", "4", "--output", str(out_dir), "--quiet"]
    monkeypatch.setenv("ARCHCALC_TRAIN_STOP_AFTER", "2")  # stop as Ctrl-C would, after epoch 2's checkpoint
    code, _, err = run(args, capsys)
    monkeypatch.delenv("ARCHCALC_TRAIN_STOP_AFTER")
    assert code == 130 and "training interrupted; 2 of 4 epochs completed and kept in" in err
    assert "--resume" in err
    state = json.loads((out_dir / ".checkpoint" / "state.json").read_text())
    assert state["epoch"] == 2 and (out_dir / ".checkpoint" / state["model"]).is_file()
    # Without --resume or --force the folder is refused, and the message says why.
    code, _, err = run(args, capsys)
    assert code == 2 and "it holds an interrupted run: add --resume to continue it" in err
    # Another batch size is another run: refused.
    code, _, err = run([a if a != "32" else "64" for a in args] + ["--resume"], capsys)
    assert code == 2 and "is of another run: batch_size: 32 then, 64 now" in err
    r = train_json([*args[1:-1], "--resume"], capsys)
    assert r["resumed_from_epoch"] == 2 and r["epochs"] == 4
    assert r["history"] == whole["history"]  # all four epochs, two of them from the checkpoint
    assert (r["test_loss"], r["test_accuracy"]) == (whole["test_loss"], whole["test_accuracy"])
    # What is left is the finished run's state, pointing at the output's model (no second copy of it).
    assert sorted(p.name for p in (out_dir / ".checkpoint").iterdir()) == ["state.json"]
    state = json.loads((out_dir / ".checkpoint" / "state.json").read_text())
    assert state["finished"] and state["epoch"] == 4 and state["model"] == "../model.keras"


def test_a_finished_run_says_so_and_trains_longer_with_more_epochs(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """`--resume` on a finished run: not "the folder already exists", but that it finished and how to
    train longer; `--epochs 6 --resume` then continues from epoch 4 to the run a 6-epoch one gives."""
    whole = train_json([*SMALL, "--epochs", "6"], capsys)
    out_dir = tmp_path / "run"
    first = train_json([*SMALL, "--epochs", "4", "--output", str(out_dir)], capsys)
    code, _, err = run(["train", *SMALL, "--epochs", "4", "--output", str(out_dir), "--quiet", "--resume"], capsys)
    assert code == 2 and f"error: the run in {out_dir} finished: its 4 epochs are done" in err
    assert "to train it longer, give the new total: `--epochs 8 --resume` continues from epoch 4" in err
    code, _, err = run(["train", *SMALL, "--epochs", "6", "--output", str(out_dir), "--quiet"], capsys)
    assert code == 2 and "it holds a finished run of 4 epochs: `--epochs 8 --resume` trains it longer" in err
    longer = train_json([*SMALL, "--epochs", "6", "--output", str(out_dir), "--resume"], capsys)
    assert longer["resumed_from_epoch"] == 4 and longer["epochs"] == 6
    assert first["history"]["loss"] == whole["history"]["loss"][:4]
    assert longer["history"] == whole["history"]
    assert (longer["test_loss"], longer["test_accuracy"]) == (whole["test_loss"], whole["test_accuracy"])
    assert json.loads((out_dir / "metrics.json").read_text())["epochs"] == 6


def test_resume_without_output_uses_the_cache_folder(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "archcalc" / "train"
    monkeypatch.setenv("ARCHCALC_TRAIN_STOP_AFTER", "1")
    code, _, err = run(["train", *SMALL, "--epochs", "2", "--quiet"], capsys)
    monkeypatch.delenv("ARCHCALC_TRAIN_STOP_AFTER")
    assert code == 130 and str(cache) in err
    assert len(list(cache.glob("*/state.json"))) == 1
    r = train_json([*SMALL, "--epochs", "2", "--resume"], capsys)
    assert r["resumed_from_epoch"] == 1 and len(r["history"]["loss"]) == 2
    assert list(cache.glob("*/state.json")) == []


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_a_killed_process_resumes_to_the_same_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SIGKILL (no clean-up at all) once a checkpoint is on disk; --resume ends where a run that was
    never interrupted ends."""
    args = ["digits_cnn", "--dataset", "digits", "--limit", "600", "--seed", "3", "--epochs", "12"]
    out_dir = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-c", "from archcalc.cli import main; main()", "train", *args,
                             "--output", str(out_dir), "--quiet"],
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = out_dir / ".checkpoint" / "state.json"
    try:
        deadline = time.monotonic() + 120
        while not state.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    kept = json.loads(state.read_text())["epoch"]
    assert 1 <= kept < 12
    resumed = train_json([*args, "--output", str(out_dir), "--resume"], capsys)
    whole = train_json(args, capsys)
    assert resumed["resumed_from_epoch"] == kept
    assert resumed["history"] == whole["history"]
    assert (resumed["test_loss"], resumed["test_accuracy"]) == (whole["test_loss"], whole["test_accuracy"])


def test_ctrl_c_keeps_the_last_completed_epoch(tmp_path: Path) -> None:
    """A real SIGINT (what Ctrl-C sends) during training: exit 130, no traceback, the message names
    the epochs kept, and their checkpoint is there to resume."""
    out_dir = tmp_path / "ctrl-c"
    proc = subprocess.Popen([sys.executable, "-c", "from archcalc.cli import main; main()", "train", "digits_cnn",
                             "--dataset", "digits", "--limit", "600", "--seed", "4", "--epochs", "40",
                             "--output", str(out_dir), "--quiet"],
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    state = out_dir / ".checkpoint" / "state.json"
    deadline = time.monotonic() + 120
    while not state.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out[-1000:], err[-2000:])
    assert "Traceback" not in err and out == ""
    kept = json.loads(state.read_text())["epoch"]
    assert 1 <= kept < 40
    assert f"training interrupted; {kept} of 40 epochs completed and kept in {out_dir / '.checkpoint'}" in err
    assert "--resume" in err


# ---------------------------------------------------------------------------------------------
# devices


def test_mirrored_strategy_over_two_logical_cpus(tmp_path: Path) -> None:
    """MirroredStrategy needs two devices; the CPU is split in two before TensorFlow starts (hence a
    subprocess). Its result matches the one-device run's kind: the test set is evaluated, two replicas."""
    out = str(tmp_path / "m")
    code = (
        "import tensorflow as tf\n"
        "cpu = tf.config.list_physical_devices('CPU')[0]\n"
        "tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)\n"
        "from archcalc.cli import main\n"
        "main(['train', 'digits_cnn', '--dataset', 'digits', '--limit', '256', '--epochs', '1',\n"
        f"      '--strategy', 'mirrored', '--format', 'json', '--quiet', '--output', {out!r}])\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    r = json.loads(p.stdout)
    assert r["replicas"] == 2 and r["strategy"] == "mirrored"
    assert "mirrored over 2 CPU devices" in r["device"]
    assert 0 <= r["test_accuracy"] <= 1 and (tmp_path / "m" / "model.keras").is_file()


def test_jit_compiles_with_xla(capsys: pytest.CaptureFixture[str]) -> None:
    r = train_json(["digits_cnn", "--dataset", "digits", "--limit", "128", "--epochs", "1", "--jit",
                    "--optimizer", "sgd", "--lr", "0.05"], capsys)
    assert r["jit"] and r["optimizer"] == "sgd" and r["learning_rate"] == pytest.approx(0.05)


def test_missing_tensorflow_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from archcalc.bridge import tf as bridge_tf

    bridge_tf.keras.cache_clear()  # keras() caches the module: forget it, so the import is tried again
    monkeypatch.setitem(sys.modules, "keras", None)  # `import keras` fails as if not installed
    try:
        code, out, err = run(["train", "digits_cnn", "--dataset", "digits", "--epochs", "1", "--quiet"], capsys)
    finally:
        monkeypatch.undo()
        bridge_tf.keras.cache_clear()
    assert code == 2 and out == "" and "Traceback" not in err
    assert "needs TensorFlow and Keras 3, which are not installed" in err and "pip install 'archcalc[train]'" in err
    assert "TensorFlow and scikit-learn" in err  # one install for all that training needs
