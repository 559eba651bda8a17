"""The diagnostic ports over the real device areas.

Each adapter is thin: it asks the area's own code (card layer, printer, payment device,
relay client, session journal) and reduces the answer to codes, counts and dates. The
card test reads the authentication certificate of a technician's test card and the PIN
counter, and shows neither; the printer test page carries no personal data.
"""

from __future__ import annotations

import datetime as dt
import io
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import cups
from cryptography import x509

from kiosk.card.jpki import JpkiCard
from kiosk.card.reader import Reader, allowed, check_policy, list_pcsc_readers, open_reader
from kiosk.config import Config, RelayConfig
from kiosk.diag.ports import PrinterStatus, RelayStatus
from kiosk.payment.port import DeviceReset, Event, Final, Jam, LostEvents, PaymentDevice, PaymentFault
from kiosk.printing.cups_printer import CupsPrinter
from kiosk.printing.printer import NO_QUEUE, UNREACHABLE, Printer, PrinterFault
from kiosk.relay_client.errors import RelayError
from kiosk.relay_client.https import HttpsRelayClient, client_tls_context, issuer_trust
from kiosk.relay_client.port import RelayClient, RelayInfo
from kiosk.session.journal import Journal, Rec
from protocol.clock import Clock, SystemClock

# --- card ---------------------------------------------------------------------------------


class CardLayerProbe:
    """Readers from pcscd (or one given reader, e.g. the in-process virtual one)."""

    def __init__(self, config: Config, reader: Reader | None = None) -> None:
        self._config = config
        self._reader = reader

    def readers(self) -> list[tuple[str, bool]]:
        names = [self._reader.name] if self._reader is not None else list_pcsc_readers()
        return [(name, allowed(self._config, name)) for name in names]

    def test_read(self) -> int:
        reader = self._reader if self._reader is not None else open_reader(self._config)
        check_policy(self._config, reader)
        transport = reader.connect()
        try:
            card = JpkiCard(transport)
            card.select_ap()
            card.read_auth_certificate()
            return card.tries_left()
        finally:
            transport.close()


# --- printer ------------------------------------------------------------------------------

_PRINTER_STATES = {3: "idle", 4: "processing", 5: "stopped"}


class CupsProbe:
    """One CUPS queue through pycups; the test page goes through the printing area's own
    adapter (streamed, random title, watched to completion, purged)."""

    def __init__(self, queue: str, server: str | None = None, clock: Clock | None = None,
                 spool_dir: Path | None = None, printer: Printer | None = None,
                 gate_dir: Path | None = None) -> None:
        self.queue = queue
        self.server = server
        self.clock = clock or SystemClock()
        self.printer = printer or CupsPrinter(queue, server=server, clock=self.clock,
                                              spool_dir=spool_dir, gate_dir=gate_dir)

    def _conn(self) -> cups.Connection:
        try:
            if self.server:
                cups.setServer(self.server)
            return cups.Connection()
        except RuntimeError as exc:
            raise PrinterFault(UNREACHABLE) from exc

    def status(self) -> PrinterStatus:
        try:
            # read as a plain mapping: a server may send one value where the stub says a list
            attrs: Mapping[str, Any] = self._conn().getPrinterAttributes(self.queue, requested_attributes=[
                "printer-state", "printer-state-reasons", "printer-is-accepting-jobs",
                "marker-names", "marker-levels"])
        except cups.IPPError as exc:
            raise PrinterFault(NO_QUEUE) from exc
        except (RuntimeError, cups.HTTPError) as exc:
            raise PrinterFault(UNREACHABLE) from exc
        reasons = tuple(r for r in attrs.get("printer-state-reasons", ()) if r != "none")
        names = attrs.get("marker-names") or ()
        levels = attrs.get("marker-levels") or ()
        if isinstance(names, str):
            names, levels = (names,), (levels,)
        supplies = {_supply_key(n): int(v) for n, v in zip(names, levels, strict=False)}
        return PrinterStatus(_PRINTER_STATES.get(int(attrs.get("printer-state", 5)), "stopped"),
                             reasons, supplies, bool(attrs.get("printer-is-accepting-jobs")))

    def test_page(self) -> str:
        pdf = bytearray(diagnostic_page_pdf())
        job = self.printer.submit(pdf, 1, False)
        try:
            self.printer.wait(job, self.clock.monotonic() + 60)
        finally:
            self.printer.purge(job)
            self.printer.forget(job.title)  # the gate's record of the test page
        return str(job.id)

    def clear_fault(self) -> None:
        conn = self._conn()
        try:
            conn.enablePrinter(self.queue)
            conn.acceptJobs(self.queue)
        except (cups.IPPError, RuntimeError, cups.HTTPError) as exc:
            raise PrinterFault(UNREACHABLE) from exc


def _supply_key(name: str) -> str:
    key = "".join(c if c.isalnum() else "_" for c in str(name).lower())
    return key[:32] or "supply"


