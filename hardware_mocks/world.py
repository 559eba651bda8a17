"""A synthetic test world: a municipality, its residents, their cards, and all the PKI.

``python -m hardware_mocks.world create DIR [--seed N] [--today YYYY-MM-DD]`` writes:

- ``world.json``: the municipality and the resident registry the relay serves
  (households, seal registrations, tax records, 戸籍), and the persona list;
- ``cards/<persona>.json``: one virtual My Number card per persona (keys, certificates,
  PINs and their try counters, which the virtual card updates in place);
- ``pki/``: the test JPKI CA and its CRL, the operator CA, the relay's server certificate,
  kiosk client certificates (short-lived; ``world.json`` lists each kiosk with its store
  and expected load for the relay's kiosk register), the issuer's document-signing key, a
  foreign CA for negative tests, and the scramble secret only the relay's verification
  service holds.

Everything is derived from ``--seed``; ages are computed from ``--today`` so that the
14-year-old stays 14 whatever day the tests run. All names are obviously synthetic
(試験 = test, 見本 = sample); the canary persona carries strings the data-remanence
tests search for.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hardware_mocks import pki

JST = dt.timezone(dt.timedelta(hours=9), "JST")
ATR_MY_NUMBER_CARD = "3BE000FF8131FE4514"
RELAY_HOST = "127.0.0.1"
KIOSK_IDS = ("KIOSK-0001", "KIOSK-0002", "KIOSK-0003")
#: Kiosk client certificates are short-lived (the relay takes at most 90 days): a world's
#: are valid from 29 days before its day to 60 days after.
KIOSK_CERT_BEFORE = dt.timedelta(days=29)
KIOSK_CERT_AFTER = dt.timedelta(days=60)

#: Strings that must never be found outside the session worker and the CUPS spool.
CANARY_FAMILY = "鳥籠"
CANARY_GIVEN = "金糸雀"
CANARY_NAME = f"{CANARY_FAMILY} {CANARY_GIVEN}"
CANARY_KANA = "トリカゴ カナリア"
CANARY_ADDRESS_MARK = "金糸雀町"
CANARY_MY_NUMBER = "739173917391"  # replaced by a valid check digit below
CANARY_PIN = "7391"

GAIJI = "\ue000"  # a private-use character: stands for a 外字 outside every font

MUNICIPALITY = {
    "code": "139998",
    "prefecture": "東京都",
    "name": "見本市",
    "mayor_title": "見本市長",
    "seal_text": "見本市長之印",
    "service_hours": ["06:30", "23:00"],
    "koseki_weekdays_only": True,
    "koseki_hours": ["09:00", "17:00"],
    "fees": {
        "juminhyo": 200,
        "juminhyo_kisai": 200,
        "inkan": 200,
        "koseki_zenbu": 350,
        "koseki_kojin": 350,
        "koseki_fuhyo": 200,
        "shotoku": 200,
    },
}


def my_number_check_digit(first11: str) -> str:
    """Check digit of an individual number (個人番号), per the ministerial ordinance."""
    digits = [int(c) for c in first11]
    total = 0
    for n in range(1, 12):
        p = digits[11 - n]
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    return "0" if r <= 1 else str(11 - r)


def valid_my_number(seed_digits: str) -> str:
    first = seed_digits[:11]
    return first + my_number_check_digit(first)


def _age_birth(today: dt.date, age: int, month: int, day: int) -> str:
    birthday_passed = (month, day) <= (today.month, today.day)
    year = today.year - age if birthday_passed else today.year - age - 1
    return dt.date(year, month, day).isoformat()


@dataclass(frozen=True)
class PersonaSpec:
    id: str
    family: str
    given: str
    family_kana: str
    given_kana: str
    sex: str  # ISO 5218: "1" male, "2" female
    age: int
    birthday: tuple[int, int]
    household: str
    relationship: str  # 続柄 in the 住民票
    koseki: str | None
    koseki_role: str  # 筆頭者, 妻, 子 …
    pin: str
    card: str = "valid"  # valid | locked | revoked | expired
    seal: bool = True
    flags: tuple[str, ...] = ()  # moving_out, dv_measure, deceased
    note: str = ""


PERSONAS: tuple[PersonaSpec, ...] = (
    PersonaSpec("shiken-ichiro", "試験", "一郎", "シケン", "イチロウ", "1", 46, (5, 14), "H1",
                "世帯主", "K1", "筆頭者", "1234", note="adult, head of a household of three"),
    PersonaSpec("shiken-hanako", "試験", "花子", "シケン", "ハナコ", "2", 44, (9, 2), "H1",
                "妻", "K1", "妻", "2580", note="adult in the same household"),
    PersonaSpec("shiken-jiro", "試験", "次郎", "シケン", "ジロウ", "1", 14, (12, 24), "H1",
                "子", "K1", "子", "1470", seal=False, note="14 years old: under 15"),
    PersonaSpec("mihon-saburo", "見本", "三郎", "ミホン", "サブロウ", "1", 33, (3, 3), "H2",
                "世帯主", "K2", "筆頭者", "3690", seal=False,
                note="single resident, no seal registered"),
    PersonaSpec("mihon-shiro", "見本", "四郎", "ミホン", "シロウ", "1", 58, (7, 7), "H3",
                "世帯主", "K3", "筆頭者", "1111", card="locked",
                note="card whose PIN is locked"),
    PersonaSpec("mihon-goro", "見本", "五郎", "ミホン", "ゴロウ", "1", 61, (1, 5), "H4",
                "世帯主", "K4", "筆頭者", "2222", card="revoked",
                note="revoked authentication certificate"),
    PersonaSpec("mihon-rokuro", "見本", "六郎", "ミホン", "ロクロウ", "1", 39, (6, 16), "H5",
                "世帯主", "K5", "筆頭者", "3333", card="expired",
                note="expired authentication certificate"),
    PersonaSpec("mihon-nanako", "見本", "七子", "ミホン", "ナナコ", "2", 27, (8, 8), "H6",
                "世帯主", "K6", "筆頭者", "4444", flags=("moving_out",),
                note="moving out (転出予定)"),
    PersonaSpec("mihon-yaeko", "見本", "八重子", "ミホン", "ヤエコ", "2", 35, (10, 10), "H7",
                "世帯主", "K7", "筆頭者", "5555", flags=("dv_measure",),
                note="DV support measure (支援措置)"),
    PersonaSpec("mihon-kuro", "見本", "九郎", "ミホン", "クロウ", "1", 80, (11, 1), "H8",
                "世帯主", "K8", "筆頭者", "6666", flags=("deceased",),
                note="recorded as deceased; certificate not yet revoked"),
    PersonaSpec("mihon-gaiji", "見本", "十" + GAIJI, "ミホン", "トオル", "1", 50, (2, 20), "H9",
                "世帯主", "K9", "筆頭者", "7777",
                note="name with an unsupported character (外字)"),
    PersonaSpec("canary", CANARY_FAMILY, CANARY_GIVEN, "トリカゴ", "カナリア", "2", 41, (4, 1),
                "H10", "世帯主", "K10", "筆頭者", CANARY_PIN,
                note="canary: its strings must never leave the worker or the spool"),
)

ADDRESSES = {
    "H1": "東京都見本市中央一丁目1番1号",
    "H2": "東京都見本市中央二丁目2番3号 見本ハイツ201",
    "H3": "東京都見本市東町三丁目4番5号",
    "H4": "東京都見本市西町一丁目6番7号",
    "H5": "東京都見本市南町二丁目8番9号",
    "H6": "東京都見本市北町三丁目10番11号",
    "H7": "東京都見本市緑町一丁目12番13号",
    "H8": "東京都見本市桜町二丁目14番15号",
    "H9": "東京都見本市港町三丁目16番17号",
    "H10": f"東京都見本市{CANARY_ADDRESS_MARK}九丁目9番9号",
}


def _resident(spec: PersonaSpec, number: int, today: dt.date, seeds: pki.SeededRandom) -> dict[str, Any]:
    rng = seeds.stream("resident:" + spec.id)
    if spec.id == "canary":
        my_number = valid_my_number(CANARY_MY_NUMBER)
    else:
        my_number = valid_my_number("".join(str(rng.randrange(10)) for _ in range(11)))
    birth = _age_birth(today, spec.age, *spec.birthday)
    resident: dict[str, Any] = {
        # a registry's number, nothing of the person: a resident id goes into audit records
        # and tables, where no part of a My Number or a name may
        "id": f"R{number:04d}",
        "persona": spec.id,
        "family_name": spec.family,
        "given_name": spec.given,
        "family_kana": spec.family_kana,
        "given_kana": spec.given_kana,
        "birth_date": birth,
        "sex": spec.sex,
        "my_number": my_number,
        "household": spec.household,
        "relationship": spec.relationship,
        "address": ADDRESSES[spec.household],
        "resident_since": dt.date(max(int(birth[:4]), today.year - 12), 4, 1).isoformat(),
        "koseki": spec.koseki,
        "flags": list(spec.flags),
    }
    if spec.seal:
        resident["seal"] = {
            "registration_no": f"{rng.randrange(10**6, 10**7)}",
            "text": spec.family,
            "shape": "round",
            "registered_on": dt.date(today.year - 5, 6, 1).isoformat(),
        }
    if spec.age >= 16 and "deceased" not in spec.flags:
        tax: dict[str, Any] = {}
        for back in (1, 2, 3):
            income_year = today.year - back
            salary = 3_000_000 + rng.randrange(0, 60) * 50_000
            deduction = 1_200_000 + rng.randrange(0, 20) * 10_000
            taxable = max(0, salary - deduction - 430_000)
            tax[str(income_year + 1)] = {
                "fiscal_year": income_year + 1,
                "income_year": income_year,
                "salary_income": salary,
                "total_income": salary - 1_100_000,
                "deductions": deduction,
                "taxable_income": taxable,
                "municipal_tax": taxable * 6 // 100 + 3_500,
                "prefectural_tax": taxable * 4 // 100 + 1_500,
            }
        resident["tax"] = tax
    return resident


def _koseki(residents: list[dict[str, Any]], today: dt.date) -> list[dict[str, Any]]:
    books: dict[str, dict[str, Any]] = {}
    for r in residents:
        kid = r["koseki"]
        if kid is None:
            continue
        book = books.setdefault(
            kid,
            {
                "id": kid,
                "honseki": r["address"].split("号")[0] + "号" if kid != "K2" else "大阪府見本町一丁目1番",
                "hittosha": None,
                "made_on": dt.date(today.year - 20, 10, 1).isoformat(),
                "members": [],
                "local": kid != "K2",
            },
        )
        spec = next(p for p in PERSONAS if p.id == r["persona"])
        if spec.koseki_role == "筆頭者":
            book["hittosha"] = r["id"]
        events = [{"kind": "出生", "date": r["birth_date"], "place": "東京都見本市"}]
        if spec.koseki_role == "妻":
            events.append({"kind": "婚姻", "date": book["made_on"], "place": "東京都見本市"})
        book["members"].append({"resident": r["id"], "role": spec.koseki_role, "events": events})
    for book in books.values():
        book["fuhyo"] = [
            {
                "resident": m["resident"],
                "history": [
                    {"address": next(r["address"] for r in residents if r["id"] == m["resident"]),
                     "since": book["made_on"]}
                ],
            }
            for m in book["members"]
        ]
    return list(books.values())


def create(directory: Path, seed: int = 1, today: dt.date | None = None) -> Path:
    """Write a complete test world into ``directory`` and return it."""
    today = today or dt.datetime.now(JST).date()
    seeds = pki.SeededRandom(seed)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "cards").mkdir(exist_ok=True)
    pki_dir = directory / "pki"
    pki_dir.mkdir(exist_ok=True)
    (pki_dir / "kiosks").mkdir(exist_ok=True)

    long_ago = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    far = dt.datetime(2036, 1, 1, tzinfo=dt.UTC)

    # --- JPKI ---------------------------------------------------------------------------
    jpki_key = pki.rsa_key(seeds, "jpki-ca")
    jpki_cert = pki.ca_certificate(jpki_key, "Test JPKI User Authentication CA", 1, long_ago, far)
    sign_ca_key = pki.rsa_key(seeds, "jpki-sign-ca")
    sign_ca_cert = pki.ca_certificate(sign_ca_key, "Test JPKI Digital Signature CA", 2, long_ago, far)

    residents = [_resident(spec, number, today, seeds) for number, spec in enumerate(PERSONAS, start=1)]
    cards: dict[str, str] = {}
    revoked: list[int] = []
    personas_out = []
    for spec, resident in zip(PERSONAS, residents, strict=True):
        auth_key = pki.rsa_key(seeds, "card-auth:" + spec.id)
        sign_key = pki.rsa_key(seeds, "card-sign:" + spec.id)
        serial = int.from_bytes(seeds.bytes("serial:" + spec.id, 8), "big") | (1 << 62)
        if spec.card == "expired":
            nb = dt.datetime(2020, 4, 1, tzinfo=dt.UTC)
            na = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
        else:
            nb = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
            na = dt.datetime(2035, 4, 1, tzinfo=dt.UTC)
        auth_cert = pki.leaf_certificate(
            issuer_key=jpki_key, issuer_cert=jpki_cert, public_key=auth_key.public_key(),
            subject=x509.Name([x509.NameAttribute(x509.oid.NameOID.COUNTRY_NAME, "JP"),
                               x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, f"AUTH{serial:016X}")]),
            serial=serial, not_before=nb, not_after=na, usage="card",
        )
        sign_cert = pki.leaf_certificate(
            issuer_key=sign_ca_key, issuer_cert=sign_ca_cert, public_key=sign_key.public_key(),
            subject=x509.Name([x509.NameAttribute(x509.oid.NameOID.COUNTRY_NAME, "JP"),
                               x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, f"SIGN{serial:016X}")]),
            serial=serial + 1, not_before=nb, not_after=na, usage="card",
        )
        if spec.card == "revoked":
            revoked.append(serial)
        cards[f"{serial:X}"] = resident["id"]
        tries = 0 if spec.card == "locked" else 3
        card = {
            "persona": spec.id,
            "atr": ATR_MY_NUMBER_CARD,
            "auth": {
                "key_pem": pki.pem_key(auth_key).decode(),
                "cert_der": auth_cert.public_bytes(serialization.Encoding.DER).hex(),
                "pin": spec.pin,
                "tries_left": tries,
                "max_tries": 3,
            },
            "sign": {
                "key_pem": pki.pem_key(sign_key).decode(),
                "cert_der": sign_cert.public_bytes(serialization.Encoding.DER).hex(),
                "pin": ("SIGN" + spec.pin + "AB"),
                "tries_left": 5,
                "max_tries": 5,
            },
            "auth_ca_der": jpki_cert.public_bytes(serialization.Encoding.DER).hex(),
            "sign_ca_der": sign_ca_cert.public_bytes(serialization.Encoding.DER).hex(),
            "kenhojo": {
                "pin": spec.pin,
                "tries_left": 3,
                "max_tries": 3,
                "my_number": resident["my_number"],
                "name": f"{resident['family_name']} {resident['given_name']}",
                "address": resident["address"],
                "birth_date": resident["birth_date"].replace("-", ""),
                "sex": resident["sex"],
            },
        }
        _write_json(directory / "cards" / f"{spec.id}.json", card)
        personas_out.append(
            {
                "id": spec.id,
                "pin": spec.pin,
                "card": spec.card,
                "resident": resident["id"],
                "cert_serial": f"{serial:X}",
                "age": spec.age,
                "household": spec.household,
                "flags": list(spec.flags),
                "seal": spec.seal,
                "note": spec.note,
            }
        )

    now = dt.datetime.combine(today, dt.time(0, 0), tzinfo=JST).astimezone(dt.UTC)
    jpki_crl = pki.crl(jpki_key, jpki_cert, revoked, now - dt.timedelta(days=1), now + dt.timedelta(days=3650))
    _write(pki_dir / "jpki-ca.pem", pki.pem_cert(jpki_cert))
    _write(pki_dir / "jpki-ca.key", pki.pem_key(jpki_key), secret=True)
    _write(pki_dir / "jpki-sign-ca.pem", pki.pem_cert(sign_ca_cert))
    _write(pki_dir / "jpki-crl.pem", jpki_crl.public_bytes(serialization.Encoding.PEM))

    # --- operator PKI: relay server and kiosk clients ------------------------------------
    op_key = pki.ec_key(seeds, "operator-ca")
    op_cert = pki.ca_certificate(op_key, "Test Kiosk Operator CA", 10, long_ago, far)
    _write(pki_dir / "operator-ca.pem", pki.pem_cert(op_cert))
    _write(pki_dir / "operator-ca.key", pki.pem_key(op_key), secret=True)
    relay_key = pki.ec_key(seeds, "relay-server")
    relay_cert = pki.leaf_certificate(
        issuer_key=op_key, issuer_cert=op_cert, public_key=relay_key.public_key(),
        subject=pki.name("relay.test"), serial=11, not_before=long_ago, not_after=far,
        usage="server", dns_names=("localhost", "relay.test"), ip_addresses=(RELAY_HOST, "::1"),
    )
    _write(pki_dir / "relay.pem", pki.pem_cert(relay_cert))
    _write(pki_dir / "relay.key", pki.pem_key(relay_key), secret=True)
    kiosks = []
    for n, kiosk_id in enumerate(KIOSK_IDS):
        issue_kiosk_certificate(directory, kiosk_id, serial=100 + n, today=today, seed=seed)
        # the first two run test sessions back to back; the third has a shop's load (limit tests)
        kiosks.append(kiosk_entry(kiosk_id, store=f"STORE-{n + 1:03d}", expected_per_hour=3600 if n < 2 else 30))

    # a CA nobody trusts, for negative TLS tests
    foreign_key = pki.ec_key(seeds, "foreign-ca")
    foreign_cert = pki.ca_certificate(foreign_key, "Foreign CA", 20, long_ago, far)
    _write(pki_dir / "foreign-ca.pem", pki.pem_cert(foreign_cert))
    _write(pki_dir / "foreign-ca.key", pki.pem_key(foreign_key), secret=True)
    for label, usage in (("foreign-client", "client"), ("foreign-server", "server")):
        key = pki.ec_key(seeds, label)
        cert = pki.leaf_certificate(
            issuer_key=foreign_key, issuer_cert=foreign_cert, public_key=key.public_key(),
            subject=pki.name("KIOSK-0001" if usage == "client" else "relay.test"), serial=21,
            not_before=long_ago, not_after=far, usage=usage,
            dns_names=("localhost",), ip_addresses=(RELAY_HOST,),
        )
        _write(pki_dir / f"{label}.pem", pki.pem_cert(cert))
        _write(pki_dir / f"{label}.key", pki.pem_key(key), secret=True)

    # --- the issuer: signs document bindings and QR payloads -----------------------------
    issuer = pki.ed25519_key(seeds, "issuer")
    _write(pki_dir / "issuer.key", pki.pem_key(issuer), secret=True)
    _write(
        pki_dir / "issuer.pub",
        issuer.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    _write(pki_dir / "scramble.key", seeds.bytes("scramble", 32).hex().encode() + b"\n", secret=True)

    # --- the registry ---------------------------------------------------------------------
    households: dict[str, dict[str, Any]] = {}
    for r in residents:
        h = households.setdefault(r["household"], {"id": r["household"], "address": r["address"], "head": None})
        if r["relationship"] == "世帯主":
            h["head"] = r["id"]
    world = {
        "format": 1,
        "seed": seed,
        "today": today.isoformat(),
        "municipality": MUNICIPALITY,
        "residents": residents,
        "households": list(households.values()),
        "koseki": _koseki(residents, today),
        "cards": cards,
        "personas": personas_out,
        "kiosks": kiosks,
    }
    _write_json(directory / "world.json", world)
    return directory


def kiosk_entry(kiosk_id: str, store: str, expected_per_hour: int = 30) -> dict[str, Any]:
    """A kiosk as ``world.json`` lists it, for the relay's register (``relay kiosk import``)."""
    return {"id": kiosk_id, "store": store, "certificate": f"pki/kiosks/{kiosk_id}.pem",
            "expected_per_hour": expected_per_hour}


