"""The relay client's typed errors: what the session engine decides on.

Each maps to one path of the session: ``RelayRefused`` shows the refusal screen for its
code; ``RelayUnavailable`` and ``RelayTimeout`` refund and offer a retry later;
``IntegrityError`` prints nothing, refunds, raises the alarm and takes the terminal out of
service; ``RelayProtocolError``, ``IncompatibleRelay`` and ``KioskSuspended`` take it out of
service too.
Messages carry codes and field names only, never a value from the relay.
"""

from __future__ import annotations


class RelayError(Exception):
    """Base of every relay client error."""

    code = "relay_error"


class RelayUnavailable(RelayError):
    """Could not reach the relay (connection refused, TLS failure, HTTP 5xx)."""

    code = "relay_unavailable"

    def __init__(self, reason: str = "unavailable") -> None:
        super().__init__(reason)
        self.reason = reason


class RelayTimeout(RelayError):
    """The relay did not answer within the deadline; the request may or may not have run."""

    code = "relay_timeout"


class RelayRefused(RelayError):
    """The relay refused: ``code`` is one of :mod:`protocol.refusals` or a
    request error such as ``already_issued`` or ``session_expired``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class RelayProtocolError(RelayError):
    """The relay or the client broke the protocol (malformed answer, bad request)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class KioskSuspended(RelayError):
    """The relay's kiosk register has suspended this terminal (``403 kiosk_suspended``):
    every call is refused until the operator activates it again (``relay kiosk
    activate``). Nothing is wrong with the terminal or the relay, so it says so rather
    than a protocol fault, and tries again by itself."""

    code = "kiosk_suspended"


class IntegrityError(RelayError):
    """A document does not belong to this session: ``field`` names what differed."""

    code = "integrity"

    def __init__(self, field: str) -> None:
        super().__init__(f"integrity: {field}")
        self.field = field


class IncompatibleRelay(RelayError):
    """The relay's protocol version or topology is not one this kiosk may use."""

    code = "incompatible_relay"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DirectoryUnavailable(RelayError):
    """A federation kiosk holds no valid signed directory (none fetched yet, or the last
    one expired and no newer one could be fetched or verified): it cannot check any
    municipality's documents, so it serves no one. ``reason`` is the directory's refusal
    code (``expired``, ``missing``, ``bad_signature``…)."""

    code = "directory_unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
