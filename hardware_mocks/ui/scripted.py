"""A scripted session engine that runs in the UI process.

It follows the same flow and speaks the same view models and intents as the real
engine, over nothing but in-memory fakes: a card slot that a tester fills with a
persona's PIN and tries, a cash box, and a printer whose fault can be switched. It holds
no personal data (a persona here is a PIN and a try counter). It exists for three things:
the UI tests (every screen and every error code, instantly), the demo when the real
session host is not available, and the UI benchmark. Nothing in it blocks: optional
``step_delay`` spreads progress updates over a background timer thread.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.session.viewmodel import ErrorInfo, Intent, IntentKind, Screen, ViewModel
from kiosk.ui.samples import FEES, default_menu
from protocol.documents.catalogue import CertType, default_options

I = IntentKind  # noqa: E741 - short alias for the tables below

@dataclass
class FakeCard:
    """What the scripted engine knows of a card: its PIN (as bytes) and tries left."""

    pin: bytearray
    tries_left: int = 3
    refusal: str | None = None  # the relay's answer to this card, e.g. "under_15"
    unavailable: dict[str, str] = field(default_factory=dict)  # type -> refusal code


class ScriptedEngine:
    def __init__(self, step_delay: float = 0.0, pages_per_copy: int = 1) -> None:
        self._lock = threading.RLock()
        self._listeners: list[Callable[[ViewModel], None]] = []
        self.step_delay = step_delay
        self.pages_per_copy = pages_per_copy
        self.card: FakeCard | None = None
        self.card_present = False
        self.printer_fault: str | None = None
        self.exact_change_only = False
        self.intents: list[Intent] = []
        self.paid_out: list[int] = []  # change and refunds, for tests
        self.printed: list[tuple[str, int]] = []  # (type, copies)
        self.language = "ja"
        self._timers: list[threading.Timer] = []
        self._vm = self._start_vm()

    # -- the link interface ------------------------------------------------------------------
    def subscribe(self, listener: Callable[[ViewModel], None]) -> None:
        with self._lock:
            self._listeners.append(listener)
            vm = self._vm
        listener(vm)

    def close(self) -> None:
        with self._lock:
            for t in self._timers:
                t.cancel()
            self._timers.clear()

    @property
    def vm(self) -> ViewModel:
        with self._lock:
            return self._vm

    def _publish(self, vm: ViewModel) -> None:
        with self._lock:
            self._vm = vm
            listeners = list(self._listeners)
        for listener in listeners:
            listener(vm)

    def _update(self, **changes: object) -> None:
        self._publish(dataclasses.replace(self.vm, **changes))  # type: ignore[arg-type]

    def _later(self, fn: Callable[[], None]) -> None:
        if self.step_delay <= 0:
            fn()
            return
        t = threading.Timer(self.step_delay, fn)
        t.daemon = True
        with self._lock:
            self._timers = [x for x in self._timers if x.is_alive()] + [t]
        t.start()

    # -- screens --------------------------------------------------------------------------------
    def _start_vm(self) -> ViewModel:
        return ViewModel(Screen.START, frozenset({I.START, I.LANGUAGE}))

    def _show(self, screen: Screen, allowed: set[IntentKind], **fields: object) -> None:
        base = dataclasses.replace(self.vm, timeout_warning=False, seconds_left=None)
        self._publish(dataclasses.replace(base, screen=screen,  # type: ignore[arg-type]
                                          allowed=frozenset(allowed | {I.LANGUAGE}), **fields))

    def fail(self, code: str, kind: str, next_step: str, refunded: int = 0,
             voucher: str | None = None) -> None:
        """End the session on an error screen (also used by tests for every code)."""
        with self._lock:
            inserted = self._vm.inserted
            if inserted and not refunded and voucher is None:
                refunded = inserted
        if refunded:
            self.paid_out.append(refunded)
        self._show(Screen.ERROR, {I.ACKNOWLEDGE},
                   error=ErrorInfo(code, kind, next_step, refunded, voucher))

    def send(self, intent: Intent) -> None:
        with self._lock:
            self.intents.append(intent)
            vm = self._vm
            if intent.kind not in vm.allowed:
                return
            self._handle(vm, intent)

    def _handle(self, vm: ViewModel, intent: Intent) -> None:
        k = intent.kind
        if k is I.LANGUAGE:
            self.language = intent.value or "ja"
        elif k is I.MORE_TIME:
            self._update(timeout_warning=False, seconds_left=None)
        elif k is I.CANCEL:
            self.fail("cancelled", "cancelled", "none")
        elif k is I.ACKNOWLEDGE:
            if vm.screen is Screen.TAKE_PAPERS:
                self._show(Screen.THANK_YOU, set())
                self._later(self.reset)
            else:
                self.reset()
        elif k is I.START:
            self._show(Screen.PLACE_CARD, {I.CANCEL}, session=uuid.uuid4().hex)
            if self.card_present:
                self._read_card()
        elif k is I.CHOOSE_TYPE and intent.value:
            item = next(m for m in vm.menu if m.type == intent.value)
            opts = default_options(CertType(item.type))
            fields = dict(selected_type=item.type, selected_options=opts, fee_per_copy=item.fee,
                          copies=1, total=item.fee)
            if item.options:
                self._show(Screen.OPTIONS, {I.SET_OPTION, I.OPTIONS_DONE, I.BACK, I.CANCEL},
                           **fields)
            else:
                self._show(Screen.COPIES, {I.SET_COPIES, I.BACK, I.CANCEL}, **fields)
        elif k is I.SET_OPTION and intent.key and intent.value:
            self._update(selected_options={**vm.selected_options, intent.key: intent.value})
        elif k is I.OPTIONS_DONE:
            self._show(Screen.COPIES, {I.SET_COPIES, I.BACK, I.CANCEL})
        elif k is I.SET_COPIES and intent.value:
            n = max(1, min(10, int(intent.value)))
            self._show(Screen.CONFIRM, {I.CONFIRM, I.BACK, I.CANCEL}, copies=n,
                       total=n * vm.fee_per_copy)
        elif k is I.BACK:
            self._back(vm)
        elif k is I.CONFIRM:
            self._show(Screen.PREPARING, set(), progress=0.0)
            self._later(lambda: self._update(progress=0.5))
            self._later(self._prepared)

    def _back(self, vm: ViewModel) -> None:
        if vm.screen is Screen.CONFIRM:
            self._show(Screen.COPIES, {I.SET_COPIES, I.BACK, I.CANCEL})
        elif vm.screen is Screen.COPIES:
            item = next((m for m in vm.menu if m.type == vm.selected_type), None)
            if item is not None and item.options:
                self._show(Screen.OPTIONS, {I.SET_OPTION, I.OPTIONS_DONE, I.BACK, I.CANCEL})
                return
            self._show(Screen.CHOOSE_TYPE, {I.CHOOSE_TYPE, I.CANCEL})
        elif vm.screen is Screen.OPTIONS:
            self._show(Screen.CHOOSE_TYPE, {I.CHOOSE_TYPE, I.CANCEL})

    def send_pin(self, pin: bytearray) -> None:
        with self._lock:
            self.intents.append(Intent(I.PIN_SUBMITTED))
            vm, card = self._vm, self.card
            if vm.screen is not Screen.PIN or card is None:
                return
            ok = len(pin) == len(card.pin) and all(a == b for a, b in zip(pin, card.pin))
            if ok:
                card.tries_left = 3
                self._show(Screen.AUTHENTICATING, set(), progress=None)
                self._later(self._authenticated)
                return
            card.tries_left -= 1
            if card.tries_left <= 0:
                self.fail("pin_locked", "card", "visit_office")
            else:
                self._show(Screen.PIN, {I.PIN_SUBMITTED, I.CANCEL}, tries_left=card.tries_left)

    # -- steps that a real engine would run in the worker ------------------------------------------
    def _read_card(self) -> None:
        card = self.card
        self._show(Screen.READING_CARD, set(), progress=None)
        if card is None:
            return
        if card.tries_left <= 0:
            self.fail("pin_locked", "card", "visit_office")
            return
        self._show(Screen.PIN, {I.PIN_SUBMITTED, I.CANCEL}, tries_left=card.tries_left)

    def _authenticated(self) -> None:
        with self._lock:
            card = self.card
            if self._vm.screen is not Screen.AUTHENTICATING or card is None:
                return
            if card.refusal:
                self.fail(card.refusal, "refusal", "visit_office")
                return
            self._show(Screen.REMOVE_CARD, set(), menu=default_menu(card.unavailable))
            if not self.card_present:
                self._show_menu()

    def _show_menu(self) -> None:
        self._show(Screen.CHOOSE_TYPE, {I.CHOOSE_TYPE, I.CANCEL})

    def _prepared(self) -> None:
        with self._lock:
            vm = self._vm
            if vm.screen is not Screen.PREPARING:
                return
            if self.printer_fault:
                self.fail(self.printer_fault, "printer", "other_terminal")
                return
            self._show(Screen.PAYMENT, {I.CANCEL}, progress=None, inserted=0, change_due=0,
                       exact_change_only=self.exact_change_only)

    def _print(self) -> None:
        with self._lock:
            vm = self._vm
            total_pages = vm.copies * self.pages_per_copy
            self._show(Screen.PRINTING, set(), pages_done=0, pages_total=total_pages,
                       progress=None)
        for done in range(1, total_pages + 1):
            self._later(lambda d=done: self._page_printed(d, total_pages))

    def _page_printed(self, done: int, total: int) -> None:
        with self._lock:
            vm = self._vm
            if vm.screen is not Screen.PRINTING:
                return
            if self.printer_fault:
                self.fail(self.printer_fault, "printer", "call_staff")
                return
            self._update(pages_done=done)
            if done == total:
                self.printed.append((vm.selected_type or "", vm.copies))
                if vm.change_due:
                    self.paid_out.append(vm.change_due)
                self._show(Screen.TAKE_PAPERS, {I.ACKNOWLEDGE})

    def reset(self) -> None:
        with self._lock:
            self._publish(dataclasses.replace(self._start_vm(), session=None))

    # -- the tester's hands (the tester panel and tests) ------------------------------------------------
    def insert_card(self, card: FakeCard) -> None:
        with self._lock:
            self.card, self.card_present = card, True
            if self._vm.screen is Screen.PLACE_CARD:
                self._read_card()

    def remove_card(self) -> None:
        with self._lock:
            self.card_present = False
            screen = self._vm.screen
            if screen is Screen.REMOVE_CARD:
                self._show_menu()
            elif screen in (Screen.READING_CARD, Screen.PIN, Screen.AUTHENTICATING):
                self.fail("card_removed", "card", "retry")

    def insert_money(self, amount: int) -> None:
        with self._lock:
            vm = self._vm
            if vm.screen is not Screen.PAYMENT:
                self.paid_out.append(amount)  # returned at once
                return
            inserted = vm.inserted + amount
            change = max(0, inserted - vm.total)
            self._update(inserted=inserted, change_due=change)
            if inserted >= vm.total:
                self._later(self._print)

    def device(self, kind: str, **fields: object) -> None:
        """The tester panel's device channel, as the session host has it."""
        if kind == "card_insert":
            self.insert_card(persona_fake_card(str(fields["persona"])))
        elif kind == "card_remove":
            self.remove_card()
        elif kind == "coin":
            self.insert_money(int(str(fields["value"])))
        elif kind == "printer_fault":
            self.set_printer_fault(fields.get("value") or None)  # type: ignore[arg-type]

    def set_printer_fault(self, code: str | None) -> None:
        with self._lock:
            self.printer_fault = code

    def warn_timeout(self, seconds_left: int = 20) -> None:
        """What the engine's inactivity timer does before a timeout."""
        self._update(timeout_warning=True, seconds_left=seconds_left,
                     allowed=self.vm.allowed | {I.MORE_TIME, I.CANCEL})

    def time_out(self) -> None:
        self.fail("timeout", "timeout", "retry")


def persona_card(pin: str, tries_left: int = 3, refusal: str | None = None,
                 unavailable: dict[str, str] | None = None) -> FakeCard:
    """A fake card for the scripted engine (test and demo personas only)."""
    buf = bytearray(pin.encode("ascii"))
    return FakeCard(buf, tries_left, refusal, dict(unavailable or {}))



def persona_fake_card(persona_id: str) -> FakeCard:
    """The scripted engine's idea of a test persona's card (hardware_mocks personas)."""
    from hardware_mocks.world import PERSONAS

    spec = next(p for p in PERSONAS if p.id == persona_id)
    refusal = {"revoked": "cert_revoked", "expired": "cert_expired"}.get(spec.card)
    for flag, code in (("deceased", "deceased"), ("moving_out", "moving_out"),
                       ("dv_measure", "dv_measure")):
        if flag in spec.flags:
            refusal = refusal or code
    unavailable: dict[str, str] = {}
    if spec.age < 15:
        unavailable = {t: "under_15" for t in FEES}
    elif not spec.seal:
        unavailable = {"inkan": "no_seal"}
    return persona_card(spec.pin, 0 if spec.card == "locked" else 3, refusal, unavailable)
