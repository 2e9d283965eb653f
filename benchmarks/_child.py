"""Run one child process; return its wall time and its own peak RSS. Shared by the benchmarks.

On Linux a forked child starts with its parent's peak RSS (``ru_maxrss`` is inherited by fork()
and kept across exec()), so ``getrusage`` in the child, ``os.wait4`` or ``RUSAGE_CHILDREN`` in
the parent all report max(parent's RSS at fork, child's own peak). A benchmark script holding a
20,000-layer analysis would pass its own ~100 MiB on to every child. So the child is started by
``/usr/bin/time -f %M``, a small C program whose own RSS (~2 MiB) is all the child inherits;
without it, ``os.wait4`` is used and the parent's RSS is reported next to it as the floor.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None


def method() -> str:
    if GNU_TIME:
        return "peak RSS: /usr/bin/time -f %M (the child's own maximum resident set size)"
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return (f"peak RSS: os.wait4 (no /usr/bin/time); includes this script's own {parent} MiB "
            "inherited at fork, so small children read at least that")


def run(argv: list[str], env: dict[str, str] | None = None,
        capture: bool = True) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in KiB, stdout text) of one run; SystemExit if it fails."""
    wall, rss_kib, text, _ = run_with_cpu(argv, env, capture)
    return wall, rss_kib, text


def run_with_cpu(argv: list[str], env: dict[str, str] | None = None,
                 capture: bool = True) -> tuple[float, int, str, float]:
    """:func:`run`, and the CPU seconds (user + system) the child used: on a machine shared with other
    jobs the wall time waits for a core, the CPU time does not."""
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp, "rss")
        cmd = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *argv] if GNU_TIME else argv
        with open(Path(tmp, "out"), "w+b") as out, open(Path(tmp, "err"), "w+b") as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=out if capture else subprocess.DEVNULL, stderr=err,
                                 stdin=subprocess.DEVNULL, env=env)
            _, status, usage = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            p.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so tell Popen
            out.seek(0)
            err.seek(0)
            text = out.read().decode(errors="replace")
            if p.returncode != 0:
                raise SystemExit(f"{' '.join(argv)} exited with {p.returncode}:\n"
                                 f"{err.read().decode(errors='replace')[-2000:]}")
        if GNU_TIME:
            rss_kib = int(rss_file.read_text().split()[-1])
        else:  # ru_maxrss is in KiB on Linux, in bytes on macOS
            rss_kib = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    # wait4's usage covers the waited process and its own waited children: /usr/bin/time's child too.
    return wall, rss_kib, text, usage.ru_utime + usage.ru_stime
