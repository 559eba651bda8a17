"""One test suite for the registers on both databases: SQLite (one file) and PostgreSQL
(several centre nodes).

Each test runs against each database; "nodes" are several register objects on one
database, as several relay processes or machines have. What must hold for both: the kiosk
register refuses what it refused before and a change made on one node is what every node
sees on its next request; verifiers, their tokens and the faces they recovered; and rate
counts that add up whichever node counted them. (The issued register is written by the
store's transactions: tests/relay/test_store.py.)
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from relay.kiosk_register import KioskRegisterError, Standing, StoredKioskRegister
from relay.rate_limits import Rate, RateLimiter, SharedRateStore
from relay.verifier_register import StoredVerifierRegister, VerifierRegisterError
from tests.fixtures.waiting import WAIT, join_all, wait_for

pytestmark = pytest.mark.postgres

Open = Callable[[type[Any]], Any]


def _fp(n: int) -> str:
    return hashlib.sha256(f"certificate {n}".encode()).hexdigest()


@pytest.fixture
def node(either_db: Path | str) -> Iterator[Open]:
    """``node(Register)`` opens one more register of that kind on the test's database."""
    opened: list[Any] = []

    def open_one(kind: type[Any]) -> Any:
        opened.append(kind(either_db))
        return opened[-1]

    yield open_one
    for register in opened:
        register.close()


# -- kiosks -------------------------------------------------------------------------------
def test_a_kiosk_is_registered_once_with_certificates_of_its_own(node: Open) -> None:
    register = node(StoredKioskRegister)
    kiosk = register.add("KIOSK-0001", "Store 1", [_fp(1)], 20)
    assert (kiosk.state, kiosk.fingerprints, kiosk.expected_per_hour) == ("active", (_fp(1),), 20)
    with pytest.raises(KioskRegisterError, match="already in the register"):
        register.add("KIOSK-0001", "Store 1", [_fp(2)], 20)
    with pytest.raises(KioskRegisterError, match="already registered"):
        register.add("KIOSK-0002", "Store 2", [_fp(1)], 20)  # another kiosk's certificate
    assert register.get("KIOSK-0002") is None  # the refused add left nothing
    with pytest.raises(KioskRegisterError):
        register.add("kiosk-lower", "Store", [_fp(3)], 20)
    renewed = register.add_certificate("KIOSK-0001", _fp(2))
    assert renewed.fingerprints == tuple(sorted((_fp(1), _fp(2))))
    assert register.remove_certificate("KIOSK-0001", _fp(1)).fingerprints == (_fp(2),)
    assert register.standing(_fp(1)) is None
    assert register.by_certificate(_fp(2)) == register.get("KIOSK-0001")
    assert [k.kiosk_id for k in register.all()] == ["KIOSK-0001"]


def test_a_change_on_one_node_is_what_the_others_see_next(node: Open) -> None:
    first, second = node(StoredKioskRegister), node(StoredKioskRegister)
    first.add("KIOSK-0001", "Store 1", [_fp(1)], 30)
    standing = second.standing(_fp(1))
    assert standing is not None and (standing.kiosk_id, standing.state, standing.expected_per_hour) == (
        "KIOSK-0001", "active", 30)
    second.set_state("KIOSK-0001", "suspended")
    assert first.standing(_fp(1)).state == "suspended"
    first.set_state("KIOSK-0001", "retired")
    for change in (lambda: second.set_state("KIOSK-0001", "active"),
                   lambda: second.add_certificate("KIOSK-0001", _fp(2)),
                   lambda: second.remove_certificate("KIOSK-0001", _fp(1))):
        with pytest.raises(KioskRegisterError):
            change()
    assert first.standing(_fp(1)).state == "retired"
    with pytest.raises(KioskRegisterError, match="no kiosk"):
        first.set_state("KIOSK-0009", "active")


def test_nodes_registering_at_once_register_each_kiosk_and_certificate_once(node: Open) -> None:
    registers = [node(StoredKioskRegister) for _ in range(3)]
    added: list[str] = []
    refused: list[str] = []
    barrier = threading.Barrier(len(registers) * 2, timeout=WAIT)  # a worker that never comes breaks it

    def worker(register: StoredKioskRegister, n: int) -> None:
        barrier.wait()
        kiosk_id = f"KIOSK-{n % 2:04d}"  # two kiosks, three nodes each
        try:
            register.add(kiosk_id, "Store", [_fp(100 + n % 2)], 20)
            added.append(kiosk_id)
        except KioskRegisterError:
            refused.append(kiosk_id)

    threads = [threading.Thread(target=worker, args=(registers[n % 3], n), daemon=True) for n in range(6)]
    for t in threads:
        t.start()
    join_all(threads, 60, "workers")  # one minute for all six, not each
    assert sorted(added) == ["KIOSK-0000", "KIOSK-0001"] and len(refused) == 4
    assert [k.fingerprints for k in registers[0].all()] == [(_fp(100),), (_fp(101),)]


