"""``kiosk ui --config FILE``: the kiosk in service.

Full screen, frameless, cursor hidden, no keyboard way out; the configured real devices
behind the session host. systemd (``kiosk.service``, ``Type=notify``) hears READY once the
first screen is live (serving, or out of service) and the start-up self-test has run
(``kiosk.diag.startup``; the host paused meanwhile, so that the test has the devices and
never holds them after), and a
WATCHDOG ping from a timer on the GUI thread, so a frozen screen gets the kiosk
restarted. SIGTERM ends the event loop; closing the host stops the worker through its
wipe.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from kiosk import config as kiosk_config
from kiosk.notify import Notifier, notifier
from kiosk.session.viewmodel import IntentKind
from protocol import log

if TYPE_CHECKING:
    from kiosk.diag.ports import SessionGate
    from kiosk.diag.service import DiagService
    from kiosk.process.host import SessionHost
    from kiosk.ui.window import KioskWindow

LOG = logging.getLogger("kiosk.ui")


def _selftest_then_ready(cfg: kiosk_config.Config, notify: Notifier,
                         gate: SessionGate | None = None) -> None:
    """The start-up self-test, then READY. Its probes open the devices (the cash device's
    ports, exclusively), so it runs while the session host is paused
    (:func:`_selftest_paused`), and closes what it opened."""
    try:
        from kiosk.diag.startup import start_selftest

        service, release = diag_service(cfg, gate)
        try:
            start_selftest(service, notify)
        finally:
            release()
    except Exception as exc:  # READY regardless: a terminal that cannot serve says why
        log.event(LOG, "ui.selftest_failed", logging.ERROR, kind=type(exc).__name__)
        notify.ready("out of service: selftest")


def _selftest_paused(host: SessionHost, cfg: kiosk_config.Config, notify: Notifier,
                     gate: SessionGate) -> None:
    """On the session host's thread (the GUI thread stays free for the watchdog): the host
    serves no one during the self-test, then serves again, unless it was paused already
    (a terminal a technician left out of service stays so)."""
    was = host.paused
    if was is None:
        host.pause()
    try:
        _selftest_then_ready(cfg, notify, gate)
    finally:
        if was is None:
            host.resume()


def diag_service(cfg: kiosk_config.Config,
                 gate: SessionGate | None) -> tuple[DiagService, Callable[[], None]]:
    """Diagnostic mode's service in the UI process, over the host's gate (else the
    journal's), with what closes the cash device it opened (the session host is paused
    meanwhile: see :mod:`kiosk.ui.maintenance`)."""
    from kiosk import composition
    from kiosk.diag.build import build_service
    from kiosk.payment.cash_device import CashDevice

    device = composition.payment_device(cfg) if cfg.devices.payment != "fake" else None
    try:
        service = build_service(cfg, gate=gate, payment_device=device)
    except Exception:
        if isinstance(device, CashDevice):
            device.close()
        raise
    return service, (device.close if isinstance(device, CashDevice) else lambda: None)


def kiosk_for(config_path: str, windowed: bool = False) -> KioskWindow:
    """The kiosk window of the configuration, over a session host whose worker builds the
    configured devices (in the composition root); shown when ``windowed``. The start
    screen's hidden gesture opens diagnostic mode (:mod:`kiosk.ui.maintenance`); a
    terminal a technician left out of service starts out of service."""
    from kiosk.diag.build import JOURNAL_NAME
    from kiosk.diag.service import left_out_of_service
    from kiosk.process.host import TECHNICIAN_OUT_OF_SERVICE, SessionHost
    from kiosk.process.worker import WorkerSpec
    from kiosk.session.viewmodel import Screen
    from kiosk.ui.app import application, kiosk_window, screen_panel, voice_guide
    from kiosk.ui.hostlink import HostLink
    from kiosk.ui.maintenance import Maintenance

    cfg = kiosk_config.load(config_path)
    spec = WorkerSpec(config_path=str(Path(config_path).resolve()))
    application()
    paused = TECHNICIAN_OUT_OF_SERVICE if left_out_of_service(cfg.state_dir) else None
    link = HostLink(lambda on_view: SessionHost(spec, on_view=on_view, paused=paused))
    ui = cfg.ui
    window = kiosk_window(
        link, language=ui.language, production=not windowed, sound=True, voice=voice_guide(ui),
        panel=screen_panel(ui.panel_width_mm, ui.panel_height_mm),
        final_hold_ms={Screen.THANK_YOU: round(ui.thank_you_hold * 1000),
                       Screen.ERROR: round(ui.error_hold * 1000)})
    Maintenance(window, link, cfg.state_dir / JOURNAL_NAME,
                lambda gate: diag_service(cfg, gate))  # a child of the window
    if windowed:
        window.show()
    return window


def run(config_path: str, windowed: bool = False) -> int:
    from kiosk.session.viewmodel import Screen
    from kiosk.ui.app import application
    from kiosk.ui.maintenance import Maintenance

    cfg = kiosk_config.load(config_path)
    window = kiosk_for(config_path, windowed)
    maintenance = window.findChild(Maintenance)
    assert isinstance(maintenance, Maintenance)
    app = application()
    notify = notifier()
    ready = threading.Event()

    def first_screen(_screen: str) -> None:
        # the first screen of the host: serving, or out of service (READY all the same)
        vm = window.vm
        if not ready.is_set() and (IntentKind.START in vm.allowed
                                   or vm.screen is Screen.OUT_OF_SERVICE):
            ready.set()
            maintenance.link.call(
                lambda host: _selftest_paused(host, cfg, notify, maintenance.gate))

    window.rendered.connect(first_screen)
    watchdog = QTimer()
    interval = notify.watchdog_interval_ms()
    if interval:
        watchdog.timeout.connect(notify.watchdog)  # from the GUI thread, on purpose
        watchdog.start(interval)
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    wake = QTimer()
    wake.timeout.connect(lambda: None)  # lets the interpreter run the signal handler
    wake.start(200)
    code = app.exec()
    notify.stopping()
    window.bridge.close()
    window.shutdown()
    return int(code)
