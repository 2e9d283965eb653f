"""One measurement, run in a fresh process: ``python -m archcalc.profiling._child`` (the parent,
:mod:`.measure`, starts it and reads what it prints).

The request comes as one JSON object on stdin; every line this prints on stdout is one JSON object:
``{"event": "phase", ...}`` while it works (the parent's progress display), then one
``{"event": "result", ...}`` or ``{"event": "error", ...}``.

Why a fresh process each time: TensorFlow never gives memory back to a level a second model could be
measured from (its allocator, the kernels it loaded, the functions it traced), and the peak resident set
of a process only ever grows. A process that builds one model and trains it a few steps measures that
model alone.

The order of what happens is the method (``docs/profiling.md``):

1. import TensorFlow and Keras, and archcalc's reader; read the spec;
2. on a CPU, reset the kernel's record of the process's peak resident set (``/proc/self/clear_refs``,
   ``5``) and read the resident set: the **baseline**, before the model exists;
3. build the model (random weights), compile it (``jit_compile=False``), make one batch of synthetic data;
4. run the warm-up steps (the first traces the training function; never timed), then the timed steps,
   each ended by reading a value back so that the time is the step's, not its dispatch's;
5. peak memory: on a CPU ``VmHWM`` minus the baseline (the peak resident set, warm-up included, above
   the level before the model was built); on a GPU ``tf.config.experimental.get_memory_info("GPU:0")``'s
   ``peak`` after ``reset_memory_stats`` at step 2 (the allocator's peak, not the driver's reservation).
6. with ``cpu_peaks``, this CPU's FLOP/s and bandwidth for the roofline, after the peak was read (no
   TensorFlow op runs before the baseline: the runtime's start-up is part of what a first training costs).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import threading
import time
from typing import Any

_STATUS = "/proc/self/status"


def emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def _status_kib(key: str) -> int | None:
    try:
        with open(_STATUS) as f:
            m = re.search(rf"^{key}:\s+(\d+) kB", f.read(), re.MULTILINE)
    except OSError:
        return None
    return int(m.group(1)) if m else None


class RssPeak:
    """The process's peak resident set from now on, in bytes.

    Linux keeps the peak (``VmHWM``) and lets a process reset it to the present level by writing ``5`` to
    ``/proc/self/clear_refs`` (since Linux 4.0). Where that is refused, a thread samples ``VmRSS`` every
    millisecond instead, which can miss a peak shorter than that: :attr:`method` says which was used.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._sampled = 0
        self.method = "VmHWM after /proc/self/clear_refs"
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            self.method = "VmRSS sampled every 1 ms"
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        self.baseline = (_status_kib("VmRSS") or 0) * 1024

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._sampled = max(self._sampled, (_status_kib("VmRSS") or 0) * 1024)
            time.sleep(0.001)

    def peak(self) -> int:
        if self.method.startswith("VmHWM"):
            return (_status_kib("VmHWM") or 0) * 1024
        self._stop.set()
        self._thread.join()
        return max(self._sampled, (_status_kib("VmRSS") or 0) * 1024)


def cpu_peaks(tf: Any, np: Any) -> tuple[float, float]:
    """This CPU's float32 FLOP/s (best of ten 1024x1024 matmuls after one warm-up) and its memory bandwidth
    in bytes/s (best of five copies of a 128 MiB array: read once, written once). A second each, at most."""
    n = 1024
    a = tf.random.uniform((n, n))
    b = tf.random.uniform((n, n))
    float(tf.reduce_sum(tf.matmul(a, b)))
    best = float("inf")
    for _ in range(10):
        t = time.perf_counter()
        float(tf.matmul(a, b)[0, 0])
        best = min(best, time.perf_counter() - t)
    flops = 2 * n**3 / best
    big = np.ones(32 * 2**20, dtype=np.float32)
    copy = np.empty_like(big)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        np.copyto(copy, big)
        best = min(best, time.perf_counter() - t)
    del big, copy
    return flops, 2 * 128 * 2**20 / best


def _loss(k: Any, network: Any, output_shape: tuple[int, ...]) -> Any:
    """A classifier's loss for a flat output (from logits unless the network ends with softmax); mean
    squared error for a feature map. The loss's own memory is one value per output: it changes nothing."""
    from ..training.datasets import output_activation

    if len(output_shape) == 1:
        return k.losses.SparseCategoricalCrossentropy(from_logits=output_activation(network) != "softmax")
    return k.losses.MeanSquaredError()


