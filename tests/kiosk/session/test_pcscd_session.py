"""The whole session over the real stack: pcscd with vpcd and the virtual reader, relay
serve over mTLS, the private cupsd (the card goes in and out as a customer's would)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.services.cupsd import Cupsd
from hardware_mocks.services.pcscd import Pcscd
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.session.customer import Customer, ReaderControlTerminal, Script
from hardware_mocks.session.specs import services_config
from hardware_mocks.vreader import VirtualReader
from hardware_mocks.world import CANARY_PIN, World
from kiosk.card.transport import TRAFFIC
from kiosk.process.host import SessionHost
from kiosk.process.worker import WorkerSpec
from kiosk.session.viewmodel import Screen
from protocol.log import JsonEventFormatter
from tests.fixtures.canary import canary_patterns, counts, handoff_patterns, read_memory, scan_tree

pytestmark = [pytest.mark.pcscd, pytest.mark.relay, pytest.mark.cupsd]


def _control(vreader: VirtualReader):
    def control(req: dict[str, Any]) -> None:
        if req["cmd"] == "insert":
            vreader.insert(req["persona"])
        elif req["cmd"] == "remove":
            vreader.remove()
        elif req["cmd"] == "pull-after":
            vreader.pull_after(req["n"])
    return control


@pytest.mark.parametrize("fault", [None, "remove_card_at_pin"])
def test_session_over_pcscd_relay_and_cups(pcscd: Pcscd, vreader: VirtualReader, relay_server: RelayServer,
                                           cupsd_clean: Cupsd, fresh_world: World, tmp_path: Path,
                                           fault: str | None) -> None:
    cfg = services_config(tmp_path, fresh_world.root, relay_server, cupsd_clean, card="pcsc",
                          readers=(pcscd.reader,))
    spec = WorkerSpec(config_path=str(cfg))
    script = Script("canary", CANARY_PIN, pay=1000,
                    remove_card_at="pin" if fault else None)
    with SessionHost(spec) as host:
        host.wait_for(lambda v: v.screen == Screen.START, 30)
        res = Customer(ReaderControlTerminal(host, _control(vreader)), script).run(120)
        assert res.final is not None, res.states
        outcome = host.wait_outcome(res.final.session, 30)
    if fault is None:
        assert res.final.screen == Screen.THANK_YOU, (res.states, res.final.error)
        assert outcome["copies_printed"] == 1 and outcome["charged"] == 200
    else:
        assert res.final.error is not None and res.final.error.code == "card_removed"
        assert outcome["paid"] == 0 and outcome["copies_printed"] == 0
    assert cupsd_clean.spool_files() == []
    pats = canary_patterns(fresh_world)
    assert scan_tree(tmp_path / "state", pats) == []
    assert scan_tree(tmp_path / "run", pats) == []
    shutil.rmtree(tmp_path / "run", ignore_errors=True)


def test_canary_session_with_the_apdu_trace_on(
        pcscd: Pcscd, vreader: VirtualReader, relay_server: RelayServer, cupsd_clean: Cupsd,
        fresh_world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str]) -> None:
    """A whole canary session over PC/SC with the worker's APDU trace switched on (its log
    at ``TRAFFIC``): the trace records the session's commands, VERIFY with its PIN among
    them, and neither the PIN (as VERIFY carries it: its ASCII digits, their hex) nor the
    canary's personal data is in any log (the workers', this process's, pcscd's, cupsd's,
    the relay's), the journal, the state, runtime and print gate folders, or any process's
    output. The printed certificate is the one place the canary's data belongs; the spool
    that carried it is checked empty."""
    caplog.set_level(TRAFFIC)
    logs = tmp_path / "logs"
    logs.mkdir()
    cfg = services_config(tmp_path, fresh_world.root, relay_server, cupsd_clean, card="pcsc",
                          readers=(pcscd.reader,))
    spec = WorkerSpec(config_path=str(cfg), log_path=str(logs / "worker.log"), log_level=TRAFFIC)
    with SessionHost(spec) as host:
        host.wait_for(lambda v: v.screen == Screen.START, 30)
        res = Customer(ReaderControlTerminal(host, _control(vreader)),
                       Script("canary", CANARY_PIN, pay=1000)).run(120)
        assert res.final is not None and res.final.screen == Screen.THANK_YOU, res.states
        outcome = host.wait_outcome(res.final.session, 30)
    assert outcome["copies_printed"] == 1
    events = [json.loads(line) for line in (logs / "worker.log").read_text().splitlines()]
    trace = [e["apdu"] for e in events if e["event"] == "card.apdu"]
    assert any(a.startswith("00200080:") for a in trace)  # VERIFY carrying the PIN, recorded
    assert "00A4040C:0AD392F000260100000001" in trace  # SELECT of the JPKI AP, data shown
    assert any(a.startswith("802A0080:") for a in trace)  # the signature of the challenge
    assert cupsd_clean.spool_files() == []
    pats = canary_patterns(fresh_world) + handoff_patterns()
    this_process = "\n".join(JsonEventFormatter().format(r) for r in caplog.records).encode()
    output = "".join(capfd.readouterr()).encode()
    assert [p.pattern for p in pats if p.search(this_process) or p.search(output)] == []
    for folder in (logs, tmp_path / "state", tmp_path / "run", cupsd_clean.log_dir, cupsd_clean.gate_dir):
        assert scan_tree(folder, pats) == [], folder
    assert pcscd.log_path is not None
    for log in (pcscd.log_path, relay_server.state_dir / "relay.log"):
        assert [p.pattern for p in pats if p.search(log.read_bytes())] == [], log
    shutil.rmtree(tmp_path / "run", ignore_errors=True)


def test_the_serving_worker_keeps_no_pin_after_verify(
        pcscd: Pcscd, vreader: VirtualReader, relay_server: RelayServer, cupsd_clean: Cupsd,
        fresh_world: World, tmp_path: Path) -> None:
    """Once the card verified the PIN, the worker still serving the customer holds it in
    none of the shapes it had on its way (the frame from the UI process, the VERIFY
    command handed to pyscard and libpcsclite), read from outside through /proc/PID/mem
    while the customer chooses a certificate."""
    cfg = services_config(tmp_path, fresh_world.root, relay_server, cupsd_clean, card="pcsc",
                          readers=(pcscd.reader,))
    found: list[dict[str, int]] = []
    with SessionHost(WorkerSpec(config_path=str(cfg))) as host:
        host.wait_for(lambda v: v.screen == Screen.START, 30)

        def scan() -> None:
            assert host.worker_pid is not None
            found.append(counts(read_memory(host.worker_pid), handoff_patterns()))

        script = Script("canary", CANARY_PIN, pay=1000, pause_at="choose_type", on_pause=scan)
        res = Customer(ReaderControlTerminal(host, _control(vreader)), script).run(120)
        assert res.final is not None and res.final.screen == Screen.THANK_YOU, res.states
        host.wait_outcome(res.final.session, 30)
    assert found == [dict.fromkeys((p.pattern.decode("latin-1") for p in handoff_patterns()), 0)]
    shutil.rmtree(tmp_path / "run", ignore_errors=True)


def test_cli_run_over_pcscd(pcscd: Pcscd, vreader: VirtualReader, relay_server: RelayServer, cupsd_clean: Cupsd,
                            fresh_world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import tempfile

    from hardware_mocks.vreader import ControlServer
    from kiosk.cli import main

    cfg = services_config(tmp_path, fresh_world.root, relay_server, cupsd_clean, card="pcsc",
                          readers=(pcscd.reader,))
    sock = Path(tempfile.mkdtemp(prefix="vr-")) / "control.sock"  # short: AF_UNIX path limit
    server = ControlServer(vreader, sock).start()
    try:
        code = main(["session", "run", "--world", str(fresh_world.root), "--persona",
                     "shiken-ichiro", "--pin", "1234", "--pay", "500", "--json",
                     "--devices", "real", "--config", str(cfg), "--vreader-control", str(sock),
                     "--state-dir", str(tmp_path / "state"), "--runtime-dir", str(tmp_path / "run")])
    finally:
        server.close()
        shutil.rmtree(sock.parent, ignore_errors=True)
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["conserved"]
    assert (out["result"], out["charged"], out["change"], out["printed_copies"]) == (
        "printed", 200, 300, 1)
