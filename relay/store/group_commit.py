"""Group commit: a database's writes on a thread of their own, many in one transaction.

An event loop that writes to SQLite itself stops for every commit (and, with
``synchronous=FULL``, for the disk's flush): no kiosk is served meanwhile. Here the
writes of one database go to one writer thread; it takes every write waiting, runs them
in one transaction, commits once and only then answers each caller. A caller's ``await``
therefore resolves only after its write is on disk as far as the database's ``synchronous``
setting promises: a record the centre acknowledged is never one the writer still holds.
Under load one flush serves many writes; alone, a write costs what it cost before.

A write that fails (a uniqueness rule: a replayed message id) must not take its
neighbours with it: when a batch fails it is rolled back whole and each write is run
again in a transaction of its own, so each caller gets its own result or error. Writes
are therefore short functions of the transaction alone, safe to run a second time after
a rollback.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
X = TypeVar("X")  # what a transaction gives its statements (a Tx, a sqlite3.Connection)
MAX_BATCH = 512  # writes in one transaction: bounds the time one commit holds the database


@dataclass
class _Write(Generic[X]):
    work: Callable[[X], Any]
    done: concurrent.futures.Future[Any]


class GroupCommit(Generic[X]):
    def __init__(self, transaction: Callable[[], AbstractContextManager[X]], name: str) -> None:
        """``transaction``: opens one transaction, committed when its block ends and rolled
        back on an exception (``Database.tx``)."""
        self._transaction = transaction
        self._queue: queue.SimpleQueue[_Write[X] | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"writer-{name}", daemon=True)
        self._thread.start()

    def submit(self, work: Callable[[X], T]) -> concurrent.futures.Future[T]:
        """Queue ``work``; its future is done once the transaction that ran it committed."""
        if self._closed:
            raise RuntimeError("the writer is closed")
        done: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._queue.put(_Write(work, done))
        return done

    async def write(self, work: Callable[[X], T]) -> T:
        """``work``'s result once committed, without holding the event loop meanwhile. A
        caller cancelled while it waits does not cancel the write."""
        return await asyncio.wrap_future(self.submit(work))

    def write_now(self, work: Callable[[X], T]) -> T:
        """The same, for a caller that may block (a thread, or a rare call on the loop)."""
        return self.submit(work).result()

    def close(self) -> None:
        """Commit what is queued, then stop the thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
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
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Write[X]]) -> None:
        try:
            with self._transaction() as tx:
                results = [w.work(tx) for w in batch]
        except Exception as exc:  # each write again alone: the error is one write's, or the database's
            if len(batch) == 1:
                self._settle(batch[0], None, exc)
            else:
                for w in batch:
                    self._commit([w])
            return
        for w, result in zip(batch, results, strict=True):
            self._settle(w, result, None)

    @staticmethod
    def _settle(w: _Write[X], result: Any, error: BaseException | None) -> None:
        if w.done.set_running_or_notify_cancel():
            if error is None:
                w.done.set_result(result)
            else:
                w.done.set_exception(error)