# -- verifiers ----------------------------------------------------------------------------
def test_a_verifier_and_its_token(node: Open) -> None:
    first, second = node(StoredVerifierRegister), node(StoredVerifierRegister)
    verifier, token = first.add("test-bank", "Test Bank", faces_per_hour=4)
    assert (verifier.state, verifier.faces_per_hour) == ("active", 4)
    assert second.by_token(token) == verifier
    assert second.by_token(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert second.by_token("not a token") is None
    with pytest.raises(VerifierRegisterError, match="already registered"):
        second.add("test-bank", "Another Bank", faces_per_hour=1)
    assert second.set_state("test-bank", "suspended").state == "suspended"
    assert first.by_token(token).state == "suspended"
    with pytest.raises(VerifierRegisterError, match="no verifier"):
        first.set_state("nobody-here", "active")
    with pytest.raises(VerifierRegisterError):
        first.add("x", "Too Short", faces_per_hour=1)
    assert [v.verifier_id for v in first.all()] == ["test-bank"]


def test_faces_recovered_are_found_by_resident_or_serial(node: Open) -> None:
    register = node(StoredVerifierRegister)
    register.add("test-bank", "Test Bank", faces_per_hour=4)
    register.add("small-office", "Small Office", faces_per_hour=4)
    register.record_face(1.0, "test-bank", "S-1", "R1")
    register.record_face(2.0, "small-office", "S-2", "R1")
    register.record_face(3.0, "test-bank", "S-3", None)  # a serial the issued register does not know
    other = node(StoredVerifierRegister)
    assert [(f["verifier_id"], f["organisation"], f["serial"]) for f in other.faces(resident_id="R1")] == [
        ("test-bank", "Test Bank", "S-1"), ("small-office", "Small Office", "S-2")]
    assert [f["at"] for f in other.faces(serial="S-3")] == [3.0]
    assert len(other.faces()) == 3
    assert other.faces(resident_id="R9") == []


# -- rate counts --------------------------------------------------------------------------
def test_rate_counts_add_up_across_nodes(node: Open) -> None:
    stores = [node(SharedRateStore) for _ in range(3)]
    assert stores[0].hit("session:KIOSK-0001", 60, 1) == 1
    assert stores[1].hit("session:KIOSK-0001", 60, 2) == 3
    assert stores[2].hits([("session:KIOSK-0001", 60, 1), ("session:KIOSK-0001", 120, 1),
                           ("auth:KIOSK-0001", 60, 5)]) == [4, 1, 5]
    assert stores[0].hits([("a", 0, 1), ("a", 0, 1)]) == [1, 2]  # one window twice: counted in turn
    assert stores[0].hits([]) == []


def test_a_limit_holds_for_calls_spread_over_nodes_at_once(node: Open) -> None:
    """Three nodes, 40 calls at once from one subject, a limit of 25: exactly 25 allowed."""
    limiters = [RateLimiter(node(SharedRateStore), {"session": Rate(25, 3600)}) for _ in range(3)]
    allowed: list[bool] = []
    barrier = threading.Barrier(8, timeout=WAIT)  # a worker that never comes breaks it, not the test run

    def worker(i: int) -> None:
        barrier.wait()
        for _ in range(5):
            allowed.append(limiters[i % 3].allow("session", "KIOSK-0001", 1_800_000_000.0))

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(8)]
    for t in threads:
        t.start()
    join_all(threads, 60, "workers")  # one minute for all eight, not each
    assert (allowed.count(True), allowed.count(False)) == (25, 15)


# -- the standing each PostgreSQL node remembers ------------------------------------------
def _standing(register: StoredKioskRegister) -> Standing:
    standing = register.standing(_fp(1))
    assert standing is not None
    return standing


def test_a_node_remembers_standing_until_the_database_says_it_changed(postgres_db: str) -> None:
    """No round trip per request for the kiosk's standing; any change, by another node or
    by hand in SQL, reaches the node through the change notice."""
    import psycopg

    second = StoredKioskRegister(postgres_db)
    second.add("KIOSK-0001", "Store 1", [_fp(1)], 30)
    first = StoredKioskRegister(postgres_db)  # listening from now on: the add's notice is not for it
    try:
        assert _standing(first).state == "active"
        reads: list[str] = []
        real_read = first._db.read

        def counted(sql: str, args: Any = ()) -> list[Any]:
            reads.append(sql)
            return real_read(sql, args)

        first._db.read = counted  # type: ignore[method-assign]
        for _ in range(50):
            assert _standing(first).state == "active"
        assert reads == []  # remembered
        second.set_state("KIOSK-0001", "suspended")
        wait_for(lambda: _standing(first).state == "suspended", 10, "the suspension reaching the node")
        with psycopg.connect(postgres_db, autocommit=True) as conn:  # an operator's hand edit
            conn.execute("UPDATE kiosks SET expected_per_hour = 99")
        wait_for(lambda: _standing(first).expected_per_hour == 99, 10, "the hand edit reaching the node")
    finally:
        first.close()
        second.close()


def test_a_node_that_stopped_listening_reads_the_register_again(postgres_db: str) -> None:
    """Changes made while the node's listening connection was lost were never heard: once
    it listens again, nothing remembered from before is trusted."""
    import psycopg

    register = StoredKioskRegister(postgres_db)
    try:
        register.add("KIOSK-0001", "Store 1", [_fp(1)], 30)
        assert _standing(register).state == "active"
        with psycopg.connect(postgres_db, autocommit=True) as conn:
            killed = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                  " WHERE application_name = 'relay-kiosks-listen'").fetchall()
            assert killed == [(True,)]
            conn.execute("UPDATE kiosks SET state = 'suspended'")  # heard by nobody
        wait_for(lambda: _standing(register).state == "suspended", 10, "the missed change being read")
    finally:
        register.close()
