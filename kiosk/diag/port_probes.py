"""Probes over the devices the composition root built, whatever their kind.

A terminal in service is probed through CUPS and a TLS handshake of its own
(:class:`kiosk.diag.adapters.CupsProbe`, :class:`~kiosk.diag.adapters.TlsRelayProbe`). A
demo or test terminal whose printer or relay is a stand-in has neither a CUPS queue nor a
relay address to dial: it is probed through the same printer and relay client its
customers' sessions use, so the technician's test and the session can never disagree
about which device is there.
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.diag.adapters import diagnostic_page_pdf
from kiosk.diag.ports import PrinterStatus, RelayStatus
from kiosk.printing.printer import Printer
from kiosk.relay_client.errors import IncompatibleRelay, RelayError
from kiosk.relay_client.port import RelayClient
from protocol.clock import Clock

TEST_PAGE_DEADLINE_S = 60.0


class PrinterPortProbe:
    """A printer through the printing area's port: its preflight is its status."""

    def __init__(self, printer: Printer, clock: Clock) -> None:
        self.printer = printer
        self.clock = clock

    def status(self) -> PrinterStatus:
        self.printer.preflight()  # a fault raises PrinterFault with its reason
        return PrinterStatus("idle")

    def test_page(self) -> str:
        pdf = bytearray(diagnostic_page_pdf())
        job = self.printer.submit(pdf, 1, False)
        try:
            self.printer.wait(job, self.clock.monotonic() + TEST_PAGE_DEADLINE_S)
        finally:
            self.printer.purge(job)
        return str(job.id)

    def clear_fault(self) -> None:
        """Nothing to resume: a stand-in printer's faults are the tester's to switch."""


class RelayClientProbe:
    """The relay through the session's own relay client: its version check."""

    def __init__(self, make_client: Callable[[], RelayClient]) -> None:
        self.make_client = make_client

    def probe(self) -> RelayStatus:
        try:
            info = self.make_client().check_version()
        except IncompatibleRelay:
            return RelayStatus(True, tls_ok=True, code="incompatible_relay")
        except RelayError as exc:
            return RelayStatus(False, code=exc.code)
        return RelayStatus(True, tls_ok=True, version_ok=True, relay_version=info.relay_version)
