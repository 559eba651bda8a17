"""Sample view models: one per screen, with a generic menu and no personal data (a view
model never carries any). The kiosk paints each once before its first customer
(``KioskWindow.warm_up``), and the screenshots and UI tests use the same views."""

from __future__ import annotations

from typing import TypedDict

from kiosk.session.viewmodel import ErrorInfo, IntentKind, Screen, ViewModel
from protocol.documents.catalogue import CATALOGUE
from protocol.menu import MenuItem, MenuOption

#: The sample menu's fees (yen per copy): typical municipal fees, for pictures only.
FEES = {"juminhyo": 200, "juminhyo_kisai": 200, "inkan": 200, "koseki_zenbu": 350,
        "koseki_kojin": 350, "koseki_fuhyo": 200, "shotoku": 200}


def default_menu(unavailable: dict[str, str] | None = None) -> tuple[MenuItem, ...]:
    unavailable = unavailable or {}
    return tuple(
        MenuItem(
            type=t.value,
            fee=FEES[t.value],
            options=tuple(MenuOption(o.key, o.choices) for o in spec.options),
            available=t.value not in unavailable,
            refusal=unavailable.get(t.value),
        )
        for t, spec in CATALOGUE.items()
    )


I = IntentKind  # noqa: E741


class _Order(TypedDict):
    """The order fields that the views from options to payment share."""

    menu: tuple[MenuItem, ...]
    selected_type: str
    selected_options: dict[str, str]
    copies: int
    fee_per_copy: int
    total: int


def sample_views() -> dict[str, ViewModel]:
    """One representative view model per screen (and a few variants)."""
    menu = default_menu({"inkan": "no_seal", "koseki_zenbu": "koseki_hours"})
    order = _Order(menu=menu, selected_type="juminhyo",
                   selected_options={"scope": "household", "honseki": "omit",
                                     "relationship": "include", "my_number": "omit"},
                   copies=2, fee_per_copy=200, total=400)
    return {
        "01-start": ViewModel(Screen.START, frozenset({I.START, I.LANGUAGE})),
        "02-place-card": ViewModel(Screen.PLACE_CARD, frozenset({I.CANCEL})),
        "03-reading-card": ViewModel(Screen.READING_CARD),
        "04-pin": ViewModel(Screen.PIN, frozenset({I.PIN_SUBMITTED, I.CANCEL}), tries_left=3),
        "04b-pin-last-try": ViewModel(Screen.PIN, frozenset({I.PIN_SUBMITTED, I.CANCEL}),
                                      tries_left=1),
        "05-authenticating": ViewModel(Screen.AUTHENTICATING),
        "06-remove-card": ViewModel(Screen.REMOVE_CARD),
        "07-choose-type": ViewModel(Screen.CHOOSE_TYPE, frozenset({I.CHOOSE_TYPE, I.CANCEL}),
                                    menu=menu),
        "08-options": ViewModel(Screen.OPTIONS, frozenset({I.SET_OPTION, I.OPTIONS_DONE,
                                                           I.BACK, I.CANCEL}), **order),
        "09-copies": ViewModel(Screen.COPIES, frozenset({I.SET_COPIES, I.BACK, I.CANCEL}),
                               **order),
        "10-confirm": ViewModel(Screen.CONFIRM, frozenset({I.CONFIRM, I.BACK, I.CANCEL}),
                                **order),
        "11-preparing": ViewModel(Screen.PREPARING, progress=0.6, **order),
        "12-payment": ViewModel(Screen.PAYMENT, frozenset({I.CANCEL}), inserted=100, **order),
        "12b-payment-exact": ViewModel(Screen.PAYMENT, frozenset({I.CANCEL}),
                                       exact_change_only=True, **order),
        "13-printing": ViewModel(Screen.PRINTING, pages_done=1, pages_total=2, **order),
        "14-take-papers": ViewModel(Screen.TAKE_PAPERS, frozenset({I.ACKNOWLEDGE, I.CANCEL}),
                                    change_due=600, **order),
        "15-thank-you": ViewModel(Screen.THANK_YOU, final=True, session="sample",
                                  inserted=1000, change_due=600, **order),
        "16-more-time": ViewModel(Screen.COPIES, frozenset({I.MORE_TIME, I.CANCEL}),
                                  timeout_warning=True, seconds_left=20, **order),
        "17-error-refusal": ViewModel(Screen.ERROR, frozenset({I.ACKNOWLEDGE}),
                                      error=ErrorInfo("under_15", "refusal", "visit_office")),
        "17b-error-pin-locked": ViewModel(Screen.ERROR, frozenset({I.ACKNOWLEDGE}),
                                          error=ErrorInfo("pin_locked", "card",
                                                          "visit_office")),
        "17c-error-printer": ViewModel(Screen.ERROR, frozenset({I.ACKNOWLEDGE}),
                                       error=ErrorInfo("media_jam", "printer", "call_staff",
                                                       refunded=400)),
        "17d-error-card-left": ViewModel(Screen.ERROR, final=True, session="sample",
                                         card_on_reader=True,
                                         error=ErrorInfo("cancelled", "cancelled", "none")),
        "18-out-of-service": ViewModel(Screen.OUT_OF_SERVICE),
        "19-card-left": ViewModel(Screen.START, frozenset({I.LANGUAGE}), card_on_reader=True),
    }
