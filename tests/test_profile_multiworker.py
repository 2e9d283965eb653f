"""`archcalc train --strategy multiworker`: two worker processes on 127.0.0.1, on the CPU, each with its
TF_CONFIG, train digits_cnn for one epoch; both must finish, with the same weights."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from archcalc.cli import main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _weights(model_file: Path) -> dict[str, object]:
    """Every array of a .keras file's weights (an HDF5 file inside the zip), read with h5py: no TensorFlow."""
    import io

    import h5py

    with zipfile.ZipFile(model_file) as z:
        data = z.read("model.weights.h5")
    arrays: dict[str, object] = {}
    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(lambda name, obj: arrays.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return arrays


def test_two_workers_end_with_the_same_weights(tmp_path: Path) -> None:
    import numpy as np

    workers = [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]
    script = Path(sys.executable).parent / "archcalc"
    procs = []
    for i in range(2):
        config = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}})
        procs.append(subprocess.Popen(
            [str(script), "train", "digits_cnn", "--dataset", "digits", "--epochs", "1", "--batch-size", "32",
             "--strategy", "multiworker", "--seed", "3", "--output", str(tmp_path / f"w{i}"), "--format", "json",
             "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "TF_CONFIG": config}))
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    for i, r in enumerate(results):
        assert r["strategy"] == "multiworker" and r["replicas"] == 2 and r["epochs"] == 1
        assert r["device"].endswith(f"worker {i} of 2 (MultiWorkerMirroredStrategy)")
    assert results[0]["test_accuracy"] == results[1]["test_accuracy"]
    a, b = (_weights(tmp_path / f"w{i}" / "model.keras") for i in range(2))
    assert a.keys() == b.keys() and len(a) >= 8
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.parametrize(("value", "message"), [
    (None, "error: --strategy multiworker needs TF_CONFIG: the cluster's workers and which one this is"),
    ("{oops", "error: TF_CONFIG is not JSON (Expecting property name enclosed in double quotes: line 1 column 2 "
              "(char 1)): '{oops'"),
    ('{"cluster": {"worker": []}}', "error: TF_CONFIG's cluster names no workers as HOST:PORT: "
                                    "'{\"cluster\": {\"worker\": []}}'"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}',
     "error: TF_CONFIG's task must be a worker with an index from 0 to 0, got {'type': 'worker', 'index': 3}"),
])
def test_a_bad_tf_config_is_refused_before_any_work(value: str | None, message: str, monkeypatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    if value is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", value)
    with pytest.raises(SystemExit) as e:
        main(["train", "digits_cnn", "--dataset", "digits", "--strategy", "multiworker"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert message in err, err
