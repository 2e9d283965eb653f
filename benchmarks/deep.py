"""Scaling benchmark: archcalc on very deep generated networks (10,000 / 100,000 layers).

Two generated specs in the paper notation, each checked row by row:

  chain   ``input 64x64x3`` then ``conv3-16``, ``batchnorm``, ``relu`` on lines of their own, repeated
          (a 3x3 conv keeps the map's size, so it stays 64x64 however deep the network): N lines;
  repeat  ``input 64x64x3`` and ``relu xN``: one line.

For every depth it measures:

  in-process  ``archcalc.analyze(text)`` of the chain (median and min of --repeat runs), and its stages:
              ``archcalc.parse`` (text to network), ``archcalc.analyze_network`` (the numbers), and the
              JSON: ``json.dumps(analysis.to_dict(), indent=2)`` (Python's indenting encoder) against
              ``render.json_dumps`` (what ``--format json`` writes: a deep network's layers one a line,
              by the C encoder);
  CLI         ``archcalc summary FILE > /dev/null`` (the table) and ``... --format json``, for both specs,
              in a fresh interpreter each run: wall time, CPU time (user + system: on a shared machine the
              wall time also waits for a core) and peak RSS (``/usr/bin/time -f %M``, see _child.py).

It prints the ratios t(100k)/t(10k) (linear: about 10) and whether 100,000 layers took at most 2 s
through the CLI (issue 17), by wall time and by CPU time. With --profile (or when the target is missed)
it prints a cProfile of the CLI's work on the 100,000-layer chain.

Usage: python benchmarks/deep.py [--sizes 10000 100000] [--repeat 3] [--profile] [--no-cli]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import itertools
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import _child

import archcalc


def _profilers() -> tuple[object, object]:
    """The standard library's cProfile and pstats: benchmarks/profile.py, beside this script, would
    stand in for the standard ``profile`` that cProfile imports."""
    here = sys.path.pop(0)
    saved = sys.modules.pop("profile", None)
    try:
        import cProfile
        import pstats
    finally:
        sys.path.insert(0, here)
        if saved is not None:
            sys.modules["profile"] = saved
    return cProfile, pstats

TARGET_LAYERS = 100_000
TARGET_S = 2.0  # issue 17: `archcalc summary` of 100,000 layers, start-up included
PY = sys.executable
PATTERN = ("conv3-16", "batchnorm", "relu")


def spec(layers: int) -> str:
    """The chain: one line a layer."""
    lines = [f"network deep{layers}", "input 64x64x3"]
    lines += [PATTERN[i % len(PATTERN)] for i in range(layers)]
    return "\n".join(lines) + "\n"


def repeat_spec(layers: int) -> str:
    """One line that makes every layer."""
    return f"network relu{layers}\ninput 64x64x3\nrelu x{layers}\n"


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


def cli_argv(path: str, *options: str) -> list[str]:
    script = Path(PY).parent / "archcalc"
    if script.exists():
        return [str(script), "summary", path, *options]
    found = shutil.which("archcalc")
    if found:
        return [found, "summary", path, *options]
    return [PY, "-c", "import sys; from archcalc.cli import main; main(sys.argv[1:])", "summary", path, *options]


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as installed: with .pyc files


def cli_timed(path: str, repeat: int, *options: str) -> dict[str, float]:
    """Median and min wall time, median CPU time and median peak RSS (KiB) over ``repeat`` runs of
    ``archcalc summary PATH OPTIONS > /dev/null``, after one warm-up run."""
    _child.run_with_cpu(cli_argv(path, *options), ENV, capture=False)
    runs = [_child.run_with_cpu(cli_argv(path, *options), ENV, capture=False) for _ in range(repeat)]
    return {"wall": statistics.median(r[0] for r in runs), "min": min(r[0] for r in runs),
            "cpu": statistics.median(r[3] for r in runs), "rss": statistics.median(r[1] for r in runs)}


def ms(s: float) -> str:
    return f"{s * 1000:9.1f} ms"


def profile(path: str, top: int = 15) -> str:
    """cProfile of the CLI's work (read, parse, analyze, table) in this process, start-up excluded."""
    from archcalc.cli import main as cli_main

    cProfile, pstats = _profilers()
    pr = cProfile.Profile()  # type: ignore[attr-defined]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        pr.enable()
        try:
            cli_main(["summary", path])
        finally:
            pr.disable()
    out = io.StringIO()
    stats = pstats.Stats(pr, stream=out)  # type: ignore[attr-defined]
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue().strip("\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true",
                    help="print a cProfile of the CLI's work on the 100,000-layer chain")
    ap.add_argument("--no-cli", action="store_true", help="in-process only")
    args = ap.parse_args()
    sizes = sorted(set(args.sizes))

    print("archcalc deep-network benchmark")
    print(f"python {platform.python_version()} ({PY}), {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs; archcalc {archcalc.__version__}")
    print(f"specs: chain = input 64x64x3, then {' / '.join(PATTERN)} on lines of their own; repeat = "
          f"input 64x64x3 and relu xN; {args.repeat} runs per measurement, median (and min)")
    print(_child.method() + "\n")

    archcalc.analyze(spec(30))  # warm-up: every lazy import and cache
    from archcalc.render import json_dumps

    results: dict[int, dict[str, float]] = {}
    cli: dict[tuple[str, int, str], dict[str, float]] = {}
    tmp = tempfile.TemporaryDirectory()
    if not args.no_cli:
        one = Path(tmp.name, "one.txt")
        one.write_text(spec(1))
        base = cli_timed(str(one), args.repeat)
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
        r["json_dumps"], _, written = timed(lambda d=d: json_dumps(d), args.repeat)
        if json.loads(written) != json.loads(json.dumps(d)):  # type: ignore[arg-type]
            raise SystemExit(f"{n} layers: render.json_dumps wrote other values than json.dumps")
        del a, d, written
        results[n] = r
        if not args.no_cli:
            for name, make in (("chain", spec), ("repeat", repeat_spec)):
                path = Path(tmp.name, f"{name}{n}.txt")
                path.write_text(make(n))
                for fmt in ("table", "json"):
                    cli[(name, n, fmt)] = cli_timed(str(path), args.repeat, *(("--format", "json") * (fmt == "json")))

    def per(s: float, n: int) -> str:
        return f"{s / n * 1e6:6.1f} µs"

    print("in-process  archcalc.analyze(text) of the chain = parse + analyze_network")
    print(f"{'layers':>8}  {'median':>12}  {'min':>12}  {'per layer':>9}  {'GC off':>12}  {'per layer':>9}  "
          f"{'parse':>12}  {'analyze_net':>12}")
    for n, r in results.items():
        print(f"{n:>8,}  {ms(r['t'])}  {ms(r['min'])}  {per(r['t'], n)}  {ms(r['gc_off'])}  "
              f"{per(r['gc_off'], n)}  {ms(r['parse'])}  {ms(r['numbers'])}")

    print("\nin-process  JSON of the chain: analysis.to_dict(), then json.dumps(indent=2) (Python's encoder) "
          "against\n            render.json_dumps (--format json: a deep network's layers one a line, C encoder)")
    print(f"{'layers':>8}  {'to_dict':>12}  {'dumps indent=2':>14}  {'json_dumps':>13}  {'ratio':>7}")
    for n, r in results.items():
        print(f"{n:>8,}  {ms(r['to_dict'])}  {ms(r['dumps_indent']):>14}  {ms(r['json_dumps']):>13}  "
              f"{r['dumps_indent'] / r['json_dumps']:6.1f}x")

    if not args.no_cli:
        print("\nCLI  archcalc summary FILE [--format json] > /dev/null  (fresh interpreter each run; CPU = user + "
              "system)")
        print(f"{'spec':>7}  {'format':>6}  {'layers':>8}  {'median wall':>12}  {'min wall':>12}  {'median CPU':>12}  "
              f"{'per layer':>9}  {'peak RSS':>10}")
        print(f"{'chain':>7}  {'table':>6}  {1:>8,}  {ms(base['wall'])}  {ms(base['min'])}  {ms(base['cpu'])}  "
              f"{'(start-up)':>9}  {base['rss'] / 1024:6.1f} MiB")
        for (name, n, fmt), c in cli.items():
            print(f"{name:>7}  {fmt:>6}  {n:>8,}  {ms(c['wall'])}  {ms(c['min'])}  {ms(c['cpu'])}  "
                  f"{per(c['cpu'] - base['cpu'], n)}  {c['rss'] / 1024:6.1f} MiB")

    print("\nlinearity (ratio of medians; linear = the ratio of layer counts)")
    for small, big in itertools.pairwise(sizes):
        rs, rb = results[small], results[big]
        line = (f"  t({big:,}) / t({small:,}), linear = {big / small:.1f}:  "
                f"in-process {rb['t'] / rs['t']:.2f}, GC off {rb['gc_off'] / rs['gc_off']:.2f}")
        if not args.no_cli:
            def above(name: str, n: int, fmt: str) -> float:
                return cli[(name, n, fmt)]["cpu"] - base["cpu"]

            line += ", CLI CPU above start-up " + ", ".join(
                f"{name} {fmt} {above(name, big, fmt) / above(name, small, fmt):.2f}"
                for name in ("chain", "repeat") for fmt in ("table", "json"))
        print(line)

    missed = False
    if TARGET_LAYERS in sizes and not args.no_cli:
        print(f"\ntarget: archcalc summary of {TARGET_LAYERS:,} layers in at most {TARGET_S} s, start-up included")
        for (name, n, fmt), c in cli.items():
            if n == TARGET_LAYERS:
                by_wall, by_cpu = c["min"] <= TARGET_S, c["cpu"] <= TARGET_S
                missed |= not by_cpu
                print(f"  {name:>6} {fmt:>5}: min wall {c['min']:.2f} s {'yes' if by_wall else 'NO'}, "
                      f"median CPU {c['cpu']:.2f} s {'yes' if by_cpu else 'NO'}")
    if args.profile or missed:
        path = Path(tmp.name, "profile.txt")
        path.write_text(spec(TARGET_LAYERS))
        print(f"\ncProfile of the CLI's work on the {TARGET_LAYERS:,}-layer chain, in-process, start-up excluded "
              "(one run, by own time; cProfile slows pure-Python code):")
        print(profile(str(path)))
    tmp.cleanup()


if __name__ == "__main__":
    main()
