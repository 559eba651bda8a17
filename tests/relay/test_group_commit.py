"""Group commit (relay.store.group_commit): a write's caller resumes only after the
transaction holding it committed; writes waiting meanwhile share one transaction; one
failing write does not fail the others. The writer is held and released with events, so
the batches are the test's to shape (nothing is timed).

Every wait of the test is bounded (``WAIT``) and each test's ``finally`` sets
``may_commit`` before :meth:`GroupCommit.close`: ``close`` joins the writer thread, which
would otherwise sit in ``may_commit.wait()`` for ever after a failure that came before
the test let the commit through (pytest-timeout's signal does not end a ``finally``).
That wait of the writer's has no timeout of its own on purpose: a writer giving up would
roll back and retry each write alone, waiting again for each."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from relay.store.group_commit import PROBE, GroupCommit
from tests.fixtures.virtual_time import VirtualTimeLoop
from tests.fixtures.waiting import WAIT, wait_for


class Table:
    """A SQLite table whose commits the test can hold; ``commits`` counts transactions."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("CREATE TABLE t (k TEXT PRIMARY KEY)")
        self.commits: list[int] = []  # rows in each committed transaction
        self.may_commit = threading.Event()
        self.may_commit.set()
        self.committing = threading.Event()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        before = self.count()
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.committing.set()
        self.may_commit.wait()
        self.commits.append(self.count() - before)
        self.db.execute("COMMIT")

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM t").fetchone()[0])


def _insert(key: str) -> Callable[[sqlite3.Connection], str]:
    def work(db: sqlite3.Connection) -> str:
        db.execute("INSERT INTO t VALUES (?)", (key,))
        return key

    return work


async def _answered(loop: VirtualTimeLoop, *writes: asyncio.Future[str]) -> None:
    """Wait until the writer thread answered every one of ``writes``, at most ``WAIT``
    seconds of real time: the virtual clock stands still, so an ``asyncio`` deadline would
    never come. The loop keeps running meanwhile (the poll is on an executor thread)."""
    await loop.run_in_executor(None, wait_for, lambda: all(w.done() for w in writes), WAIT, "the writer's answers")


def _on_a_virtual_loop(table: Table, writer: GroupCommit[sqlite3.Connection],
                       scenario: Callable[[VirtualTimeLoop], Coroutine[Any, Any, None]],
                       then: Callable[[], None] = lambda: None) -> None:
    """Run ``scenario`` on a virtual-time loop, then ``then``; the writer closed whatever happened."""
    loop = VirtualTimeLoop()
    try:
        loop.run_until_complete(scenario(loop))
        then()
    finally:
        table.may_commit.set()  # else close() joins a writer held at its commit for ever
        writer.close()
        loop.close()


def test_writes_waiting_for_a_commit_share_the_next_one_and_resume_only_after_it(tmp_path: Path) -> None:
    table = Table(tmp_path / "t.sqlite3")
    writer: GroupCommit[sqlite3.Connection] = GroupCommit(table.tx, "test")

    async def scenario(loop: VirtualTimeLoop) -> None:
        table.may_commit.clear()
        first = asyncio.ensure_future(writer.write(_insert("first")))
        # the writer holds "first" at its commit
        assert await loop.run_in_executor(None, table.committing.wait, WAIT), "the writer never reached its commit"
        rest = [asyncio.ensure_future(writer.write(_insert(f"k{n}"))) for n in range(50)]
        await loop.settle()
        assert not first.done() and not any(r.done() for r in rest)  # nothing acknowledged before its commit
        table.may_commit.set()
        await _answered(loop, first, *rest)
        assert await first == "first"
        assert await asyncio.gather(*rest) == [f"k{n}" for n in range(50)]
        assert table.commits == [1, 50]  # the fifty waited together: one transaction, one flush

    _on_a_virtual_loop(table, writer, scenario)


def test_a_failing_write_fails_alone(tmp_path: Path) -> None:
    table = Table(tmp_path / "t.sqlite3")
    writer: GroupCommit[sqlite3.Connection] = GroupCommit(table.tx, "test")
    try:
        assert writer.write_now(_insert("taken")) == "taken"
        table.may_commit.clear()
        held = writer.submit(_insert("held"))
        assert table.committing.wait(WAIT), "the writer never reached its commit"
        batch = [writer.submit(_insert(k)) for k in ("a", "taken", "b")]
        table.may_commit.set()
        assert held.result(WAIT) == "held"
        assert batch[0].result(WAIT) == "a" and batch[2].result(WAIT) == "b"
        with pytest.raises(sqlite3.IntegrityError):
            batch[1].result(WAIT)
        assert table.count() == 4
    finally:
        table.may_commit.set()  # else close() joins a writer held at its commit for ever
        writer.close()


def test_a_cancelled_caller_leaves_its_write_and_a_failing_one_fails_only_its_caller(tmp_path: Path) -> None:
    table = Table(tmp_path / "t.sqlite3")
    writer: GroupCommit[sqlite3.Connection] = GroupCommit(table.tx, "test")
    writer.write_now(_insert("taken"))

    async def scenario(loop: VirtualTimeLoop) -> None:
        table.may_commit.clear()
        held = asyncio.ensure_future(writer.write(_insert("held")))
        assert await loop.run_in_executor(None, table.committing.wait, WAIT), "the writer never reached its commit"
        gone, failing, kept = (asyncio.ensure_future(writer.write(_insert(k))) for k in ("gone", "taken", "kept"))
        await loop.settle()
        gone.cancel()
        await loop.settle()
        table.may_commit.set()
        await _answered(loop, held, failing, kept)
        assert (await held, await kept) == ("held", "kept")
        with pytest.raises(sqlite3.IntegrityError):
            await failing
        assert gone.cancelled()

    def then() -> None:
        writer.write_now(lambda db: None)  # every write queued before it has committed
        assert {r[0] for r in table.db.execute("SELECT k FROM t")} == {"taken", "held", "gone", "kept"}

    _on_a_virtual_loop(table, writer, scenario, then)


