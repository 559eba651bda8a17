"""Verification work in processes that can be killed: bounded memory, CPU share and time.

A 1.7 KB PDF with one 14400×14400 pt page once kept a core busy for 35 s and 3 GB of memory
after its answer had gone. Reading a scan is work on untrusted input in C libraries
(pdfium, libpng, libjpeg, zbar): a deadline on a thread cannot stop it and memory freed
there may never return to the system. So each scan is checked in a process of its own,
forked from a server process that has already imported those libraries:

- its address space is capped (``RLIMIT_AS``, ``memory_bytes``): an allocation past it
  fails, and the check answers ``too_complex``;
- it runs at the lowest CPU priority (``SCHED_IDLE``, nice 19): on a shared machine it
  gets the CPU only when issuing does not want it;
- once it has used ``deadline`` seconds of CPU it is killed and the check answers
  ``timeout``; nothing of it stays in memory, since the whole process is gone. The
  deadline counts the CPU the check used, not the time it waited: at its low priority a
  check on a loaded machine (a CI run at load 10) once waited past a 10 s wall-clock
  deadline, and a genuine certificate was answered ``timeout``;
- a check that has not finished after :func:`wall_limit` seconds (the machine gave it too
  little CPU to finish) is killed too and answered ``busy``, try again: a slot is never
  held without bound;
- at most ``parallel`` run at once; another scan is refused with ``busy`` before any work
  starts (no queue that could grow).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from protocol import log, wire
from protocol.federation.directory import Directory
from protocol.paper.verification.wording import Lang
from relay.schema import ApiError

LOG = logging.getLogger("relay.public")
#: Modules the fork server imports once, so that each work process starts in milliseconds.
PRELOAD = ["relay.public", "protocol.paper.verify", "PIL.Image", "PIL.PngImagePlugin", "PIL.JpegImagePlugin",
           "pypdfium2"]


@dataclass(frozen=True)
class WorkLimits:
    parallel: int = 2
    deadline: float = 10.0
    memory_bytes: int = 1024 * 1024 * 1024

    def __post_init__(self) -> None:  # deadline: seconds of CPU one check may use
        if self.parallel < 1 or self.deadline <= 0 or self.memory_bytes < 256 * 1024 * 1024:
            raise ValueError("work limits: parallel >= 1, deadline > 0, memory >= 256 MiB")


#: The least wall-clock time a check is given to use its CPU deadline, however short that is.
WALL_FLOOR = 60.0
#: A check may wait for the CPU this many times its CPU deadline (if more than the floor).
WALL_FACTOR = 6


def wall_limit(deadline: float) -> float:
    """Seconds a check with a CPU ``deadline`` may take on the clock before it is given up."""
    return max(WALL_FLOOR, deadline * WALL_FACTOR)


def cpu_seconds(pid: int) -> float:
    """The CPU (user and system) process ``pid`` has used; 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rpartition(")")[2].split()  # the name, in parentheses, may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class VerifierKeys:
    """What a work process needs to build its :class:`relay.public.Verifier` (keys travel
    as bytes: a key object does not cross a process boundary)."""

    issuer_public: bytes  # raw Ed25519
    scramble_secret: bytes
    municipality: str
    #: In a federation: the directory (verified by the parent against its anchor) as JSON,
    #: current when the check was dispatched.
    directory_json: bytes | None = None


