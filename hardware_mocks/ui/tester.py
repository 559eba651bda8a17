"""The tester panel: a second window in demo mode that plays the hardware.

It puts a persona's card on the virtual reader and takes it off (or pulls it in the middle
of a command), feeds coins and notes to the cash devices, breaks them (a coin or note jam,
a full stacker, a note refused, a hopper emptied, removed or stalled, the coin acceptor
silent, unplugged or answering garbage), switches printer and relay faults, and lists
what the printer produced. Over the federation (``FederationView``) each persona is shown
with the municipality that serves its card, the panel says which municipality issued the
last certificate, and each municipal issuing server can be stopped and started again (the
others keep serving: the isolation a tester shows). It talks to the devices only through a device channel
(``device(kind, **fields)``): the demo's hands (``hardware_mocks.ui.hands``: the cash
emulators on ptys, which the kiosk's real drivers read; the virtual reader; the
printer's fault switch), or ``InProcessEngine.device`` in the UI tests; never to the
kiosk window. It is for testers and is not translated: its texts are English.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hardware_mocks.session import virtual
from hardware_mocks.ui.federation_view import FederationView
from hardware_mocks.world import PERSONAS
from kiosk.payment.port import DENOMINATIONS

#: The cash devices' faults and their repairs (``hardware_mocks.cash.rig.COMMANDS``).
CASH_FAULTS = (
    ("Coin jam", "coin_jam"), ("Clear coin jam", "coin_clear_jam"),
    ("Coin on a string", "coin_string"), ("Acceptor silent", "acceptor_silent"),
    ("Acceptor answers", "acceptor_answers"), ("Acceptor garbage", "acceptor_garbage"),
    ("Unplug acceptor", "acceptor_unplug"),
    ("Note jam", "note_jam"), ("Clear note jam", "note_clear_jam"),
    ("Stacker full", "note_stacker_full"), ("Empty stacker", "note_stacker_emptied"),
    ("Refuse next note", "note_refuse_next"), ("Unplug validator", "validator_unplug"),
)
HOPPER_FAULTS = (
    ("Empty", "hopper_empty"), ("Remove", "hopper_removed"), ("Refit", "hopper_refitted"),
    ("Stall", "hopper_stall"), ("Unstall", "hopper_unstall"),
    ("Power cycle", "hopper_power_cycle"),
)
HOPPERS = (10, 50, 100, 500)
PRINTER_FAULTS = ("", *virtual.PRINTER_FAULTS)  # "": the printer works
RELAY_FAULTS = ("", *virtual.RELAY_FAULTS)  # "": the relay works


class DeviceChannel(Protocol):
    def device(self, kind: str, **fields: Any) -> None: ...


class TesterPanel(QWidget):
    def __init__(self, link: DeviceChannel, printed_dir: Path | None = None,
                 tray: Path | None = None, federation: FederationView | None = None) -> None:
        super().__init__()
        self.setObjectName("tester")
        self.setWindowTitle("Kiosk tester panel")
        self.link = link
        self.printed_dir = printed_dir
        self.tray = tray
        self.federation = federation
        box = QVBoxLayout(self)
        box.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # see KioskWindow
        self.resize(620, 720)

        card = QGroupBox("Card (virtual reader)")
        row = QGridLayout(card)
        self.persona = QComboBox()
        for p in PERSONAS:
            home = federation.homes.get(p.id) if federation is not None else None
            served = f" — {federation.label(home)}" if federation is not None and home else ""
            self.persona.addItem(f"{p.id} — PIN {p.pin} — {p.note}{served}", p.id)
        self.persona.setAccessibleName("Persona")
        self.insert = QPushButton("Insert card")
        self.remove = QPushButton("Remove card")
        self.pull = QPushButton("Pull card during the next command")
        self.insert.clicked.connect(
            lambda: self.link.device("card_insert", persona=self.persona.currentData()))
        self.remove.clicked.connect(lambda: self.link.device("card_remove"))
        self.pull.clicked.connect(lambda: self.link.device("card_pull_after", n=1))
        row.addWidget(self.persona, 0, 0, 1, 3)
        row.addWidget(self.insert, 1, 0)
        row.addWidget(self.remove, 1, 1)
        row.addWidget(self.pull, 1, 2)
        box.addWidget(card)

        money = QGroupBox("Coins and notes")
        mrow = QHBoxLayout(money)
        self.coin_buttons: dict[int, QPushButton] = {}
        for value in DENOMINATIONS:
            b = QPushButton(f"¥{value:,}")
            b.clicked.connect(lambda _=False, v=value: self.link.device("coin", value=v))
            self.coin_buttons[value] = b
            mrow.addWidget(b)
        box.addWidget(money)

        cash = QGroupBox("Cash device faults")
        crow = QGridLayout(cash)
        self.cash_buttons: dict[str, QPushButton] = {}
        for n, (text, kind) in enumerate(CASH_FAULTS):
            b = QPushButton(text)
            b.clicked.connect(lambda _=False, k=kind: self.link.device(k))
            self.cash_buttons[kind] = b
            crow.addWidget(b, n // 4, n % 4)
        self.jam, self.unjam = self.cash_buttons["coin_jam"], self.cash_buttons["coin_clear_jam"]
        self.hopper = QComboBox()
        for value in HOPPERS:
            self.hopper.addItem(f"hopper ¥{value}", value)
        self.hopper.setAccessibleName("Hopper")
        last = len(CASH_FAULTS) // 4 + 1
        crow.addWidget(self.hopper, last, 0)
        self.hopper_buttons: dict[str, QPushButton] = {}
        for n, (text, kind) in enumerate(HOPPER_FAULTS):
            b = QPushButton(text)
            b.clicked.connect(
                lambda _=False, k=kind: self.link.device(k, value=self.hopper.currentData()))
            self.hopper_buttons[kind] = b
            crow.addWidget(b, last + (n + 1) // 4, (n + 1) % 4)
        box.addWidget(cash)

        faults = QGroupBox("Faults")
        frow = QGridLayout(faults)
        self.printer_fault = QComboBox()
        self.printer_fault.addItems([f or "printer works" for f in PRINTER_FAULTS])
        self.printer_fault.setAccessibleName("Printer fault")
        self.printer_fault.currentIndexChanged.connect(
            lambda i: self.link.device("printer_fault", value=PRINTER_FAULTS[i] or None))
        self.relay_fault = QComboBox()
        self.relay_fault.addItems([f or "relay works" for f in RELAY_FAULTS])
        self.relay_fault.setAccessibleName("Relay fault")
        self.relay_fault.currentIndexChanged.connect(
            lambda i: self.link.device("relay_fault", value=RELAY_FAULTS[i] or None))
        frow.addWidget(QLabel("Printer"), 0, 0)
        frow.addWidget(self.printer_fault, 0, 1)
        frow.addWidget(QLabel("Relay"), 1, 0)
        frow.addWidget(self.relay_fault, 1, 1)
        box.addWidget(faults)

        self.municipality_state: dict[str, QLabel] = {}
        self.municipality_buttons: dict[tuple[str, str], QPushButton] = {}
        self.issued = QLabel("")
        if federation is not None:
            box.addWidget(self._federation_box(federation))

        out = QGroupBox("Printed")
        orow = QVBoxLayout(out)
        self.printed = QListWidget()
        self.printed.setAccessibleName("Printed documents")
        self.printed.itemActivated.connect(self._open)
        orow.addWidget(self.printed)
        box.addWidget(out)

        self.status = QLabel("")
        box.addWidget(self.status)
        self._seen: set[str] = set()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(500)

    def _federation_box(self, federation: FederationView) -> QGroupBox:
        group = QGroupBox("Federation: the centre and the municipal issuing servers")
        grid = QGridLayout(group)
        for n, (code, name) in enumerate(federation.names.items()):
            grid.addWidget(QLabel(f"{name} ({code})"), n, 0)
            state = QLabel("")
            self.municipality_state[code] = state
            grid.addWidget(state, n, 1)
            for column, (text, kind) in enumerate((("Stop", "municipality_stop"),
                                                   ("Start", "municipality_start")), start=2):
                b = QPushButton(f"{text} {code}")
                b.setEnabled(federation.stoppable)
                if not federation.stoppable:
                    b.setToolTip("the municipal servers run inside the centre's process")
                b.clicked.connect(lambda _=False, k=kind, c=code: self.link.device(k, code=c))
                self.municipality_buttons[(code, kind)] = b
                grid.addWidget(b, n, column)
        self.issued.setAccessibleName("Issued by")
        self.issued.setWordWrap(True)
        grid.addWidget(self.issued, len(federation.names), 0, 1, 4)
        return group

    def show_screen(self, screen: str) -> None:
        self.status.setText(f"Kiosk screen: {screen}")

    def refresh(self) -> None:
        """List new printer output (PDFs in the output folder, or tray records); show the
        municipal servers' state and who issued last."""
        if self.federation is not None:
            for code, state in self.municipality_state.items():
                state.setText("serving" if self.federation.running(code) or not self.federation.stoppable
                              else "stopped")
            issued = self.federation.last_issued()
            self.issued.setText(issued.text() if issued is not None else "No certificate issued yet")
        entries: list[tuple[str, str | None]] = []
        if self.printed_dir is not None and self.printed_dir.is_dir():
            entries += [(p.name, str(p)) for p in sorted(self.printed_dir.glob("*.pdf"))]
        if self.tray is not None and self.tray.exists():
            lines = self.tray.read_text(encoding="utf-8").splitlines()
            entries += [(f"job {n + 1}: {line}", None) for n, line in enumerate(lines)]
        for text, path in entries:
            if text in self._seen:
                continue
            self._seen.add(text)
            item = QListWidgetItem(text)
            item.setData(256, path)
            self.printed.addItem(item)

    def _open(self, item: QListWidgetItem) -> None:
        path = item.data(256)
        if path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))
