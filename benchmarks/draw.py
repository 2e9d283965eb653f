"""`archcalc draw` of a deep chain: the full PNG against the collapsed one and the SVG, in one run.

Run: ``python benchmarks/draw.py [--layers 2000] [--repeat 3]``. Prints the median wall and CPU time of
each way to draw the same ``conv3-8 xN`` network, and their ratios, then the whole command,
``archcalc draw SPEC -o full.png`` in a fresh interpreter (start-up, matplotlib's import, the analysis
and the picture), against issue 17's target of 5 s; nothing is asserted. On a machine shared with other
jobs the wall time also waits for a core: the CPU time (user + system) says what the work costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _child

from archcalc import analyze
from archcalc.pictures.draw import write_diagram

TARGET_S = 5.0  # issue 17: a 2,000-layer network's full PNG


def measure(analysis, path: str, repeat: int, **options) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        write_diagram([analysis], path, overwrite=True, **options)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--layers", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    a = analyze(f"input 32x32x3\nconv3-8 x{args.layers}")
    with tempfile.TemporaryDirectory() as tmp:
        rows = {
            "PNG, one box a layer": measure(a, f"{tmp}/full.png", args.repeat),
            "PNG, --collapse": measure(a, f"{tmp}/collapsed.png", args.repeat, collapse=True),
            "SVG, one box a layer": measure(a, f"{tmp}/full.svg", args.repeat),
        }
        spec = Path(tmp, "deep.txt")
        spec.write_text(f"input 32x32x3\nconv3-8 x{args.layers}\n")
        argv = [sys.executable, "-m", "archcalc", "draw", str(spec), "-o", f"{tmp}/cli.png", "--force"]
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        _child.run_with_cpu(argv, env, capture=False)  # warm-up: .pyc files, the font cache
        runs = [_child.run_with_cpu(argv, env, capture=False) for _ in range(args.repeat)]
    full = rows["PNG, one box a layer"][0]
    print(f"conv3-8 x{args.layers}, median of {args.repeat}")
    print(f"{'how':<24}{'wall s':>9}{'CPU s':>9}{'full PNG / this':>17}")
    for name, (wall, cpu) in rows.items():
        print(f"{name:<24}{wall:>9.2f}{cpu:>9.2f}{full / wall:>16.1f}x")
    wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[3] for r in runs)
    least = min(r[0] for r in runs)
    print(f"\narchcalc draw -o full.png, whole command: median wall {wall:.2f} s (min {least:.2f} s), median CPU "
          f"{cpu:.2f} s, peak RSS {statistics.median(r[1] for r in runs) / 1024:.0f} MiB")
    print(f"target: at most {TARGET_S:.0f} s: by CPU time {'yes' if cpu <= TARGET_S else 'NO'}, "
          f"by min wall time {'yes' if least <= TARGET_S else 'NO'}")


if __name__ == "__main__":
    main()
