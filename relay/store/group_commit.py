"""Group commit: a database's writes on a thread of their own, many in one transaction.

An event loop that writes to SQLite itself stops for every commit (and, with
``synchronous=FULL``, for the disk's flush): no kiosk is served meanwhile. Here the
writes of one database go to one writer thread; it takes every write waiting, runs them
in one transaction, commits once and only then answers each caller. A caller's ``await``
therefore resolves only after its write is on disk as far as the database's ``synchronous``
setting promises: a record the centre acknowledged is never one the writer still holds.
Under load one flush serves many writes; alone, a write costs what it cost before.

A fast disk flushes in well under a millisecond, so under load the writes waiting at each
commit were few (one and a half to two and a half a commit at the centre at 140 sessions/s)
and every commit cost its own CPU: the transaction, the log's pages, the flush's system
call, a wake-up of each waiting loop. A writer whose writes keep coming (the next came
less than ``gather`` seconds after the last commit ended) therefore waits ``gather`` for
the writes on their way before it commits: they share the commit, at most ``gather``
later. It stops waiting while its waits bring nothing (one caller writing at a time: it
has nobody to wait for), trying again every :data:`PROBE` commits; a write that comes to
an idle writer is committed at once (docs/benchmarks.md).

A write that fails (a uniqueness rule: a replayed message id) must not take its
neighbours with it: when a batch fails it is rolled back whole and each write is run
again in a transaction of its own, so each caller gets its own result or error. Writes
are therefore short functions of the transaction alone, safe to run a second time after
a rollback.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
X = TypeVar("X")  # what a transaction gives its statements (a Tx, a sqlite3.Connection)
MAX_BATCH = 512  # writes in one transaction: bounds the time one commit holds the database
#: Seconds a busy writer waits for more writes before it commits (see the module's text).
GATHER = 0.002
#: Commits between two waits of a writer whose waits brought nothing lately.
PROBE = 32


@dataclass(slots=True)
class _Write(Generic[X]):
    """One write and who waits for it: a thread (``done``) or a coroutine on ``loop``
    (``waiter``, an asyncio future of that loop, settled there)."""

    work: Callable[[X], Any]
    done: concurrent.futures.Future[Any] | None = None
    loop: asyncio.AbstractEventLoop | None = None
    waiter: asyncio.Future[Any] | None = None


#: What a write came to: its result, or the error that failed it.
Outcome = tuple[Any, BaseException | None]


class GroupCommit(Generic[X]):
    def __init__(self, transaction: Callable[[], AbstractContextManager[X]], name: str,
                 gather: float = GATHER, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """``transaction``: opens one transaction, committed when its block ends and rolled
        back on an exception (``Database.tx``); ``gather``: seconds a busy writer waits for
        more writes (0: never); ``clock`` and ``sleep``: the writer thread's (a test's)."""
        self._transaction = transaction
        self._gather, self._clock, self._sleep = gather, clock, sleep
        self._last_commit = float("-inf")  # when the last commit ended
        self._brought = 1.0  # writes a wait brought, moving average: worth waiting while >= 1/2
        self._commits = 0
        self._queue: queue.SimpleQueue[_Write[X] | None] = queue.SimpleQueue()
        self._closed = False
        self._closing = threading.Lock()  # no write is queued behind the stop mark
        self._thread = threading.Thread(target=self._run, name=f"writer-{name}", daemon=True)
        self._thread.start()

    def _put(self, write: _Write[X]) -> None:
        with self._closing:
            if self._closed:
                raise RuntimeError("the writer is closed")
            self._queue.put(write)

    def submit(self, work: Callable[[X], T]) -> concurrent.futures.Future[T]:
        """Queue ``work``; its future is done once the transaction that ran it committed."""
        done: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._put(_Write(work, done=done))
        return done

    async def write(self, work: Callable[[X], T]) -> T:
        """``work``'s result once committed, without holding the event loop meanwhile. A
        caller cancelled while it waits does not cancel the write.

        The caller waits on a future of its own loop, and the writer settles all of a
        commit's futures of one loop with one call into it: the loop wakes once per commit,
        not once per write (a ``concurrent.futures`` future per write, chained to an
        asyncio one, cost two to three times the CPU: docs/benchmarks.md)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[T] = loop.create_future()
        self._put(_Write(work, loop=loop, waiter=waiter))
        return await waiter

    def write_now(self, work: Callable[[X], T]) -> T:
        """The same, for a caller that may block (a thread, or a rare call on the loop)."""
        return self.submit(work).result()

    def close(self) -> None:
        """Commit what is queued, then stop the thread."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            if self._gather and self._queue.empty() and self._clock() - self._last_commit < self._gather \
                    and (self._brought >= 0.5 or self._commits % PROBE == 0):
                self._sleep(self._gather)  # busy: the writes on their way share this commit
                self._brought = 0.8 * self._brought + 0.2 * self._queue.qsize()
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            _settle(batch, self._commit(batch))
            self._last_commit = self._clock()
            self._commits += 1
            if stop:
                return

    def _commit(self, batch: list[_Write[X]]) -> list[Outcome]:
        try:
            with self._transaction() as tx:
                results = [w.work(tx) for w in batch]
        except Exception as exc:  # each write again alone: the error is one write's, or the database's
            if len(batch) == 1:
                return [(None, exc)]
            return [outcome for w in batch for outcome in self._commit([w])]
        return [(result, None) for result in results]


def _settle(batch: list[_Write[Any]], outcomes: list[Outcome]) -> None:
    """Answer each write's caller: a thread's future at once, a loop's futures in one
    call into that loop (a loop already closed has nobody left waiting)."""
    per_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Outcome]]] = {}
    for w, outcome in zip(batch, outcomes, strict=True):
        if w.done is not None and w.done.set_running_or_notify_cancel():
            result, error = outcome
            if error is None:
                w.done.set_result(result)
            else:
                w.done.set_exception(error)
        elif w.loop is not None and w.waiter is not None:
            per_loop.setdefault(w.loop, []).append((w.waiter, outcome))
    for loop, settled in per_loop.items():
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_resolve, settled)


def _resolve(settled: list[tuple[asyncio.Future[Any], Outcome]]) -> None:
    for waiter, (result, error) in settled:
        if waiter.done():  # its caller was cancelled meanwhile: the write stands, nobody reads it
            continue
        if error is None:
            waiter.set_result(result)
        else:
            waiter.set_exception(error)
