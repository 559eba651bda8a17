"""An error screen for every refusal code and every device fault, each with a next step."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.session.viewmodel import ErrorInfo, IntentKind, Screen, ViewModel
from kiosk.ui import texts
from kiosk.ui.texts import tr

pytestmark = pytest.mark.qt


def _optional(module: str, name: str, default: object = ()) -> Any:
    try:
        return getattr(importlib.import_module(module), name, default)
    except ImportError:
        return default


def _class_codes(package: str) -> set[str]:
    """The ``code`` of every exception class in the package's errors/faults/port modules."""
    found: set[str] = set()
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.endswith(("errors", "faults", "port")):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        for obj in vars(module).values():
            code = getattr(obj, "code", None)
            if isinstance(obj, type) and issubclass(obj, Exception) and isinstance(code, str):
                found.add(code)
    return found


def published_codes() -> dict[str, str]:
    """Codes the other areas publish, with the kind the engine reports them under."""
    codes: dict[str, str] = {}
    codes.update({c: "refusal" for c in _optional("protocol.refusals", "ALL")})
    codes.update({c: "relay" for c in _optional("kiosk.relay_client.client", "SESSION_CODES")})
    codes.update({c: "relay" for c in _class_codes("kiosk.relay_client")})
    codes.update({c: "payment" for c in _class_codes("kiosk.payment")})
    fault_codes = _optional("kiosk.payment.controller", "_FAULT_CODES", {})
    codes.update({c: "payment" for c in fault_codes.values()})
    printer = importlib.import_module("kiosk.printing.printer")
    codes.update({v: "printer" for k, v in vars(printer).items()
                  if k.isupper() and isinstance(v, str) and k != "STOPPED"
                  and v not in printer.FATES})
    interruptions = _optional("kiosk.session.engine", "_INTERRUPTION_INFO", {})
    codes.update({code: kind for code, kind, _ in interruptions.values()
                  if kind != "device"})
    codes.update({"pin_locked": "card", "card_removed": "card", "not_my_number": "card",
                  "worker_died": "device", "stopped": "device"})
    return codes


def test_every_published_code_has_its_own_text() -> None:
    missing = sorted(c for c, kind in published_codes().items()
                     if texts.canonical_code(c, kind) not in texts.ERROR_CODES)
    assert not missing, f"error codes without a screen text: {missing}"


CASES = sorted(texts.ERROR_CODES)


def test_codes_spelled_differently_share_a_text() -> None:
    assert texts.canonical_code("media-empty", "printer") == "media_empty"
    assert texts.canonical_code("jam", "payment") == "coin_jam"
    assert texts.canonical_code("jam", "printer") == "media_jam"
    assert all(target in texts.ERROR_CODES for target in texts.CODE_ALIASES.values())
    assert all(target in texts.ERROR_CODES for target in texts.KIND_CODES.values())


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_code_renders_its_title_and_next_step(qtbot: QtBot, kiosk, lang: str) -> None:
    kiosk.set_language(lang)
    page = kiosk.pages[Screen.ERROR]
    for code in CASES:
        for step, guidance in texts.NEXT_STEPS.items():
            vm = ViewModel(Screen.ERROR, frozenset({IntentKind.ACKNOWLEDGE}),
                           error=ErrorInfo(code, "refusal", step))
            kiosk.render(vm)
            assert page.title.text() == tr(texts.ERROR_CODES[code])
            assert page.next_step.text() == tr(guidance)
            assert page.ok.isVisible()
            assert page.title.text() != code


def test_unknown_codes_fall_back_to_their_kind(qtbot: QtBot, kiosk) -> None:
    page = kiosk.pages[Screen.ERROR]
    for kind, title in texts.ERROR_KINDS.items():
        kiosk.render(ViewModel(Screen.ERROR, error=ErrorInfo("some_new_code", kind, "retry")))
        assert page.title.text() == tr(title)
    kiosk.render(ViewModel(Screen.ERROR, error=ErrorInfo("x", "x", "unheard_of")))
    assert page.next_step.text() == tr(texts.NEXT_STEPS["retry"])


def test_money_lines(qtbot: QtBot, kiosk) -> None:
    page = kiosk.pages[Screen.ERROR]
    kiosk.render(ViewModel(Screen.ERROR, error=ErrorInfo("media_jam", "printer", "call_staff",
                                                         refunded=1200)))
    assert page.money.text() == "¥1,200 has been returned. Please take it."
    kiosk.render(ViewModel(Screen.ERROR, error=ErrorInfo("payout_shortfall", "payment",
                                                         "call_staff", voucher="RV-0042")))
    assert "RV-0042" in page.money.text()
    kiosk.render(ViewModel(Screen.ERROR, error=ErrorInfo("no_seal", "refusal", "visit_office")))
    assert page.money.text() == tr(texts.NOT_CHARGED)


