"""Whose database a file is (:mod:`relay.store.identity`), and what ``relay audit
--municipality`` and ``relay reconcile`` tell an operator from it.

Every relay database has every table, so before the identity was recorded an empty file —
a mistyped ``--db`` that ``relay db upgrade`` made, another relay's database, a server's
never served — read as an empty history or centre: "nothing to reconcile", exit 0. These
pin the cases apart: a real database that recorded nothing yet (a note naming it and since
when, exit 0), a file that is no server's (one line, exit 2), a file that is no database
(one line, exit 2), a missing path (refused, not made), and one in service (no note)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from relay.centre.store import CentreStore
from relay.cli import main
from relay.municipal.history import IssuanceHistory, Issued
from relay.store.db import open_database
from relay.store.identity import CENTRE, MUNICIPALITY, Identity, claim, identity
from relay.store.protocol import StoreError
from relay.store.sqlite_db import SqliteDatabase

M = "139998"
REQUEST = "0b7e3a52-7c1e-4b0e-9a59-000000000001"


def _exit(argv: list[str]) -> int:
    """``main``'s exit status, whether it returns it or the one-line handler exits."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def _recorded(db: Path) -> Identity:
    database = open_database(db, read_only=True)
    try:
        found = identity(database)
    finally:
        database.close()
    assert found is not None
    return found


def _new_server_files(tmp_path: Path) -> tuple[Path, Path]:
    """A municipality's history and the centre's database as their servers leave them when
    they have started and served nothing."""
    history, centre = tmp_path / "history.sqlite3", tmp_path / "centre.sqlite3"
    IssuanceHistory(history, owner=M).close()
    CentreStore(centre).close()
    return history, centre


def _issue(history: IssuanceHistory, request_id: str, code: str = M) -> None:
    def make(numbers: list[int]) -> Issued:
        return Issued("s" * 32, "KIOSK-0001", "R-1", "7E60D25CBC524D80", "juminhyo", 1, 300,
                      [f"{code}-2026-{n:07d}" for n in numbers], ["ab" * 32], {"documents": []})

    history.issue(request_id, "fp", 1.0, 2026, 1, make)


def _deliver(centre: CentreStore, request_id: str, code: str = M) -> None:
    asyncio.run(centre.record_delivery({
        "request_id": request_id, "session_id": "s" * 32, "kiosk_id": "KIOSK-0001", "municipality": code,
        "fingerprint": "fp", "cert_type": "juminhyo", "copies": 1, "fee": 300,
        "serials": [f"{code}-2026-0000001"], "document_sha256": ["ab" * 32], "message_id": "m-1", "at": 1.0}))


def test_a_real_database_that_recorded_nothing_yet_is_named_with_since_when(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history, centre = _new_server_files(tmp_path)
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    since_h, since_c = _recorded(history).since(), _recorded(centre).since()
    assert _exit(["reconcile", "--municipality", M, "--history", str(history), "--centre-db", str(centre)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    no_request = (f"note: --history {history} (municipality {M}'s issuance history) has recorded no request since"
                  f" its server first opened it, {since_h}")
    no_delivery = (f"note: --centre-db {centre} (the issuing centre's database) has recorded no delivery since its"
                   f" server first opened it, {since_c}")
    assert captured.err.splitlines() == ["0 difference(s)", no_request, no_delivery]
    assert _exit(["audit", "--municipality", M, "--history", str(history), "--centre-db", str(centre)]) == 0
    assert capsys.readouterr().err.splitlines() == [no_request]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == files  # read only


def test_a_relay_database_no_server_claimed_is_refused_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The right schema, never served as a centre or a history (``relay db upgrade`` on a
    mistyped name, or another relay's database): exit 2, not an empty reconcile."""
    history, centre = _new_server_files(tmp_path)
    blank = tmp_path / "blank.sqlite3"
    SqliteDatabase(blank).close()
    for command, said in [
        (["reconcile", "--history", str(history), "--centre-db", str(blank)],
         f"error: --centre-db {blank} is not the centre's database: no centre has recorded itself in it"),
        (["reconcile", "--history", str(blank), "--centre-db", str(centre)],
         f"error: --history {blank} is not a municipality's issuance history: no municipal server has recorded"),
        (["audit", "--history", str(blank)], f"error: --history {blank} is not a municipality's issuance history"),
        (["audit", "--history", str(history), "--centre-db", str(blank)],
         f"error: --centre-db {blank} is not the centre's database"),
    ]:
        assert _exit([command[0], "--municipality", M, *command[1:]]) == 2
        captured = capsys.readouterr()
        assert captured.err.startswith(said) and len(captured.err.splitlines()) == 1, captured.err
        assert captured.out == ""


@pytest.mark.parametrize("content", [b"", b"not a database\n" * 64], ids=["empty", "text"])
def test_a_file_that_is_no_database_is_refused_in_one_line(
        tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    history, centre = _new_server_files(tmp_path)
    wrong = tmp_path / "wrong.sqlite3"
    wrong.write_bytes(content)
    for command in (["reconcile", "--history", str(history), "--centre-db", str(wrong)],
                    ["reconcile", "--history", str(wrong), "--centre-db", str(centre)],
                    ["audit", "--history", str(wrong)]):
        assert _exit([command[0], "--municipality", M, *command[1:]]) == 2
        captured = capsys.readouterr()
        assert captured.err.startswith("error: ") and len(captured.err.splitlines()) == 1, captured.err
        assert str(wrong) in captured.err and "Traceback" not in captured.err
    assert wrong.read_bytes() == content


def test_a_path_that_does_not_exist_is_refused_and_not_made(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    history, centre = _new_server_files(tmp_path)
    typo = tmp_path / "centre.sqlite"
    assert _exit(["reconcile", "--municipality", M, "--history", str(history), "--centre-db", str(typo)]) == 2
    assert capsys.readouterr().err == f"error: no such file: {typo}\n"
    assert _exit(["audit", "--municipality", M, "--history", str(typo)]) == 2
    assert capsys.readouterr().err == f"error: no such file: {typo} (--history)\n"
    assert _exit(["audit", "--municipality", M, "--history", str(history), "--centre-db", str(typo)]) == 2
    assert capsys.readouterr().err == f"error: no such file: {typo} (--centre-db)\n"
    assert not typo.exists()


def test_a_file_this_user_cannot_read_is_named_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """SQLite says only "unable to open database file": with two files given, the operator
    could not tell which. Root reads a file of mode 000 all the same, so there the check is
    asked as another user would be answered."""
    import os

    history, centre = _new_server_files(tmp_path)
    readable = tmp_path / "readable"
    readable.mkdir()
    _new_server_files(readable)
    for path in (history, centre):
        path.chmod(0)
    if os.geteuid() == 0:
        monkeypatch.setattr(os, "access", lambda path, mode: Path(path).stat().st_mode & 0o777 != 0)
    try:
        for argv, named in [
            (["reconcile", "--municipality", M, "--history", str(history), "--centre-db", str(centre)], history),
            (["reconcile", "--municipality", M, "--history", str(readable / "history.sqlite3"), "--centre-db",
              str(centre)], centre),
            (["audit", "--municipality", M, "--history", str(history)], history),
            (["centre", "events", "--state", str(tmp_path)], centre),
        ]:
            assert _exit(argv) == 2
            captured = capsys.readouterr()
            assert captured.err == f"error: {named}: cannot be read (permission denied)\n", captured.err
            assert captured.out == ""
    finally:
        for path in (history, centre):
            path.chmod(0o600)


def test_databases_in_service_reconcile_without_a_note(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    history_db, centre_db = _new_server_files(tmp_path)
    history, centre = IssuanceHistory(history_db, owner=M), CentreStore(centre_db)
    _issue(history, REQUEST)
    _deliver(centre, REQUEST)
    history.close()
    centre.close()
    assert _exit(["reconcile", "--municipality", M, "--history", str(history_db), "--centre-db", str(centre_db)]) == 0
    assert capsys.readouterr().err == "0 difference(s)\n"
    assert _exit(["audit", "--municipality", M, "--history", str(history_db), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and '"record": "issued"' in captured.out


def test_a_centre_that_delivered_only_for_others_says_so(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    history_db, centre_db = _new_server_files(tmp_path)
    centre = CentreStore(centre_db)
    _deliver(centre, REQUEST, code="139999")
    centre.close()
    assert _exit(["reconcile", "--municipality", M, "--history", str(history_db), "--centre-db", str(centre_db)]) == 0
    assert f"note: --centre-db {centre_db} has recorded deliveries, none of {M}" in capsys.readouterr().err


def test_an_empty_history_of_another_municipality_is_refused(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """No serial to show whose it is: its recorded identity does."""
    _, centre = _new_server_files(tmp_path)
    other = tmp_path / "other.sqlite3"
    IssuanceHistory(other, owner="139999").close()
    assert _exit(["reconcile", "--municipality", M, "--history", str(other), "--centre-db", str(centre)]) == 2
    assert capsys.readouterr().err == f"error: --history is 139999's issuance history, not {M}'s\n"


def test_an_older_database_is_known_by_its_rows_and_claimed_when_its_server_opens_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A database from before the identity was recorded: read, and said to be older; its
    server records itself the next time it starts."""
    history_db, centre_db = tmp_path / "history.sqlite3", tmp_path / "centre.sqlite3"
    history = IssuanceHistory(history_db)  # no owner: nothing recorded, as before the migration
    _issue(history, REQUEST)
    history.close()
    database = SqliteDatabase(centre_db)
    database.write("INSERT INTO centre_suspensions (municipality, at, code) VALUES ('139971', 1.0, 'x')")
    database.close()
    assert _exit(["reconcile", "--municipality", M, "--history", str(history_db), "--centre-db", str(centre_db)]) == 1
    err = capsys.readouterr().err
    assert f"note: --centre-db {centre_db} holds no delivery (an older database" in err
    CentreStore(centre_db).close()
    IssuanceHistory(history_db, owner=M).close()
    assert (_recorded(centre_db).role, _recorded(history_db).code) == (CENTRE, M)


def test_a_server_refuses_a_database_that_is_anothers(either_db: Path | str) -> None:
    """Claimed once, by the first server to open it; never changed after."""
    IssuanceHistory(either_db, owner=M).close()
    with pytest.raises(StoreError, match=f"is municipality {M}'s issuance history .*, not the issuing centre's"):
        CentreStore(either_db)
    with pytest.raises(StoreError, match=f"is municipality {M}'s issuance history .*, not municipality 139999's"):
        IssuanceHistory(either_db, owner="139999")
    IssuanceHistory(either_db, owner=M).close()  # its own server, again
    database = open_database(either_db)
    try:
        assert claim(database, MUNICIPALITY, M, 2.0, either_db).created != 2.0  # the first record stays
    finally:
        database.close()


def test_a_server_refuses_an_unclaimed_database_holding_the_other_sides_rows(tmp_path: Path) -> None:
    db = tmp_path / "centre.sqlite3"
    centre = CentreStore(db)
    centre.close()
    database = SqliteDatabase(db)
    database.write("DELETE FROM relay_identity")  # as a centre's database from before the identity
    database.write("INSERT INTO centre_suspensions (municipality, at, code) VALUES ('139971', 1.0, 'x')")
    database.close()
    with pytest.raises(StoreError, match="holds the rows of the issuing centre's database"):
        IssuanceHistory(db, owner=M)


def test_a_command_that_opens_the_centres_database_to_write_refuses_a_history(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history, _ = _new_server_files(tmp_path)
    assert _exit(["centre", "suspensions", "--db", str(history), "--reinstate", "139971"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: the database cannot be used ({history} is municipality {M}'s issuance history")
    assert len(err.splitlines()) == 1
