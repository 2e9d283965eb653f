"""The long fuzz campaign (issue 18): a million hostile inputs through archcalc's entry points, and a table
of how they ended.

In-process campaigns run in a worker process with its address space limited (``--memory``, 1 GiB), watched
by this one: an input that takes more than ``--hang`` seconds (5) of CPU time is a hang (CPU time, not wall
time: on a shared machine a busy neighbour would make inputs "hang"), and a worker that stops reporting for
a minute is killed and replaced, the input it was on counted as a hang. A ``MemoryError`` is counted in
the memory column. Through-the-CLI campaigns write each input to a file and run ``archcalc summary FILE
--format json`` or ``archcalc check FILE --spec ... --format json`` in a fresh interpreter: exit 0 or 1
is ok, 2 a clean error, 70 (or a traceback) an internal error.

The inputs come from ``tests/fuzzing.py`` (the generators of the test suite's campaign), numbered: input
``i`` of a campaign is made again by ``fuzzing.make(campaign, seed, i)``. Failing inputs are saved to
``--store`` (default: a temporary folder; ``--store tests/fuzz_regressions`` adds them to the regressions
the test suite runs).

Usage: nice python benchmarks/fuzz.py [--inputs 1000000] [--cli 300] [--seed 1] [--hang 5] [--memory 1GiB]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import fuzzing as F  # noqa: E402 - after the path to tests/

#: Shares of --inputs per in-process campaign, and the rows of the table.
SHARES = {"specs": 0.4, "code": 0.15, "torch": 0.15, "sheets": 0.3}
TITLES = {"specs": "specs in-process (paper notation)", "code": "specs in-process (Keras code)",
          "torch": "specs in-process (PyTorch code, injection payloads)",
          "sheets": "answer sheets in-process (CSV, Markdown, YAML, JSON, text)",
          "cli-specs": "specs through the CLI", "cli-sheets": "answer sheets through the CLI"}


def _limit_memory(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _worker(campaign: str, seed: int, start: int, stop: int, hang: float, memory: int, conn) -> None:
    _limit_memory(memory)
    for i in range(start, stop):
        outcome, detail, seconds = F.run_one(F.make(campaign, seed, i), hang)
        conn.send((i, outcome, detail if outcome not in ("ok", "clean") else "", seconds))
    conn.send(None)


def run_campaign(campaign: str, seed: int, start: int, count: int, hang: float, memory: int,
                 failures: list[tuple[str, int, str, str]], counts: Counter) -> None:
    """Run inputs start..count-1 of a campaign in watched workers, adding the outcomes to ``counts``."""
    ctx = mp.get_context("fork")
    next_i = start
    while next_i < count:
        parent, child = ctx.Pipe(duplex=False)
        worker = ctx.Process(target=_worker, args=(campaign, seed, next_i, count, hang, memory, child), daemon=True)
        worker.start()
        child.close()
        while True:
            if not parent.poll(hang + 60):  # stuck where the alarm cannot reach (C code): kill it
                worker.kill()
                worker.join()
                counts["hang"] += 1
                failures.append((campaign, next_i, "hang", f"no answer in {hang + 60:.0f} s; worker killed"))
                next_i += 1
                break
            try:
                msg = parent.recv()
            except EOFError:  # the worker died (killed by the kernel?): count the input it was on
                worker.join()
                counts["memory" if worker.exitcode == -9 else "internal"] += 1
                failures.append((campaign, next_i, "memory" if worker.exitcode == -9 else "internal",
                                 f"worker died with exit code {worker.exitcode}"))
                next_i += 1
                break
            if msg is None:
                worker.join()
                next_i = count
                break
            i, outcome, detail, seconds = msg
            if outcome in ("ok", "clean") and seconds > hang:
                outcome, detail = "hang", f"finished after {seconds:.1f} s"
            counts[outcome] += 1
            if outcome not in ("ok", "clean"):
                failures.append((campaign, i, outcome, detail))
            next_i = i + 1
        parent.close()


def run_cli(campaign: str, seed: int, count: int, hang: float, memory: int,
            failures: list[tuple[str, int, str, str]]) -> Counter:
    """Inputs 0..count-1 of ``specs``/``sheets`` written to files and run through the ``archcalc`` command."""
    counts: Counter = Counter()
    spec = F.DATA / "small_spec.txt"
    source = "specs" if campaign == "cli-specs" else "sheets"
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            case = F.make(source, seed, i)
            path = Path(tmp) / f"input{case.suffix()}"
            path.write_bytes(case.text.encode("utf-8", "surrogatepass"))
            args = (["summary", str(path), "--format", "json"] if source == "specs"
                    else ["check", str(path), "--spec", str(spec), "--format", "json"])
            try:
                p = subprocess.run([sys.executable, "-c", "from archcalc.cli import main; main()", *args],
                                   capture_output=True, timeout=hang + 2,  # + the interpreter's start
                                   preexec_fn=lambda: _limit_memory(memory))
                err = p.stderr.decode("utf-8", "replace")
                if "MemoryError" in err:
                    outcome = "memory"
                elif p.returncode in (0, 1) and "Traceback" not in err:
                    outcome = "ok"
                elif p.returncode == 2 and "Traceback" not in err and err.startswith("error: "):
                    outcome = "clean"
                else:
                    outcome = "internal"
                detail = f"exit {p.returncode}: {err.strip().splitlines()[-1] if err.strip() else ''}"[:200]
            except subprocess.TimeoutExpired:
                outcome, detail = "hang", f"over {hang} s"
            counts[outcome] += 1
            if outcome not in ("ok", "clean"):
                failures.append((source, i, outcome, f"CLI {detail}"))
    return counts


def _bytes(text: str) -> int:
    units = {"k": 2**10, "m": 2**20, "g": 2**30}
    t = text.lower().rstrip("ib")
    return int(float(t[:-1]) * units[t[-1]]) if t[-1:] in units else int(t)


def table(rows: list[tuple[str, Counter]], hang: float, memory: int) -> str:
    head = (f"| campaign | inputs | ok | clean error | internal error (exit 70) | hang > {hang:g} s CPU / killed | "
            f"memory > {memory / 2**30:g} GiB |")
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|"]
    total: Counter = Counter()
    for name, c in rows:
        total.update(c)
        lines.append(f"| {TITLES[name]} | {sum(c.values()):,} | {c['ok']:,} | {c['clean']:,} | {c['internal']:,} | "
                     f"{c['hang']:,} | {c['memory']:,} |")
    lines.append(f"| **total** | {sum(total.values()):,} | {total['ok']:,} | {total['clean']:,} | "
                 f"{total['internal']:,} | {total['hang']:,} | {total['memory']:,} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=1_000_000,
                    help="in-process inputs in all (split 40/15/15/30%% among specs, Keras code, PyTorch code and "
                         "sheets; among those of --only in the same proportions)")
    ap.add_argument("--minutes", type=float, default=None,
                    help="stop the in-process campaigns after this long (the table shows what ran)")
    ap.add_argument("--cli", type=int, default=300, help="inputs through the CLI, each of specs and sheets")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hang", type=float, default=5.0, help="seconds after which an input is a hang")
    ap.add_argument("--memory", default="1GiB", help="address space of a worker (a MemoryError past it)")
    ap.add_argument("--store", type=Path, default=None, help="folder to save failing inputs to")
    ap.add_argument("--only", choices=[*SHARES, "cli-specs", "cli-sheets"], action="append",
                    help="run only these campaigns (repeatable)")
    args = ap.parse_args()
    memory = _bytes(args.memory)
    store = args.store or Path(tempfile.mkdtemp(prefix="archcalc-fuzz-"))
    failures: list[tuple[str, int, str, str]] = []
    rows: list[tuple[str, Counter]] = []
    started = time.perf_counter()
    # The campaigns advance together, a chunk at a time, so that a run cut short by --minutes (or
    # Ctrl-C) has tried every family in its share.
    campaigns = [c for c in SHARES if not args.only or c in args.only]
    counts = {c: Counter() for c in campaigns}
    shares = {c: SHARES[c] / sum(SHARES[x] for x in campaigns) for c in campaigns}
    sizes = {c: round(args.inputs * shares[c]) for c in campaigns}
    chunk = 2000
    deadline = started + args.minutes * 60 if args.minutes else None
    try:
        for step in range(0, max(sizes.values(), default=0), chunk):
            if deadline and time.perf_counter() > deadline:
                print("time is up (--minutes)", file=sys.stderr)
                break
            for c in campaigns:
                lo = round(step * SHARES[c] / max(SHARES[x] for x in campaigns))
                hi = min(sizes[c], round((step + chunk) * SHARES[c] / max(SHARES[x] for x in campaigns)))
                if lo < hi:
                    run_campaign(c, args.seed, lo, hi, args.hang, memory, failures, counts[c])
            done = sum(sum(x.values()) for x in counts.values())
            elapsed = time.perf_counter() - started
            print(f"  {done:,} inputs in {elapsed:,.0f} s ({done / elapsed:,.0f}/s): "
                  + "; ".join(f"{c} {dict(counts[c])}" for c in campaigns), file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("interrupted: the table shows what ran", file=sys.stderr)
    rows.extend((c, counts[c]) for c in campaigns)
    for campaign in ("cli-specs", "cli-sheets"):
        if (args.only and campaign not in args.only) or not args.cli:
            continue
        t0 = time.perf_counter()
        rows.append((campaign, run_cli(campaign, args.seed, args.cli, args.hang, memory, failures)))
        print(f"{campaign}: {args.cli:,} inputs in {time.perf_counter() - t0:,.0f} s", file=sys.stderr, flush=True)
    print(f"archcalc fuzz campaign: seed {args.seed}, {time.perf_counter() - started:,.0f} s, "
          f"python {sys.version.split()[0]}, pid {os.getpid()}")
    print(table(rows, args.hang, memory))
    if failures:
        print(f"\n{len(failures)} failing inputs (saved in {store}; fuzzing.make(campaign, {args.seed}, i) makes one "
              "again):")
        known = 0
        for campaign, i, outcome, detail in failures:
            path = F.store(F.make(campaign, args.seed, i), store)
            known += detail.startswith(F.CODE_READER)
            print(f"  {campaign} #{i}: {outcome}: {detail[:160]}  -> {path.name}")
        if known:
            print(f"({known} of them in the Keras-code reader, which issue 12 replaces)")
        torch_reader = sum(detail.startswith(F.TORCH_READER) for *_, detail in failures)
        if torch_reader:
            print(f"({torch_reader} of them raised inside the PyTorch reader, archcalc/code/torch.py)")


if __name__ == "__main__":
    main()