def test_callers_on_two_loops_each_get_their_own_answers(tmp_path: Path) -> None:
    table = Table(tmp_path / "t.sqlite3")
    writer: GroupCommit[sqlite3.Connection] = GroupCommit(table.tx, "test")
    table.may_commit.clear()
    held = writer.submit(_insert("held"))
    assert table.committing.wait(WAIT), "the writer never reached its commit"
    queued = threading.Barrier(3)

    def on_a_loop_of_its_own(keys: list[str], answers: list[object]) -> None:
        async def writes() -> list[str]:
            tasks = [asyncio.ensure_future(writer.write(_insert(k))) for k in keys]
            await asyncio.sleep(0)  # each task has queued its write
            queued.wait(WAIT)
            return list(await asyncio.gather(*tasks))

        answers.extend(asyncio.run(writes()))

    answers: dict[str, list[object]] = {"one": [], "two": []}
    threads = [threading.Thread(target=on_a_loop_of_its_own, args=([f"{name}{n}" for n in range(3)], answers[name]))
               for name in answers]
    try:
        for thread in threads:
            thread.start()
        queued.wait(WAIT)  # both loops' writes wait behind the held commit: they share the next one
        table.may_commit.set()
        for thread in threads:
            thread.join(WAIT)
        assert held.result(WAIT) == "held"
        assert answers == {"one": ["one0", "one1", "one2"], "two": ["two0", "two1", "two2"]}
        assert table.commits == [1, 6]
    finally:
        table.may_commit.set()  # else close() joins a writer held at its commit for ever
        writer.close()


def test_close_commits_what_is_queued(tmp_path: Path) -> None:
    table = Table(tmp_path / "t.sqlite3")
    writer: GroupCommit[sqlite3.Connection] = GroupCommit(table.tx, "test")
    table.may_commit.clear()
    futures = [writer.submit(_insert(f"k{n}")) for n in range(5)]
    try:
        assert table.committing.wait(WAIT), "the writer never reached its commit"
    finally:
        table.may_commit.set()  # else close() joins a writer held at its commit for ever
    writer.close()
    assert [f.result(WAIT) for f in futures] == [f"k{n}" for n in range(5)] and table.count() == 5
    with pytest.raises(RuntimeError):
        writer.submit(_insert("late"))


def test_a_write_to_an_idle_writer_is_committed_at_once(tmp_path: Path) -> None:
    table = Table(tmp_path / "t.sqlite3")
    now = [100.0]
    slept: list[float] = []
    writer: GroupCommit[sqlite3.Connection] = GroupCommit(table.tx, "test", 0.002, clock=lambda: now[0],
                                                          sleep=slept.append)
    try:
        for n in range(3):
            now[0] += 1.0  # each write long after the last commit
            assert writer.write_now(_insert(f"k{n}")) == f"k{n}"
        assert slept == [] and table.commits == [1, 1, 1]
    finally:
        writer.close()


def test_a_writer_stops_waiting_for_writes_that_do_not_come(tmp_path: Path) -> None:
    """One caller writing as soon as its last write committed: nobody's writes are on their
    way. The writer's first waits bring nothing, and it soon stops waiting (trying again
    once every PROBE commits)."""
    table = Table(tmp_path / "t.sqlite3")
    slept: list[float] = []
    writer: GroupCommit[sqlite3.Connection] = GroupCommit(table.tx, "test", 0.002, clock=lambda: 100.0,
                                                          sleep=slept.append)
    try:
        for n in range(PROBE - 1):
            assert writer.write_now(_insert(f"k{n}")) == f"k{n}"
        waited = len(slept)
        assert 0 < waited <= 4
        for n in range(PROBE, 2 * PROBE):
            assert writer.write_now(_insert(f"k{n}")) == f"k{n}"
        assert len(slept) == waited + 1  # one try in the next PROBE commits
        assert table.commits == [1] * (2 * PROBE - 1)
    finally:
        writer.close()


def test_a_busy_writer_waits_for_the_writes_on_their_way(tmp_path: Path) -> None:
    """A write that comes within ``gather`` of the last commit: the writer waits, and the
    writes that come meanwhile share its commit (the test's sleep is when they come)."""
    table = Table(tmp_path / "t.sqlite3")
    coming: list[Any] = []
    slept: list[float] = []
    writer: GroupCommit[sqlite3.Connection]

    def sleep(seconds: float) -> None:
        coming.extend(writer.submit(_insert(f"k{n}")) for n in range(3))
        slept.append(seconds)

    writer = GroupCommit(table.tx, "test", 0.002, clock=lambda: 100.0, sleep=sleep)
    try:
        assert writer.write_now(_insert("first")) == "first"  # nothing committed before: at once
        assert writer.write_now(_insert("next")) == "next"
        assert [f.result(WAIT) for f in coming] == ["k0", "k1", "k2"]
        assert slept == [0.002]
        assert table.commits == [1, 4]
    finally:
        writer.close()
