"""Keras-bridge benchmark: how long `archcalc verify` takes, next to what Keras itself costs.

Every measurement is a fresh interpreter (a subprocess, wall time and the child's own peak RSS,
see _child.py). Commands, run round-robin so that drift in the machine's load hits all alike:

  keras-vgg16   python -c "import keras; keras.applications.VGG16(weights=None).count_params()"
                (the least any Keras-based check of VGG-16 costs: import TensorFlow, build the model)
  verify-vgg16  archcalc verify vgg16            (build the model from the spec, compare 21 rows)
  verify-all    archcalc verify                  (every bundled spec: 15 networks)
  import-vgg16  archcalc import keras.applications.VGG16

It prints the median and min of each, and the ratio verify-vgg16 / keras-vgg16: the price of
archcalc's comparison on top of building the model in Keras. Every run must succeed (exit 0) and
print the expected text; no time is asserted.

Usage: python benchmarks/verify.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from pathlib import Path

import _child

PY = sys.executable
ARCHCALC = str(Path(PY).parent / "archcalc")
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}

COMMANDS: dict[str, tuple[list[str], str]] = {
    "keras-vgg16": ([PY, "-c", "import keras; print(f'{keras.applications.VGG16(weights=None).count_params():,}')"],
                    "138,357,544"),
    "verify-vgg16": ([ARCHCALC, "verify", "vgg16"], "vgg16: all agree"),
    "verify-all": ([ARCHCALC, "verify"], "15 networks: 15 agree with Keras"),
    "import-vgg16": ([ARCHCALC, "import", "keras.applications.VGG16"], "138,357,544 parameters"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
          f"{args.repeat} runs each, round-robin; {_child.method()}")
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    rss: dict[str, list[int]] = {k: [] for k in COMMANDS}
    for _ in range(args.repeat):
        for label, (argv, expect) in COMMANDS.items():
            wall, kib, text = _child.run(argv, ENV)
            if expect not in text:
                raise SystemExit(f"{label}: expected {expect!r} in its output, got:\n{text[-1500:]}")
            times[label].append(wall)
            rss[label].append(kib)
    print(f"\n{'command':<14} {'median s':>9} {'min s':>7} {'peak RSS MiB':>13}")
    for label in COMMANDS:
        print(f"{label:<14} {statistics.median(times[label]):>9.2f} {min(times[label]):>7.2f} "
              f"{statistics.median(rss[label]) / 1024:>13.0f}")
    base = statistics.median(times["keras-vgg16"])
    print(f"\nverify vgg16 / Keras building VGG16 alone: {statistics.median(times['verify-vgg16']) / base:.2f}x")
    print(f"verify of all 15 bundled networks / Keras building VGG16 alone: "
          f"{statistics.median(times['verify-all']) / base:.2f}x")


if __name__ == "__main__":
    main()
