"""Playground benchmark: from opening ``playground/?example=vgg16`` to VGG-16's table on the page.

The site is built once (``mkdocs build --strict``, or ``--site DIR`` for a built one), served on 127.0.0.1
and opened in Debian's headless Chromium (selenium + chromium-driver) with no network but loopback, as in
``tests/test_playground_browser.py``:

  cold   a fresh browser profile each run: nothing cached, every byte of Pyodide downloaded (from loopback)
  warm   the same profile opened again: the browser's cache and the service worker's copy

For each run it reads, from the page, the time since navigation start when Python was ready and when the first
table was shown, and the worker's own steps: download (Pyodide's runtime, its standard library and archcalc's
wheel), start (``loadPyodide``), install (unpacking the wheel and importing ``archcalc.web``). It prints
medians and mins, and whether the median first table came within the 5 s target (reported, not asserted).

Usage: python benchmarks/playground.py [--repeat 5] [--site DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

# The browser test's helpers: one way to build, serve and drive.
from playground_browser import (
    CHROMIUM,
    TABLES_SHOWN,
    TOTALS,
    build_site,
    chromium,
    missing_tools,
    serve,
    wait_for,
)

TARGET_S = 5.0


def one_load(driver, url: str) -> dict[str, float]:
    driver.get(url)
    wait_for(driver, TABLES_SHOWN)
    totals = driver.execute_script(TOTALS)[0]
    if totals[3] != "138,357,544":
        raise SystemExit(f"the page shows {totals[3]} parameters for VGG-16, not 138,357,544")
    data = driver.execute_script("const d = document.documentElement.dataset;"
                                 "return [d.firstTableMs, d.pythonReadyMs, d.loadTimings];")
    steps = json.loads(data[2])
    return {"first table": float(data[0]), "python ready": float(data[1]), "download": steps["download"],
            "start": steps["start"], "install": steps["install"]}


def report(label: str, runs: list[dict[str, float]]) -> float:
    print(f"\n{label}: {len(runs)} runs (ms since navigation start, or ms per step)")
    print(f"  {'':<14}{'median':>9}{'min':>9}{'max':>9}")
    for key in runs[0]:
        values = [r[key] for r in runs]
        print(f"  {key:<14}{statistics.median(values):9.0f}{min(values):9.0f}{max(values):9.0f}")
    return statistics.median(r["first table"] for r in runs) / 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs of each of cold and warm")
    ap.add_argument("--site", type=Path, help="a site already built with mkdocs (default: build one)")
    args = ap.parse_args()
    missing = missing_tools()
    if missing:
        raise SystemExit("needs " + ", ".join(missing))
    version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    print("archcalc playground benchmark: ?example=vgg16 to its table")
    print(f"{version}, headless; python {platform.python_version()}; {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            t0 = time.perf_counter()
            site = Path(tmp) / "site"
            build_site(site)
            print(f"site built in {time.perf_counter() - t0:.1f} s")
        with serve(site) as (base, _, _):
            url = base + "playground/?example=vgg16"
            cold = []
            for i in range(args.repeat):
                driver = chromium(Path(tmp) / f"cold{i}")
                try:
                    cold.append(one_load(driver, url))
                finally:
                    driver.quit()
            driver = chromium(Path(tmp) / "warm")
            try:
                one_load(driver, url)  # fills the caches; not counted
                warm = [one_load(driver, url) for _ in range(args.repeat)]
            finally:
                driver.quit()
    median_cold = report("cold (fresh profile)", cold)
    median_warm = report("warm (cached, service worker)", warm)
    for label, t in (("cold", median_cold), ("warm", median_warm)):
        print(f"{label}: first table {t:.2f} s median; within {TARGET_S:.0f} s: {'yes' if t <= TARGET_S else 'NO'}")


if __name__ == "__main__":
    main()
