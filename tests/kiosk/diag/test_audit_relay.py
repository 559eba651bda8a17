"""The technician audit trail reaches the relay: at entry, at exit and after every
self-test, in order, nothing lost while the relay is away, nothing stored twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.relay.virtual import VirtualRelay, VirtualRelayBackend
from hardware_mocks.world import World
from kiosk.diag.adapters import RelayAuditSink, https_audit_sink
from tests.fixtures.diag import Rig, make_rig


@pytest.fixture
def relay(world: World) -> VirtualRelay:
    return VirtualRelay(world.root, kiosk_id="KIOSK-0042", backend=VirtualRelayBackend(world.root))


@pytest.fixture
def rig(tmp_path: Path, relay: VirtualRelay) -> Rig:
    sink = RelayAuditSink(lambda: relay)
    return make_rig(tmp_path, audit_sink=sink, log_sink=sink)


def stored(relay: VirtualRelay) -> list[tuple[int, str]]:
    return [(r["seq"], r["event"]) for r in relay.backend.core.storage.technician_events_since()]


def test_entry_exit_and_self_test_are_forwarded(rig: Rig, relay: VirtualRelay) -> None:
    rig.enter()
    assert stored(relay) == [(1, "diag.auth.accepted"), (2, "diag.enter")]
    rig.printer.state = "stopped"
    rig.service.self_test(trigger="technician")
    assert [e for _, e in stored(relay)][2:] == ["diag.selftest.fault", "diag.selftest"]
    rig.service.exit()
    assert stored(relay)[-1] == (5, "diag.exit")
    rows = relay.backend.core.storage.technician_events_since()
    assert {r["kiosk_id"] for r in rows} == {"KIOSK-0042"}
    assert rows[2]["fields"] == {"step": "printer.state", "code": rig.service.audit.records()[2]["code"]}
    assert rig.service.audit.acknowledged() == 5


def test_nothing_is_lost_while_the_relay_is_away(rig: Rig, relay: VirtualRelay) -> None:
    relay.faults.unavailable = True
    rig.enter()
    rig.service.run_test("disk")
    rig.service.exit()
    assert stored(relay) == [] and rig.service.audit.acknowledged() == 0
    relay.faults.unavailable = False
    rig.service.self_test(trigger="daily")  # the next forward takes all of them, in order
    assert [s for s, _ in stored(relay)] == [1, 2, 3, 4, 5]
    assert stored(relay)[-1] == (5, "diag.selftest")


def test_a_lost_acknowledgement_stores_nothing_twice(rig: Rig, relay: VirtualRelay,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    real = relay.send_technician_events
    lost = {"n": 1}

    def send(records: Any) -> int:
        ack = real(records)
        if lost["n"]:
            lost["n"] -= 1
            raise TimeoutError  # stored, but the answer never came back
        return ack

    monkeypatch.setattr(relay, "send_technician_events", send)
    rig.enter()
    assert rig.service.audit.acknowledged() == 0 and len(stored(relay)) == 2
    rig.service.exit()  # sends 1..3 again
    assert stored(relay) == [(1, "diag.auth.accepted"), (2, "diag.enter"), (3, "diag.exit")]
    assert rig.service.audit.acknowledged() == 3


def test_a_torn_line_never_makes_a_seq_twice(tmp_path: Path, relay: VirtualRelay) -> None:
    rig = make_rig(tmp_path)
    rig.enter()
    rig.service.exit()
    path = rig.service.paths.audit
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + lines[1][:10] + b"\n" + lines[2])  # record 2 torn by a power cut
    again = make_rig(tmp_path, audit_sink=RelayAuditSink(lambda: relay))
    again.clock.advance(120)  # a fresh code: the first one is spent
    again.enter()
    assert [r["seq"] for r in again.service.audit.records()] == [1, 3, 4, 5]
    assert [s for s, _ in stored(relay)] == [1, 3, 4, 5]


def test_a_sink_acknowledging_nonsense_keeps_the_records(tmp_path: Path) -> None:
    class Odd:
        def send(self, records: list[dict[str, Any]]) -> Any:
            return True

    rig = make_rig(tmp_path)
    rig.enter()
    assert rig.service.audit.forward(Odd()) == 0 and rig.service.audit.acknowledged() == 0


def test_no_sink_without_a_complete_relay_configuration() -> None:
    from kiosk.config import RelayConfig

    assert https_audit_sink(RelayConfig()) is None


@pytest.mark.relay
def test_build_service_forwards_to_a_real_relay(world: World, relay_server: Any, tmp_path: Path) -> None:
    """``kiosk diag --json`` as built from the configuration: the self-test's records
    reach the relay over mutual TLS, under the certificate's kiosk id. (KIOSK-0002: the
    relay is the session's, and the relay's own tests send as KIOSK-0003.)"""
    from kiosk.config import Config, DiagConfig, Mode, PrintingConfig
    from kiosk.diag.build import build_service
    from relay.store.sqlite import SqliteStore

    (tmp_path / "spool").mkdir()
    (tmp_path / "cupsd.conf").write_text("PreserveJobFiles No\nPreserveJobHistory No\n")
    config = Config(mode=Mode.TEST, kiosk_id="KIOSK-0002", state_dir=tmp_path / "state",
                    runtime_dir=tmp_path / "run", relay=relay_server.relay_config("KIOSK-0002"),
                    printing=PrintingConfig(cups_server="127.0.0.1:9"),
                    diag=DiagConfig(spool_dir=tmp_path / "spool", cupsd_conf=tmp_path / "cupsd.conf",
                                    secret_file=tmp_path / "secret", usb_dir=tmp_path / "usb"))
    (tmp_path / "run").mkdir()
    service = build_service(config)
    service.self_test(trigger="cli")
    records = service.audit.records()
    assert service.audit.acknowledged() == records[-1]["seq"]
    storage = SqliteStore(relay_server.db)
    try:
        rows = [r for r in storage.technician_events_since() if r["kiosk_id"] == "KIOSK-0002"]
    finally:
        storage.close()
    assert [(r["seq"], r["event"]) for r in rows] == [(r["seq"], r["event"]) for r in records]
    assert json.dumps([r["fields"] for r in rows])  # codes and counts only, as recorded


def test_log_export_to_the_relay_holds_only_structured_events(rig: Rig, relay: VirtualRelay) -> None:
    from hardware_mocks.world import CANARY_MY_NUMBER, CANARY_NAME

    lines = [{"t": 1.0, "level": "INFO", "logger": "kiosk.session", "event": "session.closed", "code": "printed"},
             {"t": 2.0, "level": "WARNING", "logger": "urllib3", "event": "library.message"},
             {"t": 3.0, "level": "INFO", "logger": "x", "event": "session.opened", "name": CANARY_NAME},
             {"t": 4.0, "level": "INFO", "logger": "x", "event": "session.state", "code": CANARY_MY_NUMBER}]
    (rig.tmp / "kiosk.log").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
                                       + f"Traceback: {CANARY_NAME}\n", encoding="utf-8")
    rig.enter()
    result = rig.service.export_logs_to_relay()
    rows = relay.backend.core.storage.log_exports("KIOSK-0042")
    assert {r["export_id"] for r in rows} == {result.export_id} and len(rows) == result.events
    assert [r["event"]["event"] for r in rows] == ["session.closed", "session.state", "diag.auth.accepted",
                                                   "diag.enter"]
    assert result.skipped == 3
    text = json.dumps([r["event"] for r in rows], ensure_ascii=False)
    assert CANARY_NAME not in text and CANARY_MY_NUMBER not in text
    last = rig.service.audit.records()[-1]
    assert (last["event"], last["kind"], last["ok"], last["count"]) == ("diag.export", "relay", True, 4)


def test_log_export_to_the_relay_failures_are_audited(tmp_path: Path, relay: VirtualRelay) -> None:
    from kiosk.diag.export import ExportError

    (tmp_path / "bare").mkdir()
    bare = make_rig(tmp_path / "bare")
    bare.enter()
    with pytest.raises(ExportError) as err:
        bare.service.export_logs_to_relay()
    assert err.value.code == "relay_not_configured"
    sink = RelayAuditSink(lambda: relay)
    rig = make_rig(tmp_path, audit_sink=sink, log_sink=sink)
    rig.clock.advance(120)  # a fresh code: the first one is spent
    rig.enter()
    relay.faults.unavailable = True
    with pytest.raises(ExportError) as err:
        rig.service.export_logs_to_relay()
    assert err.value.code == "relay_unavailable"
    last = rig.service.audit.records()[-1]
    assert (last["event"], last["ok"], last["code"]) == ("diag.export", False, "relay_unavailable")
