"""``kiosk demo``: the kiosk end to end on virtual hardware.

With a display it opens the kiosk window and the tester panel. Headless it plays a
scripted customer through the real UI offscreen (touches on the real widgets, the real
session engine in its worker processes) and writes to the output folder:

- ``journey/NN-<screen>.png``: each screen the customer saw, in order;
- ``screenshots/<lang>/<screen>.png``: every screen in every language;
- ``printed/``: what the printer produced (the PDF when the printer is a PDF queue;
  with the in-process virtual printer, the tray record of each job);
- ``demo.json``: the screens visited, the session outcome (amounts and codes only), what
  the cash emulators physically took and paid out, and which municipality issued the
  certificate (``issued_by``: its code and name, the document serials, from the centre's
  delivery log).

Devices: ``real`` starts the real pieces embedded (``hardware_mocks.ui.embedded``: the
federation, that is the issuing centre and three municipal issuing servers on loopback,
pcscd + virtual reader, a private cupsd with a PDF queue, the cash devices' emulators on
ptys) and prints real PDFs; ``virtual`` runs the virtual devices in the worker (virtual
card and reader, the relay's rules in process, the printing pipeline into a virtual
printer) but the cash devices are the emulators there too; in both the kiosk's own ccTalk
and ID-003 drivers take the money, and coins and notes are put into the emulators.
``fake`` runs the session's port fakes (payment included); ``auto`` (the default) is
``real``, or ``virtual`` when a real piece cannot start on this machine.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt
from PySide6.QtTest import QTest

from hardware_mocks.session import specs
from hardware_mocks.ui.screenshots import capture_all
from kiosk.process.worker import WorkerSpec
from kiosk.session.viewmodel import IntentKind, Screen
from kiosk.ui import screens
from kiosk.ui.hostlink import HostLink
from kiosk.ui.texts import LANGUAGES
from kiosk.ui.window import KioskWindow

if TYPE_CHECKING:  # the federation's world module holds the canary strings: never in a UI process that does not run it
    from hardware_mocks.ui.federation_view import FederationView, Issued

PERSONA, PIN, CERT = "shiken-ichiro", "1234", "juminhyo"
P = TypeVar("P", bound=screens.Page)


class DemoError(RuntimeError):
    """The scripted customer did not get where it should."""


def demo_world(out: Path) -> Path:
    """The synthetic world, made once per output folder (it takes some seconds); the
    federation's (:func:`~hardware_mocks.ui.embedded.federation_world`) beside it follows it."""
    from hardware_mocks.world import create

    root = out / "world"
    if not (root / "world.json").exists():
        for made in (root, out / "federation"):  # the federation is built on this world
            if made.exists():
                shutil.rmtree(made)
        create(root, seed=1)
    return root


def worker_spec(devices: str, world: Path, state: Path, run: Path) -> WorkerSpec:
    make = specs.virtual_spec if devices == "virtual" else specs.fake_spec
    return make(world, state, run)


def host_link(spec: Any) -> HostLink:
    from kiosk.process.host import SessionHost

    return HostLink(lambda on_view: SessionHost(spec, on_view=on_view))


def wait_until(pred: Callable[[], bool], timeout: float, what: str) -> None:
    """Spin the event loop until ``pred`` holds (headless driver only: no human waits)."""
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise DemoError(f"timed out waiting for {what}")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def page(pages: Mapping[Screen, screens.Page], screen: Screen, kind: type[P]) -> P:
    """The window's page for ``screen``, as the page class the customer expects there."""
    found = pages[screen]
    assert isinstance(found, kind), (screen, type(found))
    return found


