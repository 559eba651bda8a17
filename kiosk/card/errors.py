"""Domain errors of the card layer: the only card failures the session engine and UI see.

PC/SC return codes, pyscard exceptions and raw status words stop here. Each error says
what happened to the customer's card in terms the session can act on (ask for the PIN
again, ask to remove the card, refuse the card), never how the bytes looked.
"""

from __future__ import annotations


class CardLayerError(Exception):
    """Base of every error raised by ``kiosk.card``."""


class WrongPin(CardLayerError):
    """The card refused the PIN; ``tries_left`` more attempts before it locks."""

    def __init__(self, tries_left: int) -> None:
        super().__init__(f"wrong PIN, {tries_left} tries left")
        self.tries_left = tries_left


class PinLocked(CardLayerError):
    """The PIN is blocked (no tries left); only the municipal office can unlock it."""

    def __init__(self, just_locked: bool = False) -> None:
        super().__init__("the PIN is locked")
        #: True when the wrong PIN just sent used the last try.
        self.just_locked = just_locked


class CardRemoved(CardLayerError):
    """The card was taken out (or reset, or swapped) while we were using it."""

    def __init__(self) -> None:
        super().__init__("the card was removed")


class NotAMyNumberCard(CardLayerError):
    """A card is present but it has no JPKI application (a foreign card)."""

    def __init__(self) -> None:
        super().__init__("the card is not a My Number card")


class ReaderGone(CardLayerError):
    """The reader (or the PC/SC service) disappeared, or no usable reader exists."""

    def __init__(self, reason: str = "reader unavailable") -> None:
        super().__init__(reason)
        self.reason = reason


class ReaderRefused(ReaderGone):
    """A reader exists but the configuration forbids it (e.g. a virtual reader in production)."""


class CardError(CardLayerError):
    """The card answered a command with an unexpected status word."""

    def __init__(self, sw: int, what: str = "command") -> None:
        super().__init__(f"{what} failed: SW={sw:04X}")
        self.sw = sw
        self.what = what


class MalformedResponse(CardError):
    """The card's data could not be parsed (truncated, oversized or not DER)."""

    def __init__(self, what: str) -> None:
        super().__init__(0x6F00, what)
