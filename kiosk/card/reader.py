"""Readers: where a card can be present, and the policy deciding which ones we may use.

A :class:`Reader` tells whether a card is present, waits for that to change (the
presence watcher's primitive) and opens a :class:`~kiosk.card.transport.Transport` to the
card. :class:`PcscReader` is a PC/SC reader; ``hardware_mocks.inprocess_reader.InProcessReader`` is
the in-process virtual one. :func:`open_reader` applies the reader policy: production
uses only allow-listed reader names and never a virtual reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from smartcard import scard

from kiosk.card.errors import ReaderGone, ReaderRefused
from kiosk.card.transport import PcscTransport, Transport, pcsc_error
from kiosk.config import Config

#: Reader names of software readers (vsmartcard's vpcd, our in-process reader).
VIRTUAL_READER_PREFIXES: tuple[str, ...] = ("Virtual PCD", "In-process Virtual Reader")


class Reader(Protocol):
    name: str

    @property
    def virtual(self) -> bool: ...

    def card_present(self) -> bool: ...

    def atr(self) -> bytes | None:
        """ATR of the present card, ``None`` without a card."""

    def connect(self) -> Transport:
        """Open the card; raises ``CardRemoved`` when there is none, ``ReaderGone``."""

    def wait_for_change(self, present: bool, timeout: float) -> bool:
        """Block until presence differs from ``present`` or ``timeout`` passes; return it."""

    def cancel(self) -> None:
        """Wake up a ``wait_for_change`` in another thread."""


def is_virtual(name: str) -> bool:
    return name.startswith(VIRTUAL_READER_PREFIXES)


def allowed(config: Config, name: str) -> bool:
    """The reader policy for one reader name.

    Production: the name must start with an allow-listed prefix and must not be virtual.
    Demo and test: virtual readers are fine; an allow-list, if configured, still applies
    to physical readers.
    """
    if is_virtual(name):
        return config.allows_virtual_devices
    if not config.readers:
        return config.allows_virtual_devices
    return name.startswith(tuple(config.readers))


def list_pcsc_readers() -> list[str]:
    """Reader names pcscd knows; raises ``ReaderGone`` when pcscd is not reachable."""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        raise ReaderGone("PC/SC service unavailable")
    try:
        hresult, readers = scard.SCardListReaders(context, [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hresult != scard.SCARD_S_SUCCESS:
            raise pcsc_error(hresult, "list readers")
        return list(readers)
    finally:
        scard.SCardReleaseContext(context)


def choose(config: Config, names: Sequence[str], wanted: str | None = None) -> str:
    """Pick the reader to use among ``names`` under the policy (first allowed, or ``wanted``)."""
    candidates = [n for n in names if wanted is None or n.startswith(wanted)]
    if not candidates:
        raise ReaderGone("no card reader found" if wanted is None else f"reader not found: {wanted}")
    usable = [n for n in candidates if allowed(config, n)]
    if not usable:
        raise ReaderRefused("no permitted card reader (virtual readers need demo or test mode)")
    return usable[0]


def open_reader(config: Config, wanted: str | None = None) -> PcscReader:
    """The PC/SC reader this kiosk should use, honouring the reader policy."""
    return PcscReader(choose(config, list_pcsc_readers(), wanted))


def check_policy(config: Config, reader: Reader) -> None:
    """Refuse a reader object (e.g. an in-process virtual reader) the policy forbids."""
    if not allowed(config, reader.name):
        raise ReaderRefused("reader not permitted by the configuration")


class PcscReader:
    """One named PC/SC reader."""

    def __init__(self, name: str, exclusive: bool = True) -> None:
        self.name = name
        self.exclusive = exclusive
        self._context: int | None = None

    @property
    def virtual(self) -> bool:
        return is_virtual(self.name)

    def _state(self, timeout_ms: int, current: int) -> int:
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderGone("PC/SC service unavailable")
        self._context = context
        try:
            hresult, states = scard.SCardGetStatusChange(context, timeout_ms, [(self.name, current)])
            if hresult == scard.SCARD_E_TIMEOUT or hresult == scard.SCARD_E_CANCELLED:
                return current
            if hresult != scard.SCARD_S_SUCCESS:
                raise pcsc_error(hresult, "status")
            state: int = states[0][1]  # pyscard is untyped: the reader's event state
            if state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                raise ReaderGone("reader disconnected")
            return state & ~int(scard.SCARD_STATE_CHANGED)
        finally:
            self._context = None
            scard.SCardReleaseContext(context)

    def card_present(self) -> bool:
        return bool(self._state(0, scard.SCARD_STATE_UNAWARE) & scard.SCARD_STATE_PRESENT)

    def atr(self) -> bytes | None:
        if not self.card_present():
            return None
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderGone("PC/SC service unavailable")
        try:
            hresult, states = scard.SCardGetStatusChange(
                context, 0, [(self.name, scard.SCARD_STATE_UNAWARE)])
            if hresult != scard.SCARD_S_SUCCESS or not states[0][1] & scard.SCARD_STATE_PRESENT:
                return None
            return bytes(states[0][2])
        finally:
            scard.SCardReleaseContext(context)

    def connect(self) -> PcscTransport:
        return PcscTransport(self.name, exclusive=self.exclusive)

    def wait_for_change(self, present: bool, timeout: float) -> bool:
        current = self._state(0, scard.SCARD_STATE_UNAWARE)
        if bool(current & scard.SCARD_STATE_PRESENT) != present:
            return not present
        state = self._state(max(0, int(timeout * 1000)), current)
        return bool(state & scard.SCARD_STATE_PRESENT)

    def cancel(self) -> None:
        context = self._context
        if context is not None:
            scard.SCardCancel(context)