class ScriptedCustomer:
    """Touches the kiosk window like a customer; the tester's hands work the devices."""

    def __init__(self, window: KioskWindow, hands: Any, journey: Path | None,
                 persona: str = PERSONA, pin: str = PIN) -> None:
        self.persona, self.pin = persona, pin
        self.w = window
        self.link = hands  # device(kind, **fields): the tester's hands
        self.journey = journey
        self.seen: list[str] = []
        window.rendered.connect(self._on_screen)

    def _on_screen(self, screen: str) -> None:
        if self.seen and self.seen[-1] == screen:
            return
        self.seen.append(screen)
        if self.journey is not None:
            self.journey.mkdir(parents=True, exist_ok=True)
            self.w.grab().save(str(self.journey / f"{len(self.seen):02d}-{screen}.png"))

    def at(self, screen: Screen, timeout: float = 20.0) -> None:
        wait_until(lambda: self.w.vm.screen is screen, timeout, screen.value)

    def touch(self, button: Any) -> None:
        wait_until(lambda: button.isVisible() and button.isEnabled(), 10.0, "a button")
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    def run(self) -> None:
        w, pages = self.w, self.w.pages
        wait_until(lambda: IntentKind.START in w.vm.allowed, 60.0, "the start screen")
        self.touch(page(pages, Screen.START, screens.StartPage).start)
        self.at(Screen.PLACE_CARD)
        self.link.device("card_insert", persona=self.persona)
        self.at(Screen.PIN)
        pad = page(pages, Screen.PIN, screens.PinPage).pad
        for digit in self.pin:
            self.touch(pad.digit_buttons[int(digit)])
        self.touch(pad.ok_button)
        self.at(Screen.REMOVE_CARD)
        self.link.device("card_remove")
        self.at(Screen.CHOOSE_TYPE)
        self.touch(page(pages, Screen.CHOOSE_TYPE, screens.ChooseTypePage).buttons[CERT])
        self.at(Screen.OPTIONS)
        self.touch(page(pages, Screen.OPTIONS, screens.OptionsPage).next)
        self.at(Screen.COPIES)
        self.touch(page(pages, Screen.COPIES, screens.CopiesPage).next)
        self.at(Screen.CONFIRM)
        self.touch(page(pages, Screen.CONFIRM, screens.ConfirmPage).confirm)
        self.at(Screen.PAYMENT, 60.0)
        self.link.device("coin", value=500)
        self.at(Screen.TAKE_PAPERS, 120.0)
        self.touch(page(pages, Screen.TAKE_PAPERS, screens.TakePapersPage).done)
        self.at(Screen.THANK_YOU)
        wait_until(lambda: w.vm.screen is Screen.START and IntentKind.START in w.vm.allowed,
                   60.0, "the next customer's start screen")


def collect_printed(state: Path, out: Path, pdfs: Path | None) -> list[str]:
    """Copy what the printer produced into ``out``: the PDFs of a PDF queue, or the tray
    record of the in-process fake printer (job ids and copies, never content)."""
    out.mkdir(parents=True, exist_ok=True)
    found = []
    if pdfs is not None:
        for pdf in sorted(pdfs.glob("*.pdf")):
            shutil.copy(pdf, out / pdf.name)
            found.append(pdf.name)
    tray = state / "tray.jsonl"
    if tray.exists():
        shutil.copy(tray, out / "tray.jsonl")
        found.append("tray.jsonl")
    return found


@dataclass
class Rig:
    """What a demo runs on: the engine link, the tester's hands, the printer's PDF folder
    (None for the in-process fake printer), the state folder, which devices, and the
    federation behind the kiosk (None without the real pieces)."""

    link: HostLink
    hands: Any
    pdfs: Path | None
    state: Path
    devices: str
    federation: FederationView | None = None


@contextmanager
def devices_for(devices: str, world: Path, tmp: Path,
                services: dict[str, Any] | None = None, relay: str = "processes") -> Iterator[Rig]:
    """``real`` starts the embedded pieces, the federation as ``relay`` says (``processes``
    or ``embedded``, :data:`~hardware_mocks.ui.embedded.RELAY_MODES`); ``auto`` tries them and falls back to the
    virtual devices when one cannot start here (no pcscd/vpcd, pcscd busy, no cupsd).
    ``real`` and ``virtual`` take money through the kiosk's real cash drivers on the cash
    emulators (:class:`~hardware_mocks.cash.rig.CashRig`), which the tester's hands work;
    ``fake`` through the session's payment fake."""
    from hardware_mocks.ui.hands import Hands

    state, run = tmp / "state", tmp / "run"
    with ExitStack() as stack:
        e = None
        if devices in ("real", "auto"):
            from hardware_mocks.ui.embedded import embedded

            try:
                e = stack.enter_context(embedded(world, tmp, relay=relay, **(services or {})))
            except (OSError, RuntimeError) as exc:
                if devices == "real":
                    raise
                print(f"demo: the real pieces did not start ({type(exc).__name__}: {exc}); "
                      "using the virtual devices", file=sys.stderr)
        if e is not None:
            from hardware_mocks.ui.federation_view import view

            link = host_link(e.spec)
            hands = Hands(link, e.rig, e.vreader_socket, e.switch, e.federation)
            stack.callback(hands.close)
            yield Rig(link, hands, e.output_dir, state, "real",
                      view(e.federation) if e.federation is not None else None)
            return
        used = "virtual" if devices in ("real", "auto") else devices
        if used == "virtual":
            from hardware_mocks.cash.rig import CashRig

            rig = stack.enter_context(CashRig())
            link = host_link(specs.cash_spec(world, state, run, rig))
        else:
            rig, link = None, host_link(worker_spec(used, world, state, run))
        hands = Hands(link, rig)
        stack.callback(hands.close)
        yield Rig(link, hands, None, state, used)


