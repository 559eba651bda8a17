"""Adapters from the device areas to the session's ports, and the builders of a worker's
devices: ``virtual`` (the areas' own in-process fakes: the virtual card in an in-process
reader, ``FakeRelay``, ``FakePrinter``, ``CoinSimulator`` on a shared state file) and
``real`` (pcscd, the relay over mTLS, CUPS, the coin device).

Each adapter translates its area's typed errors into :mod:`kiosk.session.faults` and
nothing else; the engine never sees a card status word, an HTTP status or an IPP reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.card import errors as card_errors
from kiosk.clock import Clock, SystemClock
from kiosk.log import event
from kiosk.payment import port as pay_port
from kiosk.printing import printer as printing
from kiosk.relay_client import errors as relay_errors
from kiosk.session.faults import (
    CardFault,
    CardRemovedFault,
    IntegrityFault,
    PaymentFault,
    PrintFault,
    Refusal,
    RelayFault,
    SessionFault,
    WrongPinFault,
)
from kiosk.session.ports import Devices, IssuedDocument, PaymentStatus, Payout
from kiosk.session.viewmodel import MenuItem

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
        raise _ReaderFault() from None
    except card_errors.CardLayerError:
        raise CardFault("card_error", "retry") from None


class _ReaderFault(CardFault):
    """The reader itself is gone: the terminal needs staff, not the customer's retry."""

    event = "device_fault"

    def __init__(self) -> None:
        super().__init__("reader_gone", "call_staff")


