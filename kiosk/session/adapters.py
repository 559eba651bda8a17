"""Adapters from the device areas to the session's ports. The composition root
(:mod:`kiosk.composition`) puts one in front of each device it builds, real or virtual.

Each adapter translates its area's typed errors into :mod:`kiosk.session.faults` and
nothing else; the engine never sees a card status word, an HTTP status or an IPP reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypedDict

from kiosk.card import errors as card_errors
from kiosk.card.reader import Reader
from kiosk.payment import port as pay_port
from kiosk.printing import printer as printing
from kiosk.relay_client import errors as relay_errors
from kiosk.relay_client.port import RelayClient
from kiosk.session.faults import (
    CardFault,
    CardRemovedFault,
    IntegrityFault,
    PaymentFault,
    PrintFault,
    Refusal,
    RelayFault,
    WrongPinFault,
)
from kiosk.session.ports import IssuedDocument, PaymentStatus, Payout
from protocol.clock import Clock
from protocol.documents.model import Document
from protocol.log import event
from protocol.menu import MenuItem

if TYPE_CHECKING:  # types only: the modules are imported where they are used
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from typing_extensions import TypeIs  # typing.TypeIs is Python 3.13; not needed at run time

    from kiosk.card.jpki import JpkiCard
    from kiosk.payment.controller import PaymentController, Settlement

log = logging.getLogger("kiosk.session.adapters")


# -- card ---------------------------------------------------------------------------------


@contextmanager
def _card_errors() -> Iterator[None]:
    try:
        yield
    except card_errors.WrongPin as exc:
        raise WrongPinFault(exc.tries_left) from None
    except card_errors.PinLocked:
        raise CardFault("pin_locked", "visit_office") from None
    except card_errors.CardRemoved:
        raise CardRemovedFault() from None
    except card_errors.NotAMyNumberCard:
        raise CardFault("not_my_number", "take_card") from None
    except card_errors.ReaderGone:
        raise ReaderFault() from None
    except card_errors.CardLayerError:
        raise CardFault("card_error", "retry") from None


class ReaderFault(CardFault):
    """The reader itself is gone: the terminal needs staff, not the customer's retry."""

    event = "device_fault"

    def __init__(self) -> None:
        super().__init__("reader_gone", "call_staff")