def diagnostic_page_pdf() -> bytes:
    """A one-page A4 PDF that says what it is; nothing about anyone."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    page = canvas.Canvas(buf, pagesize=A4, invariant=True)
    page.setFont("Helvetica-Bold", 28)
    page.drawString(72, 720, "KIOSK TEST PAGE")
    page.setFont("Helvetica", 12)
    page.drawString(72, 690, "Printed from diagnostic mode. Not a certificate.")
    for i in range(5):  # grey steps show banding and fading
        page.setFillGray(i / 5)
        page.rect(72 + i * 90, 560, 80, 80, stroke=0, fill=1)
    page.showPage()
    page.save()
    return buf.getvalue()


# --- payment ------------------------------------------------------------------------------


class PaymentDeviceProbe:
    """Self-test: pending device events show no fault, and an accept/stop cycle answers."""

    #: How long the device may take to settle after ``stop`` (a real device answers from
    #: its own threads, within a few polls).
    STOP_WAIT = 5.0

    def __init__(self, device: PaymentDevice) -> None:
        self.device = device

    def self_test(self) -> None:
        self._check(self.device.poll())
        self.device.start_accept(10)
        deadline = time.monotonic() + self.STOP_WAIT
        while True:
            result = self.device.stop()
            self._check(self.device.poll())
            if isinstance(result, Final):
                if result.amount:
                    self.device.dispense(result.amount)  # a coin dropped during the test
                return
            if time.monotonic() > deadline:
                raise PaymentFault("no_answer")
            time.sleep(0.01)

    @staticmethod
    def _check(events: list[Event]) -> None:
        for ev in events:
            if isinstance(ev, Jam):
                raise PaymentFault("jam")
            if isinstance(ev, DeviceReset):
                raise PaymentFault("device_reset")
            if isinstance(ev, LostEvents):
                raise PaymentFault("lost_events")

    def levels(self) -> Mapping[int, int]:
        return self.device.levels()

    def can_payout(self, amount: int) -> bool:
        return self.device.can_payout(amount)

    def empty(self) -> int:
        total = sum(d * n for d, n in self.device.levels().items())
        return self.device.dispense(total) if total else 0

    def refill(self, levels: Mapping[int, int]) -> None:
        """The port has no refill command: a device that counts loaded coins itself
        exposes ``set_levels`` (the simulator does); others refuse."""
        setter = getattr(self.device, "set_levels", None)
        if setter is None:
            raise PaymentFault("refill_not_supported")
        current = dict(self.device.levels())
        for denomination, count in levels.items():
            current[denomination] = current.get(denomination, 0) + count
        setter(current)

    def parts(self) -> Mapping[str, str]:
        """The real cash device's parts answer their own self-checks (the acceptor's 232,
        each hopper's 163 and level, the validator's status); the simulator has none."""
        check = getattr(self.device, "self_check", None)
        return dict(check()) if check is not None else {}

    def payouts_in_flight(self) -> Mapping[int, int]:
        """The real cash device's hoppers; a device without payouts of its own (the
        simulator pays at once) has none."""
        in_flight = getattr(self.device, "payouts_in_flight", None)
        return dict(in_flight()) if in_flight is not None else {}

    def resolve_payout(self, denomination: int, coins_paid: int) -> None:
        resolve = getattr(self.device, "resolve_payout", None)
        if resolve is None:
            raise PaymentFault("no_payout_in_flight")
        resolve(denomination, coins_paid)

    def test_payout(self) -> Mapping[int, int]:
        one_hopper = getattr(self.device, "test_payout", None)
        paid: dict[int, int] = {}
        for denomination, count in sorted(self.device.levels().items()):
            if one_hopper is not None:  # the real hoppers: one coin from each
                paid[denomination] = one_hopper(denomination)
            elif count:
                paid[denomination] = self.device.dispense(denomination) // denomination
        return paid


# --- relay --------------------------------------------------------------------------------


class TlsRelayProbe:
    """Reachability (TCP), the mutual TLS 1.3 handshake with the pinned relay CA only, the
    certificates' expiry dates, and the relay's version check (the relay client's). With
    several centre nodes, the terminal can serve when one of them passes: the first that
    does is reported, else the first node's fault."""

    def __init__(self, relay: RelayConfig,
                 version_check: Callable[[], RelayInfo] | None = None) -> None:
        self.relay = relay
        self.version_check = version_check

    def probe(self) -> RelayStatus:
        results = []
        for endpoint in self.relay.endpoints:
            status = self._probe(endpoint)
            if status.version_ok or (status.tls_ok and self.version_check is None):
                return status
            results.append(status)
        return results[0]

    def _probe(self, endpoint: str) -> RelayStatus:
        url = urlsplit(endpoint)
        host, port = url.hostname or "127.0.0.1", url.port or 443
        # every answer carries the expiry dates of the kiosk's own certificates
        dated = RelayStatus(False, client_not_after=_not_after(self.relay.cert_file),
                            ca_not_after=_not_after(self.relay.ca_file))
        try:
            raw = socket.create_connection((host, port), timeout=self.relay.connect_timeout)
        except OSError as exc:
            return replace(dated, code=_socket_code(exc))
        try:
            if not (self.relay.ca_file and self.relay.cert_file and self.relay.key_file):
                return replace(dated, reachable=True, code="relay_not_configured")
            context = client_tls_context(self.relay.ca_file, self.relay.cert_file,
                                         self.relay.key_file)
            with context.wrap_socket(raw, server_hostname=host) as tls:
                der = tls.getpeercert(binary_form=True)
        except ssl.SSLCertVerificationError:
            return replace(dated, reachable=True, code="relay_cert_untrusted")
        except (ssl.SSLError, OSError):
            return replace(dated, reachable=True, code="tls_handshake_failed")
        finally:
            raw.close()
        server_not_after = x509.load_der_x509_certificate(der).not_valid_after_utc if der else None
        shook = replace(dated, reachable=True, tls_ok=True, server_not_after=server_not_after)
        if self.version_check is None:
            return replace(shook, code="version_unchecked")
        try:
            info = self.version_check()
        except (RelayError, ValueError, OSError) as exc:
            return replace(shook, code=str(getattr(exc, "code", "relay_error")))
        return replace(shook, version_ok=True, relay_version=info.relay_version)

def _not_after(path: Path | None) -> dt.datetime | None:
    if path is None:
        return None
    try:
        return x509.load_pem_x509_certificate(Path(path).read_bytes()).not_valid_after_utc
    except (OSError, ValueError):
        return None


def _socket_code(exc: OSError) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "relay_timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection_refused"
    if isinstance(exc, socket.gaierror):
        return "name_unresolved"
    return "relay_unreachable"


def https_version_check(relay: RelayConfig) -> Callable[[], RelayInfo] | None:
    """The relay client's own version and topology check over a fresh connection, or
    None when the configuration lacks what the client needs."""
    if not relay.client_configured:
        return None

    def check() -> RelayInfo:
        with HttpsRelayClient.from_config(relay) as client:
            return client.check_version()

    return check


class RelayAuditSink:
    """The audit trail's way to the relay (``POST /v1/technician-events``), and the log
    export's (``POST /v1/log-export``), over the kiosk's own relay client (mutual TLS; the
    relay takes the kiosk id from the client certificate). A fresh client per delivery,
    closed after it: these run rarely (entry, exit, self-test, an export) and must never
    hold a connection beside a customer session."""

    def __init__(self, client_factory: Callable[[], RelayClient]) -> None:
        self._client_factory = client_factory

    def send(self, records: list[dict[str, Any]]) -> int:
        client = self._client_factory()
        try:
            return client.send_technician_events(records)
        finally:
            _close(client)

    def send_logs(self, export_id: str, events: list[dict[str, Any]]) -> int:
        client = self._client_factory()
        try:
            return client.send_log_export(export_id, events)
        finally:
            _close(client)


def _close(client: object) -> None:
    close = getattr(client, "close", None)
    if close is not None:
        close()


def https_audit_sink(relay: RelayConfig) -> RelayAuditSink | None:
    """A sink over the real relay client, or None when the configuration lacks what the
    client needs. No retries: an undelivered record simply waits for the next forward."""
    if not (relay.client_configured and relay.ca_file and relay.cert_file and relay.key_file):
        return None
    ca_file, cert_file, key_file = relay.ca_file, relay.cert_file, relay.key_file

    def client() -> RelayClient:
        return HttpsRelayClient(relay.endpoints, ca_file=ca_file, cert_file=cert_file, key_file=key_file,
                                issuer_key=issuer_trust(relay), pins=frozenset(relay.pins),
                                connect_timeout=relay.connect_timeout, read_timeout=relay.read_timeout,
                                retries=0)

    return RelayAuditSink(client)


# --- session ------------------------------------------------------------------------------


class SessionStillOpen(Exception):
    """A customer session is open and this process cannot end it (``kiosk diag`` run
    beside the kiosk service): diagnostics are refused instead."""

    code = "session_open"


class JournalGate:
    """"Is a customer session open?" from the intent journal. Ending it belongs to the
    process that owns the session worker: the UI passes ``end_session`` (stop the worker,
    which wipes, then recovery settles the journal); without one, entry is refused."""

    def __init__(self, journal: Path, end_session: Callable[[], None] | None = None,
                 clear_alarm: Callable[[], None] | None = None) -> None:
        self.journal = journal
        self._end = end_session
        self._clear_alarm = clear_alarm

    def session_open(self) -> bool:
        return bool(Journal(self.journal).open_sessions())

    def end_and_wipe(self) -> None:
        if self._end is None:
            raise SessionStillOpen()
        self._end()

    def clear_alarm(self) -> None:
        """The session host's ``clear_alarm`` when given (it also starts the next worker),
        else the journal record it would write."""
        if self._clear_alarm is not None:
            self._clear_alarm()
            return
        journal = Journal(self.journal)
        if journal.alarm_raised():
            journal.append("terminal", Rec.ALARM_CLEARED)
