"""Scaling benchmark: archcalc on very deep generated networks (1,000 / 10,000 / 20,000 layers).

The spec is paper notation: ``input 64x64x3`` then ``conv3-16``, ``batchnorm``, ``relu`` repeated
(a 3x3 conv keeps the map's size, so it stays 64x64 however deep the network). Each written line
is one row of the analysis; the script checks that.

For every depth it measures:

  in-process  ``archcalc.analyze(text)`` (median and min of --repeat runs), and its stages:
              ``archcalc.parse`` (text to network), ``archcalc.analyze_network`` (the numbers) and
              ``json.dumps(analysis.to_dict())`` (what ``--format json`` writes);
  CLI         ``archcalc summary FILE --format json > /dev/null`` in a fresh interpreter each run,
              with its own peak RSS (``/usr/bin/time -f %M``, see _child.py); "above start-up"
              subtracts the same command on a one-layer spec.

It prints time per layer and the ratios t(10k)/t(1k) (linear: about 10) and t(20k)/t(10k) (about
2), and whether 10,000 layers took at most 1 s. With --profile (or when a target is missed) it
prints a cProfile of ``analyze`` on the 10,000-layer spec.

Usage: python benchmarks/deep.py [--sizes 1000 10000 20000] [--repeat 5] [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import itertools
import json
import os
import platform
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import _child

import archcalc

TARGET_LAYERS = 10_000
TARGET_S = 1.0
PY = sys.executable
PATTERN = ("conv3-16", "batchnorm", "relu")


def spec(layers: int) -> str:
    lines = [f"network deep{layers}", "input 64x64x3"]
    lines += [PATTERN[i % len(PATTERN)] for i in range(layers)]
    return "\n".join(lines) + "\n"


def timed(fn: Callable[[], object], repeat: int, gc_off: bool = False) -> tuple[float, float, object]:
    """(median s, min s, last result) of ``repeat`` calls.

    Each call starts from a collected heap with the previous result freed, so that no run pays
    for the garbage of the one before. ``gc_off`` disables the cyclic garbage collector during
    the call, to show how much of the time it takes.
    """
    times = []
    result = None
    for _ in range(repeat):
        result = None
        gc.collect()
        if gc_off:
            gc.disable()
        try:
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
        finally:
            gc.enable()
    return statistics.median(times), min(times), result


def cli_argv(path: str) -> list[str]:
    script = Path(PY).parent / "archcalc"
    if script.exists():
        return [str(script), "summary", path, "--format", "json"]
    found = shutil.which("archcalc")
    if found:
        return [found, "summary", path, "--format", "json"]
    return [PY, "-c", "import sys; from archcalc.cli import main; main(sys.argv[1:])",
            "summary", path, "--format", "json"]


def run_cli(path: str) -> tuple[float, int]:
    """One CLI run with stdout to /dev/null: (wall s, peak RSS KiB of that child)."""
    wall, rss, _ = _child.run(cli_argv(path), capture=False)
    return wall, rss


def cli_timed(path: str, repeat: int) -> tuple[float, float, int]:
    """(median s, min s, median peak RSS KiB) over ``repeat`` runs after one warm-up run."""
    run_cli(path)
    runs = [run_cli(path) for _ in range(repeat)]
    return (statistics.median(t for t, _ in runs), min(t for t, _ in runs),
            int(statistics.median(r for _, r in runs)))


def ms(s: float) -> str:
    return f"{s * 1000:9.1f} ms"


def profile(path: str, top: int = 15) -> str:
    """cProfile of the CLI's work (read, parse, analyze, JSON) in this process, start-up excluded."""
    from archcalc.cli import main as cli_main

    pr = cProfile.Profile()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        pr.enable()
        try:
            cli_main(["summary", path, "--format", "json"])
        finally:
            pr.disable()
    out = io.StringIO()
    pstats.Stats(pr, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue().strip("\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 20_000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--profile", action="store_true",
                    help="print a cProfile of the CLI's work on 10,000 layers")
    ap.add_argument("--no-cli", action="store_true", help="in-process only")
    args = ap.parse_args()
    sizes = sorted(set(args.sizes))

    print("archcalc deep-network benchmark")
    print(f"python {platform.python_version()} ({PY}), {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs; archcalc {archcalc.__version__}")
    print(f"spec: input 64x64x3, then {' / '.join(PATTERN)} repeated; {args.repeat} runs per "
          "measurement, median (and min)")
    print(_child.method() + "\n")

    archcalc.analyze(spec(30))  # warm-up: every lazy import and cache
    results: dict[int, dict[str, float]] = {}
    tmp = tempfile.TemporaryDirectory()
    if not args.no_cli:
        one = Path(tmp.name, "one.txt")
        one.write_text(spec(1))
        base_t, base_min, base_rss = cli_timed(str(one), args.repeat)
    for n in sizes:
        text = spec(n)
        t, t_min, a = timed(lambda text=text: archcalc.analyze(text), args.repeat)
        assert isinstance(a, archcalc.Analysis)
        if len(a.rows) != n or a.rows[-1].output_shape != (64, 64, 16):
            raise SystemExit(f"{n} layers: got {len(a.rows)} rows ending in {a.rows[-1].output_shape}")
        r = {"t": t, "min": t_min}
        r["gc_off"], _, _ = timed(lambda text=text: archcalc.analyze(text), args.repeat, gc_off=True)
        r["parse"], _, networks = timed(lambda text=text: archcalc.parse(text), args.repeat)
        assert isinstance(networks, list)
        r["numbers"], _, _ = timed(lambda nw=networks[0]: archcalc.analyze_network(nw), args.repeat)
        del networks
        r["to_dict"], _, d = timed(a.to_dict, args.repeat)
        r["dumps_indent"], _, _ = timed(lambda d=d: json.dumps(d, indent=2), args.repeat)
        r["dumps_compact"], _, _ = timed(lambda d=d: json.dumps(d), args.repeat)
        del a, d
        if not args.no_cli:
            path = Path(tmp.name, f"deep{n}.txt")
            path.write_text(text)
            r["cli"], r["cli_min"], r["cli_rss"] = cli_timed(str(path), args.repeat)
        results[n] = r

    def per(s: float, n: int) -> str:
        return f"{s / n * 1e6:6.1f} µs"

    print("in-process  archcalc.analyze(text) = parse + analyze_network")
    print(f"{'layers':>8}  {'median':>12}  {'min':>12}  {'per layer':>9}  {'GC off':>12}  {'per layer':>9}  "
          f"{'parse':>12}  {'analyze_net':>12}")
    for n, r in results.items():
        print(f"{n:>8,}  {ms(r['t'])}  {ms(r['min'])}  {per(r['t'], n)}  {ms(r['gc_off'])}  "
              f"{per(r['gc_off'], n)}  {ms(r['parse'])}  {ms(r['numbers'])}")

    print("\nin-process  --format json: analysis.to_dict(), then json.dumps with indent=2 (as the CLI "
          "writes it)\n            and, for comparison, compact json.dumps (C encoder)")
    print(f"{'layers':>8}  {'to_dict':>12}  {'dumps indent=2':>14}  {'dumps compact':>13}  "
          f"{'indent/compact':>14}")
    for n, r in results.items():
        print(f"{n:>8,}  {ms(r['to_dict'])}  {ms(r['dumps_indent']):>14}  {ms(r['dumps_compact']):>13}  "
              f"{r['dumps_indent'] / r['dumps_compact']:13.1f}x")

    if not args.no_cli:
        print("\nCLI  archcalc summary FILE --format json > /dev/null  (fresh interpreter each run)")
        print(f"{'layers':>8}  {'median':>12}  {'min':>12}  {'above start-up':>14}  {'per layer':>9}  "
              f"{'peak RSS':>10}")
        print(f"{1:>8,}  {ms(base_t)}  {ms(base_min)}  {'(start-up)':>14}  {'':>9}  "
              f"{base_rss / 1024:6.1f} MiB")
        for n, r in results.items():
            above = r["cli"] - base_t
            print(f"{n:>8,}  {ms(r['cli'])}  {ms(r['cli_min'])}  {ms(above):>14}  {per(above, n)}  "
                  f"{r['cli_rss'] / 1024:6.1f} MiB")

    print("\nlinearity (ratio of medians; linear = the ratio of layer counts)")
    for small, big in itertools.pairwise(sizes):
        rs, rb = results[small], results[big]
        line = (f"  t({big:,}) / t({small:,}), linear = {big / small:.1f}:  "
                f"in-process {rb['t'] / rs['t']:.2f}, GC off {rb['gc_off'] / rs['gc_off']:.2f}")
        if not args.no_cli:
            line += f", CLI above start-up {(rb['cli'] - base_t) / (rs['cli'] - base_t):.2f}"
        print(line)

    missed = False
    if TARGET_LAYERS in results:
        r = results[TARGET_LAYERS]
        print(f"\ntarget: {TARGET_LAYERS:,} layers in at most {TARGET_S} s")
        ok = r["t"] <= TARGET_S
        missed |= not ok
        print(f"  in-process archcalc.analyze:                {r['t']:.3f} s  {'yes' if ok else 'NO'}")
        if not args.no_cli:
            ok = r["cli"] <= TARGET_S
            missed |= not ok
            print(f"  CLI --format json, start-up included:       {r['cli']:.3f} s  {'yes' if ok else 'NO'}")
    if args.profile or missed:
        path = Path(tmp.name, "profile.txt")
        path.write_text(spec(TARGET_LAYERS))
        print(f"\ncProfile of the CLI's work on {TARGET_LAYERS:,} layers, in-process, start-up excluded "
              "(one run, by own time; cProfile slows pure-Python code, the json encoder most):")
        print(profile(str(path)))
    tmp.cleanup()


if __name__ == "__main__":
    main()
