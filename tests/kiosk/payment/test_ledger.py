"""The money ledger: append-only, fsynced, opaque values only, reconcilable."""

import json
import os
from pathlib import Path

import pytest

from kiosk.payment.ledger import FILENAME, Ledger, LedgerError
from protocol.clock import FakeClock


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.in_state_dir(tmp_path / "state", FakeClock())


def test_entries_are_appended_in_order_and_reconciled(ledger: Ledger) -> None:
    ledger.append("begin", "T1", due=350, amount=1340, session="S-1")
    ledger.append("credit", "T1", denomination=100)
    ledger.append("escrow", "T1", denomination=1000)
    ledger.append("stack", "T1", denomination=1000)
    ledger.append("credit", "T1", amount=50)  # reconciled from the device count
    ledger.append("charge", "T1", amount=350)
    ledger.append("dispense", "T1", purpose="change", amount=800, levels={100: 3})
    ledger.append("payout", "T1", amount=500)
    ledger.append("voucher", "T1", voucher="VABC", amount=300)
    ledger.append("close", "T1")
    entries = ledger.entries()
    assert [e["seq"] for e in entries] == list(range(10))
    bal = ledger.balance("T1")
    assert (bal.session, bal.due, bal.paid_in) == ("S-1", 350, 1150)
    assert (bal.charged, bal.change) == (350, 500)
    assert bal.vouchers == [("VABC", 300)]
    assert bal.outstanding == 0 and bal.closed and bal.pending is None
    assert ledger.open_txns() == []
    assert (ledger.path.stat().st_mode & 0o777) == 0o600


def test_pending_dispense_and_open_escrow_are_visible(ledger: Ledger) -> None:
    ledger.append("begin", "T2", due=200)
    ledger.append("escrow", "T2", denomination=1000)
    ledger.append("credit", "T2", denomination=100)
    ledger.append("dispense", "T2", purpose="refund", amount=100, levels={100: 5})
    bal = ledger.balance("T2")
    assert bal.escrow_open == 1
    assert bal.pending is not None and bal.pending.levels == {100: 5}
    assert ledger.open_txns() == ["T2"]
    assert bal.outstanding == 100


@pytest.mark.parametrize(
    "fields",
    [{"session": "山田"}, {"session": "a b"}, {"amount": -10}, {"note": 1}, {"amount": 1.5},
     {"code": "x" * 65}],
)
def test_only_amounts_and_opaque_ids_go_in(ledger: Ledger, fields) -> None:
    with pytest.raises(LedgerError):
        ledger.append("credit", "T1", **fields)
    assert not ledger.path.exists()


def test_unknown_kind_and_bad_txn_refused(ledger: Ledger) -> None:
    with pytest.raises(LedgerError):
        ledger.append("wipe", "T1")
    with pytest.raises(LedgerError):
        ledger.append("credit", "T 1")


def test_torn_last_line_is_skipped_and_sealed(ledger: Ledger) -> None:
    ledger.append("begin", "T3", due=100)
    with open(ledger.path, "ab") as f:
        f.write(b'{"kind":"credit","txn":"T3","denomin')  # a crash mid-write
    assert len(ledger.entries()) == 1
    ledger.append("credit", "T3", denomination=100)
    assert [e["kind"] for e in ledger.entries()] == ["begin", "credit"]
    assert ledger.entries()[-1]["seq"] == 1
    assert ledger.balance("T3").paid_in == 100