def measure(request: dict[str, Any]) -> dict[str, Any]:
    """Build, compile and train the requested network a few steps; return what was measured."""
    emit("phase", phase="starting TensorFlow")
    from ..analysis import analyze_network
    from ..bridge import build as B
    from ..bridge.tf import keras, tensorflow
    from ..source import load

    k, tf = keras(), tensorflow()
    import numpy as np

    network = load(request["spec"], request.get("net"))[0]
    analysis = analyze_network(network)
    shapes = [tuple(network.input_shape)] + [tuple(r.output_shape) for r in analysis.rows]
    batch, dtype, device = int(request["batch"]), request.get("dtype", "float32"), request.get("device", "cpu")
    warmup, steps = int(request.get("warmup", 2)), int(request.get("steps", 5))
    if device == "gpu":
        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            return {"event": "error", "kind": "usage", "message": "--device gpu: TensorFlow sees no GPU here"}
        tf.config.experimental.reset_memory_stats("GPU:0")
        where = "/GPU:0"
    else:
        where = "/CPU:0"
    k.utils.set_random_seed(int(request.get("seed", 1)))
    rss = RssPeak()
    if dtype != "float32":
        k.config.set_floatx(dtype)
    emit("phase", phase="building the model")
    t0 = time.perf_counter()
    with tf.device(where):
        model = B.build_model(B.plan(network, shapes))
        optimizer = getattr(k.optimizers, request.get("optimizer_class", "Adam"))()
        model.compile(optimizer=optimizer, loss=_loss(k, network, shapes[-1]), jit_compile=False)
        rng = np.random.default_rng(0)
        x = tf.constant(rng.random((batch, *shapes[0]), dtype=np.float32).astype(dtype))
        if len(shapes[-1]) == 1:
            y = tf.constant(rng.integers(0, shapes[-1][0], size=(batch,)), dtype=tf.int32)
        else:
            y = tf.zeros((batch, *shapes[-1]), dtype=dtype)
        build_seconds = time.perf_counter() - t0
        after_build = (_status_kib("VmRSS") or 0) * 1024 - rss.baseline
        build_peak = (_status_kib("VmHWM") or 0) * 1024 - rss.baseline
        times = []
        steady_peak = None
        for i in range(warmup + steps):
            if i == warmup and rss.method.startswith("VmHWM"):
                # The timed steps' own peak, apart from the first step's tracing (reported beside the peak).
                warm_peak = rss.peak() - rss.baseline
                with open("/proc/self/clear_refs", "w") as f:
                    f.write("5")
            emit("phase", phase="warm-up" if i < warmup else "timing", step=i + 1 - (0 if i < warmup else warmup),
                 of=warmup if i < warmup else steps)
            t = time.perf_counter()
            loss = model.train_on_batch(x, y, return_dict=False)
            float(np.asarray(loss).ravel()[0])  # wait for the step to finish: its result is read back
            if i >= warmup:
                times.append(time.perf_counter() - t)
        if rss.method.startswith("VmHWM"):
            steady_peak = rss.peak() - rss.baseline
    if device == "gpu":
        peak = int(tf.config.experimental.get_memory_info("GPU:0")["peak"])
        method = 'tf.config.experimental.get_memory_info("GPU:0")["peak"] after reset_memory_stats'
        baseline = 0
    else:
        peak = rss.peak() - rss.baseline if steady_peak is None else max(warm_peak, steady_peak)
        method = f"peak resident set ({rss.method}) minus the resident set before the model was built"
        baseline = rss.baseline
    peaks = None
    if request.get("cpu_peaks"):  # after the peak is read: its arrays and TensorFlow's start-up stay out of it
        emit("phase", phase="measuring the CPU's peak (matmul, copy)")
        peaks = cpu_peaks(tf, np)
    median = statistics.median(times)
    return {
        "event": "result", "network": network.name, "batch": batch, "dtype": dtype, "device": device,
        "peak_bytes": peak, "baseline_bytes": baseline, "after_build_bytes": after_build, "method": method,
        "build_peak_bytes": build_peak if device == "cpu" else None,
        "steady_peak_bytes": steady_peak if device == "cpu" else None,
        "step_seconds": times, "median_step_seconds": median, "images_per_second": batch / median,
        "build_seconds": build_seconds, "warmup_steps": warmup, "keras_params": int(model.count_params()),
        "tensorflow": tf.__version__, "keras": k.__version__, "threads": os.cpu_count(),
        "cpu_flops": peaks[0] if peaks else None, "cpu_bandwidth": peaks[1] if peaks else None,
        "gpu_name": _gpu_name(tf) if device == "gpu" else None, "cpu_name": _cpu_name(),
    }


def _gpu_name(tf: Any) -> str:
    gpu = tf.config.list_physical_devices("GPU")[0]
    try:
        return tf.config.experimental.get_device_details(gpu).get("device_name") or gpu.name
    except Exception:  # details are a nicety
        return gpu.name


def _cpu_name() -> str:
    """The processor's model name (``/proc/cpuinfo``) and its logical cores."""
    name = ""
    try:
        with open("/proc/cpuinfo") as f:
            name = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    except OSError:
        pass
    import platform

    return f"{name or platform.processor() or 'CPU'} ({os.cpu_count()} logical cores)"


def main() -> None:
    request = json.loads(sys.stdin.read())
    from ..errors import ArchcalcError

    try:
        result = measure(request)
    except ArchcalcError as e:
        result = {"event": "error", "kind": "archcalc", "message": e.render()}
    except MemoryError:
        result = {"event": "error", "kind": "oom", "message": "out of memory"}
    except Exception as e:  # the parent reports it; a resource error is an answer for --fit-memory
        name = type(e).__name__
        result = {"event": "error", "kind": "oom" if name == "ResourceExhaustedError" else "internal",
                  "message": f"{name}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"[:500]}
    emit(**result)


if __name__ == "__main__":
    main()
