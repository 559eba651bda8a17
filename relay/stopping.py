"""The end of a serving process's start-up: what it keeps from then on, and the signals that stop it."""

from __future__ import annotations

import asyncio
import gc
import signal
from pathlib import Path

from relay import workers
from relay.ports import write_ports

#: The collector's thresholds once serving. With Python's (700, 10, 10) the loaded centre
#: collected its youngest generation every few sessions, each time walking the coroutines
#: and buffers of the sessions in flight, which were still alive: 6 % of its CPU, measured
#: with ``gc.callbacks`` (docs/benchmarks.md). Few of those objects are garbage, so waiting
#: for 50,000 more survivors holds at most that many cycles (a few MiB) and still bounds them.
THRESHOLDS = (50_000, 20, 10)


def serving() -> asyncio.Event:
    """Call once listening, before saying so (port file, ready byte): the event SIGTERM or
    SIGINT sets.

    Everything start-up made (modules, keys, the directory, compiled statements) is moved
    out of the collector's reach (``gc.freeze``): it lives as long as the process, and
    under load each full collection would otherwise walk all of it again (the collector
    was 4 % of the loaded centre's event loop; with msgspec for the bytes on the wire, the
    centre's and the servers' CPU a session fell by about a tenth, docs/benchmarks.md), and
    the collector waits for :data:`THRESHOLDS` new objects."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):  # first: a stop from now on is a clean one
        loop.add_signal_handler(sig, stop.set)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    return stop


async def until_stopped(port_file: Path | None, ports: dict[str, int], ready_fd: int | None = None) -> None:
    """Say the process listens — :func:`serving`, then the port file, then the ready byte a
    ``--workers`` parent waits for (:func:`relay.workers.said_ready`) — and return once
    SIGTERM or SIGINT comes."""
    stop = serving()
    if port_file:
        write_ports(port_file, ports)
    workers.said_ready(ready_fd)
    await stop.wait()