class CardAdapter:
    def __init__(self, jpki: Any) -> None:
        self._jpki = jpki

    def certificate_der(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding

        with _card_errors():
            return bytes(self._jpki.read_auth_certificate().public_bytes(Encoding.DER))

    def tries_left(self) -> int:
        with _card_errors():
            return int(self._jpki.tries_left())

    def verify_pin(self, pin: bytearray) -> None:
        from kiosk.sensitive import zero

        try:
            with _card_errors():
                self._jpki.verify_pin(pin)
        finally:
            zero(pin)

    def sign(self, message: bytes) -> bytes:
        with _card_errors():
            return bytes(self._jpki.sign_sha256(message))


class ReaderAdapter:
    """Over ``kiosk.card`` readers (``InProcessReader`` or ``PcscReader``)."""

    def __init__(self, reader: Any, world_root: Path | None = None) -> None:
        self.reader = reader
        self.world_root = world_root

    def card_present(self) -> bool:
        with _card_errors():
            return bool(self.reader.card_present())

    def open_card(self) -> CardAdapter:
        from kiosk.card.jpki import JpkiCard

        with _card_errors():
            jpki = JpkiCard(self.reader.connect())
            jpki.select_ap()
        return CardAdapter(jpki)

    # the tester's control of an in-process reader (demo and tests)
    def insert(self, persona: str) -> None:
        from hardware_mocks.vcard import VirtualCard

        assert self.world_root is not None
        path = self.world_root / "cards" / f"{persona}.json"
        if not path.exists():
            raise KeyError(persona)
        self.reader.insert(VirtualCard(path))

    def remove(self) -> None:
        self.reader.remove()

    def pull_after(self, commands: int) -> None:
        self.reader.pull_after(commands + 1)  # ours counts commands before the pull


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
    except relay_errors.RelayError:
        raise RelayFault("relay_error", "call_staff") from None


class RelayAdapter:
    """Over a ``kiosk.relay_client`` client (``FakeRelay`` or ``HttpsRelayClient``).

    ``client`` may be a factory (a callable): the client is then made at its first use,
    so an idle worker holds nothing of it (the in-process FakeRelay carries the whole
    synthetic registry, which would otherwise sit in every waiting worker)."""

    def __init__(self, client: Any, kiosk_id: str) -> None:
        self._client = client
        self._made = not callable(client) or hasattr(client, "open_session")
        self.kiosk_id = kiosk_id

    @property
    def client(self) -> Any:
        if not self._made:
            try:
                self._client = self._client()
            except (ValueError, OSError) as exc:  # the [relay] configuration or its files
                event(log, "session.relay_config", logging.ERROR, kind=type(exc).__name__)
                raise RelayFault("relay_config", "call_staff") from None
            self._made = True
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
        data = [{"document": doc, "qr": qr[i] if i < len(qr) else None,
                 "scramble_key": bytearray(keys[i]) if i < len(keys) else None}
                for i, doc in enumerate(issued.documents)]
        return IssuedDocument(request_id=request_id, doc_type=doc_type, data=data,
                              relay_session=self.client.session_id,
                              fee=int(issued.fee), amount=int(issued.amount))

    def check_version(self) -> None:
        """At start: a relay of another protocol or topology takes the terminal out of
        service (reliability.md #20); one that cannot be reached now is tried per session.
        So does a configured kiosk id other than the one in the kiosk's certificate: the
        relay would refuse every customer, after their PIN was verified."""
        if self.client.kiosk_id != self.kiosk_id:
            event(log, "session.kiosk_id_mismatch", logging.ERROR, kiosk=self.kiosk_id)
            raise RelayFault("kiosk_id_mismatch", "call_staff")
        try:
            self.client.check_version()
        except relay_errors.IncompatibleRelay:
            raise RelayFault("incompatible_relay", "call_staff") from None
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


class PrinterAdapter:
    """Over a ``kiosk.printing`` printer; renders with ``kiosk.printing.render``.

    Each document is rendered with what the relay sent with it: its issuer-signed QR
    payload and its own scramble key (the kiosk never holds the relay's master secret).
    ``issuer_key``/``scramble_key`` are a test world's fallback for a relay that sends
    neither."""

    def __init__(self, printer: Any, clock: Clock, issuer_key: Any = None,
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
        from kiosk.printing.fonts import UnsupportedCharacter
        from kiosk.printing.render import render

        from kiosk.sensitive import zero

        try:
            for item in document.data:
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

    def submit(self, pdf: bytearray) -> str:
        with self._errors():
            job = self.printer.submit(pdf, 1, self.duplex)
        key = str(job.id)
        self._jobs[key] = job
        return key

    def wait(self, job: str, deadline_s: float, on_progress: Callable[[int, int], None]) -> None:
        with self._errors():
            self.printer.wait(self._jobs[job], self.clock.monotonic() + deadline_s)

    def purge(self, job: str | None = None) -> None:
        keys = [job] if job is not None else list(self._jobs)
        with self._errors():
            for key in keys:
                found = self._jobs.pop(key, None)
                if found is not None:
                    self.printer.purge(found)
            if job is None and hasattr(self.printer, "purge_all"):
                self.printer.purge_all()


# -- payment ------------------------------------------------------------------------------


def _payout(settlement: Any, amount: int) -> Payout:
    """Only a voucher the controller wrote to the ledger reaches the customer."""
    voucher = settlement.voucher if settlement is not None else None
    return Payout(amount, voucher.id if voucher is not None else None,
                  settlement.vouchered if settlement is not None else 0)


class PaymentAdapter:
    """Over ``kiosk.payment.controller.PaymentController``."""

    def __init__(self, controller: Any, session: str | None = None) -> None:
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


# -- builders -----------------------------------------------------------------------------


@dataclass
class VirtualSpec:
    """The areas' own fakes, in the worker: what the demo and the tests run on."""

    world_root: str
    state_dir: str
    kiosk_id: str = "KIOSK-0001"
    relay_fault: str | None = None  # down | slow | bad | integrity | incompatible
    printer_fault: str | None = None  # media-empty | jam | offline | timeout
    coin_levels: dict[str, int] | None = None  # payout tubes, e.g. {"10": 0} for exact change
    relay_time: str = "open_hours"  # the fake relay's clock: open_hours | system
    #: the fake relay's database file: the workers that follow each other (recovery after
    #: a death) then report to one relay, as they do in production (default: per worker)
    relay_db: str | None = None


class ShiftedClock:
    """Real time moving from a chosen start: the fake relay's rules (service hours, ages)
    see a weekday morning of the world's date, whenever the demo or the tests run."""

    def __init__(self, start: Any) -> None:
        import time as _time

        self._start, self._t0, self._mono = start, _time.monotonic(), _time.monotonic

    def now(self) -> Any:
        import datetime as _dt

        return self._start + _dt.timedelta(seconds=self._mono() - self._t0)

    def monotonic(self) -> float:
        return self._mono()


def relay_clock(world_root: Path, kind: str) -> Clock:
    if kind == "system":
        return SystemClock()
    import json
    from types import SimpleNamespace

    from relay.testing import open_hours

    today = json.loads((world_root / "world.json").read_text(encoding="utf-8"))["today"]
    return ShiftedClock(open_hours(SimpleNamespace(data={"today": today})))


RELAY_FAULTS = ("down", "slow", "bad", "integrity", "incompatible")
PRINTER_FAULTS = ("media-empty", "jam", "offline", "timeout")


def relay_faults(kind: str | None) -> Any:
    from kiosk.relay_client.fake import Faults

    f = Faults()
    if kind == "down":
        f.unavailable = True
    elif kind == "slow":
        f.timeout = {"documents"}
    elif kind == "bad":
        f.tamper = "document"
    elif kind == "integrity":
        f.tamper = "other_session"
    elif kind == "incompatible":
        f.version = {"protocol": 999}
    return f


def _fake_printer(kind: str | None, clock: Clock) -> Any:
    script: tuple[str, ...] = ("processing", "completed")
    preflight = None
    if kind == "media-empty":
        preflight = printing.MEDIA_EMPTY
    elif kind == "jam":
        script = ("processing", printing.MEDIA_JAM)
    elif kind == "offline":
        script = ("processing", printing.OFFLINE)
    elif kind == "timeout":
        script = ("processing",)  # never completes: the deadline cancels it
    return printing.FakePrinter(clock=clock, script=script, preflight_fault=preflight,
                                poll_interval=0.005)


def build_virtual(spec: VirtualSpec, clock: Clock | None = None, backend: Any = None) -> Devices:
    """``backend``: a ``FakeBackend`` to share (tests build many sessions over one relay)."""
    from hardware_mocks.coins import CoinSimulator
    from kiosk.card.inprocess import InProcessReader
    from kiosk.payment.controller import PaymentController
    from kiosk.payment.ledger import Ledger
    from kiosk.relay_client.fake import FakeRelay

    clock = clock or SystemClock()
    # Paths only: the world module itself holds the canary strings as constants.
    world_root = Path(spec.world_root)
    state = Path(spec.state_dir)
    state.mkdir(parents=True, exist_ok=True)
    levels = {int(k): v for k, v in spec.coin_levels.items()} if spec.coin_levels else None
    coins = CoinSimulator(levels=levels, state_path=state / "coins.json")
    def relay() -> FakeRelay:
        # made at the first relay call: the in-process relay loads the whole registry
        rclock = relay_clock(world_root, spec.relay_time)
        shared = backend
        if shared is None and spec.relay_db:
            shared = file_backend(world_root, Path(spec.relay_db), rclock)
        return FakeRelay(world_root, spec.kiosk_id, rclock, relay_faults(spec.relay_fault),
                         backend=shared)

    printer = TrayPrinter(_fake_printer(spec.printer_fault, clock), state / "tray.jsonl")
    return Devices(
        reader=ReaderAdapter(InProcessReader(), world_root),
        relay=RelayAdapter(relay, spec.kiosk_id),
        printer=PrinterAdapter(printer, clock),  # QR and scramble keys come with each document
        payment=PaymentAdapter(PaymentController(coins, Ledger.in_state_dir(state), clock)),
    )


def file_backend(world_root: Path, db_path: Path, clock: Clock) -> Any:
    """A ``FakeBackend`` over a relay database file that several worker processes share
    (imported lazily: an idle worker loads no relay code)."""
    from kiosk.relay_client.fake import FakeBackend
    from relay.service import Settings, build_core

    class FileBackend(FakeBackend):
        def __init__(self) -> None:  # the in-memory database of the base is not wanted
            self.clock = clock
            self.core = build_core(world_root, db_path, clock, Settings())
            self.issuer_private = self.core.issuer_key

    return FileBackend()


class TrayPrinter:
    """A fake printer that also records each completed job (id, copies; no content) in a
    tray file, so a test can count prints across worker processes."""

    def __init__(self, inner: Any, tray: Path) -> None:
        self.inner = inner
        self.tray = tray

    def set_fault(self, kind: str | None) -> None:
        """The tester panel's printer fault (media-empty, jam, offline, timeout, None)."""
        fresh = _fake_printer(kind, self.inner.clock)
        self.inner.script, self.inner.preflight_fault = fresh.script, fresh.preflight_fault

    def preflight(self) -> None:
        self.inner.preflight()

    def submit(self, pdf: bytearray, copies: int, duplex: bool) -> Any:
        return self.inner.submit(pdf, copies, duplex)

    def wait(self, job: Any, deadline: float, on_progress: Any = None) -> None:
        self.inner.wait(job, deadline, on_progress)
        import json

        with open(self.tray, "a", encoding="ascii") as fh:
            fh.write(json.dumps({"job": job.title, "copies": 1}) + "\n")

    def purge(self, job: Any) -> None:
        self.inner.purge(job)


def build_real(spec: Any) -> Devices:
    """Devices from the kiosk configuration (``spec.config_path``), its ``[session]`` table::

        [session]
        card = "pcsc"                  # or "inprocess": a test world's virtual card in the
                                       # worker (demo/test modes only; tester channel)
        world = "/path/to/world"       # with card = "inprocess"; also the render keys
        payment = "simulator"          # the coin simulator on state_dir/coins.json
        cups_server = "127.0.0.1:8631" # default: the system's cupsd
        issuer_key = "…/issuer.key"    # test worlds only, for a relay that sends no QR
        scramble_key = "…/scramble.key" # payload and scramble key with each document

    The relay is ``[relay]`` over mTLS, the printer ``printer_queue`` on CUPS. The tables
    ``[payment] device = "simulator"`` and ``[printing] issuer_key/scramble_key`` are read
    too (the first form of this configuration)."""
    from kiosk import config as kiosk_config
    from kiosk.printing.cups_printer import CupsPrinter
    from kiosk.relay_client.https import HttpsRelayClient

    cfg = kiosk_config.load(spec.config_path)
    conf: dict[str, Any] = {**cfg.extra.get("printing", {}), **cfg.extra.get("session", {})}
    conf.setdefault("payment", cfg.extra.get("payment", {}).get("device"))
    clock = SystemClock()
    world = Path(conf["world"]) if conf.get("world") else None
    if conf.get("card", "pcsc") == "inprocess":
        if not cfg.allows_virtual_devices or world is None:
            raise SessionFault("virtual_devices_refused")
        from kiosk.card.inprocess import InProcessReader

        reader = ReaderAdapter(InProcessReader(), world)
    else:
        from kiosk.card.reader import open_reader

        try:
            reader = ReaderAdapter(open_reader(cfg))
        except card_errors.CardLayerError:
            raise _ReaderFault() from None
    relay = RelayAdapter(lambda: HttpsRelayClient.from_config(cfg.relay), cfg.kiosk_id)
    issuer_path = conf.get("issuer_key")  # fallbacks only: the relay sends per-document keys
    scramble_path = conf.get("scramble_key")
    issuer = None
    if issuer_path:
        from cryptography.hazmat.primitives import serialization

        issuer = serialization.load_pem_private_key(Path(issuer_path).read_bytes(), None)
    scramble = bytes.fromhex(Path(scramble_path).read_text().strip()) if scramble_path else b""
    printer = PrinterAdapter(
        CupsPrinter(cfg.printer_queue, server=conf.get("cups_server"), clock=clock),
        clock, issuer, scramble)
    if conf.get("payment") != "simulator" or not cfg.allows_virtual_devices:
        raise SessionFault("no_payment_device")  # serial drivers: not fitted yet
    from hardware_mocks.coins import CoinSimulator
    from kiosk.payment.controller import PaymentController
    from kiosk.payment.ledger import Ledger

    coins = CoinSimulator(state_path=Path(cfg.state_dir) / "coins.json")
    payment = PaymentAdapter(PaymentController(coins, Ledger.in_state_dir(cfg.state_dir), clock))
    return Devices(reader=reader, relay=relay, printer=printer, payment=payment)
