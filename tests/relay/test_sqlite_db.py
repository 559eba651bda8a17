"""``relay.store.sqlite_db``: a read outside a write transaction sees what is committed and
does not wait for a write transaction in progress (the centre's event loop reads while the
group commit's writer thread holds its batch open)."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest

from relay.store.migrations import migrations
from relay.store.protocol import SchemaOutdated
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


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_only_reads_a_current_file_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    SqliteDatabase(path).close()  # made and brought up to date
    before = _digest(path)
    db = SqliteDatabase(path, read_only=True)
    try:
        assert db.schema_version() == len(migrations("sqlite"))
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            with db.tx() as tx:
                tx.execute("DELETE FROM municipal_issuance")
    finally:
        db.close()
    assert _digest(path) == before


def test_read_only_leaves_nothing_beside_a_database_no_one_has_open(tmp_path: Path) -> None:
    """Closed by its last connection, a WAL database is one file; reading it read-only
    used to leave an empty -wal and a 32 KiB -shm beside it (and needs to write them,
    which read-only media refuse)."""
    path = tmp_path / "centre.sqlite3"
    SqliteDatabase(path).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["centre.sqlite3"]
    db = SqliteDatabase(path, read_only=True)
    assert db.read("SELECT count(*) FROM centre_deliveries") == [(0,)]
    db.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["centre.sqlite3"]


def test_read_only_sees_what_a_server_with_the_file_open_has_committed(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    server = SqliteDatabase(path)
    try:
        server.write("INSERT INTO rate_windows (key, window_start, count) VALUES ('k', 0, 3)")
        assert path.with_name(path.name + "-wal").exists()  # in use: read through the log
        reader = SqliteDatabase(path, read_only=True)
        assert reader.read("SELECT count FROM rate_windows WHERE key='k'") == [(3,)]
        reader.close()
    finally:
        server.close()


def test_a_file_name_with_uri_characters_is_the_file_read(tmp_path: Path) -> None:
    """``#`` and ``?`` in a name: an unescaped URI dropped ``mode=ro`` and opened another file."""
    path = tmp_path / "h#x?mode=rwc %41.sqlite3"
    SqliteDatabase(path).close()
    before = sorted(p.name for p in tmp_path.iterdir())
    db = SqliteDatabase(path, read_only=True)
    assert db.schema_version() == len(migrations("sqlite"))
    db.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_file_that_is_no_relay_database_is_called_so(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(SchemaOutdated, match="is not a relay database"):
        SqliteDatabase(path, read_only=True)


@pytest.mark.parametrize(("version", "said"), [(1, "relay db upgrade --db"), (10_000, "written by a newer relay")])
def test_read_only_refuses_another_schema_and_leaves_the_file_as_it_was(tmp_path: Path, version: int,
                                                                        said: str) -> None:
    """An older file was upgraded by ``relay audit`` when it opened it: evidence an auditor
    was given changed under their hands."""
    path = tmp_path / "history.sqlite3"
    SqliteDatabase(path).close()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version={version}")
    before = _digest(path)
    with pytest.raises(SchemaOutdated, match=said):
        SqliteDatabase(path, read_only=True)
    assert _digest(path) == before
