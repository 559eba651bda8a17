"""A crowd of extra residents with cards and kiosks, for load and concurrency tests.

The test world has a dozen personas; the incidents happened with many residents at many
terminals at once. :func:`add_crowd` adds ``n`` adult residents (each in a household of
their own, with a seal and tax records), a JPKI authentication certificate for each, and
``kiosks`` kiosk client certificates (each listed for the relay's kiosk register), to a
private copy of a world. Everything derives
from the world's seed, so a crowd is reproducible. The card keys are reused from a small
pool of the world's own card keys (generating thousands of RSA keys would take minutes);
each certificate, and so each card certificate hash and serial, is distinct.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from hardware_mocks import pki
from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.world import issue_kiosk_certificate, kiosk_entry, valid_my_number

KEY_POOL = ("shiken-ichiro", "shiken-hanako", "mihon-saburo", "canary")


@dataclass(frozen=True)
class CrowdMember:
    resident_id: str
    given_name: str  # what every document of this resident must show
    kiosk_id: str
    card: CardSigner


def add_crowd(world_root: Path, n: int, kiosks: int | None = None) -> list[CrowdMember]:
    """Add ``n`` residents and ``kiosks`` (default ``n``) kiosks to ``world_root``; member
    ``i`` is served at kiosk ``i % kiosks``. Call before the relay starts."""
    kiosks = kiosks or n
    data = json.loads((world_root / "world.json").read_text(encoding="utf-8"))
    seeds = pki.SeededRandom(int(data["seed"]))
    today = dt.date.fromisoformat(data["today"])
    pki_dir = world_root / "pki"
    ca_key = serialization.load_pem_private_key((pki_dir / "jpki-ca.key").read_bytes(), None)
    assert isinstance(ca_key, rsa.RSAPrivateKey)
    ca_cert = x509.load_pem_x509_certificate((pki_dir / "jpki-ca.pem").read_bytes())
    pool = [CardSigner.load(world_root / "cards" / f"{p}.json").key for p in KEY_POOL]
    kiosk_ids = [f"KIOSK-{9000 + k:04d}" for k in range(kiosks)]
    listed = {entry["id"] for entry in data["kiosks"]}
    for k, kiosk_id in enumerate(kiosk_ids):
        if not (pki_dir / "kiosks" / f"{kiosk_id}.pem").exists():
            issue_kiosk_certificate(world_root, kiosk_id, serial=9000 + k, today=today, seed=int(data["seed"]))
        if kiosk_id not in listed:
            data["kiosks"].append(kiosk_entry(kiosk_id, store=f"CROWD-{k:04d}", expected_per_hour=3600))
    members = []
    for i in range(n):
        rng = seeds.stream(f"crowd:{i}")
        my_number = valid_my_number(f"{rng.randrange(10**10, 10**11)}")
        rid = f"RC{i:05d}"
        given = f"群{i:05d}"
        household = f"HC{i:05d}"
        address = f"東京都見本市群衆町{i // 100 + 1}丁目{i % 100 + 1}番1号"
        birth = dt.date(today.year - 20 - i % 50, 1 + i % 12, 1 + i % 28).isoformat()
        tax = {str(y): {"fiscal_year": y, "income_year": y - 1, "salary_income": 3_000_000,
                        "total_income": 1_900_000, "deductions": 1_000_000, "taxable_income": 470_000,
                        "municipal_tax": 31_700, "prefectural_tax": 20_300}
               for y in (today.year - 1, today.year)}
        data["residents"].append({
            "id": rid, "persona": f"crowd-{i:05d}", "family_name": "見本", "given_name": given,
            "family_kana": "ミホン", "given_kana": "グン", "birth_date": birth, "sex": "1" if i % 2 else "2",
            "my_number": my_number, "household": household, "relationship": "世帯主", "address": address,
            "resident_since": dt.date(today.year - 3, 4, 1).isoformat(), "koseki": None, "flags": [],
            "seal": {"registration_no": f"{8_000_000 + i}", "text": "見本", "shape": "round",
                     "registered_on": dt.date(today.year - 3, 4, 1).isoformat()},
            "tax": tax,
        })
        data["households"].append({"id": household, "address": address, "head": rid})
        key = pool[i % len(pool)]
        serial = (0x5C << 56) | i
        cert = pki.leaf_certificate(
            issuer_key=ca_key, issuer_cert=ca_cert, public_key=key.public_key(),
            subject=x509.Name([x509.NameAttribute(x509.oid.NameOID.COUNTRY_NAME, "JP"),
                               x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, f"AUTH{serial:016X}")]),
            serial=serial, not_before=dt.datetime(2025, 4, 1, tzinfo=dt.UTC),
            not_after=dt.datetime(2035, 4, 1, tzinfo=dt.UTC), usage="card",
        )
        data["cards"][f"{serial:X}"] = rid
        members.append(CrowdMember(rid, given, kiosk_ids[i % kiosks],
                                   CardSigner(cert.public_bytes(serialization.Encoding.DER), key)))
    (world_root / "world.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return members
