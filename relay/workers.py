"""Several processes serving one listening socket: ``relay serve --workers`` and
``relay centre serve --workers``.

An asyncio server is one thread of Python: under load its event loop is the limit long
before a larger host's cores are. The parent makes the sockets and everything that must
exist once (the database's schema, a public listener), then forks; each worker builds its
own application after the fork — its own connections, threads and event loop — and
accepts on the inherited sockets, the kernel handing each new connection to one of them.
The workers share only what is on disk (the database, the message log, the rate counts),
so any of them answers any call of a session another opened.

A worker says it is listening with one byte on a pipe; the parent says "accepting" (the
port file) only once every worker has, or a client could time out on a backlog nobody
serves yet. A worker that dies before that fails the start, with its error on stderr;
any worker that dies later stops the others (an operator's supervisor restarts the whole
service, rather than it serving on with part of its capacity). SIGTERM and SIGINT are held
from before the first fork and passed to every worker still running, which each stop
cleanly: a stop during start-up leaves no worker behind.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import traceback
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from relay import operator_errors
from relay.ports import write_ports

#: What a worker runs after the fork: serve until stopped, writing b"1" to the file
#: descriptor it is given once it listens (:func:`said_ready`).
Worker = Callable[[int], None]
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def most() -> int:
    """The most workers a server takes on this host: four a core (more only share the same
    cores, each with its own connections to the database and the municipal servers)."""
    return 4 * (os.cpu_count() or 1)


def count_error(count: int) -> str | None:
    """Why ``--workers count`` cannot run here, or None."""
    if count < 1:
        return "--workers must be at least 1"
    if count > most():
        return f"--workers is at most {most()} on this host (four a core)"
    return None


def run(count: int, worker: Worker, ready: Callable[[], None]) -> int:
    """Fork ``count`` workers, call ``ready`` once all of them listen, and wait for them;
    0 after a stop asked by a signal, 1 when a worker failed (at start or later)."""
    live: set[int] = set()
    asked = {"stop": False}

    def stop_all() -> None:
        for child in live:  # reaped ones are out of the set: no signal to a reused pid
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def on_signal(signum: int, _frame: object) -> None:
        asked["stop"] = True
        stop_all()

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # a stop during the forks waits for their end
    pipes: list[int] = []
    try:
        for _ in range(count):
            ready_r, ready_w = os.pipe()
            pid = os.fork()
            if pid == 0:
                _child(worker, ready_w, [ready_r, *pipes])
            os.close(ready_w)
            live.add(pid)
            pipes.append(ready_r)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # and is passed on here, to every worker
    try:
        started = all([_said_ready(fd) for fd in pipes])  # every pipe read (and closed)
        failed = not started and not asked["stop"]  # not a worker stopped while starting
        if failed:
            print("error: a worker failed to start", file=sys.stderr)
            stop_all()
        elif started and not asked["stop"]:
            ready()
        while live:
            pid, code = os.waitpid(-1, 0)  # whichever ends first
            live.discard(pid)
            if code and not asked["stop"] and not failed:
                failed = True
                stop_all()
        return 1 if failed else 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def serve(count: int, process: Callable[[Path | None, int | None], Coroutine[Any, Any, None]],
          port_file: Path | None, ports: dict[str, int]) -> int:
    """A server as one process, or as ``count`` workers: ``process(port_file, ready_fd)`` is
    one process's life (it says it listens with :func:`relay.stopping.until_stopped`). An
    operator's error ends either in one line and exit 2 (:mod:`relay.operator_errors`)."""
    if count == 1:
        operator_errors.one_line(lambda: asyncio.run(process(port_file, None)), serving=True)
        return 0
    return run(count, lambda ready: operator_errors.one_line(lambda: asyncio.run(process(None, ready)), serving=True),
               lambda: write_ports(port_file, ports) if port_file else None)


def said_ready(fd: int | None) -> None:
    """The worker's half: listening now (``fd`` None: a single process, no parent waits)."""
    if fd is not None:
        os.write(fd, b"1")
        os.close(fd)


def _child(worker: Worker, ready_w: int, parents_fds: list[int]) -> None:
    """In the worker: the stop signals back to their defaults (its server installs its own),
    then serve; never returns into the parent's code."""
    code = 1
    try:
        for fd in parents_fds:
            os.close(fd)
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        worker(ready_w)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # its reason on stderr, where the single process would have shown it
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(code)


def _said_ready(fd: int) -> bool:
    with os.fdopen(fd, "rb") as pipe:
        return pipe.read(1) == b"1"