def _check_files(keys: VerifierKeys, files: list[bytes], lang: Lang, memory_bytes: int,
                 answer: Connection) -> None:
    """The work process: limits first, then the check; the answer (or error) goes back."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.nice(19)
    with contextlib.suppress(OSError, AttributeError):  # only when the CPU is otherwise idle
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from protocol.federation.directory import Directory
    from relay.public import Verifier

    result: tuple[Any, ...]
    try:
        directory = Directory.from_json(json.loads(keys.directory_json)) if keys.directory_json else None
        verifier = Verifier(Ed25519PublicKey.from_public_bytes(keys.issuer_public), keys.scramble_secret,
                            keys.municipality, (lambda: directory) if directory is not None else None)
        result = ("ok", dict(verifier.check_files(files, lang)))
    except ApiError as exc:
        result = ("error", exc.status, exc.code, exc.field)
    except MemoryError:
        result = ("error", 422, wire.TOO_COMPLEX, None)
    except Exception as exc:  # an unreadable input the libraries did not expect
        result = ("error", 500, wire.INTERNAL, type(exc).__name__)
    answer.send(result)
    answer.close()


#: What :meth:`WorkPool._wait` returns for a check killed at its CPU deadline, or starved.
_OVER_DEADLINE: tuple[Any, ...] = ("over_deadline",)
_STARVED: tuple[Any, ...] = ("starved",)


class WorkPool:
    """Run scan checks in killable processes, ``limits.parallel`` at a time."""

    def __init__(self, keys: VerifierKeys, limits: WorkLimits,
                 directory: Callable[[], Directory | None] | None = None) -> None:
        """``directory``: in a federation, the current verified directory (None: none valid)."""
        self.keys = keys
        self.limits = limits
        self.directory = directory
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(PRELOAD)
        self._running = 0
        self.killed = 0  # work processes killed at the deadline (tests, benchmarks)

    def warm_up(self) -> None:
        """Start the fork server now rather than on the first scan."""
        process = self._ctx.Process(target=os.getpid)
        process.start()
        process.join()

    @property
    def busy(self) -> bool:
        return self._running >= self.limits.parallel

    async def check_files(self, files: list[bytes], lang: Lang) -> dict[str, Any]:
        if self.busy:
            raise ApiError(503, wire.BUSY)
        self._running += 1
        try:
            return await self._run(files, lang)
        finally:
            self._running -= 1

    def _keys_now(self) -> VerifierKeys:
        """The keys for one check: in a federation, with the directory current now."""
        if self.directory is None:
            return self.keys
        directory = self.directory()
        if directory is None:  # no valid directory: no member's document can be checked
            raise ApiError(503, wire.UNAVAILABLE)
        return replace(self.keys, directory_json=json.dumps(directory.to_json()).encode())

    def _wait(self, receive: Connection, pid: int | None) -> tuple[Any, ...]:
        """The work process's answer, or :data:`_OVER_DEADLINE` once it has used its CPU
        deadline, or :data:`_STARVED` once its wall-clock limit has passed (a thread's work:
        it blocks)."""
        deadline = self.limits.deadline
        look = min(0.1, deadline / 4)
        given_up_at = time.monotonic() + wall_limit(deadline)
        while not receive.poll(look):
            if pid is not None and cpu_seconds(pid) >= deadline:
                return _OVER_DEADLINE
            if time.monotonic() >= given_up_at:
                return _STARVED
        result: tuple[Any, ...] = receive.recv()
        return result

    async def _run(self, files: list[bytes], lang: Lang) -> dict[str, Any]:
        keys = self._keys_now()
        receive, send = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(target=_check_files, daemon=True,
                                    args=(keys, files, lang, self.limits.memory_bytes, send))
        await asyncio.to_thread(process.start)
        send.close()
        try:
            result = await asyncio.to_thread(self._wait, receive, process.pid)
        except (EOFError, OSError):  # the process died without an answer: out of memory in C
            result = ("error", 422, wire.TOO_COMPLEX, None)
        finally:
            receive.close()
            if process.is_alive():
                process.kill()
                self.killed += 1
            await asyncio.to_thread(process.join)
            with contextlib.suppress(ValueError):
                process.close()
        if result == _OVER_DEADLINE:
            log.event(LOG, "relay.public.killed", logging.WARNING, code=wire.TIMEOUT,
                      ms=int(self.limits.deadline * 1000))
            raise ApiError(503, wire.TIMEOUT)
        if result == _STARVED:
            log.event(LOG, "relay.public.killed", logging.WARNING, code=wire.BUSY,
                      ms=int(wall_limit(self.limits.deadline) * 1000))
            raise ApiError(503, wire.BUSY)
        if result[0] == "ok":
            answer: dict[str, Any] = result[1]
            return answer
        _, status, code, field = result
        if code == wire.INTERNAL:
            log.event(LOG, "relay.public.internal", logging.ERROR, code=code, kind=field)
            field = None
        raise ApiError(status, code, field)
