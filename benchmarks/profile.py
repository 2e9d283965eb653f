"""Training memory: archcalc's estimate against `archcalc profile`'s measurement, on this machine's CPU.

Two steps, because measuring takes a while (VGG-16 trains at about 10 s a step on two shared cores) and
the table is wanted every time the model changes:

    python benchmarks/profile.py --measure        # every (network, batch) below, one fresh process each,
                                                  # one at a time, under `nice`; writes profile_measured.json
    python benchmarks/profile.py                  # the table: estimate, measured, estimate / measured

`--measure --only NAME` re-measures one network. The table is printed in Markdown (docs/profiling.md and
docs/formulas.md show it); the script exits 1 when an estimate is off by more than 25% either way.
Memory is TensorFlow's on the CPU (peak resident set above the level before the model was built);
step times are printed too, but they are noisy here: the machine's two cores are shared with other work.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "profile_measured.json"
sys.path.insert(0, str(HERE.parent))

#: (label, spec, batches, warm-up steps, timed steps). From 50 K to 138 M parameters, batch 1 to 256;
#: big networks at small batches (the machine has 24 GiB, shared).
CASES = [
    ("Keras MNIST tutorial", "keras_mnist", (1, 32, 256), 2, 5),
    ("Keras CIFAR-10 tutorial", "keras_cifar10", (1, 64, 256), 2, 5),
    ("lecture notes' MNIST CNN", "mnist_cnn", (1, 64, 256), 2, 5),
    ("Keras MNIST convnet (1.2 M)", str(HERE / "specs" / "mnist_convnet.py"), (1, 64, 256), 2, 5),
    ("MobileNetV2", "mobilenetv2", (1, 8, 16, 32), 1, 3),
    ("ResNet-50", "resnet50", (1, 4, 8), 1, 3),
    ("AlexNet", "alexnet", (1, 16, 64), 1, 3),
    ("VGG-16", "vgg16", (1, 4, 8), 1, 3),
]
#: Measured after the constants of archcalc/memory.py were fitted on CASES: a check on networks the fit
#: never saw (marked "held out" in the table).
HELD_OUT = [
    ("LeNet-5", "lenet5", (256,), 2, 5),
    ("digits CNN", "digits_cnn", (64,), 2, 5),
    ("GoogLeNet", "googlenet", (1, 8), 1, 3),
    ("DenseNet-121", "densenet121", (2,), 1, 3),
    ("VGG-16, larger batches", "vgg16", (16, 32), 1, 2),
]
TOLERANCE = 0.25


def measure(only: str | None, held_out_only: bool = False) -> None:
    from archcalc.profiling import measure as M

    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"machine": {}, "runs": []}
    saved["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
    for label, spec, batches, warmup, steps in (HELD_OUT if held_out_only else CASES + HELD_OUT):
        if only and only not in (label, spec, Path(spec).stem):
            continue
        saved["runs"] = [r for r in saved["runs"] if not (r["label"] == label and r["batch"] in batches)]
        for batch in batches:
            t = time.perf_counter()
            m = M.run(M.request(spec, batch, warmup=warmup, steps=steps), nice=10)
            print(f"{label:32} batch {batch:4}: {m.peak_bytes / 2**20:9.1f} MiB, "
                  f"{m.median_step_seconds:8.3f} s/step ({time.perf_counter() - t:.0f} s)", flush=True)
            saved["runs"].append({"label": label, "spec": Path(spec).name if "/" in spec else spec,
                                  "batch": batch, "peak_bytes": m.peak_bytes, "fits": m.fits,
                                  "median_step_seconds": m.median_step_seconds,
                                  "step_seconds": list(m.step_seconds), "method": m.method, **m.detail})
            RESULTS.write_text(json.dumps(saved, indent=1) + "\n")  # after each: a stop keeps what was done


def table() -> int:
    from archcalc.analysis import analyze_network
    from archcalc.source import load

    saved = json.loads(RESULTS.read_text())
    specs = {label: spec for label, spec, *_ in CASES + HELD_OUT}
    held_out = {label for label, *_ in HELD_OUT}
    print("| network | params | batch | estimate | measured | estimate / measured | step (measured) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for r in saved["runs"]:
        a = analyze_network(load(specs[r["label"]])[0], batch=r["batch"])
        est = a.memory.training
        ratio = est / r["peak_bytes"]
        worst = max(worst, abs(ratio - 1))
        flag = "" if abs(ratio - 1) <= TOLERANCE else " **!**"
        name = r["label"] + (" (held out)" if r["label"] in held_out else "")
        print(f"| {name} | {a.totals.params:,} | {r['batch']} | {est / 2**20:,.0f} MiB | "
              f"{r['peak_bytes'] / 2**20:,.0f} MiB | {ratio:.2f}{flag} | {r['median_step_seconds'] * 1000:,.0f} ms |")
    print(f"\nlargest error: {worst:.0%} (tolerance {TOLERANCE:.0%}); {len(saved['runs'])} measurements")
    return 0 if worst <= TOLERANCE else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--measure", action="store_true", help="run the measurements (slow) and save them")
    p.add_argument("--only", help="with --measure: one network (its label or spec name)")
    p.add_argument("--held-out", action="store_true", help="with --measure: only the held-out networks")
    args = p.parse_args()
    if args.measure:
        measure(args.only, args.held_out)
    return table()


if __name__ == "__main__":
    raise SystemExit(main())
