"""`archcalc profile` and the training-memory model (archcalc/memory.py, archcalc/profiling/).

The measurement's plumbing runs for real: fresh processes that build and train a tiny Keras network. The
model's rules are checked against a hand count; its arithmetic (linear in the batch, the largest batch)
with hypothesis.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc.analysis import analyze_network, largest_batch
from archcalc.cli import main
from archcalc.memory import FRAMEWORK_BYTES, FRAMEWORK_BYTES_PER_LAYER, OPTIMIZER_TEMPORARIES, WORKSPACE
from archcalc.paper import parse_paper
from archcalc.profiling import measure as M
from archcalc.profiling.devices import DEVICES, get, lookup
from archcalc.profiling.profile import FitSearch, fit_search

SPECS = ["input 8x8\nconv3-4\nmaxpool\nFC-10\nsoft-max",
         "input 16x16x3\nconv3-8\nbatchnorm\nrelu\nmaxpool\nconv3-8\nglobal-avgpool\nFC-5",
         "keras_mnist", "mobilenetv2", "resnet50"]


def _analysis(spec: str, **kw):
    from archcalc.source import load

    network = parse_paper(spec)[0] if "\n" in spec else load(spec)[0]
    return analyze_network(network, **kw)


def test_the_walk_against_a_hand_count() -> None:
    """input 8x8 → conv3-4 (ReLU) → maxpool → FC-10 → soft-max, batch 1, float32, Adam.

    Kept for backward: conv's output (ReLU's gradient needs it, so does max pooling) 256 values; maxpool's
    output (its gradient and FC's weights' gradient) 64; softmax's output 10. The peak is the backward pass
    at the convolution: its saved output 256, its output's gradient 256, the pre-activation's gradient 256,
    no input gradient (nothing before it trains), workspace max(256, 64) = 256.
    """
    a = _analysis(SPECS[0])
    m = a.memory.model
    assert (m.peak_phase, m.peak_layer) == ("backward", 1)
    assert m.saved == 256 * 4
    assert m.gradients_in_flight == (256 + 256) * 4
    assert m.workspace == int(WORKSPACE * 256) * 4
    assert m.input == 64 * 4
    trainable = a.totals.trainable_params
    assert m.parameters == m.gradients == trainable * 4 and m.optimizer_state == 2 * trainable * 4
    assert m.optimizer_temporaries == int(OPTIMIZER_TEMPORARIES["adam"] * trainable * 4)
    assert len(a.rows) == 3  # the softmax is the FC layer's activation
    assert m.framework == FRAMEWORK_BYTES + FRAMEWORK_BYTES_PER_LAYER["adam"] * 3
    assert a.memory.training == m.total == m.fixed + m.input + m.saved + m.gradients_in_flight + m.workspace


def test_the_older_count_is_kept_beside_the_model() -> None:
    """`activations_forward`/`activations_backward` keep their meaning (every output, once each)."""
    a = _analysis("vgg16", batch=4)
    assert a.memory.forward == a.memory.backward == a.totals.activation_bytes
    assert a.to_dict()["memory"]["training_total"] == a.memory.model.total


@settings(max_examples=40, deadline=None)
@given(spec=st.sampled_from(SPECS), batch=st.integers(1, 512), optimizer=st.sampled_from(list(OPTIMIZER_TEMPORARIES)))
def test_the_estimate_is_linear_in_the_batch(spec: str, batch: int, optimizer: str) -> None:
    one = _analysis(spec, optimizer=optimizer).memory.model
    many = _analysis(spec, batch=batch, optimizer=optimizer).memory.model
    assert many.total == one.at_batch(batch) == one.fixed + batch * one.per_example
    assert (many.peak_layer, many.peak_phase) == (one.peak_layer, one.peak_phase)


@settings(max_examples=40, deadline=None)
@given(spec=st.sampled_from(SPECS), budget=st.integers(2**20, 64 * 2**30))
def test_the_largest_batch_fits_and_one_more_does_not(spec: str, budget: int) -> None:
    a = _analysis(spec)
    m = a.memory.model
    n = largest_batch(a, budget)
    assert n == m.largest_batch(budget)
    if n:
        assert m.at_batch(n) <= budget < m.at_batch(n + 1)
    else:
        assert m.at_batch(1) > budget


def test_an_unknown_kind_keeps_input_and_output_and_is_named() -> None:
    from archcalc.memory import RULES

    assert all(kind in RULES for kind in ("conv", "dense", "maxpool", "batchnorm", "dropout", "add", "concat"))
    assert _analysis("resnet50").memory.model.assumed == ()


# -- devices and roofline -----------------------------------------------------------------------------


def test_devices_are_found_by_the_names_tensorflow_reports() -> None:
    assert lookup("NVIDIA A100-SXM4-40GB").key == "a100"
    assert lookup("NVIDIA GeForce RTX 4090").key == "rtx4090"
    assert lookup("NVIDIA H100 80GB HBM3").key == "h100"
    assert lookup("Tesla T4").key == "t4"
    assert lookup("NVIDIA L4").key == "l4"
    assert lookup("Some Other GPU") is None
    assert get("RTX-4090" if "rtx-4090" in DEVICES else "RTX4090").key == "rtx4090"


def test_an_unknown_device_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["profile", "keras_mnist", "--device", "a1000", "--no-run"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "error: unknown device `a1000`" in err
    assert "hint: did you mean `a100`? --device takes cpu, gpu, or one of: h100, h100-pcie, a100" in err


def test_the_roofline_on_a_named_device_is_an_estimate_only(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["profile", "vgg16", "--device", "t4", "--batch", "16", "--format", "json"])
    assert e.value.code == 0
    d = json.loads(capsys.readouterr().out)
    assert "measured" not in d
    r = d["roofline"]
    assert r["device"] == "NVIDIA T4" and r["peak_flops"] == 8.1e12 and r["bandwidth"] == 320e9
    # VGG-16 at batch 16: at least its compute at the T4's float32 peak (3 x forward FLOPs for the weights).
    flops = 3 * 2 * 15_470_264_320 * 16
    assert r["step_seconds"] >= flops / 8.1e12
    assert r["dominant"]["name"].startswith("conv3-")
    assert d["convention"] == "keras-tensorflow"
    assert d["estimate"]["training_total"] == _analysis("vgg16", batch=16).memory.training
    assert "NVIDIA T4 is not on this machine: estimated from its published figures, not measured" in d["notes"]


def test_int8_is_not_trained(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["profile", "keras_mnist", "--dtype", "int8", "--no-run"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "error: --dtype int8: a network is not trained in int8" in err
    assert "hint: profile takes float32, float16, bfloat16, float64" in err


@pytest.mark.parametrize("fmt", ["csv", "markdown", "table"])
def test_every_format(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["profile", "keras_mnist", "--device", "a100", "--batch", "64", "--format", fmt])
    out = capsys.readouterr().out
    if fmt == "csv":
        head, row = out.splitlines()
        assert head.startswith("network,batch,dtype,optimizer,device,convention,estimate_bytes,")
        assert row.startswith("keras_mnist,64,float32,adam,a100,keras-tensorflow,")
    else:
        assert "peak training memory" in out and "estimate (keras-tensorflow)" in out


# -- the --fit-memory search (its logic; the measurement itself is tested for real below) ----------------


def _fake(limit_batch: int, calls: list[int]):
    def measure_at(b: int, peaks: bool, limit: int | None = None) -> M.Measurement:
        calls.append(b)
        return M.Measurement(b, "cpu", 1000 * b, 0.1, (0.1,), b / 0.1, "a rule: 1000 bytes an example",
                             fits=b <= limit_batch)
    return measure_at


@pytest.mark.parametrize("true_batch", [1, 7, 60, 64, 100, 1000])
def test_the_search_finds_the_measured_limit(true_batch: int) -> None:
    a = _analysis("keras_mnist")
    budget = a.memory.model.at_batch(64)
    calls: list[int] = []
    s = fit_search(a, budget, _fake(true_batch, calls))
    assert len(calls) <= 7
    assert s.batch <= true_batch
    if s.smallest_not_fitting is not None:
        assert s.smallest_not_fitting > true_batch
    # Either found exactly, or bracketed within 5% (the bisection's stop), or out of runs far from the prediction.
    bracketed = s.smallest_not_fitting is not None and s.smallest_not_fitting - s.batch <= max(1, s.batch // 20)
    assert s.batch == true_batch or bracketed or len(calls) == 7


def test_the_verdict_on_the_next_power_of_two() -> None:
    assert FitSearch(0, 40, batch=40, smallest_not_fitting=70).verdict() == "64 was not measured"
    assert FitSearch(0, 60, batch=60, smallest_not_fitting=63).verdict() == "64 does not fit (measured at 63)"
    assert FitSearch(0, 60, batch=60).verdict() == "64 is within 25% of 60"


# -- the measurement, for real ------------------------------------------------------------------------


def test_a_larger_batch_measures_larger() -> None:
    """Two fresh processes train the Keras MNIST tutorial's network: batch 4 and batch 256. Batch 256's
    activations are ~100 MiB more (archcalc: 0.38 MiB an example); the measured peaks must show it."""
    small = M.run(M.request("keras_mnist", 4, warmup=1, steps=3))
    large = M.run(M.request("keras_mnist", 256, warmup=1, steps=3))
    assert small.fits and large.fits
    assert large.peak_bytes > small.peak_bytes + 50 * 2**20
    for m in (small, large):
        assert len(m.step_seconds) == 3  # the warm-up step is not among them
        assert m.median_step_seconds == sorted(m.step_seconds)[1]
        assert math.isclose(m.images_per_second, m.batch / m.median_step_seconds)
        assert m.detail["keras_params"] == 50_186
        assert m.method.startswith("peak resident set (")
    est = _analysis("keras_mnist", batch=256).memory.training
    assert 0.75 <= est / large.peak_bytes <= 1.25


def test_profile_command_end_to_end() -> None:
    """The console script, in a subprocess: JSON with the estimate, the measurement and this CPU's roofline."""
    script = Path(sys.executable).parent / "archcalc"
    r = subprocess.run([str(script), "profile", "keras_mnist", "--batch", "32", "--steps", "3", "--warmup", "1",
                        "--format", "json"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "batch 32: timing" in r.stderr  # the progress display, one line per phase off a terminal
    d = json.loads(r.stdout)
    assert d["measured"]["batch"] == 32 and len(d["measured"]["step_seconds"]) == 3
    assert d["roofline"]["key"] == "cpu" and d["roofline"]["peak_flops"] > 1e9
    assert 0.75 <= d["estimate_over_measured"] <= 1.25


def test_fit_memory_is_confirmed_by_running() -> None:
    """A budget of 64 MiB for the Keras MNIST tutorial's network: the batch found fits when measured."""
    from archcalc.profiling.profile import profile
    from archcalc.source import load

    network = load("keras_mnist")[0]
    p = profile(network, spec="keras_mnist", batch=1, fit_memory=64 * 2**20, warmup=1, steps=2)
    f = p.fit
    assert f is not None and f.runs and len(f.runs) <= 7
    assert f.batch >= 1
    fitted = next(r for r in f.runs if r.batch == f.batch)
    assert fitted.peak_bytes <= 64 * 2**20
    assert abs(f.batch - f.predicted) <= 0.25 * f.predicted + 1 or f.smallest_not_fitting is not None
    assert p.measured is fitted and p.analysis.memory.batch == f.batch
