"""Every customer-facing string of the kiosk, in one place.

The source language is English; Japanese is the default display language. Strings are
marked with ``QT_TRANSLATE_NOOP`` so ``pyside6-lupdate`` extracts them into
``kiosk/ui/translations/*.ts``, and are translated at render time with :func:`tr`, so a
language switch only has to re-render the current view model. Placeholders use Python's
``{name}`` syntax; a test checks that every translation keeps the same placeholders.

Codes that come from the engine (certificate types, options, refusal and fault codes)
map to strings through the tables below; a code without an entry falls back to its
kind's generic text so a new code never shows a raw identifier to a customer.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

if TYPE_CHECKING:
    # PySide6's stub types the marker as ``(object, object) -> object``; at run time it
    # returns ``message`` unchanged, so every marked string below is a ``str``. The calls
    # keep Qt's name because ``lupdate`` finds the strings by it.
    def QT_TRANSLATE_NOOP(context: str, message: str, /) -> str: ...
else:
    from PySide6.QtCore import QT_TRANSLATE_NOOP

# Display languages: code -> name written in that language (never translated).
LANGUAGES: dict[str, str] = {
    "ja": "日本語",
    "en": "English",
    "zh": "简体中文",
    "ko": "한국어",
    "vi": "Tiếng Việt",
    "pt": "Português",
}
DEFAULT_LANGUAGE = "ja"
# .ts/.qm file stem per language (English is the source language: no file).
CATALOGUE_FILES: dict[str, str] = {
    "ja": "kiosk_ja",
    "zh": "kiosk_zh_CN",
    "ko": "kiosk_ko",
    "vi": "kiosk_vi",
    "pt": "kiosk_pt",
}
CONTEXT = "Kiosk"


def tr(text: str, **fields: object) -> str:
    """Translate a marked source string into the current language and fill it in."""
    out = QCoreApplication.translate(CONTEXT, text)
    return out.format(**fields) if fields else out


def yen(amount: int) -> str:
    return f"¥{amount:,}"


def spoken_yen(amount: int) -> str:
    """An amount as the voice says it: 「420円」, "420 yen" (the engines read the numbers)."""
    return tr(SPOKEN_YEN, amount=amount)


# --- general -----------------------------------------------------------------------
SERVICE_NAME = QT_TRANSLATE_NOOP("Kiosk", "Certificate issuing service")
BACK = QT_TRANSLATE_NOOP("Kiosk", "Back")
CANCEL = QT_TRANSLATE_NOOP("Kiosk", "Cancel")
NEXT = QT_TRANSLATE_NOOP("Kiosk", "Next")
OK = QT_TRANSLATE_NOOP("Kiosk", "OK")
LARGE_TEXT = QT_TRANSLATE_NOOP("Kiosk", "Large text")
HIGH_CONTRAST = QT_TRANSLATE_NOOP("Kiosk", "High contrast")
PLEASE_WAIT = QT_TRANSLATE_NOOP("Kiosk", "Please wait…")
SWITCH_LANGUAGE_TO = QT_TRANSLATE_NOOP("Kiosk", "Switch the language to {name}")
PROGRESS_NAME = QT_TRANSLATE_NOOP("Kiosk", "Progress")
CALL_STAFF = QT_TRANSLATE_NOOP("Kiosk", "Call staff")
STAFF_CALLED = QT_TRANSLATE_NOOP(
    "Kiosk", "Staff have been called. Please wait at the terminal."
)

# --- voice guidance (spoken; the keypad's keys are named as on a numeric keypad) --------------
VOICE_GUIDE = QT_TRANSLATE_NOOP("Kiosk", "Voice guide")
VOICE_GUIDE_ON = QT_TRANSLATE_NOOP(
    "Kiosk",
    "Voice guidance is on. Move with the arrow keys or 2, 4, 6 and 8; choose with 5 or Enter. "
    "Plus: help and repeat. Minus: cancel. Star: call staff.",
)
VOICE_GUIDE_OFF = QT_TRANSLATE_NOOP("Kiosk", "Voice guidance is off.")
DIGIT_ENTERED = QT_TRANSLATE_NOOP("Kiosk", "Digit entered")
DIGIT_DELETED = QT_TRANSLATE_NOOP("Kiosk", "Digit deleted")
PIN_CLEARED = QT_TRANSLATE_NOOP("Kiosk", "PIN cleared")
PIN_FULL = QT_TRANSLATE_NOOP("Kiosk", "Four digits entered. Press Enter to confirm.")
SPOKEN_YEN = QT_TRANSLATE_NOOP("Kiosk", "{amount} yen")
SELECTED = QT_TRANSLATE_NOOP("Kiosk", "{name}, selected")
CHOICES_COUNT = QT_TRANSLATE_NOOP("Kiosk", "{n} choices. Use the arrow keys to hear them.")

# --- start / out of service ----------------------------------------------------------
START_SUBTITLE = QT_TRANSLATE_NOOP(
    "Kiosk", "Residence, seal registration, family register and tax certificates"
)
START_BUTTON = QT_TRANSLATE_NOOP("Kiosk", "Start")
START_NEEDS = QT_TRANSLATE_NOOP("Kiosk", "You need your My Number card and its 4-digit PIN.")
SERVICE_HOURS = QT_TRANSLATE_NOOP("Kiosk", "Service hours: {start} – {end}")
CHOOSE_LANGUAGE = QT_TRANSLATE_NOOP("Kiosk", "Choose your language")
OUT_OF_SERVICE_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Out of service")
OUT_OF_SERVICE_BODY = QT_TRANSLATE_NOOP(
    "Kiosk",
    "This terminal cannot issue certificates at the moment. "
    "Please use another terminal or the municipal office counter.",
)
# The out-of-service sentence for a cause the customer should know (by the code the
# host reports); any other cause gets OUT_OF_SERVICE_BODY.
OUT_OF_SERVICE_BODIES: dict[str, str] = {
    "kiosk_suspended": QT_TRANSLATE_NOOP(
        "Kiosk",
        "The operator of the certificate service has suspended this terminal. "
        "Please use another terminal or the municipal office counter.",
    ),
    # retired for good: it says what happened and where to go, and promises no return
    "kiosk_retired": QT_TRANSLATE_NOOP(
        "Kiosk",
        "The operator of the certificate service has taken this terminal out of service. "
        "Please use another terminal or the municipal office counter.",
    ),
    "kiosk_unknown": QT_TRANSLATE_NOOP(
        "Kiosk",
        "This terminal is not registered with the certificate service. "
        "Please use another terminal or the municipal office counter.",
    ),
}

# --- card -------------------------------------------------------------------------------
PLACE_CARD_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Place your My Number card on the reader")
PLACE_CARD_BODY = QT_TRANSLATE_NOOP(
    "Kiosk", "The card reader is to the right of the screen. Lay the card flat, face up."
)
CARD_PICTURE = QT_TRANSLATE_NOOP("Kiosk", "Picture: the card lies on the reader beside the screen")
READING_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Reading your card")
READING_BODY = QT_TRANSLATE_NOOP("Kiosk", "Do not move or remove the card.")
PIN_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Enter your 4-digit PIN")
PIN_BODY = QT_TRANSLATE_NOOP(
    "Kiosk", "The PIN for the user certificate (利用者証明用). Shield the keypad with your hand."
)
TRIES_LEFT = QT_TRANSLATE_NOOP("Kiosk", "Tries left: {n}")
LAST_TRY = QT_TRANSLATE_NOOP(
    "Kiosk", "Last try: if this PIN is wrong, the card will be locked."
)
WRONG_PIN = QT_TRANSLATE_NOOP("Kiosk", "That PIN was not correct.")
VOLUME_LEVEL = QT_TRANSLATE_NOOP("Kiosk", "Volume {n} of {steps}")
SPEED_LEVEL = QT_TRANSLATE_NOOP("Kiosk", "Speech rate {n} of {steps}")
PIN_DIGITS_ENTERED = QT_TRANSLATE_NOOP("Kiosk", "PIN: {n} of 4 digits entered")
PIN_DIGIT = QT_TRANSLATE_NOOP("Kiosk", "Digit {d}")
PIN_CLEAR = QT_TRANSLATE_NOOP("Kiosk", "Clear")
PIN_OK = QT_TRANSLATE_NOOP("Kiosk", "Enter")
AUTH_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Checking your card")
REMOVE_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Please remove your card")
REMOVE_BODY = QT_TRANSLATE_NOOP("Kiosk", "Take your card from the reader and keep it with you.")
TAKE_CARD = QT_TRANSLATE_NOOP("Kiosk", "Please take your card")
CARD_STILL_THERE = QT_TRANSLATE_NOOP("Kiosk", "Your card is still on the reader.")

# --- choosing ---------------------------------------------------------------------------
CHOOSE_TYPE_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Which certificate do you need?")
FEE_PER_COPY = QT_TRANSLATE_NOOP("Kiosk", "{fee} per copy")
NOT_AVAILABLE = QT_TRANSLATE_NOOP("Kiosk", "Not available: {reason}")
OPTIONS_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Choose what the certificate shows")
COPIES_TITLE = QT_TRANSLATE_NOOP("Kiosk", "How many copies?")
COPIES_FEWER = QT_TRANSLATE_NOOP("Kiosk", "One copy fewer")
COPIES_MORE = QT_TRANSLATE_NOOP("Kiosk", "One copy more")
COPIES_VALUE = QT_TRANSLATE_NOOP("Kiosk", "{n} copies")
FEE_LINE = QT_TRANSLATE_NOOP("Kiosk", "{fee} × {n} = {total}")
CONFIRM_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Please check your request")
CONFIRM_TYPE = QT_TRANSLATE_NOOP("Kiosk", "Certificate")
CONFIRM_COPIES = QT_TRANSLATE_NOOP("Kiosk", "Copies")
CONFIRM_TOTAL = QT_TRANSLATE_NOOP("Kiosk", "Total fee")
CONFIRM_BUTTON = QT_TRANSLATE_NOOP("Kiosk", "Confirm and request")

# --- preparing, paying, printing ----------------------------------------------------------
PREPARING_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Preparing your certificate")
PREPARING_BODY = QT_TRANSLATE_NOOP("Kiosk", "This takes a few seconds. Nothing is charged yet.")
PAYMENT_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Please insert {total}")
PAYMENT_INSERTED = QT_TRANSLATE_NOOP("Kiosk", "Inserted: {amount}")
PAYMENT_REMAINING = QT_TRANSLATE_NOOP("Kiosk", "Still to pay: {amount}")
PAYMENT_CHANGE = QT_TRANSLATE_NOOP("Kiosk", "Your change: {amount}")
PAYMENT_ACCEPTS = QT_TRANSLATE_NOOP("Kiosk", "Accepted: {coins} yen coins and {notes} yen notes.")
EXACT_ONLY = QT_TRANSLATE_NOOP(
    "Kiosk", "No change available: please insert the exact amount."
)
PAYMENT_CANCEL = QT_TRANSLATE_NOOP("Kiosk", "Cancel and return my money")
PAYMENT_WHERE = QT_TRANSLATE_NOOP(
    "Kiosk", "Coins go into the coin slot and notes into the note slot, below the card reader."
)
PAYMENT_PICTURE = QT_TRANSLATE_NOOP(
    "Kiosk", "Picture: the coin slot and the note slot below the card reader"
)
COIN_SLOT = QT_TRANSLATE_NOOP("Kiosk", "Coins")
NOTE_SLOT = QT_TRANSLATE_NOOP("Kiosk", "Notes")
CHARGED = QT_TRANSLATE_NOOP("Kiosk", "Charged: {amount}")
PRINTING_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Printing")
PRINTING_PAGES = QT_TRANSLATE_NOOP("Kiosk", "Page {done} of {total}")
PRINTING_BODY = QT_TRANSLATE_NOOP(
    "Kiosk", "Printing can take a couple of minutes. Please do not leave."
)
TAKE_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Take your certificates")
TAKE_CHANGE = QT_TRANSLATE_NOOP("Kiosk", "and your change: {amount}")
TAKE_BODY = QT_TRANSLATE_NOOP(
    "Kiosk", "Check that nothing is left behind: certificates, change and your card."
)
TAKE_BUTTON = QT_TRANSLATE_NOOP("Kiosk", "I have taken everything")
THANKS_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Thank you")
THANKS_BODY = QT_TRANSLATE_NOOP("Kiosk", "Your session has ended. No personal data is kept.")
ENDING_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Ending your session")

# --- inactivity ------------------------------------------------------------------------------
MORE_TIME_TITLE = QT_TRANSLATE_NOOP("Kiosk", "Do you need more time?")
MORE_TIME_BODY = QT_TRANSLATE_NOOP(
    "Kiosk", "Without an answer the session ends in {n} seconds."
)
MORE_TIME_YES = QT_TRANSLATE_NOOP("Kiosk", "Yes, more time")
MORE_TIME_NO = QT_TRANSLATE_NOOP("Kiosk", "No, end now")

# --- certificate types and options ------------------------------------------------------------
CERT_TYPES: dict[str, str] = {
    "juminhyo": QT_TRANSLATE_NOOP("Kiosk", "Certificate of residence (住民票の写し)"),
    "juminhyo_kisai": QT_TRANSLATE_NOOP(
        "Kiosk", "Certificate of residence entries (住民票記載事項証明書)"
    ),
    "inkan": QT_TRANSLATE_NOOP("Kiosk", "Seal registration certificate (印鑑登録証明書)"),
    "koseki_zenbu": QT_TRANSLATE_NOOP("Kiosk", "Family register, all entries (戸籍全部事項証明書)"),
    "koseki_kojin": QT_TRANSLATE_NOOP("Kiosk", "Family register, one person (戸籍個人事項証明書)"),
    "koseki_fuhyo": QT_TRANSLATE_NOOP(
        "Kiosk", "Address record kept with the family register (戸籍の附票の写し)"
    ),
    "shotoku": QT_TRANSLATE_NOOP("Kiosk", "Income and tax certificate (所得・課税証明書)"),
}
CERT_TYPE_OTHER = QT_TRANSLATE_NOOP("Kiosk", "Certificate")
OPTIONS: dict[str, str] = {
    "scope": QT_TRANSLATE_NOOP("Kiosk", "Whose entries"),
    "honseki": QT_TRANSLATE_NOOP("Kiosk", "Registered domicile and head of the family register"),
    "relationship": QT_TRANSLATE_NOOP("Kiosk", "Head of household and relationship"),
    "my_number": QT_TRANSLATE_NOOP("Kiosk", "Individual number (My Number)"),
}
CHOICES: dict[str, str] = {
    "self": QT_TRANSLATE_NOOP("Kiosk", "Only me"),
    "household": QT_TRANSLATE_NOOP("Kiosk", "My whole household"),
    "omit": QT_TRANSLATE_NOOP("Kiosk", "Leave out"),
    "include": QT_TRANSLATE_NOOP("Kiosk", "Show"),
}

# --- errors ----------------------------------------------------------------------------------------
# Title per error kind, used when a code has no entry of its own.
ERROR_KINDS: dict[str, str] = {
    "refusal": QT_TRANSLATE_NOOP("Kiosk", "This certificate cannot be issued here"),
    "card": QT_TRANSLATE_NOOP("Kiosk", "There is a problem with the card"),
    "relay": QT_TRANSLATE_NOOP("Kiosk", "The service cannot be reached"),
    "printer": QT_TRANSLATE_NOOP("Kiosk", "The printer has a problem"),
    "payment": QT_TRANSLATE_NOOP("Kiosk", "The money unit has a problem"),
    "integrity": QT_TRANSLATE_NOOP("Kiosk", "The certificate could not be checked"),
    "timeout": QT_TRANSLATE_NOOP("Kiosk", "The session ended because there was no answer"),
    "cancelled": QT_TRANSLATE_NOOP("Kiosk", "Cancelled"),
    "internal": QT_TRANSLATE_NOOP("Kiosk", "Something went wrong"),
    "device": QT_TRANSLATE_NOOP("Kiosk", "The terminal has a problem"),
}
ERROR_GENERIC = ERROR_KINDS["internal"]
# What the customer can do next, per ``ErrorInfo.next_step``.
NEXT_STEPS: dict[str, str] = {
    "retry": QT_TRANSLATE_NOOP("Kiosk", "Please start again."),
    "take_card": QT_TRANSLATE_NOOP("Kiosk", "Please take your card and start again."),
    "visit_office": QT_TRANSLATE_NOOP(
        "Kiosk", "Please ask at the counter of your municipal office."
    ),
    "call_staff": QT_TRANSLATE_NOOP(
        "Kiosk", "Please ask the store staff for help. Do not leave the terminal."
    ),
    "other_terminal": QT_TRANSLATE_NOOP("Kiosk", "Please use another terminal."),
    "none": QT_TRANSLATE_NOOP("Kiosk", "You can close this message."),
}
REFUNDED = QT_TRANSLATE_NOOP("Kiosk", "{amount} has been returned. Please take it.")
VOUCHER = QT_TRANSLATE_NOOP(
    "Kiosk",
    "The money could not be returned. Take the refund slip ({voucher}) to the store counter.",
)
NOT_CHARGED = QT_TRANSLATE_NOOP("Kiosk", "You have not been charged.")
# Title per code: relay refusals and device faults. Keys follow the engine's codes.
ERROR_CODES: dict[str, str] = {
    # relay refusals (protocol.refusals)
    "cert_untrusted": QT_TRANSLATE_NOOP("Kiosk", "The certificate on your card cannot be checked"),
    "cert_expired": QT_TRANSLATE_NOOP(
        "Kiosk", "The certificate on your card has expired. Renew it at your municipal office"
    ),
    "cert_revoked": QT_TRANSLATE_NOOP("Kiosk", "The certificate on your card is no longer valid"),
    "card_unknown": QT_TRANSLATE_NOOP(
        "Kiosk", "This municipality does not issue certificates for this card"
    ),
    "bad_signature": QT_TRANSLATE_NOOP("Kiosk", "Your card could not be confirmed"),
    "challenge_expired": QT_TRANSLATE_NOOP("Kiosk", "The time to confirm your card ran out"),
    "challenge_used": QT_TRANSLATE_NOOP("Kiosk", "This card confirmation was already used"),
    "under_15": QT_TRANSLATE_NOOP("Kiosk", "Certificates are issued here only from age 15"),
    "moving_out": QT_TRANSLATE_NOOP(
        "Kiosk", "Certificates cannot be issued here while a move-out is registered"
    ),
    "dv_measure": QT_TRANSLATE_NOOP(
        "Kiosk", "Please ask at the municipal office counter for this certificate"
    ),
    "deceased": QT_TRANSLATE_NOOP("Kiosk", "No certificate can be issued for this card"),
    "no_seal": QT_TRANSLATE_NOOP("Kiosk", "No seal is registered for this card holder"),
    "no_tax_record": QT_TRANSLATE_NOOP("Kiosk", "No tax record for this year is available here"),
    "koseki_elsewhere": QT_TRANSLATE_NOOP(
        "Kiosk", "Your family register is in another municipality: prior registration is needed"
    ),
    "koseki_not_participating": QT_TRANSLATE_NOOP(
        "Kiosk", "The municipality of your family register does not issue certificates at kiosks"
    ),
    "unsupported_characters": QT_TRANSLATE_NOOP(
        "Kiosk", "This certificate contains characters the terminal cannot print"
    ),
    "outside_hours": QT_TRANSLATE_NOOP(
        "Kiosk", "Outside service hours: certificates are issued from 6:30 to 23:00"
    ),
    "koseki_hours": QT_TRANSLATE_NOOP(
        "Kiosk", "Family register certificates are issued on weekdays in office hours"
    ),
    # card
    "pin_locked": QT_TRANSLATE_NOOP(
        "Kiosk",
        "Your PIN is locked. Bring the card to your municipal office counter to reset it",
    ),
    "card_removed": QT_TRANSLATE_NOOP("Kiosk", "The card was removed too early"),
    "not_my_number_card": QT_TRANSLATE_NOOP("Kiosk", "This is not a My Number card"),
    "reader_gone": QT_TRANSLATE_NOOP("Kiosk", "The card reader is not working"),
    "card_error": QT_TRANSLATE_NOOP("Kiosk", "The card could not be read"),
    "reader_refused": QT_TRANSLATE_NOOP("Kiosk", "This card reader is not allowed"),
    # relay connection
    "relay_unreachable": QT_TRANSLATE_NOOP("Kiosk", "The issuing service cannot be reached"),
    "relay_timeout": QT_TRANSLATE_NOOP("Kiosk", "The issuing service did not answer in time"),
    "relay_incompatible": QT_TRANSLATE_NOOP("Kiosk", "This terminal needs maintenance"),
    "relay_error": QT_TRANSLATE_NOOP("Kiosk", "The issuing service reported an error"),
    "kiosk_suspended": QT_TRANSLATE_NOOP("Kiosk", "This terminal has been suspended by the service operator"),
    "kiosk_retired": QT_TRANSLATE_NOOP("Kiosk", "This terminal has been taken out of service by the service operator"),
    "kiosk_unknown": QT_TRANSLATE_NOOP("Kiosk", "This terminal is not registered with the certificate service"),
    # printer
    "media_empty": QT_TRANSLATE_NOOP("Kiosk", "The printer is out of paper"),
    "media_jam": QT_TRANSLATE_NOOP("Kiosk", "Paper is jammed in the printer"),
    "offline": QT_TRANSLATE_NOOP("Kiosk", "The printer is offline"),
    "print_failed": QT_TRANSLATE_NOOP("Kiosk", "Printing failed"),
    "print_timeout": QT_TRANSLATE_NOOP("Kiosk", "Printing took too long and was stopped"),
    # payment (kiosk.payment.port)
    "payment_fault": QT_TRANSLATE_NOOP("Kiosk", "The money unit is not working"),
    "device_busy": QT_TRANSLATE_NOOP("Kiosk", "The money unit is busy"),
    "invalid_amount": QT_TRANSLATE_NOOP("Kiosk", "The amount could not be accepted"),
    "payout_shortfall": QT_TRANSLATE_NOOP("Kiosk", "Not all of the change could be paid out"),
    "coin_jam": QT_TRANSLATE_NOOP("Kiosk", "A coin or note is jammed in the money unit"),
    # the session
    "already_issued": QT_TRANSLATE_NOOP("Kiosk", "This request was already issued"),
    "worker_died": QT_TRANSLATE_NOOP("Kiosk", "The terminal stopped unexpectedly"),
    "stopped": QT_TRANSLATE_NOOP("Kiosk", "The terminal is shutting down"),
    # integrity, timeout, cancel
    "integrity": QT_TRANSLATE_NOOP("Kiosk", "The certificate data did not match this request"),
    "timeout": QT_TRANSLATE_NOOP("Kiosk", "The session ended because there was no answer"),
    "cancelled": QT_TRANSLATE_NOOP("Kiosk", "Cancelled"),
}

# Codes that other areas spell differently, or that mean the same to a customer.
CODE_ALIASES: dict[str, str] = {
    # relay client and relay session answers
    "relay_unavailable": "relay_unreachable",
    # no valid federation directory: no municipality's documents can be checked, retried
    "directory_unavailable": "relay_unreachable",
    "incompatible_relay": "relay_incompatible",
    "relay_bad_response": "relay_error",
    "unknown_request": "relay_error",
    "outcome_conflict": "relay_error",
    "request_id_conflict": "relay_error",
    "session_expired": "challenge_expired",
    "unknown_session": "challenge_expired",
    "not_authenticated": "challenge_expired",
    # integrity checks
    "binding": "integrity",
    "request_id": "integrity",
    # card
    "not_my_number": "not_my_number_card",
    # printer reasons (kiosk.printing.printer)
    "media-empty": "media_empty",
    "media-jam": "media_jam",
    "not-accepting": "offline",
    "no-queue": "offline",
    "unreachable": "offline",
    "ungated": "offline",  # the queue bypasses the print gate: it may not print for a customer
    "gate": "print_failed",  # the consent to the job could not be written
    "held": "print_failed",
    "canceled": "print_failed",
    "aborted": "print_failed",
    "lost": "print_failed",
    "rejected": "print_failed",
    # payment device
    "payment_error": "payment_fault",
    "lost_events": "payment_fault",
    "device_reset": "payment_fault",
    "no_answer": "payment_fault",
    "refill_not_supported": "payment_fault",
}
# The same word from two devices: a jam is paper in the printer, coins in the money unit.
KIND_CODES: dict[tuple[str, str], str] = {
    ("payment", "jam"): "coin_jam",
    ("printer", "jam"): "media_jam",
    ("printer", "timeout"): "print_timeout",
    ("printer", "stopped"): "offline",
}


def canonical_code(code: str, kind: str) -> str:
    """The key of ``ERROR_CODES`` that describes ``code`` from a device of ``kind``."""
    code = KIND_CODES.get((kind, code), code)
    return CODE_ALIASES.get(code, code)


def cert_type_name(key: str | None) -> str:
    return tr(CERT_TYPES.get(key or "", CERT_TYPE_OTHER))


def option_name(key: str) -> str:
    return tr(OPTIONS[key]) if key in OPTIONS else tr(CERT_TYPE_OTHER)


def choice_name(key: str) -> str:
    return tr(CHOICES[key]) if key in CHOICES else tr(CERT_TYPE_OTHER)


def error_title(code: str, kind: str) -> str:
    key = canonical_code(code, kind)
    if key in ERROR_CODES:
        return tr(ERROR_CODES[key])
    return tr(ERROR_KINDS.get(kind, ERROR_GENERIC))


#: Sample numbers for :func:`template_samples`: amounts a kiosk says, and the counts
#: after which Japanese counters change their sound (1: イッ, 3: rendaku, 6, 8, 10)
SAMPLE_AMOUNTS = (420, 1200, 300, 800, 10)
SAMPLE_COUNTS = (1, 3, 6, 8, 10)
AMOUNT_FIELDS = frozenset({"amount", "total", "fee", "change"})


def template_samples() -> list[str]:
    """Every sentence with a placeholder, in the current language, filled with sample
    numbers (amounts said as :func:`spoken_yen`): what the phrase cache learns the fixed
    text around numbers from (``kiosk.speech.phrases``). Sentences with a text placeholder
    are filled with a number too; their text pieces are then never trusted nor used."""
    out = []
    for source in all_sources():
        fields = {f for _, f, _, _ in string.Formatter().parse(source) if f}
        if not fields:
            continue
        for amount, count in zip(SAMPLE_AMOUNTS, SAMPLE_COUNTS, strict=True):
            out.append(tr(source, **{f: spoken_yen(amount) if f in AMOUNT_FIELDS else count
                                     for f in fields}))
    return out


def all_sources() -> list[str]:
    """Every marked source string (what each catalogue must translate)."""
    values = [v for k, v in globals().items() if k.isupper() and isinstance(v, str)]
    for table in (CERT_TYPES, OPTIONS, CHOICES, ERROR_KINDS, NEXT_STEPS, ERROR_CODES, OUT_OF_SERVICE_BODIES):
        values.extend(table.values())
    skip = {DEFAULT_LANGUAGE, CONTEXT}
    return sorted({v for v in values if v not in skip})
