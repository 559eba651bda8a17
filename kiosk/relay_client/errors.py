"""The relay client's typed errors: what the session engine decides on.

Each maps to one path of the session: ``RelayRefused`` shows the refusal screen for its
code; ``RelayUnavailable`` and ``RelayTimeout`` refund and offer a retry later;
``IntegrityError`` prints nothing, refunds, raises the alarm and takes the terminal out of
service; ``RelayProtocolError``, ``IncompatibleRelay`` and a :class:`KioskRefused` (the
kiosk register's ``KioskSuspended``, ``KioskRetired`` or ``KioskUnknown``) take it out of
service too.
Messages carry codes and field names only, never a value from the relay.
"""

from __future__ import annotations

from protocol import wire


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


class KioskRefused(RelayError):
    """The relay's kiosk register refuses this terminal (a ``403`` answered before any call
    runs): every call is refused alike until the operator changes the register. Nothing is
    wrong with the terminal or the relay, so it is not a protocol fault: the terminal goes
    out of service with the subclass's code, which its screen and diagnostic mode explain.
    Whether it tries again by itself is the host's choice (``kiosk.process.host.RETRYABLE``):
    only a refusal a register change alone can clear is retried."""


class KioskSuspended(KioskRefused):
    """The register has suspended this terminal (``403 kiosk_suspended``): every call is
    refused until the operator activates it again (``relay kiosk activate``), so it tries
    again by itself."""

    code = wire.KIOSK_SUSPENDED


class KioskRetired(KioskRefused):
    """The register has retired this terminal's kiosk id (``403 kiosk_retired``), for good:
    ``relay kiosk activate`` refuses a retired kiosk. Only a new kiosk id, registered with
    ``relay kiosk add`` and installed on the terminal with its new certificate, serves
    again: no register change reaches this terminal as it is, so it does not try again by
    itself (the technician's visit ends with the start checks run anew)."""

    code = wire.KIOSK_RETIRED


class KioskUnknown(KioskRefused):
    """The terminal's certificate is not registered to the kiosk id it names
    (``403 kiosk_unknown``): that id is not in the register, or this certificate is not
    one of its certificates (a renewal installed before ``relay kiosk renew``). The
    operator clears it from the register alone (``relay kiosk add`` or ``renew``), so it
    tries again by itself, at the slow out-of-service pace."""

    code = wire.KIOSK_UNKNOWN


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
