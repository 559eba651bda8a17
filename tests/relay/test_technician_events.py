"""``POST /v1/technician-events``: the kiosks' diagnostic audit trails, strictly read,
stored once per (kiosk, seq), the kiosk taken from the client certificate only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.relay.virtual import VirtualRelay, VirtualRelayBackend
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.world import World
from kiosk.relay_client.errors import RelayProtocolError
from protocol import wire
from protocol.clock import FakeClock
from relay.cli import main
from relay.service import Settings, build_core
from tests.fixtures.relay import open_hours


def rec(seq: int, kiosk: str = "KIOSK-0001", event: str = "diag.enter", **fields: Any) -> dict[str, Any]:
    return {"t": "2026-11-26T10:00:00+09:00", "event": event, "kiosk": kiosk, "seq": seq, **fields}


@pytest.fixture
def backend(world: World) -> VirtualRelayBackend:
    return VirtualRelayBackend(world.root, FakeClock(open_hours(world)))


def _post(backend: VirtualRelayBackend, body: Any, kiosk: str = "KIOSK-0001") -> Any:
    return backend.call(kiosk, wire.TECHNICIAN_EVENTS_PATH, body)


def test_records_are_stored_once_and_acknowledged(world: World, backend: VirtualRelayBackend) -> None:
    relay = VirtualRelay(world.root, backend=backend)
    records = [rec(1, event="diag.auth.accepted", ok=True), rec(2, mode="diagnostic"),
               rec(3, event="diag.test", step="printer.state", ok=False, code="media_empty"),
               rec(4, event="diag.selftest", ok=False, kind="technician", count=1, dropped=["name", "?"])]
    assert relay.send_technician_events(records[:2]) == 2
    assert relay.send_technician_events(records) == 4  # a repeat of 1 and 2 is harmless
    stored = backend.core.storage.technician_events_since()
    assert [(r["kiosk_id"], r["seq"], r["event"]) for r in stored] == [
        ("KIOSK-0001", 1, "diag.auth.accepted"), ("KIOSK-0001", 2, "diag.enter"),
        ("KIOSK-0001", 3, "diag.test"), ("KIOSK-0001", 4, "diag.selftest")]
    assert stored[2]["fields"] == {"step": "printer.state", "ok": False, "code": "media_empty"}
    assert stored[3]["fields"]["dropped"] == ["name", "?"]
    # the first record stored under a (kiosk, seq) stays
    assert relay.send_technician_events([rec(2, event="diag.exit", mode="in_service")]) == 2
    assert backend.core.storage.technician_events_since()[1]["event"] == "diag.enter"
    # another kiosk numbers its own records: the same seq is another record
    other = VirtualRelay(world.root, kiosk_id="KIOSK-0002", backend=backend)
    assert other.send_technician_events([rec(1, kiosk="KIOSK-0002")]) == 1
    assert len(backend.core.storage.technician_events_since()) == 5


def test_large_trails_go_in_batches(world: World, backend: VirtualRelayBackend) -> None:
    relay = VirtualRelay(world.root, backend=backend)
    records = [rec(n, event="diag.test", step="disk", ok=True) for n in range(1, 251)]
    assert relay.send_technician_events(records) == 250
    assert relay.calls.count("technician_events") == 3
    assert len(backend.core.storage.technician_events_since()) == 250


@pytest.mark.parametrize("body", [
    {"records": [rec(1)]},  # no kiosk_id
    {"kiosk_id": "KIOSK-0002", "records": [rec(1)]},  # another kiosk in the body
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, kiosk="KIOSK-0002")]},  # … or in a record
    {"kiosk_id": "KIOSK-0001", "records": []},
    {"kiosk_id": "KIOSK-0001", "records": [rec(n) for n in range(1, 102)]},  # over 100
    {"kiosk_id": "KIOSK-0001", "records": [rec(2), rec(1)]},  # out of order
    {"kiosk_id": "KIOSK-0001", "records": [rec(1), rec(1)]},  # twice
    {"kiosk_id": "KIOSK-0001", "records": [rec(0)]},
    {"kiosk_id": "KIOSK-0001", "records": [rec(True)]},
    {"kiosk_id": "KIOSK-0001", "records": [rec(1.0)]},  # type: ignore[arg-type]  # a float seq is refused
    {"kiosk_id": "KIOSK-0001", "records": [rec(2**60)]},
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, name="試験")]},  # not an allow-listed key
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, session="0" * 32)]},  # a log field, not a diag one
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, code="a b")]},
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, code="x\n")]},
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, code="x" * 81)]},
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, code="試験")]},
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, count=1.5)]},
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, code=["a"])]},
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, code={"a": 1})]},
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, dropped=[])]},
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, dropped=["a b"])]},
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, event="session.opened")]},
    {"kiosk_id": "KIOSK-0001", "records": [rec(1, event="diag.enter\n")]},
    {"kiosk_id": "KIOSK-0001", "records": [{**rec(1), "t": "2026-11-26T10:00:00"}]},  # no zone
    {"kiosk_id": "KIOSK-0001", "records": [{**rec(1), "t": "yesterday"}]},
    {"kiosk_id": "KIOSK-0001", "records": [{k: v for k, v in rec(1).items() if k != "t"}]},
    {"kiosk_id": "KIOSK-0001", "records": [[1, 2]]},
    {"kiosk_id": "KIOSK-0001", "records": {"seq": 1}},
    {"kiosk_id": "KIOSK-0001", "records": [rec(1)], "extra": 1},
])
def test_bad_bodies_are_refused_whole(backend: VirtualRelayBackend, body: dict[str, Any]) -> None:
    with pytest.raises(RelayProtocolError) as err:
        _post(backend, body)
    assert err.value.code in (wire.BAD_VALUE, wire.UNKNOWN_FIELD, wire.MISSING_FIELD, wire.WRONG_TYPE)
    assert backend.core.storage.technician_events_since() == []


def test_relay_audit_lists_technician_events(world: World, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "relay.sqlite3"
    core = build_core(world.root, db, FakeClock(open_hours(world)), Settings())
    relay = VirtualRelay(world.root)
    relay.backend.core = core
    relay.send_technician_events([rec(1, event="diag.auth.failed", reason="wrong", count=1),
                                  rec(2, event="diag.selftest.fault", step="printer.state", code="stopped")])
    core.storage.close()
    assert main(["audit", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "diag.auth.failed" in out and "technician #2" in out and "step=printer.state" in out
    assert "0 entries, 2 technician events" in out
    assert main(["audit", "--db", str(db), "--json", "--since", "2000-01-01"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["source"], r["seq"], r["fields"].get("code")) for r in rows] == [
        ("technician", 1, None), ("technician", 2, "stopped")]


@pytest.mark.relay
def test_over_mutual_tls_the_kiosk_is_the_certificates(world: World, relay_server: RelayServer) -> None:
    from kiosk.relay_client.client import load_issuer_public_key
    from kiosk.relay_client.https import HttpsRelayClient
    from relay.store.sqlite import SqliteStore

    def client(kiosk: str) -> HttpsRelayClient:
        cert, key = relay_server.kiosk_cert(kiosk)
        return HttpsRelayClient(relay_server.url, ca_file=relay_server.ca_file, cert_file=cert, key_file=key,
                                issuer_key=load_issuer_public_key(relay_server.issuer_public_key))

    def stored() -> list[tuple[str, int]]:
        # the relay is shared by the whole test run: other tests' kiosks send events too
        storage = SqliteStore(relay_server.db)
        try:
            return [(r["kiosk_id"], r["seq"]) for r in storage.technician_events_since()]
        finally:
            storage.close()

    with client("KIOSK-0003") as kiosk3:
        assert kiosk3.send_technician_events([rec(1, kiosk="KIOSK-0003"), rec(2, kiosk="KIOSK-0003")]) == 2
        before = stored()
        kiosk3.kiosk_id = "KIOSK-0002"  # a kiosk claiming another's id in the body is refused
        with pytest.raises(RelayProtocolError) as err:
            kiosk3.send_technician_events([rec(3, kiosk="KIOSK-0002")])
        assert err.value.code == "bad_value"
    after = stored()
    assert [row for row in after if row[0] == "KIOSK-0003"] == [("KIOSK-0003", 1), ("KIOSK-0003", 2)]
    assert after == before  # the refused call stored nothing


def test_the_client_reduces_odd_records_instead_of_blocking_the_trail(world: World,
                                                                     backend: VirtualRelayBackend) -> None:
    relay = VirtualRelay(world.root, backend=backend)
    odd = {**rec(1), "count": 1.5, "code": "a b", "session": "0" * 32, "dropped": ["name"], "reason": "<dropped>"}
    assert relay.send_technician_events([odd]) == 1
    fields = backend.core.storage.technician_events_since()[0]["fields"]
    assert fields == {"count": "<dropped>", "code": "<dropped>", "reason": "<dropped>", "dropped": ["name", "session"]}
