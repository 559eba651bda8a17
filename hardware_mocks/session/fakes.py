"""Fakes of the session's ports over the synthetic test world, with fault injection.

These implement ``kiosk.session.ports`` directly so the engine, the worker and the
headless run work before (and without) pcscd, the relay service and CUPS. The card reads
and updates the world's card file (PIN counters persist, as on a real card); the relay
applies the persona's refusal cases and returns documents with the resident's real
(synthetic) data, so canary scans see real personal data; the coin device keeps its
escrow in a file, as hardware keeps coins, so a killed worker's money can be settled.
"""

from __future__ import annotations

import hmac
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from hardware_mocks.relay.virtual import REGISTER_FAULTS
from kiosk.config import Config
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
from kiosk.session.ports import Devices, IssuedDocument, PaymentStatus, Payout
from protocol.documents.catalogue import CATALOGUE, CertType
from protocol.menu import MenuItem, MenuOption


class FakeCard:
    def __init__(self, reader: FakeReader, path: Path) -> None:
        self._reader = reader
        self._path = path

    def _auth(self) -> dict[str, Any]:
        self._reader.command()
        auth: dict[str, Any] = json.loads(self._path.read_text(encoding="utf-8"))["auth"]
        return auth

    def certificate_der(self) -> bytes:
        return bytes.fromhex(self._auth()["cert_der"])

    def tries_left(self) -> int:
        return int(self._auth()["tries_left"])

    def verify_pin(self, pin: bytearray) -> None:
        from protocol.sensitive import zero

        try:
            self._reader.command()
            data = json.loads(self._path.read_text(encoding="utf-8"))
            auth = data["auth"]
            if auth["tries_left"] <= 0:
                raise CardFault("pin_locked", "visit_office")
            if hmac.compare_digest(pin, auth["pin"].encode("ascii")):  # no bytes(pin) copy
                auth["tries_left"] = auth["max_tries"]
                ok = True
            else:
                auth["tries_left"] -= 1
                ok = False
            tmp = self._path.with_name(self._path.name + ".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, self._path)
            if not ok:
                raise WrongPinFault(auth["tries_left"])
        finally:
            zero(pin)

    def sign(self, message: bytes) -> bytes:
        key_pem = self._auth()["key_pem"].encode("ascii")
        key = serialization.load_pem_private_key(key_pem, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())


class FakeReader:
    """A virtual reader: the tester inserts a persona's card, removes it, or arms a pull
    after ``n`` more card commands (the card leaves in the middle of the flow)."""

    def __init__(self, world_root: Path) -> None:
        self.world_root = Path(world_root)
        self.persona: str | None = None
        self._pull_after: int | None = None

    def insert(self, persona: str) -> None:
        path = self.world_root / "cards" / f"{persona}.json"
        if not path.exists():
            raise KeyError(persona)
        self.persona = persona

    def remove(self) -> None:
        self.persona = None

    def pull_after(self, commands: int) -> None:
        self._pull_after = commands

    def command(self) -> None:
        if self._pull_after is not None:
            if self._pull_after <= 0:
                self.persona, self._pull_after = None, None
            else:
                self._pull_after -= 1
        if self.persona is None:
            raise CardRemovedFault()

    def card_present(self) -> bool:
        return self.persona is not None

    def open_card(self) -> FakeCard:
        self.command()
        assert self.persona is not None
        return FakeCard(self, self.world_root / "cards" / f"{self.persona}.json")


class FakeRelay:
    """The relay's rules in miniature; ``fault`` fails the document request."""

    def __init__(self, world_root: Path, kiosk_id: str, fault: str | None = None,
                 slow_s: float = 0.05) -> None:
        self.world = json.loads((Path(world_root) / "world.json").read_text(encoding="utf-8"))
        self.kiosk_id = kiosk_id
        self.fault = fault
        self.slow_s = slow_s
        self._resident: dict[str, Any] | None = None
        self._session: str | None = None
        self._challenge: bytes | None = None
        self.outcomes: list[tuple[str, str, int, int]] = []

    def _check(self) -> None:
        if self.fault == "down":
            raise RelayFault("relay_unavailable")
        self._register()

    def _register(self) -> None:
        """A kiosk register fault refuses every call, as the real adapter does."""
        if self.fault in REGISTER_FAULTS:
            raise RelayFault(REGISTER_FAULTS[self.fault], "call_staff")

    def check_version(self) -> None:
        """The start check: ``incompatible`` takes the terminal out of service, as a relay
        of another protocol version does through the real adapter; so does a kiosk register
        fault, with its code."""
        if self.fault == "incompatible":
            raise RelayFault("incompatible_relay", "call_staff")
        self._register()

    def open_session(self) -> tuple[str, bytes]:
        self._check()
        self._session, self._challenge = uuid.uuid4().hex, os.urandom(32)
        return self._session, self._challenge

    def challenge_message(self, challenge: bytes, session_id: str) -> bytes:
        return b"kiosk-challenge/v1\n" + challenge + session_id.encode() + self.kiosk_id.encode()

    def authenticate(self, cert_der: bytes, signature: bytes) -> tuple[MenuItem, ...]:
        self._check()
        persona = next((p for p in self.world["personas"]
                        if p.get("cert_serial") and self._serial(cert_der) == p["cert_serial"]),
                       None)
        if persona is None:
            raise Refusal("card_unknown")
        if persona["card"] == "revoked":
            raise Refusal("cert_revoked")
        if persona["card"] == "expired":
            raise Refusal("cert_expired")
        self._resident = next(r for r in self.world["residents"] if r["id"] == persona["resident"])
        refusal = None
        if persona["age"] < 15:
            refusal = "under_15"
        for flag in ("moving_out", "dv_measure", "deceased"):
            if flag in persona.get("flags", ()):
                refusal = flag
        fees = self.world["municipality"]["fees"]
        items = []
        for cert_type, spec in CATALOGUE.items():
            item_refusal = refusal
            if cert_type == CertType.INKAN and not persona.get("seal"):
                item_refusal = item_refusal or "no_seal"
            items.append(MenuItem(
                type=cert_type.value, fee=int(fees[cert_type.value]),
                options=tuple(MenuOption(o.key, o.choices) for o in spec.options),
                available=item_refusal is None, refusal=item_refusal))
        return tuple(items)

    @staticmethod
    def _serial(cert_der: bytes) -> str:
        from cryptography import x509

        return format(x509.load_der_x509_certificate(cert_der).serial_number, "X")

    def request_documents(self, request_id: str, doc_type: str, options: dict[str, str],
                          copies: int) -> IssuedDocument:
        if self._resident is None:
            raise RelayFault("not_authenticated")
        if self.fault == "down":
            raise RelayFault("relay_unavailable")
        if self.fault == "slow":
            time.sleep(self.slow_s)
            raise RelayFault("relay_timeout")
        if self.fault == "bad":
            raise RelayFault("relay_bad_response")
        r = self._resident
        data = [{"type": doc_type, "copy": n, "options": dict(options), "address": r["address"],
                 "name": f'{r["family_name"]} {r["given_name"]}',
                 "kana": f'{r["family_kana"]} {r["given_kana"]}', "my_number": r["my_number"]}
                for n in range(copies)]
        if self.fault == "integrity":
            raise IntegrityFault("integrity")
        fee = int(self.world["municipality"]["fees"][doc_type])
        return IssuedDocument(request_id=request_id, doc_type=doc_type, data=data,
                              relay_session=self._session, fee=fee, amount=fee * copies)

    def report_outcome(self, request_id: str, outcome: str, copies: int, amount: int,
                       relay_session: str | None = None) -> None:
        self._check()
        self.outcomes.append((request_id, outcome, copies, amount))
        self._resident = None


class FakePrinter:
    """A printer that renders the document's data into a bytearray and "prints" by
    counting. ``tray`` (a file) records job ids and copies, never content."""

    def __init__(self, fault: str | None = None, tray: Path | None = None) -> None:
        self.fault = fault
        self.tray = tray
        self.jobs: dict[str, bytearray] = {}
        self.printed: list[tuple[str, int]] = []

    def preflight(self) -> None:
        if self.fault == "media-empty":
            raise PrintFault("media-empty")

    def render(self, document: IssuedDocument) -> None:
        for copy in document.data:
            pdf = bytearray(b"%PDF-1.7\n")
            pdf += json.dumps(copy, ensure_ascii=False).encode("utf-8")
            document.pdfs.append(pdf)
        document.pages = len(document.pdfs)

    def job_name(self) -> str:
        return "job-" + uuid.uuid4().hex[:16]

    def submit(self, pdf: bytearray, job: str) -> None:
        self.jobs[job] = bytearray(pdf)  # the "spool": purged below

    def wait(self, job: str, deadline_s: float) -> None:
        if self.fault in ("jam", "offline", "timeout"):
            self.purge(job)
            raise PrintFault("print_timeout" if self.fault == "timeout" else self.fault)
        self.printed.append((job, 1))
        if self.tray is not None:
            with open(self.tray, "a", encoding="ascii") as fh:
                fh.write(json.dumps({"job": job, "copies": 1}) + "\n")
        self.purge(job)

    def purge(self, job: str | None = None) -> None:
        from protocol.sensitive import zero

        for key in [job] if job else list(self.jobs):
            buf = self.jobs.pop(key, None) if key else None
            if buf is not None:
                zero(buf)

    def fate(self, job: str) -> str:
        """From the tray when there is one (it outlives the worker), else from memory."""
        if self.tray is not None and self.tray.exists():
            lines = self.tray.read_text(encoding="ascii").splitlines()
            out = any(json.loads(line).get("job") == job for line in lines if line.strip())
        else:
            out = any(key == job for key, _ in self.printed)
        return "printed" if out else "not_printed"

    def forget(self, job: str | None = None) -> None:
        """Nothing to drop: the tray is the test's record of what came out."""


@dataclass
class _CoinState:
    txn: str | None = None
    due: int = 0
    escrow: int = 0
    accepting: bool = False
    jammed: bool = False
    cash_box: int = 0
    paid_out: int = 0
    vouchered: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)


