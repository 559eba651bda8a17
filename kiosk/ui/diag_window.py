"""Diagnostic mode on the touchscreen: the technician's code, device tests and actions.

Opened from the start screen's hidden gesture with :func:`open_diagnostics`. All logic is
in :class:`kiosk.diag.service.DiagService`; this module only shows it. Device tests can
take seconds (a relay time-out, a test page), so they run one at a time on a worker
thread and report back by a queued signal: the GUI thread stays free to feed the systemd
watchdog. The window closes itself after a few minutes without a touch, so a terminal
left in diagnostic mode returns to service. Nothing here can show personal data: the
service hands over codes, counts and dates only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.diag.auth import AuthOutcome
from kiosk.diag.checks import CheckResult, Status
from kiosk.diag.service import DEVICE_TESTS, DiagService
from kiosk.ui.widgets import KioskButton, label

CODE_DIGITS = 6
IDLE_MS = 5 * 60 * 1000
#: Coins a technician loads on a standard refill (the tubes of a freshly serviced machine).
STANDARD_REFILL = {500: 10, 100: 30, 50: 20, 10: 50}

TEST_LABELS = {
    "card.readers": "カードリーダー一覧",
    "card.read": "カード読取り試験",
    "printer.state": "プリンター状態",
    "printer.test_page": "テストページ印刷",
    "payment.self_test": "硬貨装置 自己診断",
    "payment.levels": "つり銭残量",
    "payment.test_payout": "払出し試験 (各1枚)",
    "relay": "中継サーバー (TLS・証明書・版)",
    "residue": "残留データ検査",
    "disk": "ディスク容量",
    "journal": "取引記録",
}
STATUS_MARK = {Status.OK: "OK", Status.WARNING: "注意", Status.FAULT: "異常"}
#: What a code means and what to do, for the technician, where the code alone does not say.
REASONS = {
    "kiosk_suspended": "中継サーバーの端末台帳でこの端末が利用停止中（端末の故障ではありません。"
                       "運営者が relay kiosk activate で再開すると自動で運用に戻ります）",
    "kiosk_retired": "中継サーバーの端末台帳でこの端末IDが廃止済み（端末の故障ではありません。"
                     "廃止した端末IDは relay kiosk activate では戻せず、自動でも運用に戻りません。"
                     "使い続けるには運営者が新しい端末IDと証明書を relay kiosk add で登録し、"
                     "この端末の kiosk_id と証明書を入れ替えてください）",
    "kiosk_unknown": "中継サーバーの端末台帳で、この端末の証明書がこの端末IDに登録されていません（端末IDが"
                     "未登録か、更新した証明書が未登録。運営者が relay kiosk add または relay kiosk renew で"
                     "登録すると自動で運用に戻ります）",
}


class _Signals(QObject):
    done = Signal(str, object)  # task name, result (or the exception)


class _Task(QRunnable):
    def __init__(self, name: str, work: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self._name, self._work, self._signals = name, work, signals

    def run(self) -> None:
        try:
            result: Any = self._work()
        except Exception as exc:
            result = exc
        self._signals.done.emit(self._name, result)


class CodePage(QWidget):
    """A 6-digit keypad; the code is shown as dots and kept only until it is checked."""

    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._digits: list[str] = []
        layout = QVBoxLayout(self)
        title = label("title")
        title.setText("保守モード — 技術者コードを入力してください")
        layout.addWidget(title)
        self.display = label("display")
        self.display.setObjectName("diag-code-display")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setStyleSheet("font-size: 40px; letter-spacing: 8px;")
        layout.addWidget(self.display)
        self.message = label()
        self.message.setObjectName("diag-code-message")
        layout.addWidget(self.message)
        grid = QGridLayout()
        self.keys: dict[str, KioskButton] = {}
        for i, key in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "ok"]):
            text = {"clear": "訂正", "ok": "確定"}.get(key, key)
            button = KioskButton(text, primary=key == "ok")
            button.setObjectName(f"diag-key-{key}")
            button.clicked.connect(lambda _=False, k=key: self._press(k))
            grid.addWidget(button, i // 3, i % 3)
            self.keys[key] = button
        layout.addLayout(grid)
        self.back = KioskButton("戻る")
        self.back.setObjectName("diag-code-back")
        self.back.clicked.connect(self.cancelled)
        layout.addWidget(self.back)
        self._refresh()

    def _press(self, key: str) -> None:
        if key == "clear":
            self._digits.clear()
        elif key == "ok":
            if len(self._digits) == CODE_DIGITS:
                code = "".join(self._digits)
                self._digits.clear()
                self.submitted.emit(code)
        elif len(self._digits) < CODE_DIGITS:
            self._digits.append(key)
        self._refresh()

    def _refresh(self) -> None:
        self.display.setText("●" * len(self._digits) + "○" * (CODE_DIGITS - len(self._digits)))
        self.keys["ok"].setEnabled(len(self._digits) == CODE_DIGITS)

    def set_locked(self, locked: bool) -> None:
        for key, button in self.keys.items():
            button.setEnabled(not locked and (key != "ok" or len(self._digits) == CODE_DIGITS))


class MainPage(QWidget):
    """Device tests (one button and one result line each), actions, counters."""

    def __init__(self) -> None:
        super().__init__()
        outer = QHBoxLayout(self)
        tests = QGridLayout()
        self.test_buttons: dict[str, KioskButton] = {}
        self.results: dict[str, QLabel] = {}
        for row, name in enumerate(DEVICE_TESTS):
            button = KioskButton(TEST_LABELS[name], min_width=260)
            button.setObjectName(f"diag-test-{name}")
            result = label()
            result.setObjectName(f"diag-result-{name}")
            tests.addWidget(button, row, 0)
            tests.addWidget(result, row, 1)
            self.test_buttons[name] = button
            self.results[name] = result
        outer.addLayout(tests, 3)
        side = QVBoxLayout()
        self.mode = label("title")
        self.mode.setObjectName("diag-mode")
        side.addWidget(self.mode)
        # the action buttons by key; the name hides QWidget.actions() (the QActions added
        # with addAction, of which this page has none), and the tests address it by it
        self.actions: dict[str, KioskButton] = {}  # type: ignore[assignment]  # hides QWidget.actions()
        for key, text in [("selftest", "全体自己診断"), ("service", ""),
                          ("empty", "つり銭回収"), ("refill", "つり銭補充"),
                          ("payout", "払出し未確定の精算"),
                          ("clear_printer", "プリンター障害解除"), ("clear_alarm", "警報解除"),
                          ("export", "ログ出力 (USB)"),
                          ("serviced", "点検完了 (カウンタ初期化)"), ("exit", "保守終了")]:
            button = KioskButton(text, primary=key == "exit", min_width=220)
            button.setObjectName(f"diag-action-{key}")
            side.addWidget(button)
            self.actions[key] = button
        self.status = label()
        self.status.setObjectName("diag-status")
        side.addWidget(self.status)
        outer.addLayout(side, 2)
        self.counters = QPlainTextEdit()
        self.counters.setObjectName("diag-counters")
        self.counters.setReadOnly(True)
        outer.addWidget(self.counters, 2)

    def all_buttons(self) -> list[KioskButton]:
        return [*self.test_buttons.values(), *self.actions.values()]


class RefillPage(QWidget):
    """How many coins of each kind the technician loads (steps of 10)."""

    confirmed = Signal(object)  # dict[int, int]; a Qt map would turn the keys into strings
    cancelled = Signal()

    STEP = 10

    def __init__(self) -> None:
        super().__init__()
        self.counts = dict(STANDARD_REFILL)
        layout = QVBoxLayout(self)
        title = label("title")
        title.setText("つり銭補充 — 投入する枚数")
        layout.addWidget(title)
        grid = QGridLayout()
        self.count_labels: dict[int, QLabel] = {}
        self.buttons: dict[str, KioskButton] = {}
        for row, coin in enumerate(sorted(self.counts, reverse=True)):
            grid.addWidget(QLabel(f"{coin} 円"), row, 0)
            for col, (sign, text) in enumerate(((-1, "−"), (1, "+"))):
                button = KioskButton(text)
                button.setObjectName(f"diag-refill-{coin}-{'minus' if sign < 0 else 'plus'}")
                button.clicked.connect(lambda _=False, c=coin, d=sign: self._step(c, d))
                grid.addWidget(button, row, 1 + 2 * col)
                self.buttons[button.objectName()] = button
            count = label()
            count.setObjectName(f"diag-refill-{coin}")
            grid.addWidget(count, row, 2)
            self.count_labels[coin] = count
        layout.addLayout(grid)
        self.total = label()
        layout.addWidget(self.total)
        buttons = QHBoxLayout()
        self.back = KioskButton("戻る")
        self.back.clicked.connect(self.cancelled)
        self.ok = KioskButton("確定", primary=True)
        self.ok.setObjectName("diag-refill-ok")
        self.ok.clicked.connect(lambda: self.confirmed.emit(dict(self.counts)))
        buttons.addWidget(self.back)
        buttons.addWidget(self.ok)
        layout.addLayout(buttons)
        self._refresh()

    def reset(self) -> None:
        self.counts = dict(STANDARD_REFILL)
        self._refresh()

    def _step(self, coin: int, direction: int) -> None:
        self.counts[coin] = max(0, self.counts[coin] + direction * self.STEP)
        self._refresh()

    def _refresh(self) -> None:
        for coin, lab in self.count_labels.items():
            lab.setText(f"{self.counts[coin]} 枚")
        self.total.setText(f"合計 {sum(c * n for c, n in self.counts.items())} 円")


class PayoutPage(QWidget):
    """A payout in flight that its hopper could not settle: the coins it was asked to pay,
    and how many the technician counted it paid (0 up to those)."""

    confirmed = Signal(int, int)  # the hopper's coin, the coins paid
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.coin = self.asked = self.paid = 0
        layout = QVBoxLayout(self)
        self.title = label("title")
        layout.addWidget(self.title)
        row = QHBoxLayout()
        self.buttons: dict[str, KioskButton] = {}
        for sign, text in ((-1, "−"), (1, "+")):
            button = KioskButton(text)
            button.setObjectName(f"diag-payout-{'minus' if sign < 0 else 'plus'}")
            button.clicked.connect(lambda _=False, d=sign: self._step(d))
            self.buttons[button.objectName()] = button
        self.count = label()
        self.count.setObjectName("diag-payout-count")
        row.addWidget(self.buttons["diag-payout-minus"])
        row.addWidget(self.count)
        row.addWidget(self.buttons["diag-payout-plus"])
        layout.addLayout(row)
        buttons = QHBoxLayout()
        self.back = KioskButton("戻る")
        self.back.clicked.connect(self.cancelled)
        self.ok = KioskButton("確定", primary=True)
        self.ok.setObjectName("diag-payout-ok")
        self.ok.clicked.connect(lambda: self.confirmed.emit(self.coin, self.paid))
        buttons.addWidget(self.back)
        buttons.addWidget(self.ok)
        layout.addLayout(buttons)

    def show_payout(self, coin: int, asked: int) -> None:
        """Start at none paid: the count is the technician's, never a guess of ours."""
        self.coin, self.asked, self.paid = coin, asked, 0
        self.title.setText(f"{coin} 円ホッパー — 払出し指示 {asked} 枚のうち、払い出された枚数")
        self._refresh()

    def _step(self, direction: int) -> None:
        self.paid = min(self.asked, max(0, self.paid + direction))
        self._refresh()

    def _refresh(self) -> None:
        self.count.setText(f"{self.paid} 枚")


