"""`train --dataset FILE.npz`: every hostile or broken file is a clean error that says what is wrong.

These are the checks made before TensorFlow is imported (numpy only): the file, its arrays, the labels
and the pixels. Found by feeding `train` hand-made .npz files (issue 18): labels of NaN, infinity or
1e300 became garbage class numbers silently, NaN pixels were trained on, a member that is no .npy, one-hot
labels of no class and a header declaring a 238 GiB array were tracebacks, and a FIFO or /dev/zero
was called a folder.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from archcalc.errors import SourceError  # noqa: E402 - after the skip
from archcalc.training.datasets import load  # noqa: E402


def _images(n: int) -> Any:
    return np.zeros((n, 8, 8, 1), np.uint8)


def _good(**change: Any) -> dict[str, Any]:
    arrays = dict(x_train=_images(4), y_train=np.array([0, 1, 2, 3]), x_test=_images(1), y_test=np.array([0]))
    arrays.update(change)
    return arrays


CASES = [
    ("NaN labels", _good(y_train=np.array([0, np.nan, 1, 2])), "`y_train` of `{p}` holds NaN or infinite labels"),
    ("infinite labels", _good(y_test=np.array([np.inf])), "`y_test` of `{p}` holds NaN or infinite labels"),
    ("a label of 1e300", _good(y_train=np.array([0, 1e300, 1, 2])),
     "`y_train` of `{p}` holds the label 1e+300, larger than any class number (2,147,483,647, MAX_LABEL)"),
    ("a uint64 label past int64", _good(y_train=np.array([0, 2**64 - 1, 1, 2], np.uint64)),
     "`y_train` of `{p}` holds the label 18,446,744,073,709,551,615, larger than any class number (2,147,483,647, "
     "MAX_LABEL)"),
    ("one-hot labels of no class", _good(y_train=np.zeros((4, 0))),
     "`y_train` of `{p}` has shape (4, 0): one-hot labels of no class"),
    ("one-hot labels of strings", _good(y_train=np.array([["a", "b"]] * 4)),
     "`y_train` of `{p}` holds <U1 values, not class numbers"),
    ("NaN pixels", _good(x_train=np.full((4, 8, 8, 1), np.nan)), "the train images of `{n}` hold NaN or infinite "
                                                                 "values"),
    ("infinite pixels", _good(x_test=np.full((1, 8, 8, 1), -np.inf)), "the test images of `{n}` hold NaN or "
                                                                      "infinite values"),
    ("no test images", _good(x_test=_images(0), y_test=np.zeros(0, int)), "`{n}` has no test images"),
    ("an object array", _good(x_train=np.array([object()] * 4, dtype=object)),
     "cannot read `{p}` as a .npz file: an array of it holds Python objects (pickled), which archcalc never loads "
     "(they can run code)"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_a_hostile_npz_is_refused_with_what_is_wrong(tmp_path: Path, case: tuple[str, dict[str, Any], str]) -> None:
    _, arrays, expected = case
    path = tmp_path / "data.npz"
    np.savez(path, **arrays)
    with pytest.raises(SourceError) as e:
        load(str(path))
    assert e.value.message == expected.format(p=path, n="data.npz")


def test_a_member_that_is_no_npy_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.npz"
    with zipfile.ZipFile(path, "w") as z:
        for key in ("x_train", "y_train", "x_test", "y_test"):
            z.writestr(key + ".npy", b"hello")
    with pytest.raises(SourceError) as e:
        load(str(path))
    assert e.value.message == f"`x_train` of `{path}` is not a numpy array (its file in the archive is no .npy)"


def test_a_header_declaring_a_huge_array_is_refused_not_allocated(tmp_path: Path) -> None:
    """A 1 kB member whose header says 10^15 pixels: numpy allocates before reading."""
    path = tmp_path / "data.npz"
    header = "{'descr': '|u1', 'fortran_order': False, 'shape': (1000000000000000, 1, 1), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("x_train.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + bytes(1000))
        for key, array in (("y_train", np.zeros(1, int)), ("x_test", _images(1)), ("y_test", np.zeros(1, int))):
            buffer = io.BytesIO()
            np.save(buffer, array)
            z.writestr(key + ".npy", buffer.getvalue())
    with pytest.raises(SourceError) as e:
        load(str(path))
    assert e.value.message in (f"`{path}` holds an array too big to load into memory",  # what numpy does here
                               f"cannot read `{path}` as a .npz file: cannot reshape array of size 1000 into shape "
                               "(1000000000000000,1,1)")


def test_random_bytes_are_not_read_as_a_pickle(tmp_path: Path) -> None:
    path = tmp_path / "data.npz"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(SourceError) as e:
        load(str(path))
    assert e.value.message == (f"cannot read `{path}` as a .npz file: it is not a zip archive of .npy arrays (numpy "
                               "would read it as pickled Python objects, which archcalc never loads: they can run "
                               "code)")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_device_is_not_called_a_folder(tmp_path: Path) -> None:
    fifo = tmp_path / "data.npz"
    os.mkfifo(fifo)
    with pytest.raises(SourceError) as e:
        load(str(fifo))  # would block forever if opened
    assert e.value.message == f"`{fifo}` is a named pipe (FIFO), not a .npz file"
    if Path("/dev/zero").exists():
        with pytest.raises(SourceError) as e:
            load("/dev/zero")
        assert e.value.message == "`/dev/zero` is a character device, not a .npz file"
    with pytest.raises(SourceError) as e:
        load(str(tmp_path))
    assert e.value.message == f"`{tmp_path}` is a folder, not a .npz file"


def test_a_copy_of_a_known_dataset_with_a_label_past_its_classes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npz"
    np.savez(path, **_good(y_test=np.array([10])))
    with pytest.raises(SourceError) as e:
        load("mnist", str(path))
    assert e.value.message == f"`{path}` holds the label 10, but `mnist` has 10 classes (0 to 9)"
    np.savez(path, **_good())
    assert load("mnist", str(path)).classes == 10


def test_no_images_at_all_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.npz"
    np.savez(path, **_good(x_train=_images(0), y_train=np.zeros(0, int), x_test=_images(0), y_test=np.zeros(0, int)))
    with pytest.raises(SourceError) as e:
        load(str(path))
    assert e.value.message == "`data.npz` has no training images"