def headless(out: Path, devices: str = "auto",
             languages: tuple[str, ...] = tuple(LANGUAGES),
             world: Path | None = None, persona: str = PERSONA, pin: str = PIN,
             services: dict[str, Any] | None = None, relay: str = "processes") -> dict[str, Any]:
    from kiosk.ui.app import application, kiosk_window

    out.mkdir(parents=True, exist_ok=True)
    world = world or demo_world(out)
    app = application()
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp, \
            devices_for(devices, world, Path(tmp), services, relay) as rig:
        link, hands, pdfs, state = rig.link, rig.hands, rig.pdfs, rig.state
        window = kiosk_window(link, language="ja",
                              final_hold_ms={Screen.THANK_YOU: 1500, Screen.ERROR: 1500})
        window.show()
        customer = ScriptedCustomer(window, hands, out / "journey", persona, pin)
        try:
            customer.run()
            window.rendered.disconnect(customer._on_screen)
            window.bridge.blockSignals(True)  # the next customer's screens wait
            shots = capture_all(window, out / "screenshots", languages)
            window.bridge.blockSignals(False)
            outcomes: list[dict[str, Any]] = []
            link.call(lambda host: outcomes.extend(host.outcomes))
            wait_until(lambda: bool(outcomes), 10.0, "the session outcome")
            if pdfs is not None:
                wait_until(lambda: any(pdfs.glob("*.pdf")), 30.0, "the printed PDF")
            issued = None
            if rig.federation is not None:  # the kiosk reports the outcome to the centre after the session
                issued = _issued(rig.federation)
        finally:
            window.bridge.close()
            window.close()
        printed = collect_printed(state, out / "printed", pdfs)
        cash_rig = getattr(hands, "rig", None)
        cash = None if cash_rig is None else {"taken": cash_rig.taken,
                                              "paid_out": cash_rig.paid_out}
    app.processEvents()
    summary = {
        "devices": rig.devices,
        "screens": customer.seen,
        "outcome": outcomes[-1] if outcomes else None,
        "screenshots": len(shots),
        "languages": list(languages),
        "printed": printed,
        "cash": cash,  # what the emulated devices physically took and paid out (yen)
        "relay": relay if rig.federation is not None else None,  # how the federation ran
        "issued_by": issued.to_json() if issued is not None else None,
    }
    (out / "demo.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary


def _issued(federation: FederationView) -> Issued:
    """The centre's record of the certificate just issued, once the kiosk's outcome
    report has reached it."""
    found: list[Issued] = []

    def delivered() -> bool:
        issued = federation.last_issued()
        found[:] = [issued] if issued is not None and issued.outcome else []
        return bool(found)

    wait_until(delivered, 30.0, "the centre's delivery record")
    return found[0]


def interactive(out: Path, devices: str = "auto", relay: str = "processes") -> int:
    from hardware_mocks.ui.tester import TesterPanel
    from kiosk.ui.app import application, kiosk_window

    out.mkdir(parents=True, exist_ok=True)
    world = demo_world(out)
    app = application()
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp, \
            devices_for(devices, world, Path(tmp), relay=relay) as rig:
        link, pdfs, state = rig.link, rig.pdfs, rig.state
        window = kiosk_window(link, language="ja", sound=True)
        panel = TesterPanel(rig.hands, printed_dir=pdfs, tray=state / "tray.jsonl",
                            federation=rig.federation)
        window.rendered.connect(panel.show_screen)
        window.setWindowTitle("Certificate kiosk (demo)")
        window.show()
        panel.move(window.x() + window.width() + 20, window.y())
        panel.show()
        code = app.exec()
        window.bridge.close()
        collect_printed(state, out / "printed", pdfs)
    return int(code)
