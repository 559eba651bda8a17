"""Build the diagnostic service of this terminal from its configuration.

The devices come from the composition root (:mod:`kiosk.composition`), so the technician
tests the same card reader and cash device the customer's session uses; the ``[diag]``
table (:class:`kiosk.config.DiagConfig`) says where the secret, the logs, the USB stick,
the CUPS spool and configuration are.

The UI passes what it owns instead: its session gate (which can end a session), the
payment device and card reader it already opened, the relay client's version check. The
audit trail goes to the relay's technician-events endpoint over the ``[relay]`` client
unless an ``audit_sink`` is given; a log export may go to the relay the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kiosk import composition
from kiosk.card.reader import Reader
from kiosk.config import Config
from kiosk.diag.adapters import (
    CardLayerProbe,
    CupsProbe,
    JournalGate,
    PaymentDeviceProbe,
    TlsRelayProbe,
    https_audit_sink,
    https_version_check,
)
from kiosk.diag.audit import AuditSink
from kiosk.diag.port_probes import PrinterPortProbe, RelayClientProbe
from kiosk.diag.ports import SessionGate
from kiosk.diag.residue import ResiduePaths
from kiosk.diag.secret import default_secret_path, load_secret
from kiosk.diag.service import DiagDevices, DiagPaths, DiagService
from kiosk.payment.port import PaymentDevice
from kiosk.relay_client.port import RelayInfo
from protocol.clock import Clock, SystemClock

JOURNAL_NAME = "journal.jsonl"


def build_service(
    config: Config,
    *,
    clock: Clock | None = None,
    gate: SessionGate | None = None,
    reader: Reader | None = None,
    payment_device: PaymentDevice | None = None,
    version_check: Callable[[], RelayInfo] | None = None,
    audit_sink: AuditSink | None = None,
    on_mode_change: Callable[[str], None] | None = None,
) -> DiagService:
    diag = config.diag
    clock = clock or SystemClock()
    journal = config.state_dir / JOURNAL_NAME
    secret_file = diag.secret_file or default_secret_path()
    scratch = [config.runtime_dir]
    if not config.allows_virtual_devices:
        scratch += [Path("/tmp"), Path("/var/tmp")]  # the unit's private ones (PrivateTmp)
    spool = diag.spool_dir
    paths = DiagPaths(
        state_dir=config.state_dir,
        residue=ResiduePaths(spool_dir=spool,
                             cupsd_conf=diag.cupsd_conf,
                             scratch_dirs=tuple(scratch),
                             require_tmpfs=not config.allows_virtual_devices),
        log_files=diag.log_files,
        usb_dir=diag.usb_dir,
        journal=journal,
    )
    kinds = config.devices
    if payment_device is None and kinds.payment != "fake":
        payment_device = composition.payment_device(config)
    if reader is None and kinds.card == "virtual":
        reader = composition.card_reader(config)
    # A port fake (kind "fake") has no device behind it to probe: "not fitted".
    devices = DiagDevices(
        card=CardLayerProbe(config, reader) if kinds.card != "fake" else None,
        printer=(CupsProbe(config.printer_queue, config.printing.cups_server, clock, spool,
                           gate_dir=config.gate_dir)
                 if kinds.printer == "cups"
                 else PrinterPortProbe(composition.printer(config, clock), clock)
                 if kinds.printer == "virtual" else None),
        payment=PaymentDeviceProbe(payment_device) if payment_device is not None else None,
        relay=(TlsRelayProbe(config.relay, version_check or https_version_check(config.relay))
               if kinds.relay == "https"
               else RelayClientProbe(composition.relay_client(config))
               if kinds.relay == "virtual" else None),
    )
    relay_sink = https_audit_sink(config.relay)
    return DiagService(
        kiosk_id=config.kiosk_id,
        clock=clock,
        paths=paths,
        devices=devices,
        gate=gate or JournalGate(journal),
        secret_loader=lambda: load_secret(secret_file),
        audit_sink=audit_sink if audit_sink is not None else relay_sink,
        on_mode_change=on_mode_change,
        log_sink=relay_sink,
    )
