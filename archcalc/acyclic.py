"""Pausing Python's cyclic garbage collector while a spec is read, analysed and printed.

Reading and analysing a network builds a few objects per layer and no reference cycles, so reference
counting frees them all; but the collector, which runs every few hundred allocations and now and then
walks every object alive, would walk the growing heap of a 100,000-layer spec again and again: about
40% of the time of ``archcalc summary``. Only pure computation runs inside: the commands that run a
framework (``verify``, ``train``) do not use it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def acyclic_work() -> Iterator[None]:
    """The collector paused inside the block, and as it was after (nested blocks are fine).

    >>> with acyclic_work():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            # Switched back on, the collector would first scan every object made meanwhile (0.4 s after a
            # 100,000-layer spec): they go to the oldest generation instead, scanned at its next turn.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


__all__ = ["acyclic_work"]
