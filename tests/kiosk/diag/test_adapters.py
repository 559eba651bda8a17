"""The diagnostic adapters over the real device areas and their simulators: the in-process
virtual card, the coin simulator, the private cupsd with its fault printer, the relay."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hardware_mocks.coins import VirtualCoinDevice
from hardware_mocks.printer.virtual import VirtualPrinter
from hardware_mocks.services.cupsd import Cupsd
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.vreader import InProcessReader
from hardware_mocks.world import World
from kiosk.config import Config, Mode, RelayConfig
from kiosk.diag import checks
from kiosk.diag.adapters import (
    CardLayerProbe,
    CupsProbe,
    JournalGate,
    PaymentDeviceProbe,
    SessionStillOpen,
    TlsRelayProbe,
    diagnostic_page_pdf,
    https_version_check,
)
from kiosk.diag.checks import Status
from kiosk.relay_client.port import RelayInfo
from kiosk.session.journal import Journal, Rec
from protocol.clock import FakeClock

TEST_CONFIG = Config(mode=Mode.TEST)


# --- card ---------------------------------------------------------------------------------


def test_card_read_with_the_virtual_card(world: World) -> None:
    reader = InProcessReader()
    probe = CardLayerProbe(TEST_CONFIG, reader)
    assert checks.card_readers(probe).status is Status.OK
    assert checks.card_read(probe).code == "card_removed"  # no card inserted yet
    reader.insert(world.card_path("shiken-ichiro"))
    result = checks.card_read(probe)
    assert result.status is Status.OK and result.details == {"tries_left": 3}


def test_production_refuses_the_virtual_reader(world: World) -> None:
    reader = InProcessReader()
    reader.insert(world.card_path("shiken-ichiro"))
    probe = CardLayerProbe(Config(mode=Mode.PRODUCTION), reader)
    assert checks.card_readers(probe).code == "reader_refused"
    assert checks.card_read(probe).code == "reader_refused"


# --- payment ------------------------------------------------------------------------------


def test_coin_device_healthy_and_jammed() -> None:
    device = VirtualCoinDevice()
    probe = PaymentDeviceProbe(device)
    assert checks.payment_self_test(probe).status is Status.OK
    assert checks.payment_levels(probe).status is Status.OK
    device.jam()
    result = checks.payment_self_test(probe)
    assert result.status is Status.FAULT and result.code in {"jam", "payment_fault"}


def test_coin_device_reset_is_a_fault() -> None:
    device = VirtualCoinDevice()
    device.start_accept(1000)
    device.reset_mid_payment()
    assert checks.payment_self_test(PaymentDeviceProbe(device)).status is Status.FAULT


def test_empty_and_refill_the_change() -> None:
    device = VirtualCoinDevice({500: 1, 100: 2, 50: 0, 10: 3})
    probe = PaymentDeviceProbe(device)
    assert checks.payment_levels(probe).code == "change_low"
    assert probe.empty() == 730
    assert sum(device.levels().values()) == 0
    probe.refill({500: 10, 100: 40, 50: 20, 10: 50})
    assert dict(device.levels()) == {500: 10, 100: 40, 50: 20, 10: 50}
    assert checks.payment_levels(probe).status is Status.OK


# --- printer ------------------------------------------------------------------------------


def test_test_page_is_a_pdf_without_personal_data() -> None:
    pdf = diagnostic_page_pdf()
    assert pdf.startswith(b"%PDF") and diagnostic_page_pdf() == pdf  # invariant: nothing variable


@pytest.mark.parametrize(("script", "code"), [
    (("processing", "completed"), ""),
    (("processing", "media-jam"), "media-jam"),
])
def test_test_page_through_the_printer_port(script: tuple[str, ...], code: str) -> None:
    clock = FakeClock()
    fake = VirtualPrinter(clock=clock, script=script)
    result = checks.printer_test_page(CupsProbe("kiosk", clock=clock, printer=fake))
    assert result.code == code and set(fake.purged) == {1} and not fake.spool


def test_printer_unreachable() -> None:
    probe = CupsProbe("kiosk", server="127.0.0.1:9")
    assert checks.printer_state(probe).code == "unreachable"


@pytest.mark.cupsd
def test_printer_healthy_then_paper_out_then_cleared(cupsd_clean: Cupsd) -> None:
    probe = CupsProbe(cupsd_clean.queue, server=cupsd_clean.server,
                      spool_dir=cupsd_clean.spool_dir, gate_dir=cupsd_clean.gate_dir)
    assert checks.printer_state(probe).status is Status.OK
    assert checks.printer_test_page(probe).code == ""  # through the print gate, with consent
    assert cupsd_clean.spool_files() == []
    assert list(cupsd_clean.gate_dir.iterdir()) == []  # the gate's records read and dropped
    cupsd_clean.switch.set("media-empty")
    try:
        result = checks.printer_state(probe)
        assert (result.status, result.code) == (Status.FAULT, "media-empty-error")
    finally:
        cupsd_clean.switch.clear()
    assert checks.printer_state(probe).status is Status.OK


@pytest.mark.cupsd
def test_stopped_queue_is_cleared(cupsd_clean: Cupsd) -> None:
    import cups

    probe = CupsProbe(cupsd_clean.queue, server=cupsd_clean.server)
    cups.setServer(cupsd_clean.server)
    conn = cups.Connection()
    conn.disablePrinter(cupsd_clean.queue)
    try:
        assert checks.printer_state(probe).status is Status.FAULT
        probe.clear_fault()
        assert checks.printer_state(probe).status is Status.OK
    finally:  # the private cupsd is shared by the whole run
        conn.enablePrinter(cupsd_clean.queue)
        conn.acceptJobs(cupsd_clean.queue)


# --- relay --------------------------------------------------------------------------------


def test_relay_unreachable() -> None:
    probe = TlsRelayProbe(RelayConfig(url="https://127.0.0.1:9", connect_timeout=2))
    result = checks.relay_status(probe, dt.datetime.now(dt.UTC))
    assert (result.status, result.code) == (Status.FAULT, "connection_refused")


@pytest.mark.relay
def test_relay_handshake_dates_and_version(relay_server: RelayServer) -> None:
    config = relay_server.relay_config()
    probe = TlsRelayProbe(config, version_check=https_version_check(config))
    result = checks.relay_status(probe, dt.datetime.now(dt.UTC))
    assert result.status in {Status.OK, Status.WARNING}, result
    assert result.details["version_ok"] is True
    assert result.details["tls"] is True and "server_cert.not_after" in result.details
    assert "client_cert.not_after" in result.details


@pytest.mark.relay
def test_incompatible_relay(relay_server: RelayServer) -> None:
    from kiosk.relay_client.errors import IncompatibleRelay

    def refuse() -> RelayInfo:
        raise IncompatibleRelay("topology")

    probe = TlsRelayProbe(relay_server.relay_config(), version_check=refuse)
    result = checks.relay_status(probe, dt.datetime.now(dt.UTC))
    assert (result.status, result.code) == (Status.FAULT, "incompatible_relay")


@pytest.mark.relay
def test_relay_with_the_wrong_ca_fails_the_handshake(relay_server: RelayServer, tmp_path: Path) -> None:
    from hardware_mocks.pki import SeededRandom, ca_certificate, ec_key, pem_cert

    key = ec_key(SeededRandom(7), "other-ca")
    other = tmp_path / "other-ca.pem"
    now = dt.datetime.now(dt.UTC)
    other.write_bytes(pem_cert(ca_certificate(key, "other test CA", 7, now - dt.timedelta(days=1),
                                              now + dt.timedelta(days=30))))
    config = relay_server.relay_config()
    probe = TlsRelayProbe(RelayConfig(url=config.url, ca_file=other, cert_file=config.cert_file,
                                      key_file=config.key_file))
    result = checks.relay_status(probe, dt.datetime.now(dt.UTC))
    assert (result.status, result.code) == (Status.FAULT, "relay_cert_untrusted")


# --- session gate -------------------------------------------------------------------------


def test_journal_gate(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    ended: list[bool] = []
    gate = JournalGate(journal.path, end_session=lambda: ended.append(True))
    assert not gate.session_open()
    journal.append("s1", Rec.OPENED)
    assert gate.session_open()
    gate.end_and_wipe()
    assert ended == [True]
    with pytest.raises(SessionStillOpen):
        JournalGate(journal.path).end_and_wipe()
