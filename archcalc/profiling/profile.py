"""``archcalc profile``'s work, as data: the estimate, the measurement, the roofline, the fit-memory search.

:func:`profile` returns a :class:`Profile`; :mod:`.report` renders it. The measurements run in fresh
processes (:mod:`.measure`); nothing here imports TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..analysis import Analysis, analyze_network, as_plain
from ..errors import UsageError
from ..network import Network
from . import devices as D
from . import measure as M
from .roofline import Roofline, estimate

#: The dtypes a training step can run in (Keras' float types).
TRAINABLE_DTYPES = ("float32", "float16", "bfloat16", "float64")
#: At most this many measurements for one ``--fit-memory`` search.
MAX_FIT_RUNS = 7
#: The search steps from the prediction by this factor until the answer flips, then bisects.
FIT_STEP = 1.25


@dataclass
class FitSearch:
    """The ``--fit-memory`` search.

    Attributes:
        budget: bytes.
        predicted: the estimate's largest batch.
        batch: the largest batch measured to fit (0 when even the smallest measured did not).
        smallest_not_fitting: the smallest batch measured not to fit, ``None`` if none was.
        runs: every measurement, in the order made.
    """

    budget: int
    predicted: int
    batch: int = 0
    smallest_not_fitting: int | None = None
    runs: list[M.Measurement] = field(default_factory=list)

    @property
    def next_power_of_two(self) -> int:
        """The power of two above :attr:`batch`."""
        return 1 << max(self.batch, 1).bit_length()

    def verdict(self) -> str:
        """Whether the next power of two above the batch is known not to fit, or is within 25% of it."""
        p = self.next_power_of_two
        if self.smallest_not_fitting is not None and p >= self.smallest_not_fitting:
            return f"{p} does not fit (measured at {self.smallest_not_fitting})"
        if p <= self.batch * FIT_STEP:
            return f"{p} is within 25% of {self.batch}"
        return f"{p} was not measured"


@dataclass
class Profile:
    """Everything ``archcalc profile`` reports."""

    spec: str
    analysis: Analysis
    device: str
    measured: M.Measurement | None = None
    roofline: Roofline | None = None
    fit: FitSearch | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        a, m = self.analysis, self.analysis.memory
        model = m.model
        assert model is not None
        est = {"training_total": m.training, **as_plain(model), "fixed": model.fixed}
        est.pop("convention")  # said once, at the top
        out: dict[str, Any] = {
            "network": a.network, "spec": self.spec, "batch": m.batch, "dtype": a.settings["dtype"],
            "optimizer": m.optimizer, "device": self.device, "params": a.totals.params,
            "convention": model.convention, "estimate": est,
        }
        if self.measured is not None:
            out["measured"] = as_plain(self.measured)
            if self.measured.peak_bytes:
                out["estimate_over_measured"] = m.training / self.measured.peak_bytes
        if self.roofline is not None:
            r = self.roofline
            out["roofline"] = {"device": r.device, "key": r.key, "peak_flops": r.peak_flops, "bandwidth": r.bandwidth,
                               "source": r.source, "step_seconds": r.step_seconds,
                               "images_per_second": r.images_per_second, "optimizer_seconds": r.optimizer_seconds,
                               "dominant": as_plain(r.dominant),
                               "layers": [as_plain(t) for t in r.layers]}
        if self.fit is not None:
            f = self.fit
            out["fit_memory"] = {"budget": f.budget, "predicted": f.predicted, "batch": f.batch,
                                 "smallest_not_fitting": f.smallest_not_fitting,
                                 "next_power_of_two": f.next_power_of_two, "verdict": f.verdict(),
                                 "runs": [{"batch": r.batch, "fits": r.fits and r.peak_bytes <= f.budget,
                                           "peak_bytes": r.peak_bytes, "method": r.method} for r in f.runs]}
        out["notes"] = list(self.notes)
        return out


def _device_key(device: str) -> str:
    d = device.lower()
    return d if d in ("cpu", "gpu") else D.get(d).key


def profile(network: Network, *, spec: str, batch: int, dtype: str = "float32", optimizer: str = "adam",
            device: str = "cpu", run: bool = True, fit_memory: int | None = None, warmup: int = 2, steps: int = 5,
            progress: Callable[[str], None] | None = None, nice: int = 0) -> Profile:
    """Estimate, and (``run``) measure, one training step of ``network``.

    Args:
        network: the parsed spec.
        spec: how the user named it (the child process reads it again).
        batch: examples per step (ignored for the measurement with ``fit_memory``: the search picks).
        dtype: of weights and activations.
        optimizer: whose state and update are counted.
        device: ``cpu`` (measured here), ``gpu`` (TensorFlow's first GPU) or a key of
            :data:`.devices.DEVICES` (estimated only: that device is not here).
        run: measure; ``False`` gives the estimate alone.
        fit_memory: a budget in bytes: search the largest batch that fits.
        warmup: steps run before timing (the first traces the step).
        steps: timed steps.
        progress: told what is happening, one line at a time.
        nice: niceness added to the measuring processes.
    """
    key = _device_key(device)
    if dtype not in TRAINABLE_DTYPES:
        raise UsageError(f"--dtype {dtype}: a network is not trained in {dtype}",
                         hint="profile takes " + ", ".join(TRAINABLE_DTYPES))
    analysis = analyze_network(network, batch=batch, dtype=dtype, optimizer=optimizer)
    result = Profile(spec, analysis, key)
    named = D.DEVICES.get(key)
    if named is not None:
        result.roofline = estimate(analysis, named)
        result.notes.append(f"{named.name} is not on this machine: estimated from its published figures, not measured")
        if fit_memory is not None:
            assert analysis.memory.model is not None
            result.fit = FitSearch(fit_memory, analysis.memory.model.largest_batch(fit_memory))
        return result
    if not run:
        result.notes.append("--no-run: nothing measured" + ("; a CPU's roofline needs its peaks measured, so none"
                                                            if key == "cpu" else ""))
        if fit_memory is not None:
            assert analysis.memory.model is not None
            result.fit = FitSearch(fit_memory, analysis.memory.model.largest_batch(fit_memory))
        return result

    def say(batch_: int) -> Callable[[dict[str, Any]], None]:
        def relay(event: dict[str, Any]) -> None:
            if progress:
                step = f" {event['step']}/{event['of']}" if "step" in event else ""
                progress(f"batch {batch_}: {event['phase']}{step}")
        return relay

    def measure_at(b: int, peaks: bool, limit: int | None = None) -> M.Measurement:
        req = M.request(spec, b, net=network.name if _many(spec) else None, dtype=dtype, optimizer=optimizer,
                        device=key, warmup=warmup, steps=steps, cpu_peaks=peaks and key == "cpu")
        return M.run(req, progress=say(b), rss_limit=limit, nice=nice)

    if fit_memory is not None:
        result.fit = fit_search(analysis, fit_memory, measure_at)
        fitted = [r for r in result.fit.runs if r.batch == result.fit.batch]
        if fitted:
            result.measured = fitted[0]
            result.analysis = analysis = analyze_network(network, batch=result.fit.batch, dtype=dtype,
                                                         optimizer=optimizer)
        peaks = next((r.detail for r in result.fit.runs if r.detail.get("cpu_flops")), {})
    else:
        result.measured = measure_at(batch, True)
        peaks = result.measured.detail
    if key == "cpu" and peaks.get("cpu_flops"):
        cpu = D.cpu_device(peaks["cpu_flops"], peaks["cpu_bandwidth"], "CPU: " + str(peaks.get("cpu_name")))
        result.roofline = estimate(analysis, cpu)
    elif key == "gpu" and peaks.get("gpu_name"):
        found = D.lookup(peaks["gpu_name"])
        if found is not None:
            result.roofline = estimate(analysis, found)
        else:
            result.notes.append(f"{peaks['gpu_name']} is not in archcalc's device table: no roofline")
    result.notes.append("step times are medians of the timed steps; on a shared or busy machine they vary from run "
                        "to run")
    return result


def _many(spec: str) -> bool:
    """Whether the spec names a file of several networks (then the child must be told which)."""
    from ..source import load

    return len(load(spec)) > 1


def fit_search(analysis: Analysis, budget: int, measure_at: Callable[..., M.Measurement]) -> FitSearch:
    """The largest batch that fits in ``budget``: from the estimate's answer, step by :data:`FIT_STEP` until
    the measured answer flips, then bisect; at most :data:`MAX_FIT_RUNS` measurements.

    A run fits when its measured peak is at most the budget. On a CPU a run is stopped when its resident
    set passes the budget by 1 GiB (TensorFlow's own ~0.6 GiB before any model plus a margin): it does not
    fit, and the machine is spared.
    """
    model = analysis.memory.model
    assert model is not None
    predicted = model.largest_batch(budget)
    search = FitSearch(budget, predicted)
    tried: dict[int, bool] = {}
    limit = budget + 2**30

    def fits(b: int) -> bool:
        # The CPU's peaks (for the roofline) once, by the first run that gets that far.
        m = measure_at(b, not any(r.detail.get("cpu_flops") for r in search.runs), limit)
        search.runs.append(m)
        ok = m.fits and m.peak_bytes <= budget
        tried[b] = ok
        if ok:
            search.batch = max(search.batch, b)
        elif search.smallest_not_fitting is None or b < search.smallest_not_fitting:
            search.smallest_not_fitting = b
        return ok

    b = max(1, predicted)
    while len(search.runs) < MAX_FIT_RUNS:
        if fits(b):
            if search.smallest_not_fitting is not None:
                break
            b = max(b + 1, math.ceil(b * FIT_STEP))
        else:
            if search.batch or b == 1:
                break
            b = max(1, math.floor(b / FIT_STEP))
    while (search.smallest_not_fitting is not None and search.batch
           and search.smallest_not_fitting - search.batch > max(1, search.batch // 20)
           and len(search.runs) < MAX_FIT_RUNS):
        fits((search.batch + search.smallest_not_fitting) // 2)
    if search.batch == 0 and tried.get(1) is False:
        search.smallest_not_fitting = 1
    return search


def check_batch(batch: int) -> None:
    if batch < 1:
        raise UsageError(f"--batch must be at least 1, got {batch}")
