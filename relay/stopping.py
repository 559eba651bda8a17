"""The end of a serving process's start-up: what it keeps from then on, and the signals that stop it."""

from __future__ import annotations

import asyncio
import gc
import signal


def serving() -> asyncio.Event:
    """Call once listening, before saying so (port file, ready byte): the event SIGTERM or
    SIGINT sets.

    Everything start-up made (modules, keys, the directory, compiled statements) is moved
    out of the collector's reach (``gc.freeze``): it lives as long as the process, and
    under load each full collection would otherwise walk all of it again (the collector
    was 4 % of the loaded centre's event loop; with msgspec for the bytes on the wire, the
    centre's and the servers' CPU a session fell by about a tenth, docs/benchmarks.md)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):  # first: a stop from now on is a clean one
        loop.add_signal_handler(sig, stop.set)
    gc.collect()
    gc.freeze()
    return stop
