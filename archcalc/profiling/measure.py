"""Measure a training step in a fresh process (the parent side; the child is :mod:`._child`).

:func:`run` starts ``python -m archcalc.profiling._child``, hands it the request, relays its progress and
returns a :class:`Measurement`. Nothing of TensorFlow is imported here: the parent stays light, and every
measurement starts from a process that has never built a model.

The work is bounded: the child is killed when it outlives ``timeout`` seconds or when its resident set
passes ``rss_limit`` bytes (read from ``/proc/PID/status`` every 50 ms), so that a batch too large for the
machine ends as an answer ("did not fit under the limit"), not as a machine that swaps.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import ArchcalcError, DependencyError, UsageError

#: Seconds a single measurement may take, start-up included, unless the caller says otherwise.
DEFAULT_TIMEOUT = 1800.0
#: The part of the machine's available memory a measurement may take on a CPU before it is stopped.
AVAILABLE_SHARE = 0.8


class MeasurementError(ArchcalcError):
    """A measurement that could not be made (the child failed, timed out, or was stopped)."""

    exit_code = 1


@dataclass(frozen=True)
class Measurement:
    """What one run measured.

    Attributes:
        batch: examples per step.
        device: ``cpu`` or ``gpu``.
        peak_bytes: peak memory above the level before the model was built (CPU: resident set;
            GPU: the allocator's peak).
        median_step_seconds: median of the timed steps (warm-up excluded).
        step_seconds: every timed step.
        images_per_second: ``batch / median_step_seconds``.
        method: how the peak was read.
        fits: ``False`` when the run was stopped for passing the memory limit or ran out of memory.
        detail: everything else the child reported (versions, baseline, build time).
    """

    batch: int
    device: str
    peak_bytes: int
    median_step_seconds: float
    step_seconds: tuple[float, ...]
    images_per_second: float
    method: str
    fits: bool = True
    detail: dict[str, Any] = field(default_factory=dict)


def available_memory() -> int | None:
    """``MemAvailable`` of ``/proc/meminfo`` in bytes, ``None`` where there is none."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def request(spec: str, batch: int, *, net: str | None = None, dtype: str = "float32", optimizer: str = "adam",
            device: str = "cpu", warmup: int = 2, steps: int = 5, cpu_peaks: bool = False) -> dict[str, Any]:
    """The JSON request for the child. Raises UsageError for values it cannot measure."""
    from ..training.run import _OPTIMIZER_CLASSES

    classes = {**_OPTIMIZER_CLASSES, "momentum": "SGD", "adamw": "AdamW"}
    if optimizer not in classes:
        raise UsageError(f"unknown optimizer `{optimizer}`", hint="use one of: " + ", ".join(classes))
    if warmup < 1:
        raise UsageError(f"--warmup must be at least 1 (the first step traces the function), got {warmup}")
    if steps < 1:
        raise UsageError(f"--steps must be at least 1, got {steps}")
    return {"spec": spec, "net": net, "batch": batch, "dtype": dtype, "optimizer_class": classes[optimizer],
            "device": device, "warmup": warmup, "steps": steps, "cpu_peaks": cpu_peaks}


def run(req: dict[str, Any], *, progress: Callable[[dict[str, Any]], None] | None = None,
        timeout: float = DEFAULT_TIMEOUT, rss_limit: int | None = None, nice: int = 0) -> Measurement:
    """Measure one request in a new process.

    Args:
        req: from :func:`request`.
        progress: called with each ``phase`` event of the child.
        timeout: seconds before the child is killed (:class:`MeasurementError`).
        rss_limit: on a CPU, bytes of resident set past which the child is killed and the result says
            ``fits=False``; default: :data:`AVAILABLE_SHARE` of the memory available now.
        nice: added to the child's niceness (a shared machine).
    """
    import importlib.util

    if importlib.util.find_spec("tensorflow") is None:  # asked without importing it: the child does that
        from ..bridge.tf import INSTALL_HINT

        raise DependencyError("archcalc profile needs TensorFlow and Keras 3, which are not installed",
                              hint=INSTALL_HINT) from None
    if rss_limit is None and req["device"] == "cpu":
        avail = available_memory()
        rss_limit = int(avail * AVAILABLE_SHARE) if avail else None
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    proc = subprocess.Popen([sys.executable, "-m", "archcalc.profiling._child"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=(lambda: os.nice(nice)) if nice else None)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(json.dumps(req))
    proc.stdin.close()
    stopped: list[str] = []

    def watch() -> None:
        start = time.monotonic()
        while proc.poll() is None:
            if time.monotonic() - start > timeout:
                stopped.append(f"it ran longer than {timeout:.0f} s")
                proc.kill()
            elif rss_limit and req["device"] == "cpu" and _rss(proc.pid) > rss_limit:
                stopped.append(f"its memory passed the limit of {rss_limit / 2**20:,.0f} MiB")
                proc.kill()
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    errors: list[str] = []
    drain = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    drain.start()
    result: dict[str, Any] | None = None
    for line in proc.stdout:
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a library printing on stdout: not ours
        if event.get("event") == "phase" and progress:
            progress(event)
        elif event.get("event") in ("result", "error"):
            result = event
    proc.wait()
    watcher.join()
    drain.join()
    if stopped and "limit" in stopped[0]:
        return Measurement(req["batch"], req["device"], rss_limit or 0, float("nan"), (), 0.0,
                           "stopped at the memory limit", fits=False, detail={"stopped": stopped[0]})
    if stopped:
        raise MeasurementError(f"the measurement of batch {req['batch']} was stopped: {stopped[0]}",
                               hint="measure fewer --steps or a smaller --batch")
    if result is None:
        tail = (errors[0] if errors else "").strip().splitlines()[-3:]
        if proc.returncode and proc.returncode < 0:
            return Measurement(req["batch"], req["device"], 0, float("nan"), (), 0.0,
                               f"killed by signal {-proc.returncode} (the system out of memory?)", fits=False,
                               detail={"stopped": f"signal {-proc.returncode}"})
        raise MeasurementError(f"the measurement process ended without a result (exit code {proc.returncode})",
                               details=tuple(tail), hint="run again with ARCHCALC_DEBUG=1 to see TensorFlow's output")
    if result["event"] == "error":
        if result["kind"] == "oom":
            return Measurement(req["batch"], req["device"], 0, float("nan"), (), 0.0, result["message"], fits=False,
                               detail={"stopped": result["message"]})
        if result["kind"] == "usage":
            from ..training.devices import NO_GPU_HINT

            raise UsageError(result["message"], hint=NO_GPU_HINT if "GPU" in result["message"] else None)
        raise MeasurementError(f"the measurement failed: {result['message']}")
    return Measurement(
        batch=result["batch"], device=result["device"], peak_bytes=result["peak_bytes"],
        median_step_seconds=result["median_step_seconds"], step_seconds=tuple(result["step_seconds"]),
        images_per_second=result["images_per_second"], method=result["method"],
        detail={k: v for k, v in result.items() if k not in {"event", "batch", "device", "peak_bytes",
                                                             "median_step_seconds", "step_seconds",
                                                             "images_per_second", "method"}})