def test_append_fsyncs_before_returning(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    ledger.append("begin", "T4", due=100)  # file created: the file and its directory
    ledger.append("credit", "T4", denomination=100)
    assert len(synced) == 3


def test_two_writers_share_one_sequence(tmp_path: Path) -> None:
    a = Ledger.in_state_dir(tmp_path, FakeClock())
    b = Ledger.in_state_dir(tmp_path, FakeClock())
    a.append("begin", "T5", due=10)
    b.append("credit", "T5", denomination=10)
    a.append("close", "T5")
    assert [e["seq"] for e in a.entries()] == [0, 1, 2]
    lines = (tmp_path / FILENAME).read_text().splitlines()
    assert all(json.loads(line)["txn"] == "T5" for line in lines)


def test_missing_file_reads_empty(ledger: Ledger) -> None:
    assert ledger.entries() == [] and ledger.balances() == {}
    assert ledger.balance("T9").outstanding == 0


def test_foreign_and_garbled_lines_are_skipped_and_the_sequence_continues(ledger: Ledger) -> None:
    ledger.append("begin", "T6", due=100)
    with open(ledger.path, "ab") as f:
        f.write(b'[1, 2]\n\xff\xfe\n{"kind": "wipe", "txn": "T6"}\n' + b"[" * 5000 + b"\n")
    ledger.append("credit", "T6", denomination=100)
    assert [(e["kind"], e["seq"]) for e in ledger.entries()] == [("begin", 0), ("credit", 1)]
    assert ledger.balance("T6").paid_in == 100


def _pay(ledger: Ledger, txn: str, *, close: bool = True) -> None:
    ledger.append("begin", txn, due=300, amount=1300, session=f"S-{txn}")
    ledger.append("credit", txn, denomination=500)
    ledger.append("charge", txn, amount=300)
    ledger.append("payout", txn, amount=200)
    if close:
        ledger.append("close", txn)


def test_archive_moves_closed_transactions_and_keeps_open_ones_whole(ledger: Ledger) -> None:
    for n in range(40):
        _pay(ledger, f"C{n}")
    _pay(ledger, "OPEN", close=False)
    before = {t: b for t, b in ledger.balances().items()}
    assert ledger.archive(at_bytes=1 << 30) == 0  # small: left alone
    moved = ledger.archive(at_bytes=0)
    assert moved == 40 * 5
    assert list(ledger.balances()) == ["OPEN"]
    assert ledger.balance("OPEN") == before["OPEN"]
    assert ledger.open_txns() == ["OPEN"]
    archives = sorted(ledger.path.parent.glob("money-ledger.*.jsonl"))
    assert [p.name for p in archives] == ["money-ledger.2026-11.jsonl"]  # the FakeClock's month (UTC)
    archived = Ledger(archives[0])
    assert {t: b for t, b in archived.balances().items()} == {t: b for t, b in before.items() if t != "OPEN"}
    assert (archives[0].stat().st_mode & 0o777) == 0o600
    # the sequence carries on past the archived entries
    newest = max(e["seq"] for e in archived.entries())
    ledger.append("close", "OPEN")
    assert ledger.entries()[-1]["seq"] == newest + 5  # after OPEN's four


def test_an_archive_interrupted_after_the_batch_is_finished_without_duplicates(
        ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash after the archive's fsync and before the ledger's rewrite leaves the entries
    in both files; the next run moves them without writing them twice."""
    from kiosk import jsonl

    for n in range(3):
        _pay(ledger, f"C{n}")
    real_rewrite = jsonl.rewrite

    def crash(path: object, keep: object) -> int:
        keep(jsonl.read(ledger.path))  # type: ignore[operator]  # the batch goes to the archive
        raise SystemExit("power cut")

    monkeypatch.setattr(jsonl, "rewrite", crash)
    with pytest.raises(SystemExit):
        ledger.archive(at_bytes=0)
    assert len(ledger.entries()) == 15  # nothing gone from the ledger
    monkeypatch.setattr(jsonl, "rewrite", real_rewrite)
    assert ledger.archive(at_bytes=0) == 15
    archive = next(ledger.path.parent.glob("money-ledger.*.jsonl"))
    assert len(Ledger(archive).entries()) == 15
    assert ledger.entries() == []
    assert ledger.append("begin", "NEXT", due=100)["seq"] == 15  # the marker carries the sequence on
