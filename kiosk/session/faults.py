"""The session's own fault vocabulary.

Each device area raises its own typed errors (``kiosk.card.errors``, the relay client's,
the printer's, the payment device's). The adapters in ``kiosk.session.adapters`` turn
them into these few classes, so the state machine decides on one question only: which
interrupting event does this fault send (``card_removed``, ``device_fault``,
``relay_fault``, ``integrity_error``) and what does the customer read (``code``,
``next_step``). Messages never carry personal data; ``code`` is a constant keyword.
"""

from __future__ import annotations


class SessionFault(Exception):
    """Base of every fault the engine acts on."""

    kind = "device"
    event = "device_fault"
    next_step = "call_staff"

    def __init__(self, code: str, next_step: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        if next_step is not None:
            self.next_step = next_step


class CardFault(SessionFault):
    """The card or the reader failed; the customer can usually try again."""

    kind = "card"
    next_step = "retry"


class CardRemovedFault(CardFault):
    event = "card_removed"

    def __init__(self) -> None:
        super().__init__("card_removed", "retry")


class WrongPinFault(CardFault):
    """Not a session-ending fault: the PIN screen is shown again with ``tries_left``."""

    def __init__(self, tries_left: int) -> None:
        super().__init__("wrong_pin", "retry")
        self.tries_left = tries_left


class RelayFault(SessionFault):
    """The relay could not be reached or answered badly; nothing was issued."""

    kind = "relay"
    event = "relay_fault"
    next_step = "retry"


class Refusal(RelayFault):
    """The relay refuses to issue (a decision, not a fault); ``code`` is a refusal code."""

    kind = "refusal"
    next_step = "visit_office"


class IntegrityFault(SessionFault):
    """A document does not belong to this session: print nothing, refund, alarm."""

    kind = "integrity"
    event = "integrity_error"
    next_step = "call_staff"


class PrintFault(SessionFault):
    kind = "printer"


class PaymentFault(SessionFault):
    kind = "payment"


class StateUnwritable(SessionFault):
    """The state directory (journal, ledger) cannot be written: a full disk, a read-only
    file system. Nothing that must be recorded first may happen; staff must look."""

    def __init__(self) -> None:
        super().__init__("state_unwritable", "call_staff")
