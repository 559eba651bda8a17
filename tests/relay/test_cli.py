"""``relay audit``, ``relay db`` and ``relay serve`` start-up errors."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.relay.virtual import VirtualRelay
from hardware_mocks.world import World
from kiosk.relay_client.port import Outcome
from protocol.clock import FakeClock
from relay.cli import main
from relay.service import Settings, build_core
from relay.store.migrations import latest
from tests.fixtures.relay import open_hours


def test_audit_prints_every_issuance_without_names(world: World, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "relay.sqlite3"
    core = build_core(world.root, db, FakeClock(open_hours(world)), Settings())
    relay = VirtualRelay(world.root)
    relay.backend.core = core  # the fake over a database file
    card = CardSigner.load(world.card_path("canary"))
    opened = relay.open_session()
    relay.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, relay.kiosk_id))
    rid = str(uuid.uuid4())
    relay.request_documents(rid, "inkan", {}, 2)
    relay.report_outcome(rid, Outcome.PRINTED, 2, 400)
    core.storage.close()

    assert main(["audit", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "authenticate" in out and "request" in out and "printed" in out and rid in out
    assert world.persona("canary")["cert_serial"] in out and world.persona("canary")["resident"] in out
    from hardware_mocks.world import CANARY_FAMILY, CANARY_GIVEN

    assert CANARY_FAMILY not in out and CANARY_GIVEN not in out
    assert main(["audit", "--db", str(db), "--json", "--since", "2000-01-01"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["event"] for r in rows] == ["authenticate", "request", "outcome"]
    assert rows[2] == {**rows[2], "kiosk_id": "KIOSK-0001", "copies": 2, "amount": 400, "request_id": rid}
    assert main(["audit", "--db", str(db), "--json", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out == ""


def test_audit_and_serve_explain_missing_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--db", str(tmp_path / "none.sqlite3")]) == 2
    assert main(["serve", "--world", str(tmp_path)]) == 2
    assert "unknown test world" in capsys.readouterr().err
    assert main(["public", "serve", "--directory", str(tmp_path / "directory.json")]) == 2  # no world, no anchor
    assert "--directory, --anchor, --db" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["audit", "--db", "x", "--since", "yesterday"])


def test_audit_says_which_audit_when_given_options_of_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A relay's audit (--db) and a municipality's (--municipality, --history, --centre-db)
    read different databases: options of both are refused, not one silently left out."""
    history = tmp_path / "history.sqlite3"
    assert main(["audit", "--municipality", "139998", "--history", str(history), "--db", str(tmp_path / "r")]) == 2
    assert "not both" in capsys.readouterr().err
    for option in ("--history", "--centre-db"):
        assert main(["audit", "--db", str(tmp_path / "r"), option, str(history)]) == 2
        assert "go with --municipality" in capsys.readouterr().err


def test_serve_explains_unusable_tls_files(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["serve", "--world", str(world.root), "--db", str(tmp_path / "db"),
                 "--tls-cert", str(tmp_path / "missing.pem")])
    assert code == 2 and "TLS files" in capsys.readouterr().err


@pytest.mark.postgres
def test_db_upgrade_and_status_on_both_databases(world: World, tmp_path: Path, postgres_server: Any,
                                                 capsys: pytest.CaptureFixture[str]) -> None:

    url = postgres_server.create_database()
    assert main(["db", "status", "--db", url]) == 1  # nothing applied yet: not usable
    assert f"schema version 0 (this relay: {latest('postgresql')})" in capsys.readouterr().out
    assert main(["serve", "--world", str(world.root), "--db", url]) == 2  # a node refuses the old schema
    assert "relay db upgrade" in capsys.readouterr().err
    assert main(["db", "upgrade", "--db", url]) == 0
    assert "applied 1" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", url]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["audit", "--db", url]) == 0 and "0 entries" in capsys.readouterr().out
    db = tmp_path / "relay.sqlite3"
    assert main(["db", "status", "--db", str(db)]) == 2  # a file that does not exist is not made by status
    assert main(["db", "upgrade", "--db", str(db)]) == 0
    assert f"schema version {latest('sqlite')}" in capsys.readouterr().out
    unreachable = postgres_server.url().replace(f":{postgres_server.port}/", ":1/")
    assert main(["db", "upgrade", "--db", unreachable]) == 2
    assert "cannot be used" in capsys.readouterr().err
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    assert main(["db", "status", "--db", str(empty)]) == 1  # version 0: not usable, and left as it was
    assert empty.stat().st_size == 0


def test_kiosk_import_registers_every_kiosk_of_a_world_once(world: World, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "relay.sqlite3"
    assert main(["kiosk", "import", "--world", str(world.root), "--db", str(db)]) == 0
    assert main(["kiosk", "import", "--world", str(world.root), "--db", str(db)]) == 0
    assert "0 kiosks added, 3 in the register" in capsys.readouterr().out
    assert main(["kiosk", "list", "--json", "--db", str(db)]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(k["kiosk_id"], k["state"]) for k in listed] == [(f"KIOSK-000{n}", "active") for n in (1, 2, 3)]


@pytest.mark.parametrize("command", [["kiosk", "list"], ["kiosk", "suspend", "KIOSK-0001"], ["verifier", "list"],
                                     ["document", "status", "139998-2026-000001"]])
def test_a_register_command_on_a_mistyped_database_makes_none(tmp_path: Path, command: list[str],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "regsiters.sqlite3"
    assert main([*command, "--db", str(typo)]) == 2
    assert capsys.readouterr().err == f"error: no database at {typo}\n"
    assert not typo.exists()


def test_the_first_kiosk_added_makes_the_register(world: World, tmp_path: Path) -> None:
    register = tmp_path / "registers.sqlite3"
    assert main(["kiosk", "import", "--world", str(world.root), "--db", str(register)]) == 0
    assert register.exists() and main(["kiosk", "list", "--db", str(register)]) == 0


def test_db_status_reads_the_file_it_is_given_whatever_its_name(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A ``#`` in the name once cut the read-only URI short: status made an empty file of
    the name before it and read that (version 0)."""
    db = tmp_path / "relay#2.sqlite3"
    assert main(["db", "upgrade", "--db", str(db)]) == 0
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["db", "status", "--db", str(db)]) == 0
    assert f"schema version {latest('sqlite')}" in capsys.readouterr().out.splitlines()[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_the_audit_commands_leave_the_files_they_read_as_they_were(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """``relay audit --municipality`` and ``relay reconcile`` open the history and the
    centre's database read-only: an older file is refused, not brought up to date."""
    from relay.centre.store import CentreStore
    from relay.municipal.history import IssuanceHistory

    history, centre = tmp_path / "history.sqlite3", tmp_path / "centre.sqlite3"
    IssuanceHistory(history, owner="139998").close()  # as a new server leaves them
    CentreStore(centre).close()
    assert main(["audit", "--municipality", "139998", "--history", str(history), "--centre-db", str(centre)]) == 0
    assert "has recorded no request since its server first opened it" in capsys.readouterr().err
    assert main(["reconcile", "--municipality", "139998", "--history", str(history), "--centre-db", str(centre)]) == 0
    with contextlib.closing(sqlite3.connect(history)) as conn:
        conn.execute(f"PRAGMA user_version={latest('sqlite') - 1}")
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    capsys.readouterr()
    for command in (["audit", "--municipality", "139998", "--history", str(history)],
                    ["reconcile", "--municipality", "139998", "--history", str(history), "--centre-db", str(centre)]):
        with pytest.raises(SystemExit) as exc:
            main(command)
        assert exc.value.code == 2
        assert "relay db upgrade --db" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == files


def _municipality_files(tmp_path: Path) -> tuple[Path, Path]:
    """A history with an issuance printed, one whose outcome has not come (its documents, a
    resident's name, address and My Number, still stored) and a refusal; the centre's
    database with a wrong document of that municipality's."""
    from protocol.clock import JST
    from relay.centre.store import CentreStore
    from relay.municipal.history import IssuanceHistory, Issued

    at = dt.datetime(2026, 11, 26, 10, 0, 1, tzinfo=JST).timestamp()
    history, centre = tmp_path / "history.sqlite3", tmp_path / "centre.sqlite3"
    municipal = IssuanceHistory(history, owner="139998")
    documents = [{"name": "見本 花子", "address": "見本市中央1-2-3", "my_number": "123456789018"}]

    def issue(request: str, when: float, kiosk: str, resident: str, card: str, kind: str, copies: int) -> None:
        municipal.issue(request, "fp", when, 2026, copies, lambda numbers: Issued(
            "s" * 32, kiosk, resident, card, kind, copies, 300 * copies, [f"139998-2026-{k:07d}" for k in numbers],
            ["ab" * 32] * copies, {"documents": documents}))

    issue("request-1", at, "KIOSK-0001", "R-0001", "7E60D25CBC524D80", "juminhyo", 2)
    issue("request-2", at + 124, "KIOSK-0002", "R-0002", "1C0FFEE000000042", "inkan", 1)
    municipal.record_outcome("request-1", "printed", 2, 600)
    municipal.refuse(at + 59, "request-3", "t" * 32, "KIOSK-0001", "7E60D25CBC524D80", "inkan", "no_seal")
    assert municipal.stored_documents() == 1  # request-2's, with the name in it
    municipal.close()
    store = CentreStore(centre)
    store.event_now(at + 199, "wrong_document", "139998", "KIOSK-0002", "u" * 32, "request-4", "request")
    store.close()
    return history, centre


def test_audit_of_a_municipality_is_a_table_for_an_operator_and_json_lines_with_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``relay audit --municipality`` printed JSON lines with or without ``--json``: now a
    table, one line a record in time order (times in JST, refusals with their reason, the
    columns aligned), as ``relay audit --db`` prints; ``--json`` one object a line."""
    history, centre = _municipality_files(tmp_path)
    command = ["audit", "--municipality", "139998", "--history", str(history), "--centre-db", str(centre)]
    assert main(command) == 0
    out = capsys.readouterr().out
    heading, *lines, total = out.splitlines()
    assert heading.split() == ["time", "(JST)", "terminal", "record", "code", "resident", "card", "serial",
                               "certificate", "copies", "amount", "request"]
    assert not any(line.startswith("{") for line in out.splitlines())
    names = ["time (JST)", "terminal", "record", "code", "resident", "card serial", "certificate", "copies",
             "amount", "request"]
    starts = [heading.index(name) for name in names]
    assert starts == sorted(starts)
    rows = [tuple(line[a:b].strip() for a, b in zip(starts, starts[1:], strict=False)) for line in lines]
    assert rows == [  # each under its heading
        ("2026-11-26 10:00:01", "KIOSK-0001", "issued", "printed", "R-0001", "7E60D25CBC524D80", "juminhyo", "2",
         "600"),
        ("2026-11-26 10:01:00", "KIOSK-0001", "refused", "no_seal", "", "7E60D25CBC524D80", "inkan", "", ""),
        ("2026-11-26 10:02:05", "KIOSK-0002", "issued", "no outcome", "R-0002", "1C0FFEE000000042", "inkan", "1",
         "300"),
        ("2026-11-26 10:03:20", "KIOSK-0002", "centre_wrong_document", "request", "", "", "", "", "")]
    assert [line[starts[-1]:] for line in lines] == [
        "request-1  serials=139998-2026-0000001,139998-2026-0000002", "request-3",
        "request-2  serials=139998-2026-0000003", "request-4"]
    assert total == "2 issued, 1 refused, 1 centre records"

    assert main([*command, "--json"]) == 0
    json_out = capsys.readouterr().out
    records = [json.loads(line) for line in json_out.splitlines()]
    assert [(r["record"], r["request_id"]) for r in records] == [
        ("issued", "request-1"), ("issued", "request-2"), ("refused", "request-3"),
        ("centre_wrong_document", "request-4")]
    assert records[0]["at"] == dt.datetime.fromisoformat("2026-11-26T10:00:01+09:00").timestamp()
    assert records[2]["code"] == "no_seal"
    for printed in (out, json_out):  # the documents still stored are never read
        assert "見本" not in printed and "123456789018" not in printed and "中央" not in printed


def test_audit_of_a_municipality_since_a_time_prints_only_the_records_since(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--since`` was taken and ignored with ``--municipality``: every record came out."""
    history, centre = _municipality_files(tmp_path)
    command = ["audit", "--municipality", "139998", "--history", str(history), "--centre-db", str(centre),
               "--since", "2026-11-26T10:01:30"]  # JST: after request-1 (10:00:01) and request-3 (10:01:00)
    assert main([*command, "--json"]) == 0
    assert [json.loads(line)["request_id"] for line in capsys.readouterr().out.splitlines()] == [
        "request-2", "request-4"]
    assert main(command) == 0
    *lines, total = capsys.readouterr().out.splitlines()
    assert [line[:19] for line in lines[1:]] == ["2026-11-26 10:02:05", "2026-11-26 10:03:20"]
    assert total == "1 issued, 0 refused, 1 centre records"
    assert main([*command[:-1], "2999-01-01"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["0 issued, 0 refused, 0 centre records"]


def _older_records(history: Path, centre: Path, count: int) -> None:
    """``count`` requests, refusals and centre records a year before ``_municipality_files``'."""
    from protocol.clock import JST
    from relay.municipal.history import IssuanceHistory, Issued
    from relay.store.sqlite_db import SqliteDatabase

    year_before = dt.datetime(2025, 11, 26, 10, 0, tzinfo=JST).timestamp()
    municipal = IssuanceHistory(history)
    try:
        for n in range(count):
            at = year_before + n
            municipal.issue(f"old-{n}", "fp", at, 2025, 1, lambda numbers: Issued(
                "s" * 32, "KIOSK-0001", "R-0001", "7E60D25CBC524D80", "juminhyo", 1, 300,
                [f"139998-2025-{k:07d}" for k in numbers], ["ab" * 32], {"documents": []}))
            municipal.refuse(at, f"old-refused-{n}", "t" * 32, "KIOSK-0001", "7E60D25CBC524D80", "inkan", "no_seal")
    finally:
        municipal.close()
    database = SqliteDatabase(centre)
    try:
        with database.tx() as tx:
            tx.executemany("INSERT INTO centre_events (at, kind, municipality, kiosk_id, session_id, request_id, code)"
                           " VALUES (?, 'timeout', '139998', 'KIOSK-0001', ?, ?, 'timeout')",
                           [(year_before + n, "u" * 32, f"old-timeout-{n}") for n in range(count)])
    finally:
        database.close()


def test_audit_of_a_recent_period_reads_only_its_records(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A history grows by about 100,000 requests a year: ``--since`` read every request,
    refusal and centre record into memory and dropped the older ones afterwards. Now the
    databases return only the period's rows, and a few more (whose serials, whether
    anything was recorded at all), however many came before."""
    from relay.store.sqlite_db import SqliteDatabase

    history, centre = _municipality_files(tmp_path)
    older = 300
    _older_records(history, centre, older)
    command = ["audit", "--municipality", "139998", "--history", str(history), "--centre-db", str(centre),
               "--since", "2026-11-26T10:01:30", "--json"]
    read = SqliteDatabase.read
    rows_read: list[int] = []

    def counted(self: SqliteDatabase, sql: str, args: Any = ()) -> list[Any]:
        rows = read(self, sql, args)
        rows_read.append(len(rows))
        return rows

    monkeypatch.setattr(SqliteDatabase, "read", counted)
    assert main(command) == 0
    assert [json.loads(line)["request_id"] for line in capsys.readouterr().out.splitlines()] == [
        "request-2", "request-4"]
    assert sum(rows_read) < 20, rows_read  # the period's, both ends, the identity; the older ones are 3 * 300
    rows_read.clear()
    assert main(command[:-3] + ["--json"]) == 0  # no --since: every record, as before
    assert len(capsys.readouterr().out.splitlines()) == 4 + 3 * older
    assert sum(rows_read) >= 3 * older


@pytest.mark.parametrize(("issuers", "since"), [
    (["139999"], "2999-01-01"),  # no request since: the only one says whose history it is
    (["139998", "139999"], "2999-01-01"),  # the newest
    (["139999", "139998"], "2026-01-01"),  # the oldest, before the period
])
def test_audit_of_a_period_knows_another_municipalitys_history_whatever_the_period_holds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], issuers: list[str], since: str) -> None:
    """A history from before databases recorded whose they are is known by its serials;
    reading only the period asked for still reads the serials of its oldest and newest
    request, so a period with none of the other municipality's is no way past the check."""
    from protocol.clock import JST
    from relay.municipal.history import IssuanceHistory, Issued

    path = tmp_path / "history.sqlite3"
    history = IssuanceHistory(path)  # no owner: nothing recorded, as before the migration
    def numbered(issuer: str, year: int) -> Callable[[list[int]], Issued]:
        return lambda numbers: Issued("s" * 32, "KIOSK-0001", "R-0001", "7E60D25CBC524D80", "juminhyo", 1, 300,
                                      [f"{issuer}-{year}-{k:07d}" for k in numbers], ["ab" * 32], {"documents": []})

    for n, issuer in enumerate(issuers):
        at = dt.datetime(2025 + n, 6, 1, tzinfo=JST).timestamp()
        history.issue(f"request-{n}", "fp", at, 2025 + n, 1, numbered(issuer, 2025 + n))
    history.close()
    assert _exit_of(["audit", "--municipality", "139998", "--history", str(path), "--since", since]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "error: --history is 139999's issuance history, not 139998's\n")


def test_the_note_of_a_history_that_recorded_nothing_does_not_depend_on_the_period(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The note is for a history with no request and no refusal at all, not for a period
    without any."""
    from relay.municipal.history import IssuanceHistory

    history, _ = _municipality_files(tmp_path)
    refused_only = tmp_path / "refused.sqlite3"
    municipal = IssuanceHistory(refused_only, owner="139998")
    municipal.refuse(1.0, "request-1", "t" * 32, "KIOSK-0001", "7E60D25CBC524D80", "inkan", "no_seal")
    municipal.close()
    for recorded in (history, refused_only):
        assert main(["audit", "--municipality", "139998", "--history", str(recorded), "--since", "2999-01-01"]) == 0
        captured = capsys.readouterr()
        assert (captured.out.splitlines()[-1], captured.err) == ("0 issued, 0 refused", ""), recorded
    new = tmp_path / "new.sqlite3"
    IssuanceHistory(new, owner="139998").close()
    for since in (["--since", "2000-01-01"], ["--since", "1d"], []):
        assert main(["audit", "--municipality", "139998", "--history", str(new), *since]) == 0
        captured = capsys.readouterr()
        assert "has recorded no request since its server first opened it" in captured.err, since
        assert captured.out.splitlines()[-1] == "0 issued, 0 refused"


def test_the_centres_records_of_a_period_are_chosen_by_the_database(either_db: Path | str) -> None:
    """``relay audit --since`` with ``--centre-db``: only the records at or after it, of that
    municipality (and kind, when asked), in the order they were recorded, as before."""
    from relay.centre.store import CentreStore

    store = CentreStore(either_db)
    try:
        for at, kind, code in ((1.0, "timeout", "139998"), (3.0, "wrong_document", "139998"),
                               (2.0, "timeout", "139998"), (4.0, "timeout", "139999")):
            store.event_now(at, kind, code, "KIOSK-0001", "u" * 32, f"request-{at:g}", kind)
        assert [e["at"] for e in store.events("139998", since=2.0)] == [3.0, 2.0]  # recorded order
        assert [e["at"] for e in store.events(since=2.5)] == [3.0, 4.0]
        assert [e["at"] for e in store.events("139998", kind="timeout", since=2.0)] == [2.0]
        assert store.events("139998", since=4.5) == []
        assert store.events("139998", since=0.0) == store.events("139998")
    finally:
        store.close()


@pytest.mark.parametrize("since", ["yesterday", "1" + "0" * 400 + "d", "1" + "0" * 5000 + "h"])
@pytest.mark.parametrize("command", [["audit", "--municipality", "139998", "--history", "history.sqlite3"],
                                     ["audit", "--db", "relay.sqlite3"], ["logs", "--db", "relay.sqlite3"]])
def test_a_since_that_is_no_time_is_one_line(command: list[str], since: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A duration longer than a float holds was an OverflowError's traceback, one of
    thousands of digits 'invalid _since value'."""
    assert _exit_of([*command, "--since", since]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].endswith("error: argument --since: use a date, a date and time, or a duration "
                                         "like 2h"), err
    assert "Traceback" not in err


def _exit_of(argv: list[str]) -> int:
    """``main``'s exit status, whether it returns it or the one-line handler exits."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.mark.parametrize("command", [["db", "status"], ["db", "upgrade"], ["audit"], ["logs"], ["kiosk", "list"],
                                     ["verifier", "list"], ["centre", "events"]])
def test_a_postgresql_server_that_refuses_the_connection_is_named_in_libpqs_words(
        command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as held:  # bound, never listening: a connection to it is refused
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        url = f"postgresql://relay:s3cret-pw@127.0.0.1:{port}/relay"
        assert _exit_of([*command, "--db", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.splitlines()) == 1, err
    refused = f'connection to server at "127.0.0.1", port {port} failed: Connection refused'
    assert f"(OperationalError: connection failed: {refused})" in err
    assert "s3cret" not in err


def test_a_postgresql_url_libpq_cannot_read_is_named_without_its_password(capsys: pytest.CaptureFixture[str]) -> None:
    """libpq quotes the part of a URL it cannot parse, here the password itself."""
    assert main(["db", "status", "--db", "postgresql://relay:pa%zzword@127.0.0.1:1/relay"]) == 2
    assert capsys.readouterr().err == ("error: the relay database cannot be used (ProgrammingError: invalid"
                                       ' percent-encoded token: "***")\n')


def test_an_unknown_test_world_is_named_with_the_known_ones(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    for known in ("demo", "federation"):
        (tmp_path / known).mkdir()
        (tmp_path / known / "world.json").write_text("{}")
    unknown, db = tmp_path / "nosuchworld", tmp_path / "registers.sqlite3"
    said = f"error: unknown test world {unknown} (no such directory); the test worlds in {tmp_path}: demo, federation\n"
    for command in (["serve", "--world", str(unknown)], ["public", "serve", "--world", str(unknown)],
                    ["kiosk", "import", "--world", str(unknown), "--db", str(db)]):
        assert main(command) == 2
        assert capsys.readouterr().err == said
    assert not db.exists()  # kiosk import made no empty register
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["serve", "--world", str(tmp_path / "empty" / "world")]) == 2
    assert capsys.readouterr().err == (f"error: unknown test world {empty / 'world'} (no such directory), and none"
                                       f" in {empty}: make one with python -m hardware_mocks.world create"
                                       f" {empty / 'world'}\n")


@pytest.mark.parametrize("command", [
    ["audit", "--municipality", "139998", "--history", "{dir}"],
    ["reconcile", "--municipality", "139998", "--history", "{dir}", "--centre-db", "{dir}"],
    ["audit", "--db", "{dir}"], ["logs", "--db", "{dir}"], ["db", "status", "--db", "{dir}"],
    ["db", "upgrade", "--db", "{dir}"], ["kiosk", "list", "--db", "{dir}"], ["centre", "events", "--db", "{dir}"],
    ["centre", "suspensions", "--db", "{dir}"]])
def test_a_directory_given_as_a_database_file_is_named(tmp_path: Path, command: list[str],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    assert _exit_of([part.replace("{dir}", str(folder)) for part in command]) == 2
    assert capsys.readouterr().err == f"error: {folder}: a directory, not a database file\n"
    assert list(folder.iterdir()) == []


def _written_files(tmp_path: Path) -> tuple[Path, Path]:
    """A municipality's history with a refusal and a centre's database with a suspension,
    as their servers write them."""
    from relay.centre.store import CentreStore
    from relay.municipal.history import IssuanceHistory

    history, centre = tmp_path / "history.sqlite3", tmp_path / "centre.sqlite3"
    municipal = IssuanceHistory(history)
    municipal.refuse(1.0, "r-1", "s-1", "KIOSK-0001", "7E60D25CBC524D80", "juminhyo", "no_seal")
    municipal.close()
    store = CentreStore(centre)
    store.suspend("139971", 1.0, "wrong_document")
    store.close()
    return history, centre


def test_the_centres_database_and_a_history_given_for_each_other_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history, centre = _written_files(tmp_path)
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    is_centre = f"error: --history {centre} is the issuing centre's database"
    is_history = f"error: --centre-db {history} is a municipality's issuance history"
    for command, said in [
        (["audit", "--history", str(centre)], is_centre),
        (["audit", "--history", str(history), "--centre-db", str(history)], is_history),
        (["reconcile", "--history", str(centre), "--centre-db", str(centre)], is_centre),
        (["reconcile", "--history", str(history), "--centre-db", str(history)], is_history),
        (["reconcile", "--history", str(centre), "--centre-db", str(history)],
         f"error: --history {centre} and --centre-db {history} are swapped"),
    ]:
        assert main([command[0], "--municipality", "139998", *command[1:]]) == 2
        captured = capsys.readouterr()
        assert captured.err.startswith(said) and len(captured.err.splitlines()) == 1, captured.err
        assert captured.out == ""
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == files  # read only
    assert main(["audit", "--municipality", "139998", "--history", str(history), "--centre-db", str(centre)]) == 0
    assert main(["reconcile", "--municipality", "139998", "--history", str(history), "--centre-db", str(centre)]) == 0


def test_relay_serve_names_a_public_port_in_use(world: World, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Said in one line, exit 2, before the public service's process is started (it exited
    1 after that process had failed)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert _exit_of(["serve", "--world", str(world.root), "--db", str(tmp_path / "relay.sqlite3"), "--port", "0",
                         "--public-port", str(port)]) == 2
    said = f"error: cannot listen on 127.0.0.1:{port}: port {port} is in use"
    assert capsys.readouterr().err.splitlines()[-1] == said
