"""The end of a serving process's start-up: what it keeps from then on, and the signals that stop it."""

from __future__ import annotations

import asyncio
import gc
import signal


def serving() -> asyncio.Event:
    """Call once listening: the event SIGTERM or SIGINT sets.

    Everything start-up made (modules, keys, the directory, compiled statements) is moved
    out of the collector's reach (``gc.freeze``): it lives as long as the process, and
    under load each full collection would otherwise walk all of it again. Measured on the
    federation benchmark, the centre's and the municipal servers' CPU a session fell by
    about a tenth (docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop
