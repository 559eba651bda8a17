"""``kiosk ui --config FILE`` serves a customer end to end on a configuration like a
terminal's in service: every device real (the card through pcscd, the relay over mutual
TLS, the printer through cupsd, ``payment = "cash"``: the kiosk's own ccTalk and ID-003
drivers), the devices behind them the test's (the virtual reader, a private cupsd, the
cash emulators on ptys named in ``[payment]``). The customer pays with two coins and a
note; the hoppers pay the change; the certificate is printed; the ledger agrees with
what the devices physically took and paid."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

from hardware_mocks.services.cupsd import Cupsd
from hardware_mocks.services.pcscd import Pcscd
from hardware_mocks.ui.embedded import embedded
from hardware_mocks.vreader import control
from kiosk import config as kiosk_config
from kiosk.payment.ledger import Ledger
from kiosk.session.viewmodel import IntentKind, Screen
from kiosk.ui import production, screens
from kiosk.ui.window import KioskWindow

pytestmark = [pytest.mark.qt, pytest.mark.slow, pytest.mark.pcscd, pytest.mark.cupsd,
              pytest.mark.relay]
PERSONA, PIN = "shiken-ichiro", "1234"
WAIT_MS = 60_000  # two cores shared by many; nothing asserts on time


def touch(qtbot: QtBot, button: QAbstractButton) -> None:
    qtbot.waitUntil(lambda: button.isVisible() and button.isEnabled(), timeout=WAIT_MS)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def at(qtbot: QtBot, window: KioskWindow, screen: Screen) -> None:
    qtbot.waitUntil(lambda: window.vm.screen is screen, timeout=WAIT_MS)


def inserted_is(window: KioskWindow, amount: int) -> bool:
    return bool(window.vm.inserted == amount)


def test_kiosk_ui_serves_a_customer_on_the_cash_devices(qtbot: QtBot, world_dir: Path,
                                                       tmp_path: Path, pcscd: Pcscd,
                                                       cupsd_clean: Cupsd) -> None:
    world = tmp_path / "world"
    shutil.copytree(world_dir, world)
    with embedded(world, tmp_path / "kiosk", pcscd=pcscd, cupsd=cupsd_clean) as e:
        rig = e.rig
        assert rig is not None and rig.validator is not None
        cfg = kiosk_config.load(e.config)
        assert cfg.devices.stand_ins == {} and cfg.devices.payment == "cash"
        assert cfg.payment.coin_acceptor == Path(rig.acceptor.path)

        window = production.kiosk_for(str(e.config), windowed=True)
        qtbot.addWidget(window, before_close_func=lambda w: w.bridge.close())
        pages = window.pages
        qtbot.waitUntil(lambda: IntentKind.START in window.vm.allowed, timeout=WAIT_MS)
        start = pages[Screen.START]
        assert isinstance(start, screens.StartPage)
        touch(qtbot, start.start)
        at(qtbot, window, Screen.PLACE_CARD)
        control({"cmd": "insert", "persona": PERSONA}, e.vreader_socket)
        at(qtbot, window, Screen.PIN)
        pin = pages[Screen.PIN]
        assert isinstance(pin, screens.PinPage)
        for digit in PIN:
            touch(qtbot, pin.pad.digit_buttons[int(digit)])
        touch(qtbot, pin.pad.ok_button)
        at(qtbot, window, Screen.REMOVE_CARD)
        control({"cmd": "remove"}, e.vreader_socket)
        at(qtbot, window, Screen.CHOOSE_TYPE)
        choose = pages[Screen.CHOOSE_TYPE]
        assert isinstance(choose, screens.ChooseTypePage)
        touch(qtbot, choose.buttons["juminhyo"])
        at(qtbot, window, Screen.OPTIONS)
        options = pages[Screen.OPTIONS]
        assert isinstance(options, screens.OptionsPage)
        touch(qtbot, options.next)
        at(qtbot, window, Screen.COPIES)
        copies = pages[Screen.COPIES]
        assert isinstance(copies, screens.CopiesPage)
        touch(qtbot, copies.next)
        at(qtbot, window, Screen.CONFIRM)
        confirm = pages[Screen.CONFIRM]
        assert isinstance(confirm, screens.ConfirmPage)
        touch(qtbot, confirm.confirm)
        at(qtbot, window, Screen.PAYMENT)
        total = int(window.vm.total)
        assert 100 < total < 1100
        # two coins, then a note: each waits for its slot to open, as a customer does
        for counted in (50, 100):
            assert rig.wait_accepting(50)
            assert rig.acceptor.insert(50) == "credited"
            qtbot.waitUntil(partial(inserted_is, window, counted), timeout=WAIT_MS)
        assert rig.wait_accepting(1000)
        assert rig.validator.insert(1000) == "escrow"
        at(qtbot, window, Screen.TAKE_PAPERS)
        qtbot.waitUntil(lambda: any(e.output_dir.glob("*.pdf")), timeout=WAIT_MS)
        papers = pages[Screen.TAKE_PAPERS]
        assert isinstance(papers, screens.TakePapersPage)
        touch(qtbot, papers.done)
        at(qtbot, window, Screen.THANK_YOU)
        qtbot.waitUntil(lambda: window.vm.screen is Screen.START
                        and IntentKind.START in window.vm.allowed, timeout=WAIT_MS)

        paid, change = 1100, 1100 - total
        assert rig.acceptor.taken == 100 and rig.validator.stacked == 1000
        assert rig.paid_out == change  # the hoppers paid the change, once
        balances = list(Ledger.in_state_dir(cfg.state_dir).balances().values())
        assert len(balances) == 1
        b = balances[0]
        assert b.closed and (b.paid_in, b.charged, b.change, b.refunded, b.vouchered) == (
            paid, total, change, 0, 0)
        pdfs = list(e.output_dir.glob("*.pdf"))
        assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF")
