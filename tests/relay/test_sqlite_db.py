"""``relay.store.sqlite_db``: a read outside a write transaction sees what is committed and
does not wait for a write transaction in progress (the centre's event loop reads while the
group commit's writer thread holds its batch open)."""

from __future__ import annotations

import threading
from pathlib import Path

from relay.store.sqlite_db import SqliteDatabase

BOUND = 60.0  # seconds before a read that waits for the writer counts as blocked (never reached when it works)


def test_a_read_does_not_wait_for_an_open_write_transaction(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "t.sqlite3")
    try:
        db.write("CREATE TABLE t (v TEXT)")
        db.write("INSERT INTO t VALUES ('committed')")
        inside, release = threading.Event(), threading.Event()

        def writer() -> None:
            with db.tx() as tx:
                tx.execute("INSERT INTO t VALUES ('not yet')")
                inside.set()
                release.wait(BOUND)

        writing = threading.Thread(target=writer)
        writing.start()
        assert inside.wait(BOUND)
        seen: list[list[object]] = []
        reading = threading.Thread(target=lambda: seen.append(db.read("SELECT v FROM t ORDER BY v")))
        reading.start()
        reading.join(BOUND)
        blocked = reading.is_alive()
        release.set()
        writing.join()
        reading.join()
        assert not blocked, "the read waited for the write transaction"
        assert seen == [[("committed",)]]  # the open transaction's row is not visible yet
        assert db.read("SELECT v FROM t ORDER BY v") == [("committed",), ("not yet",)]
    finally:
        db.close()


def test_in_memory_reads_see_the_writes(tmp_path: Path) -> None:
    db = SqliteDatabase(":memory:")  # one connection for both: a second would be another database
    try:
        db.write("CREATE TABLE t (v INTEGER)")
        db.write("INSERT INTO t VALUES (1)")
        assert db.read("SELECT v FROM t") == [(1,)]
    finally:
        db.close()