class DiagWindow(QWidget):
    """The diagnostic screens over one :class:`DiagService` (a window of its own)."""

    #: A task finished: its name and what it returned (a CheckResult, a report ...).
    task_done = Signal(str, object)
    #: The technician left (or the window closed itself when left alone).
    finished = Signal()

    def __init__(self, service: DiagService, parent: QWidget | None = None,
                 idle_ms: int = IDLE_MS) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("diag-window")
        self.setWindowTitle("保守モード")
        self.service = service
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)
        self._busy = False
        self._close_when_done = False
        self.stack = QStackedWidget()
        self.code_page = CodePage()
        self.main_page = MainPage()
        self.refill_page = RefillPage()
        self.payout_page = PayoutPage()
        self.stack.addWidget(self.code_page)
        self.stack.addWidget(self.main_page)
        self.stack.addWidget(self.refill_page)
        self.stack.addWidget(self.payout_page)
        layout = QVBoxLayout(self)
        # The window's size is the panel's, never derived from its contents (and the
        # offscreen platform used by the tests cannot take size hints).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addWidget(self.stack)
        self.code_page.submitted.connect(self._submit_code)
        self.code_page.cancelled.connect(self.close)
        for name, button in self.main_page.test_buttons.items():
            button.clicked.connect(lambda _=False, n=name: self.run_test(n))
        acts = self.main_page.actions
        acts["selftest"].clicked.connect(self.run_self_test)
        acts["service"].clicked.connect(self._toggle_service)
        acts["empty"].clicked.connect(lambda: self._start("empty", service.empty_change))
        acts["refill"].clicked.connect(self._show_refill)
        self.refill_page.cancelled.connect(lambda: self.stack.setCurrentWidget(self.main_page))
        self.refill_page.confirmed.connect(self._refill)
        acts["payout"].clicked.connect(self._ask_payouts)
        self.payout_page.cancelled.connect(lambda: self.stack.setCurrentWidget(self.main_page))
        self.payout_page.confirmed.connect(self._resolve_payout)
        acts["clear_printer"].clicked.connect(
            lambda: self._start("clear_printer", service.clear_printer_fault))
        acts["clear_alarm"].clicked.connect(
            lambda: self._start("clear_alarm", service.clear_alarm))
        acts["export"].clicked.connect(lambda: self._start("export", service.export_logs))
        acts["serviced"].clicked.connect(lambda: self._start("serviced", service.mark_serviced))
        acts["exit"].clicked.connect(self.close)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(idle_ms)
        self._idle.timeout.connect(self.close)
        self._idle.start()
        self._show_lock()

    # --- the code ---------------------------------------------------------------------------

    def _submit_code(self, code: str) -> None:
        self._idle.start()
        result = self.service.authenticate(code)
        if result.ok:
            self.stack.setCurrentWidget(self.main_page)
            self._refresh_side()
            return
        if result.outcome is AuthOutcome.LOCKED:
            self._show_lock()
        elif result.outcome is AuthOutcome.SESSION_OPEN:
            self.code_page.message.setText("お客様の取引を終了しました。もう一度入力してください")
        elif result.outcome is AuthOutcome.REPLAYED:
            self.code_page.message.setText(f"このコードは使用済みです。残り {result.tries_left} 回")
        else:
            self.code_page.message.setText(f"コードが違います。残り {result.tries_left} 回")

    def _show_lock(self) -> None:
        until = self.service.locked_until()
        self.code_page.set_locked(until is not None)
        if until is not None:
            self.code_page.message.setText(f"ロック中: {until:%H:%M} まで入力できません")

    # --- tests and actions ------------------------------------------------------------------

    def run_test(self, name: str) -> None:
        self.main_page.results[name].setText("実行中…")
        self._start(name, lambda: self.service.run_test(name))

    def run_self_test(self) -> None:
        self._start("selftest", lambda: self.service.self_test(trigger="technician"))

    def _show_refill(self) -> None:
        self._idle.start()
        self.refill_page.reset()
        self.stack.setCurrentWidget(self.refill_page)

    def _refill(self, counts: dict[int, int]) -> None:
        self.stack.setCurrentWidget(self.main_page)
        self._start("refill", lambda: self.service.refill_change(counts))

    def _ask_payouts(self) -> None:
        """What is in flight is the cash device's to say: asked like any device test, on the
        worker thread, only when the technician asks (the page opens if there is one)."""
        self._start("payouts", lambda: dict(self.service.payouts_in_flight()))

    def _show_payout(self, in_flight: dict[int, int]) -> None:
        coin = min(in_flight)
        self.payout_page.show_payout(coin, in_flight[coin])
        self.stack.setCurrentWidget(self.payout_page)

    def _resolve_payout(self, coin: int, paid: int) -> None:
        self.stack.setCurrentWidget(self.main_page)
        self._start("payout", lambda: self.service.resolve_payout(coin, paid))

    def _toggle_service(self) -> None:
        self._start("service", lambda: self.service.set_in_service(not self.service.in_service()))

    def _start(self, name: str, work: Callable[[], Any]) -> None:
        if self._busy:
            return
        self._idle.start()
        self._busy = True
        for button in self.main_page.all_buttons():
            button.setEnabled(False)
        self.main_page.status.setText("実行中…")
        self._pool.start(_Task(name, work, self._signals))

    def _on_done(self, name: str, result: Any) -> None:
        self._busy = False
        if self._close_when_done:
            self.task_done.emit(name, result)
            self.close()
            return
        for button in self.main_page.all_buttons():
            button.setEnabled(True)
        self._idle.start()
        if isinstance(result, Exception):
            code = getattr(result, "code", None) or type(result).__name__
            self.main_page.status.setText(f"失敗: {code}")
        elif isinstance(result, CheckResult):
            self._show_result(name if name in self.main_page.results else result.name, result)
            self.main_page.status.setText("")
        elif name == "selftest":
            for check in result.results:
                key = check.name.split(".")[0] if check.name.startswith("residue.") else check.name
                if key in self.main_page.results:
                    self._show_result(key, check)
            faults = ", ".join(f"{r.name}:{r.code}" for r in result.faults)
            self.main_page.status.setText("運用可能" if result.can_serve else f"運用不可: {faults}")
        elif name == "export":
            self.main_page.status.setText(f"出力しました: {result.events} 件")
        elif name == "empty":
            self.main_page.status.setText(f"回収: {result} 円")
        elif name == "payouts":
            self.main_page.status.setText("" if result else "払出し未確定はありません")
            if result:
                self._show_payout(result)
        else:
            self.main_page.status.setText("完了")
        self._refresh_side()
        self.task_done.emit(name, result)

    def _show_result(self, name: str, result: CheckResult) -> None:
        text = STATUS_MARK[result.status]
        if result.code:
            text += f" ({result.code})"
            if result.code in REASONS:
                text += f" {REASONS[result.code]}"
        details = ", ".join(f"{k}={v}" for k, v in result.details.items())
        self.main_page.results[name].setText(f"{text}  {details}".strip())

    def _refresh_side(self) -> None:
        in_service = self.service.in_service()
        self.main_page.mode.setText("運用中" if in_service else "運用停止中")
        self.main_page.actions["service"].set_label("運用停止" if in_service else "運用再開")
        self.main_page.counters.setPlainText(
            json.dumps(self.service.counters().as_dict(), indent=1, ensure_ascii=False))

    # --- leaving --------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:  # never block the GUI thread (and the watchdog) on a device test
            self._close_when_done = True
            event.ignore()
            return
        self._idle.stop()
        self._pool.waitForDone()
        self.service.exit()
        super().closeEvent(event)
        self.finished.emit()


def open_diagnostics(parent: QWidget | None, diag_service: DiagService,
                     idle_ms: int = IDLE_MS) -> DiagWindow:
    """Open diagnostic mode (the start screen's hidden gesture calls this).

    An open customer session is ended and wiped first (audited); the window then asks for
    the technician's code. It is shown non-modal over ``parent``, full screen when the
    parent is; connect to ``finished`` to know when the technician has left (the service
    is then back in its previous mode, or out of service if the technician said so) and
    to drop the window (``deleteLater``).
    """
    diag_service.prepare_entry()
    window = DiagWindow(diag_service, parent, idle_ms=idle_ms)
    if parent is not None and parent.isFullScreen():
        window.showFullScreen()
    else:
        window.show()
    return window
