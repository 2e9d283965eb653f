"""Start-up benchmark: `archcalc summary vgg16` against Keras' own VGG16 summary.

Every measurement is a fresh interpreter (a subprocess). For each child the script records the
wall time (spawn to exit, measured here) and the child's own peak resident set size, from
``/usr/bin/time -f %M`` (see _child.py for why not ``getrusage`` in the child or the parent).

Commands, run round-robin so that drift in the machine's load hits all of them alike:

  floor      python -c pass
  cli        .venv/bin/archcalc summary vgg16            (the console script)
  main()     python -c "from archcalc.cli import main; main(['summary', 'vgg16'])"
  keras      python -c "import keras; keras.applications.VGG16(weights=None).summary()"
             (TensorFlow backend, TF_CPP_MIN_LOG_LEVEL=3)

It prints median and min of each, the ratios Keras / archcalc (time and memory), whether
archcalc stayed within 0.10 s (by its min and by its median), and which modules archcalc imports (it
must not import TensorFlow, Keras or numpy), with the slowest imports from ``-X importtime``.

Then the cost of the command line itself: the calculation path (``import archcalc.web``, which the
playground runs in the browser and which imports only the standard library) against typer, rich and the
whole CLI, each in a fresh interpreter, by wall time and by ``-X importtime``.

The children run with their ``.pyc`` files written (``PYTHONDONTWRITEBYTECODE`` is dropped from
their environment): an installed package has them, and without them every start compiles archcalc's
sources again (about 40 ms more).

Usage: python benchmarks/startup.py [--repeat 20] [--keras-repeat 5] [--no-keras] [--imports-only]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import _child

TARGET_S = 0.10  # issue 17: `archcalc summary vgg16` in 0.10 s or less
EXPECTED_PARAMS = "138,357,544"  # VGG-16 with its top, in both archcalc's and Keras' summary
HEAVY = ("tensorflow", "keras", "numpy", "jax", "torch", "scipy", "pandas", "h5py")

PY = sys.executable
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow", "PYTHONHASHSEED": "0"}
ENV.pop("PYTHONPROFILEIMPORTTIME", None)
ENV.pop("PYTHONDONTWRITEBYTECODE", None)  # see the module's docstring


def console_script() -> str | None:
    """The `archcalc` script next to this interpreter (the venv's), else the one on PATH."""
    here = Path(PY).parent / "archcalc"
    if here.exists():
        return str(here)
    return shutil.which("archcalc")


def run_once(argv: list[str], expect: str | None) -> tuple[float, int]:
    """Run ``argv`` once; return (wall seconds, peak RSS in KiB) of that child alone."""
    wall, rss_kib, text = _child.run(argv, ENV)
    if expect is not None and expect not in text:
        raise SystemExit(f"{' '.join(argv)} did not print {expect!r}; its output:\n{text[-2000:]}")
    return wall, rss_kib


def fmt_s(s: float) -> str:
    return f"{s * 1000:8.1f} ms"


def fmt_mib(kib: float) -> str:
    return f"{kib / 1024:8.1f} MiB"


def imports_of_archcalc() -> tuple[list[str], list[str]]:
    """(heavy modules found in sys.modules after the command, every top-level package imported)."""
    code = (
        "import sys\n"
        "from archcalc.cli import main\n"
        "try:\n"
        "    main(['summary', 'vgg16'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write('\\n@@MODULES ' + ' '.join(sorted(sys.modules)) + '\\n')\n"
    )
    p = subprocess.run([PY, "-c", code], capture_output=True, text=True, env=ENV, check=True)
    line = next(ln for ln in p.stderr.splitlines() if ln.startswith("@@MODULES "))
    modules = line.split()[1:]
    heavy = [m for m in modules if m.split(".")[0] in HEAVY]
    tops = sorted({m.split(".")[0] for m in modules if not m.startswith("_")})
    return heavy, tops


def importtime_tree(min_ms: float = 2.0, depth: int = 4) -> tuple[list[tuple[int, int, int, str]], int]:
    """Where `archcalc summary vgg16` spends its import time, from one ``-X importtime`` run.

    Returns the imports that took at least ``min_ms`` (cumulative), nested at most ``depth`` deep,
    as (depth, self µs, cumulative µs, name) in tree order (parents before their children), and the
    sum over all top-level imports in µs. One sample, including importtime's own overhead.
    """
    script = console_script()
    argv = [script, "summary", "vgg16"] if script else [
        PY, "-c", "from archcalc.cli import main; main(['summary', 'vgg16'])"]
    env = {**ENV, "PYTHONPROFILEIMPORTTIME": "1"}
    p = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
    # "import time: self [us] | cumulative | imported package"; a child is printed before its
    # parent, indented two more spaces.
    pending: dict[int, list[tuple[int, int, str, list]]] = {}
    for ln in p.stderr.splitlines():
        if not ln.startswith("import time:") or "cumulative" in ln:
            continue
        own, cumulative, name = ln[len("import time:"):].split("|")
        level = (len(name) - len(name.lstrip(" ")) - 1) // 2
        children = pending.pop(level + 1, [])
        pending.setdefault(level, []).append((int(own), int(cumulative), name.strip(), children))
    roots = pending.get(0, [])
    out: list[tuple[int, int, int, str]] = []

    def walk(nodes: list, level: int) -> None:
        for own, cumulative, name, children in nodes:
            if cumulative >= min_ms * 1000 and level < depth:
                out.append((level, own, cumulative, name))
                walk(children, level + 1)

    walk(roots, 0)
    return out, sum(c for _, c, _, _ in roots)


#: What the command line costs beside the calculation: label → the code a fresh interpreter runs.
IMPORTS = {
    "floor  python -c pass": "pass",
    "calculation path  import archcalc.web": "import archcalc.web",
    "calculation, VGG-16 table  web.calculate": (
        "from archcalc import web; web.calculate(web.example('vgg16')['text'])"),
    "typer": "import typer",
    "rich.console": "import rich.console",
    "the CLI's entry  import archcalc.cli": "import archcalc.cli",
    "the typer app  import archcalc.cli_app": "import archcalc.cli_app",
}


def import_costs(repeat: int) -> None:
    """Median wall time of each of :data:`IMPORTS` (round-robin, one warm-up), and its import time alone
    (the sum of ``-X importtime``'s top-level cumulative times, median of the same number of runs)."""
    for code in IMPORTS.values():
        run_once([PY, "-c", code], None)
    walls: dict[str, list[float]] = {k: [] for k in IMPORTS}
    imports: dict[str, list[int]] = {k: [] for k in IMPORTS}
    for _ in range(repeat):
        for label, code in IMPORTS.items():
            walls[label].append(run_once([PY, "-c", code], None)[0])
            p = subprocess.run([PY, "-X", "importtime", "-c", code], capture_output=True, text=True, env=ENV,
                               check=True)
            imports[label].append(sum(int(ln.split("|")[1]) for ln in p.stderr.splitlines()
                                      if ln.startswith("import time:") and "cumulative" not in ln
                                      and not ln.split("|")[2].startswith("  ")))
    width = max(map(len, IMPORTS))
    floor = statistics.median(walls["floor  python -c pass"])
    print(f"\nthe calculation path against the command line's libraries ({repeat} runs each, fresh interpreters):")
    print(f"{'':<{width}}  {'median wall':>11}  {'above floor':>11}  {'imports (-X importtime)':>23}")
    for label in IMPORTS:
        wall = statistics.median(walls[label])
        print(f"{label:<{width}}  {fmt_s(wall):>11}  {fmt_s(wall - floor):>11}  "
              f"{fmt_s(statistics.median(imports[label]) / 1e6):>23}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=20, help="runs of each archcalc command and the floor")
    ap.add_argument("--keras-repeat", type=int, default=5, help="runs of the Keras command")
    ap.add_argument("--no-keras", action="store_true", help="skip Keras (no TensorFlow installed)")
    ap.add_argument("--imports-only", action="store_true",
                    help="only the calculation path against typer, rich and the CLI")
    args = ap.parse_args()
    if args.imports_only:
        import_costs(args.repeat)
        return

    commands: dict[str, tuple[list[str], str | None, int]] = {
        "floor  python -c pass": ([PY, "-c", "pass"], None, args.repeat),
    }
    script = console_script()
    if script:
        commands["archcalc summary vgg16"] = ([script, "summary", "vgg16"], EXPECTED_PARAMS, args.repeat)
    commands["python -c main(['summary','vgg16'])"] = (
        [PY, "-c", "from archcalc.cli import main; main(['summary', 'vgg16'])"], EXPECTED_PARAMS, args.repeat)
    keras_label = "keras VGG16(weights=None).summary()"
    if not args.no_keras:
        commands[keras_label] = (
            [PY, "-c", "import keras; keras.applications.VGG16(weights=None).summary()"],
            EXPECTED_PARAMS, args.keras_repeat)

    print("archcalc start-up benchmark")
    print(f"python {platform.python_version()} ({PY}), {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs")
    print(f"runs: {args.repeat} of each archcalc command and the floor, "
          f"{0 if args.no_keras else args.keras_repeat} of Keras; one discarded warm-up run each; "
          "round-robin order")
    print(_child.method() + "\n")

    for argv, expect, _ in commands.values():  # warm the page cache and .pyc files
        run_once(argv, expect)
    samples: dict[str, list[tuple[float, int]]] = {k: [] for k in commands}
    for i in range(max(n for *_, n in commands.values())):
        for label, (argv, expect, n) in commands.items():
            if i < n:
                samples[label].append(run_once(argv, expect))

    width = max(map(len, commands))
    print(f"{'command':<{width}}  {'n':>3}  {'median time':>11}  {'min time':>11}  "
          f"{'median RSS':>12}  {'max RSS':>12}")
    med: dict[str, tuple[float, float]] = {}
    fastest: dict[str, float] = {}
    for label, runs in samples.items():
        times = [t for t, _ in runs]
        rss = [r for _, r in runs]
        med[label] = (statistics.median(times), statistics.median(rss))
        fastest[label] = min(times)
        print(f"{label:<{width}}  {len(runs):>3}  {fmt_s(statistics.median(times)):>11}  "
              f"{fmt_s(min(times)):>11}  {fmt_mib(statistics.median(rss)):>12}  {fmt_mib(max(rss)):>12}")

    floor_t, floor_rss = med["floor  python -c pass"]
    ours = [k for k in commands if "archcalc" in k or "main(" in k]
    print()
    for label in ours:
        t, rss = med[label]
        verdict = " and ".join(f"{'yes' if v <= TARGET_S else 'NO'} by its {k}"
                               for k, v in (("min", fastest[label]), ("median", t)))
        print(f"{label}: {fastest[label] * 1000:.1f} ms min, {t * 1000:.1f} ms median, "
              f"{(t - floor_t) * 1000:.1f} ms above the interpreter floor; within {TARGET_S:.2f} s: {verdict}")
    if not args.no_keras:
        kt, krss = med[keras_label]
        print()
        print("ratios, Keras / archcalc (median over median):")
        for label in ours:
            t, rss = med[label]
            print(f"  vs {label:<{width}}  time x{kt / t:6.1f}   peak RSS x{krss / rss:6.1f}")
        ref = ours[0]
        t, rss = med[ref]
        print(f"  above the floor (vs {ref}): time x{(kt - floor_t) / (t - floor_t):.1f}, "
              f"peak RSS x{(krss - floor_rss) / (rss - floor_rss):.1f}")

    heavy, tops = imports_of_archcalc()
    print()
    print("heavy modules in sys.modules after archcalc summary vgg16 "
          f"({', '.join(HEAVY)}): {', '.join(heavy) if heavy else 'none'}")
    print(f"top-level packages imported ({len(tops)}): {' '.join(tops)}")
    tree, total = importtime_tree()
    print(f"\nimport time of archcalc summary vgg16, -X importtime, one run: {total / 1000:.1f} ms in all;")
    print("imports of 2 ms or more (cumulative), 4 levels deep:")
    print(f"  {'cumulative':>10}  {'self':>8}  module")
    for level, own, cumulative, name in tree:
        print(f"  {cumulative / 1000:7.1f} ms  {own / 1000:5.1f} ms  {'  ' * level}{name}")
    import_costs(args.repeat)
    if heavy:
        raise SystemExit("archcalc imported a heavy module: " + ", ".join(heavy))


if __name__ == "__main__":
    main()