def issue_kiosk_certificate(directory: Path, kiosk_id: str, serial: int, today: dt.date,
                            seed: int = 1) -> tuple[Path, Path]:
    """Issue (or re-issue) a short-lived client certificate for ``kiosk_id`` from the
    operator CA, valid around ``today``."""
    seeds = pki.SeededRandom(seed)
    pki_dir = directory / "pki"
    op_key = serialization.load_pem_private_key((pki_dir / "operator-ca.key").read_bytes(), None)
    assert isinstance(op_key, ec.EllipticCurvePrivateKey)  # the world makes an EC operator CA
    op_cert = x509.load_pem_x509_certificate((pki_dir / "operator-ca.pem").read_bytes())
    key = pki.ec_key(seeds, "kiosk:" + kiosk_id)
    midnight = dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC)
    cert = pki.leaf_certificate(
        issuer_key=op_key,
        issuer_cert=op_cert, public_key=key.public_key(), subject=pki.name(kiosk_id),
        serial=serial, not_before=midnight - KIOSK_CERT_BEFORE, not_after=midnight + KIOSK_CERT_AFTER,
        usage="client",
    )
    cert_path = pki_dir / "kiosks" / f"{kiosk_id}.pem"
    key_path = pki_dir / "kiosks" / f"{kiosk_id}.key"
    _write(cert_path, pki.pem_cert(cert))
    _write(key_path, pki.pem_key(key), secret=True)
    return cert_path, key_path


