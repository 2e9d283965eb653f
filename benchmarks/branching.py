"""Branching networks: `archcalc summary NET` against Keras' own summary of the same application.

Issue 6 asks `archcalc summary resnet152` to stay within 0.3 s wall. Each measurement is a fresh
interpreter (see _child.py), run round-robin. For each network: archcalc's console script with the
table, then Keras building ``keras.applications.X(weights=None)`` and printing its summary (the
TensorFlow backend, ``TF_CPP_MIN_LOG_LEVEL=3``). It prints median and min, the ratio Keras /
archcalc, and whether archcalc stayed within 0.3 s; both print the same parameter total, which is
checked.

Usage: python benchmarks/branching.py [--repeat 10] [--keras-repeat 3] [--no-keras]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

import _child
from startup import console_script, fmt_mib, fmt_s

TARGET_S = 0.3
PY = sys.executable
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow", "PYTHONHASHSEED": "0"}

# bundled spec -> (keras.applications class, parameter total both must print)
NETWORKS = {
    "resnet152": ("ResNet152", "60,419,944"),
    "densenet201": ("DenseNet201", "20,242,984"),
    "inceptionv3": ("InceptionV3", "23,851,784"),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=10, help="runs of each archcalc command")
    ap.add_argument("--keras-repeat", type=int, default=3, help="runs of each Keras command")
    ap.add_argument("--no-keras", action="store_true", help="skip Keras (no TensorFlow installed)")
    args = ap.parse_args()
    script = console_script()
    if script is None:
        raise SystemExit("no `archcalc` console script: pip install -e . first")

    commands: dict[str, tuple[list[str], str, int]] = {}
    for spec, (app, params) in NETWORKS.items():
        commands[f"archcalc summary {spec}"] = ([script, "summary", spec], params, args.repeat)
        if not args.no_keras:
            commands[f"keras {app}(weights=None).summary()"] = (
                [PY, "-c", f"import keras; keras.applications.{app}(weights=None).summary()"], params,
                args.keras_repeat)

    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
    for round_ in range(max(n for _, _, n in commands.values())):
        for name, (argv, expect, n) in commands.items():
            if round_ < n:
                wall, rss, text = _child.run(argv, ENV)
                if expect not in text:
                    raise SystemExit(f"{name} did not print {expect}; its output:\n{text[-2000:]}")
                samples[name].append((wall, rss))

    print(f"python {sys.version.split()[0]}; {_child.method()}")
    print(f"{'command':46} {'runs':>4} {'median':>11} {'min':>11} {'peak RSS':>12}")
    medians: dict[str, tuple[float, float]] = {}
    for name, runs in samples.items():
        walls, rss = [w for w, _ in runs], [r for _, r in runs]
        medians[name] = (statistics.median(walls), statistics.median(rss))
        print(f"{name:46} {len(runs):>4} {fmt_s(statistics.median(walls)):>11} {fmt_s(min(walls)):>11} "
              f"{fmt_mib(statistics.median(rss)):>12}")
    print()
    failed = False
    for spec, (app, _) in NETWORKS.items():
        ours = medians[f"archcalc summary {spec}"]
        verdict = "within" if ours[0] <= TARGET_S else "ABOVE"
        failed |= ours[0] > TARGET_S
        line = f"{spec}: archcalc {ours[0] * 1000:.0f} ms, {verdict} the {TARGET_S:.1f} s target"
        theirs = medians.get(f"keras {app}(weights=None).summary()")
        if theirs:
            line += (f"; Keras {theirs[0]:.2f} s: {theirs[0] / ours[0]:.0f}x the time, "
                     f"{theirs[1] / ours[1]:.0f}x the memory")
        print(line)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
