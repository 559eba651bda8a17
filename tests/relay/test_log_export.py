"""``POST /v1/log-export``: a technician's export of structured log events, nothing else."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.relay.virtual import VirtualRelay, VirtualRelayBackend
from hardware_mocks.world import World
from kiosk.relay_client.errors import RelayProtocolError
from protocol import wire
from protocol.clock import FakeClock
from relay.cli import main
from relay.service import Settings, build_core
from tests.fixtures.relay import open_hours


def ev(n: int, **fields: Any) -> dict[str, Any]:
    return {"t": 1700000000.0 + n, "level": "INFO", "logger": "kiosk.session", "event": "session.closed",
            "seq": n, "code": "printed", **fields}


@pytest.fixture
def backend(world: World) -> VirtualRelayBackend:
    return VirtualRelayBackend(world.root, FakeClock(open_hours(world)))


def test_an_export_in_parts_kept_once(world: World, backend: VirtualRelayBackend) -> None:
    relay = VirtualRelay(world.root, backend=backend)
    export_id = str(uuid.uuid4())
    events = [ev(n) for n in range(250)] + [{
        "t": "2026-11-26T10:00:00+09:00", "level": "INFO", "logger": "audit", "event": "diag.enter", "seq": 3,
        "kiosk": "KIOSK-0001", "mode": "diagnostic"}]
    assert relay.send_log_export(export_id, events) == 251
    assert relay.calls.count("log_export") == 3
    assert relay.send_log_export(export_id, events[:100]) == 100  # a part sent again
    rows = backend.core.storage.log_exports("KIOSK-0001")
    assert [r["n"] for r in rows] == list(range(251)) and rows[5]["event"] == ev(5)
    assert backend.core.storage.log_exports("KIOSK-0002") == []


@pytest.mark.parametrize("event", [
    {"t": 1.0, "level": "INFO", "logger": "x", "event": "library.message"},
    {"t": 1.0, "level": "INFO", "logger": "x", "event": "session.opened", "name": "試験"},
    {"t": 1.0, "level": "INFO", "logger": "x", "event": "session.state", "code": "123456789012"},
    {"t": 1.0, "level": "INFO", "logger": "x", "event": "session.state", "state": "a b"},
    {"t": 1.0, "level": "NOTICE", "logger": "x", "event": "session.state"},
    {"t": 1.0, "level": "INFO", "logger": "x y", "event": "session.state"},
    {"t": 1.0, "level": "INFO", "logger": "x", "event": "session.state", "code": ["a"]},
    {"level": "INFO", "logger": "x", "event": "session.state"},
])
def test_anything_but_a_structured_event_is_refused(world: World, backend: VirtualRelayBackend,
                                                    event: dict[str, Any]) -> None:
    relay = VirtualRelay(world.root, backend=backend)
    with pytest.raises(ValueError):  # the client sends nothing
        relay.send_log_export(str(uuid.uuid4()), [ev(1), event])
    body = {"kiosk_id": "KIOSK-0001", "export_id": str(uuid.uuid4()), "first": 0, "events": [ev(1), event]}
    with pytest.raises(RelayProtocolError) as err:  # nor does the relay take it
        backend.call("KIOSK-0001", wire.LOG_EXPORT_PATH, body)
    assert err.value.code == "bad_value"
    assert backend.core.storage.log_exports() == []


@pytest.mark.parametrize("change", [
    {"kiosk_id": "KIOSK-0002"}, {"export_id": "x"}, {"export_id": str(uuid.uuid4()) + "\n"}, {"first": -1},
    {"first": True}, {"events": []}, {"events": [ev(n) for n in range(101)]}, {"extra": 1},
])
def test_bad_parts_are_refused(backend: VirtualRelayBackend, change: dict[str, Any]) -> None:
    body = {"kiosk_id": "KIOSK-0001", "export_id": str(uuid.uuid4()), "first": 0, "events": [ev(1)], **change}
    with pytest.raises(RelayProtocolError):
        backend.call("KIOSK-0001", wire.LOG_EXPORT_PATH, body)
    assert backend.core.storage.log_exports() == []


def test_relay_logs_prints_the_exports(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "relay.sqlite3"
    core = build_core(world.root, db, FakeClock(open_hours(world)), Settings())
    relay = VirtualRelay(world.root)
    relay.backend.core = core
    export_id = str(uuid.uuid4())
    relay.send_log_export(export_id, [ev(1), ev(2)])
    core.storage.close()
    assert main(["logs", "--db", str(db), "--kiosk", "KIOSK-0001"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["export_id"], r["n"], r["event"]["seq"]) for r in rows] == [(export_id, 0, 1), (export_id, 1, 2)]
    assert main(["logs", "--db", str(db), "--kiosk", "KIOSK-0003"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["logs", "--db", str(tmp_path / "none")]) == 2