@dataclass(frozen=True)
class World:
    """Read access to a generated world."""

    root: Path

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / "world.json").read_text(encoding="utf-8"))
        return data

    def personas(self) -> list[dict[str, Any]]:
        personas: list[dict[str, Any]] = self.data["personas"]
        return personas

    def persona(self, persona_id: str) -> dict[str, Any]:
        for p in self.personas():
            if p["id"] == persona_id:
                return p
        raise KeyError(f"no persona {persona_id!r} in {self.root}")

    def resident(self, resident_id: str) -> dict[str, Any]:
        residents: list[dict[str, Any]] = self.data["residents"]
        for r in residents:
            if r["id"] == resident_id:
                return r
        raise KeyError(resident_id)

    def card_path(self, persona_id: str) -> Path:
        path = self.root / "cards" / f"{persona_id}.json"
        if not path.exists():
            raise KeyError(f"no card for persona {persona_id!r} in {self.root}")
        return path

    def pki(self, name: str) -> Path:
        return self.root / "pki" / name

    def kiosk_cert(self, kiosk_id: str) -> tuple[Path, Path]:
        return (self.pki(f"kiosks/{kiosk_id}.pem"), self.pki(f"kiosks/{kiosk_id}.key"))


def _write(path: Path, data: bytes, secret: bool = False) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _write_json(path: Path, obj: Any) -> None:
    _write(path, (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hardware_mocks.world")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("create", help="generate a test world")
    c.add_argument("dir", type=Path)
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--today", type=dt.date.fromisoformat, default=None,
                   help="the date ages are computed from (default: today in JST)")
    p = sub.add_parser("personas", help="list the personas and their test PINs")
    p.add_argument("dir", type=Path)
    p.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "create":
        create(args.dir, seed=args.seed, today=args.today)
        print(f"test world written to {args.dir}")
        return 0
    world_file = args.dir / "world.json"
    if not world_file.exists():
        print(f"error: {args.dir} holds no test world (run: create {args.dir})", file=sys.stderr)
        return 2
    personas = World(args.dir).personas()
    if args.json:
        print(json.dumps(personas, ensure_ascii=False, indent=1))
    else:
        for persona in personas:
            print(f"{persona['id']:<15} PIN {persona['pin']}  card={persona['card']:<8} "
                  f"{persona['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