def test_faults_injected_into_the_engine_reach_the_error_screen(qtbot: QtBot, kiosk, engine) -> None:
    page = kiosk.pages[Screen.ERROR]
    for code, kind in (("relay_timeout", "relay"), ("media_empty", "printer"),
                       ("coin_jam", "payment")):
        engine.fail(code, kind, "retry")

        def shown(c: str = code) -> bool:
            return kiosk.vm.screen is Screen.ERROR and kiosk.vm.error is not None and kiosk.vm.error.code == c

        qtbot.waitUntil(shown)
        assert page.title.text() == tr(texts.ERROR_CODES[code])
        assert page.next_step.text() == tr(texts.NEXT_STEPS["retry"])
        qtbot.mouseClick(page.ok, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: IntentKind.START in kiosk.vm.allowed)
    assert [o["code"] for o in engine.outcomes] == ["relay_timeout", "media_empty", "coin_jam"]


def test_a_document_that_fails_its_check_takes_the_terminal_out_of_service(
        qtbot: QtBot, kiosk, engine) -> None:
    from tests.kiosk.ui.test_flow import to_confirm

    engine.set_relay_fault("integrity")
    to_confirm(qtbot, kiosk, engine)
    qtbot.mouseClick(kiosk.pages[Screen.CONFIRM].confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: kiosk.vm.screen is Screen.OUT_OF_SERVICE)
    # The engine thread publishes the final view before it records the session's end.
    qtbot.waitUntil(lambda: engine.out_of_service is not None)
    assert kiosk.vm.final and engine.outcomes[-1]["alarm"]
    assert engine.out_of_service == "integrity"


REGISTER_CODES = ("kiosk_suspended", "kiosk_retired", "kiosk_unknown")


@pytest.mark.parametrize("lang", sorted(texts.LANGUAGES))
def test_a_terminal_the_register_refuses_says_so_in_every_language(qtbot: QtBot, kiosk, lang: str) -> None:
    """The register suspended or retired the terminal, or does not know its certificate:
    the customer reads that, not a fault, and each its own sentence; any other cause keeps
    the general sentence."""
    kiosk.set_language(lang)
    page = kiosk.pages[Screen.OUT_OF_SERVICE]
    shown = set()
    for code in REGISTER_CODES:
        body = tr(texts.OUT_OF_SERVICE_BODIES[code])
        kiosk.render(ViewModel(Screen.OUT_OF_SERVICE, final=True,
                               error=ErrorInfo(code, "relay", "call_staff")))
        assert page.body.text() == body and page.title.text() == tr(texts.OUT_OF_SERVICE_TITLE)
        assert lang == "en" or body != texts.OUT_OF_SERVICE_BODIES[code]  # translated
        shown.add(body)
    assert len(shown) == len(REGISTER_CODES)
    kiosk.render(ViewModel(Screen.OUT_OF_SERVICE, final=True,
                           error=ErrorInfo("relay_protocol", "relay", "call_staff")))
    assert page.body.text() == tr(texts.OUT_OF_SERVICE_BODY) not in shown


def test_a_retired_terminal_promises_no_return() -> None:
    """Retired is for good: its sentence sends the customer elsewhere and says nothing of
    coming back, unlike the general one's "at the moment"."""
    retired = texts.OUT_OF_SERVICE_BODIES["kiosk_retired"]
    assert "another terminal" in retired
    assert not any(word in retired.lower() for word in ("moment", "again", "soon", "temporar", "later"))


def test_short_change_voucher_shows_with_the_papers_and_the_thanks(qtbot: QtBot, kiosk) -> None:
    voucher = ErrorInfo("change_voucher", "payment", "none", voucher="V-7Q3Z")
    expected = tr(texts.VOUCHER, voucher="V-7Q3Z")
    kiosk.render(ViewModel(Screen.TAKE_PAPERS, allowed=frozenset({IntentKind.ACKNOWLEDGE}),
                           change_due=300, error=voucher))
    page = kiosk.stack.currentWidget()
    assert page.voucher.isVisible() and page.voucher.text() == expected
    kiosk.render(ViewModel(Screen.THANK_YOU, error=voucher))
    assert expected in kiosk.stack.currentWidget().body.text()
    kiosk.render(ViewModel(Screen.TAKE_PAPERS, allowed=frozenset({IntentKind.ACKNOWLEDGE}), change_due=300))
    assert not kiosk.stack.currentWidget().voucher.isVisible()
