"""`archcalc draw` of a deep chain: the full PNG against the collapsed one and the SVG, in one run.

Run: ``python benchmarks/draw.py [--layers 2000] [--repeat 3]``. Prints the median wall and CPU time of
each way to draw the same ``conv3-8 xN`` network, and their ratios; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archcalc import analyze
from archcalc.pictures.draw import write_diagram


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
    full = rows["PNG, one box a layer"][0]
    print(f"conv3-8 x{args.layers}, median of {args.repeat}")
    print(f"{'how':<24}{'wall s':>9}{'CPU s':>9}{'full PNG / this':>17}")
    for name, (wall, cpu) in rows.items():
        print(f"{name:<24}{wall:>9.2f}{cpu:>9.2f}{full / wall:>16.1f}x")


if __name__ == "__main__":
    main()