class FakePayment:
    """A coin and note acceptor with escrow; its state lives in ``state_file`` the way a
    real device keeps its coins when the worker dies."""

    COINS = (10, 50, 100, 500, 1000)

    def __init__(self, state_file: Path, can_give_change: bool = True) -> None:
        self.state_file = Path(state_file)
        self.can_give_change = can_give_change

    def _load(self) -> _CoinState:
        if self.state_file.exists():
            return _CoinState(**json.loads(self.state_file.read_text(encoding="ascii")))
        return _CoinState()

    def _save(self, st: _CoinState) -> None:
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        tmp.write_text(json.dumps(st.__dict__), encoding="ascii")
        os.replace(tmp, self.state_file)

    # -- the tester's side ---------------------------------------------------------------
    def insert(self, coin: int) -> bool:
        st = self._load()
        if coin not in self.COINS or not st.accepting or st.jammed:
            return False
        st.escrow += coin
        self._save(st)
        return True

    def jam(self) -> None:
        st = self._load()
        st.jammed = True
        self._save(st)

    def clear_jam(self) -> None:
        st = self._load()
        st.jammed = False
        self._save(st)

    def totals(self) -> _CoinState:
        return self._load()

    # -- the port ------------------------------------------------------------------------
    def exact_change_only(self, due: int) -> bool:
        return not self.can_give_change

    def begin(self, txn: str, due: int) -> None:
        st = self._load()
        st.txn, st.due, st.escrow, st.accepting = txn, due, 0, True
        self._save(st)

    def pump(self) -> PaymentStatus:
        st = self._load()
        if st.jammed:
            raise PaymentFault("coin_jam")
        if st.accepting and st.escrow >= st.due:
            st.accepting = False
            self._save(st)
        return PaymentStatus(st.escrow, not st.accepting and st.escrow >= st.due > 0)

    def charge(self) -> Payout:
        st = self._load()
        change = st.escrow - st.due
        st.cash_box += st.due
        st.paid_out += change
        st.history.append({"txn": st.txn, "charged": st.due, "change": change})
        st.escrow, st.accepting = 0, False
        self._save(st)
        return Payout(change, charged=st.due)

    def refund(self) -> Payout:
        st = self._load()
        amount = st.escrow
        voucher = None
        if st.jammed and amount:
            voucher = "V" + (st.txn or "x")[:12]
            st.vouchered += amount
        else:
            st.paid_out += amount
        st.history.append({"txn": st.txn, "refunded": amount, "voucher": voucher})
        st.escrow, st.accepting = 0, False
        self._save(st)
        return Payout(amount, voucher, amount if voucher else 0)

    def settle_after_crash(self, txn: str, printed: bool) -> Payout:
        st = self._load()
        if st.txn != txn or (st.escrow == 0 and not st.accepting):
            return Payout(0)
        if printed:
            return self.charge()
        return self.refund()


# -- the ``kiosk.fake_ports`` entry points (the composition root calls them) ----------------


def _world(cfg: Config) -> Path:
    from hardware_mocks.session.virtual import world_of

    return world_of(cfg)


def _state(cfg: Config) -> Path:
    state = Path(cfg.state_dir)
    state.mkdir(parents=True, exist_ok=True)
    return state


def card(cfg: Config) -> FakeReader:
    return FakeReader(_world(cfg))


def relay(cfg: Config) -> FakeRelay:
    return FakeRelay(_world(cfg), cfg.kiosk_id, cfg.devices.relay_fault)


def printer(cfg: Config) -> FakePrinter:
    return FakePrinter(cfg.devices.printer_fault, tray=_state(cfg) / "tray.jsonl")


def payment(cfg: Config) -> FakePayment:
    """A tube configured empty (``coin_levels``) means the device cannot give change."""
    levels = cfg.devices.coin_levels or {}
    return FakePayment(_state(cfg) / "coins.json", all(v > 0 for v in levels.values()))


def build(cfg: Config) -> Devices:
    return Devices(reader=card(cfg), relay=relay(cfg), printer=printer(cfg), payment=payment(cfg))
