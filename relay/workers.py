"""Several processes serving one listening socket: ``relay serve --workers`` and
``relay centre serve --workers``.

An asyncio server is one thread of Python: under load its event loop is the limit long
before the host's cores are (the centre's was a whole core while a quarter of the machine
stood idle, docs/benchmarks.md). The parent makes the sockets and everything that must
exist once (the database's schema, a public listener), then forks; each worker builds its
own application after the fork — its own connections, threads and event loop — and
accepts on the inherited sockets, the kernel handing each new connection to one of them.
The workers share only what is on disk (the database, the message log, the rate counts),
so any of them answers any call of a session another opened.

A worker says it is listening with one byte on a pipe; the parent says "accepting" (the
port file) only once every worker has, or a client could time out on a backlog nobody
serves yet. A worker that dies before that fails the start; one that dies later stops the
others (an operator's supervisor restarts the whole service); SIGTERM and SIGINT are passed
to every worker, which each stop cleanly.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

#: What a worker runs after the fork: serve until stopped, writing b"1" to the file
#: descriptor it is given once it listens (and closing it).
Worker = Callable[[int], None]


def run(count: int, worker: Worker, ready: Callable[[], None]) -> int:
    """Fork ``count`` workers, call ``ready`` once all of them listen, and wait for them;
    0 after a clean stop, 1 when one failed."""
    children, pipes = [], []
    for _ in range(count):
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the parent's code
            os.close(ready_r)
            code = 1
            try:
                worker(ready_w)
                code = 0
            finally:
                os._exit(code)
        os.close(ready_w)
        children.append(pid)
        pipes.append(ready_r)
    for ready_r in pipes:
        with os.fdopen(ready_r, "rb") as pipe:
            if pipe.read(1) != b"1":  # the worker died before listening
                _signal(children, signal.SIGTERM)
                for child in children:
                    os.waitpid(child, 0)
                print("error: a worker failed to start", file=sys.stderr)
                return 1
    ready()
    stopping = {"asked": False}

    def forward(signum: int, _frame: object) -> None:
        stopping["asked"] = True
        _signal(children, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    status = 0
    for child in children:
        _, code = os.waitpid(child, 0)
        if code and not stopping["asked"]:
            status = 1
            forward(signal.SIGTERM, None)
    return status


def said_ready(fd: int | None) -> None:
    """The worker's half: listening now (``fd`` None: a single process, no parent waits)."""
    if fd is not None:
        os.write(fd, b"1")
        os.close(fd)


def _signal(children: list[int], sig: signal.Signals) -> None:
    for child in children:
        try:
            os.kill(child, sig)
        except ProcessLookupError:
            pass