class CardAdapter:
    def __init__(self, jpki: JpkiCard) -> None:
        self._jpki = jpki

    def certificate_der(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding

        with _card_errors():
            return bytes(self._jpki.read_auth_certificate().public_bytes(Encoding.DER))

    def tries_left(self) -> int:
        with _card_errors():
            return int(self._jpki.tries_left())

    def verify_pin(self, pin: bytearray) -> None:
        from protocol.sensitive import zero

        try:
            with _card_errors():
                self._jpki.verify_pin(pin)
        finally:
            zero(pin)

    def sign(self, message: bytes) -> bytes:
        with _card_errors():
            return bytes(self._jpki.sign_sha256(message))


class ReaderAdapter:
    """Over a ``kiosk.card`` reader (``PcscReader``, or a virtual reader in process)."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def card_present(self) -> bool:
        with _card_errors():
            return bool(self.reader.card_present())

    def open_card(self) -> CardAdapter:
        from kiosk.card.jpki import JpkiCard

        with _card_errors():
            jpki = JpkiCard(self.reader.connect())
            jpki.select_ap()
        return CardAdapter(jpki)


# -- relay --------------------------------------------------------------------------------


@contextmanager
def _relay_errors() -> Iterator[None]:
    try:
        yield
    except relay_errors.RelayRefused as exc:
        raise Refusal(exc.code) from None
    except relay_errors.IntegrityError as exc:
        event(log, "session.integrity", logging.ERROR, reason=exc.field)
        raise IntegrityFault("integrity") from None
    except relay_errors.RelayTimeout:
        raise RelayFault("relay_timeout") from None
    except relay_errors.RelayUnavailable:
        raise RelayFault("relay_unavailable") from None
    except relay_errors.RelayProtocolError:
        raise RelayFault("relay_protocol", "call_staff") from None
    except relay_errors.DirectoryUnavailable:  # the federation directory expired: nothing can be checked
        raise RelayFault("directory_unavailable", "call_staff") from None
    except relay_errors.KioskRefused as exc:  # the register stopped this terminal: no one can be served
        raise RelayFault(exc.code, "call_staff") from None
    except relay_errors.RelayError:
        raise RelayFault("relay_error", "call_staff") from None


def _is_client(value: RelayClient | Callable[[], RelayClient]) -> TypeIs[RelayClient]:
    """A client rather than a maker of one (a client object may be callable too)."""
    return not callable(value) or hasattr(value, "open_session")


class RelayAdapter:
    """Over a ``kiosk.relay_client`` client (``VirtualRelay`` or ``HttpsRelayClient``).

    ``client`` may be a factory (a callable): the client is then made at its first use,
    so an idle worker holds nothing of it (the in-process VirtualRelay carries the whole
    synthetic registry, which would otherwise sit in every waiting worker)."""

    def __init__(self, client: RelayClient | Callable[[], RelayClient], kiosk_id: str) -> None:
        self._client: RelayClient | None = None
        self._make: Callable[[], RelayClient] | None = None
        if _is_client(client):
            self._client = client
        else:
            self._make = client
        self.kiosk_id = kiosk_id

    @property
    def client(self) -> RelayClient:
        if self._client is None:
            assert self._make is not None  # __init__ set one of the two
            try:
                self._client = self._make()
            except (ValueError, OSError) as exc:  # the [relay] configuration or its files
                event(log, "session.relay_config", logging.ERROR, kind=type(exc).__name__)
                raise RelayFault("relay_config", "call_staff") from None
        return self._client

    def open_session(self) -> tuple[str, bytes]:
        with _relay_errors():
            opened = self.client.open_session()
        return opened.session_id, opened.challenge

    def challenge_message(self, challenge: bytes, session_id: str) -> bytes:
        """The client's own message: bound to the kiosk id the relay knows this kiosk by
        (its certificate's), never to a configured name the relay would not accept after
        VERIFY had already used one of the customer's PIN tries."""
        if session_id != self.client.session_id:
            raise IntegrityFault("integrity")
        return bytes(self.client.message_to_sign(challenge))

    def authenticate(self, cert_der: bytes, signature: bytes) -> tuple[MenuItem, ...]:
        with _relay_errors():
            return tuple(self.client.authenticate(cert_der, signature).items)

    def request_documents(self, request_id: str, doc_type: str, options: dict[str, str],
                          copies: int) -> IssuedDocument:
        with _relay_errors():
            issued = self.client.request_documents(request_id, doc_type, options, copies)
        if issued.request_id != request_id or len(issued.documents) != copies:
            event(log, "session.integrity", logging.ERROR, reason="request")
            raise IntegrityFault("integrity")
        qr = tuple(getattr(issued, "qr", ()) or ())
        keys = tuple(getattr(issued, "scramble_keys", ()) or ())
        data: list[PrintItem] = [
            {"document": doc, "qr": qr[i] if i < len(qr) else None,
             "scramble_key": bytearray(keys[i]) if i < len(keys) else None}
            for i, doc in enumerate(issued.documents)]
        return IssuedDocument(request_id=request_id, doc_type=doc_type, data=data,
                              relay_session=self.client.session_id,
                              fee=int(issued.fee), amount=int(issued.amount))

    def check_version(self) -> None:
        """At start: a relay of another protocol or topology takes the terminal out of
        service, since it would refuse or mishandle every request (the version check of
        ``docs/relay-protocol.md``); one that cannot be reached now is tried per session.
        So does a relay whose kiosk register refuses this terminal, suspended, retired or
        with a certificate not registered to its kiosk id (it would refuse every call: the
        out-of-service screen says so, and the host tries again unless it was retired).
        So does a configured kiosk id other than the one in the kiosk's certificate: the
        relay would refuse every customer, after their PIN was verified."""
        if self.client.kiosk_id != self.kiosk_id:
            event(log, "session.kiosk_id_mismatch", logging.ERROR, kiosk=self.kiosk_id)
            raise RelayFault("kiosk_id_mismatch", "call_staff")
        try:
            self.client.check_version()
        except relay_errors.IncompatibleRelay:
            raise RelayFault("incompatible_relay", "call_staff") from None
        except relay_errors.DirectoryUnavailable as exc:
            event(log, "session.directory_unavailable", logging.ERROR, code=exc.reason)
            raise RelayFault("directory_unavailable", "call_staff") from None
        except relay_errors.KioskRefused as exc:  # session.kiosk_suspended, _retired, _unknown
            event(log, f"session.{exc.code}", logging.ERROR, code=exc.code)
            raise RelayFault(exc.code, "call_staff") from None
        except relay_errors.RelayError:
            event(log, "session.version_unchecked", logging.WARNING)

    def report_outcome(self, request_id: str, outcome: str, copies: int, amount: int,
                       relay_session: str | None = None) -> None:
        from kiosk.relay_client.port import Outcome

        with _relay_errors():
            if relay_session is not None and relay_session != self.client.session_id:
                self.client.report_outcome_for(relay_session, request_id, Outcome(outcome),
                                               copies, amount)
            else:
                self.client.report_outcome(request_id, Outcome(outcome), copies, amount)


# -- printer ------------------------------------------------------------------------------


class PrintItem(TypedDict):
    """One copy as :class:`RelayAdapter` puts it in ``IssuedDocument.data`` for
    :class:`PrinterAdapter`: the document, its QR payload and its scramble key (zeroed
    once rendered)."""

    document: Document
    qr: str | None
    scramble_key: bytearray | None


class PrinterAdapter:
    """Over a ``kiosk.printing`` printer; renders with ``protocol.paper.render``.

    Each document is rendered with what the relay sent with it: its issuer-signed QR
    payload and its own scramble key (the kiosk never holds the relay's master secret).
    ``issuer_key``/``scramble_key`` are a test world's fallback for a relay that sends
    neither."""

    def __init__(self, printer: printing.Printer, clock: Clock, issuer_key: Ed25519PrivateKey | None = None,
                 scramble_key: bytes = b"", duplex: bool = True) -> None:
        self.printer = printer
        self.clock = clock
        self.issuer_key = issuer_key
        self.scramble_key = scramble_key
        self.duplex = duplex
        self._jobs: dict[str, printing.Job] = {}

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except printing.PrinterFault as exc:
            raise PrintFault(exc.reason) from None
        except printing.SpoolResidue:
            raise PrintFault("spool_residue") from None

    def preflight(self) -> None:
        with self._errors():
            self.printer.preflight()

    def render(self, document: IssuedDocument) -> None:
        from protocol.paper.fonts import UnsupportedCharacter
        from protocol.paper.render import render
        from protocol.sensitive import zero

        items: list[PrintItem] = document.data  # what RelayAdapter.request_documents made
        try:
            for item in items:
                key = item["scramble_key"]
                if item["qr"] and key:
                    rendered = render(item["document"], None, bytes(key), qr_text=item["qr"])
                else:
                    rendered = render(item["document"], self.issuer_key, self.scramble_key)
                if key:
                    zero(key)
                document.pdfs.append(rendered.pdf)
                document.pages += rendered.pages
        except UnsupportedCharacter:
            raise Refusal("unsupported_characters") from None
        except ValueError:
            raise PrintFault("render_keys") from None

    def job_name(self) -> str:
        return printing.new_title()

    def submit(self, pdf: bytearray, job: str) -> None:
        with self._errors():
            self._jobs[job] = self.printer.submit(pdf, 1, self.duplex, title=job)

    def wait(self, job: str, deadline_s: float) -> None:
        with self._errors():
            self.printer.wait(self._jobs[job], self.clock.monotonic() + deadline_s)

    def purge(self, job: str | None = None) -> None:
        """One job (by its name: also one this process never submitted, at recovery), or
        the sweep of every job of the kiosk; forgotten here only once purged."""
        with self._errors():
            if job is None:
                self.printer.purge_all()
                self._jobs.clear()
                return
            self.printer.purge(self._jobs.get(job) or printing.Job(0, job))
            self._jobs.pop(job, None)

    def fate(self, job: str) -> str:
        return self.printer.fate(job)

    def forget(self, job: str | None = None) -> None:
        self.printer.forget(job)


# -- payment ------------------------------------------------------------------------------


def _payout(settlement: Settlement | None, amount: int) -> Payout:
    """Only a voucher the controller wrote to the ledger reaches the customer."""
    voucher = settlement.voucher if settlement is not None else None
    return Payout(amount, voucher.id if voucher is not None else None,
                  settlement.vouchered if settlement is not None else 0,
                  settlement.charged if settlement is not None else 0)


class PaymentAdapter:
    """Over ``kiosk.payment.controller.PaymentController``."""

    def __init__(self, controller: PaymentController, session: str | None = None) -> None:
        self.ctl = controller
        self.session = session

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except pay_port.PaymentError as exc:
            raise PaymentFault(exc.code or "payment_error") from None

    def exact_change_only(self, due: int) -> bool:
        with self._errors():
            return bool(self.ctl.quote(due).exact_change_only)

    def begin(self, txn: str, due: int) -> None:
        with self._errors():
            self.ctl.begin(txn, due, session=self.session)

    def pump(self) -> PaymentStatus:
        with self._errors():
            p = self.ctl.pump()
        if p.fault:
            raise PaymentFault("coin_" + p.fault)
        return PaymentStatus(p.inserted, p.complete)

    def charge(self) -> Payout:
        with self._errors():
            p = self.ctl.charge_and_give_change()
        s = p.settlement
        return _payout(s, (s.change + s.vouchered) if s else 0)

    def refund(self) -> Payout:
        with self._errors():
            s = self.ctl.refund_now()
        return _payout(s, (s.refunded + s.vouchered) if s else 0)

    def settle_after_crash(self, txn: str, printed: bool) -> Payout:
        with self._errors():
            s = self.ctl.settle_after_crash(txn, printed)
        return _payout(s, s.change + s.refunded + s.vouchered)
