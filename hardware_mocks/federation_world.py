"""A federation test world: the issuing centre and three (or more) municipal issuing servers.

Built from a generated test world (:mod:`hardware_mocks.world`; its JPKI CA, cards and
residents) by splitting the residents between three municipalities, each with its own
configuration (fees, offered types, hours, 戸籍 hours, option limits, seal text), registry,
issuer key, message key, scramble master and TLS certificate from a federation CA; the
centre's message key and TLS client certificate; the JPKI side's card → municipality map;
and the signed federation directory with its anchor.

The people, chosen so every routing case exists:
- residents of A, B and C, by household;
- one resident of A who moved to B (A's registry still has the record but no longer the
  card; the JPKI map names B);
- residents of B keep their 戸籍 in A (本籍地) and registered for it (利用登録); the
  one who moved from A has not;
- residents of C keep their 戸籍 in a municipality that does not take part.

A benchmark asks for more members (``members`` > 3, up to :data:`MAX_MEMBERS`): the
households are then split between A, B, C and the extra members (:func:`extra_codes`),
each with a plain configuration (:func:`plain_config`: A's fees and types, open all day)
and residents like C's. With three, the world is exactly the one the tests and the demo
use.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hardware_mocks import pki
from hardware_mocks.world import MUNICIPALITY, RELAY_HOST, World
from protocol.federation import directory as fd
from protocol.federation.codes import code_check_digit

A, B, C = "139998", "139971", "139955"
NOT_PARTICIPATING = "472018"
FEDERATION = "test-federation"
FEES: dict[str, int] = dict(MUNICIPALITY["fees"])  # type: ignore[call-overload]
CONFIG: dict[str, dict[str, Any]] = {
    A: {**MUNICIPALITY, "service_hours": ["00:00", "23:59"], "koseki_weekdays_only": False},
    B: {**MUNICIPALITY, "code": B, "name": "見本町", "mayor_title": "見本町長", "seal_text": "見本町長之印",
        "service_hours": ["00:00", "23:59"], "koseki_weekdays_only": False,
        "fees": {**FEES, "juminhyo": 300, "juminhyo_kisai": 300, "shotoku": 300},
        "offered": ["juminhyo", "juminhyo_kisai", "koseki_zenbu", "koseki_kojin", "koseki_fuhyo", "shotoku"],
        "option_limits": {"juminhyo": {"scope": ["self"]}}},
    C: {**MUNICIPALITY, "code": C, "name": "見本村", "mayor_title": "見本村長", "seal_text": "見本村長印",
        "service_hours": ["00:00", "23:59"], "koseki_weekdays_only": True, "koseki_hours": ["09:00", "17:00"],
        "fees": dict.fromkeys(FEES, 250)},
}
MAX_MEMBERS = 12


def extra_codes(count: int) -> tuple[str, ...]:
    """The codes of ``count`` members beyond A, B and C: 13994x, 13993x, … (Tokyo's
    prefecture prefix, like A's; numbers no real municipality has), each with its check digit."""
    if not 0 <= count <= MAX_MEMBERS - 3:
        raise ValueError(f"3 to {MAX_MEMBERS} members")
    return tuple(f"{n}{code_check_digit(str(n))}" for n in range(13994, 13994 - count, -1))


def plain_config(code: str, index: int) -> dict[str, Any]:
    """An extra member's configuration: A's fees and offered types, open all day and every day."""
    name = f"見本{index}町"
    return {**MUNICIPALITY, "code": code, "name": name, "mayor_title": f"{name}長", "seal_text": f"{name}長之印",
            "service_hours": ["00:00", "23:59"], "koseki_weekdays_only": False}


@dataclass(frozen=True)
class FederationWorld:
    root: Path
    base: World

    def municipality_dir(self, code: str) -> Path:
        return self.root / "municipalities" / code

    @property
    def centre_dir(self) -> Path:
        return self.root / "centre"

    @property
    def codes(self) -> tuple[str, ...]:
        """Every member's code: A, B, C, then any extra members."""
        return tuple(json.loads((self.root / "members.json").read_text(encoding="utf-8")))

    @property
    def people(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / "people.json").read_text(encoding="utf-8"))
        return data

    def anchor(self) -> fd.Anchor:
        return fd.Anchor.from_bytes((self.root / "anchor.json").read_bytes())

    def directory_key(self) -> Ed25519PrivateKey:
        key = serialization.load_pem_private_key((self.root / "directory.key").read_bytes(), None)
        assert isinstance(key, Ed25519PrivateKey)
        return key

    def members(self, endpoints: dict[str, str] | None = None,
                suspended: frozenset[str] = frozenset()) -> tuple[fd.Member, ...]:
        out = []
        for code in self.codes:
            member = fd.Member.from_json(json.loads((self.municipality_dir(code) / "member.json").read_text()))
            out.append(fd.Member(**{**member.__dict__, "endpoint": (endpoints or {}).get(code, member.endpoint),
                                    "status": "suspended" if code in suspended else "active"}))
        return tuple(out)

    def publish(self, endpoints: dict[str, str] | None = None, serial: int = 1,
                suspended: frozenset[str] = frozenset(), now: dt.datetime | None = None) -> Path:
        """Sign a directory of the members (at ``endpoints``) into ``directory.json``."""
        now = now or dt.datetime.now(dt.UTC)
        centre_key = _load_ed25519(self.centre_dir / "message.key")
        directory = fd.Directory(FEDERATION, serial, now - dt.timedelta(minutes=1), now + dt.timedelta(days=7),
                                 (_published(centre_key),), self.members(endpoints, suspended))
        path = self.root / "directory.json"
        path.write_bytes(fd.sign(directory, self.directory_key()))
        return path


def _load_ed25519(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def _published(key: Ed25519PrivateKey) -> fd.PublishedKey:
    return fd.PublishedKey(key.public_key(), dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                           dt.datetime(2036, 1, 1, tzinfo=dt.UTC))


def _write(path: Path, data: bytes, secret: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if secret:
        path.chmod(0o600)


def create(base: World, root: Path, seed: int = 7, members: int = 3) -> FederationWorld:
    """Write the federation world into ``root`` (the base world is only read), with
    ``members`` municipalities (3 to :data:`MAX_MEMBERS`)."""
    extra = extra_codes(members - 3)
    codes = (A, B, C, *extra)
    config = CONFIG | {code: plain_config(code, n) for n, code in enumerate(extra, start=1)}
    seeds = pki.SeededRandom(seed)
    root.mkdir(parents=True, exist_ok=True)
    data = base.data
    long_ago, far = dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime(2036, 1, 1, tzinfo=dt.UTC)
    ca_key = pki.ec_key(seeds, "federation-ca")
    ca_cert = pki.ca_certificate(ca_key, "Test Federation CA", 30, long_ago, far)
    _write(root / "federation-ca.pem", pki.pem_cert(ca_cert))
    _write(root / "federation-ca.key", pki.pem_key(ca_key), secret=True)
    directory_key = pki.ed25519_key(seeds, "directory")
    _write(root / "directory.key", pki.pem_key(directory_key), secret=True)
    _write(root / "anchor.json", fd.Anchor(FEDERATION, (directory_key.public_key(),)).to_bytes())

    # -- the people: households split between the members --------------------------------
    households = sorted(h["id"] for h in data["households"])
    home = {h: codes[n % len(codes)] for n, h in enumerate(households)}
    card_of = {rid: serial for serial, rid in data["cards"].items()}
    routing = {serial: home[next(r for r in data["residents"] if r["id"] == rid)["household"]]
               for serial, rid in data["cards"].items()}
    usable = {p["resident"] for p in data["personas"] if p["card"] == "valid" and p["age"] >= 20}
    with_card = [r for r in data["residents"] if r["id"] in usable and not r["flags"]]
    moved = next(r for r in with_card if home[r["household"]] == A)
    routing[card_of[moved["id"]]] = B
    b_people = [r for r in with_card if home[r["household"]] == B and r.get("koseki")]
    unregistered = moved["id"]  # keeps the 戸籍 in A, lives in B and has not registered for it
    registrations = {card_of[r["id"]]: r["id"] for r in b_people}

    registries: dict[str, dict[str, Any]] = {}
    for code in codes:
        reg = copy.deepcopy({k: data[k] for k in ("residents", "households", "koseki")})
        if code != A:  # only A keeps everyone's 戸籍 and records; the others their own residents
            keep = {r["id"] for r in data["residents"] if home[r["household"]] == code}
            if code == B:
                keep.add(moved["id"])
            reg["residents"] = [r for r in reg["residents"] if r["id"] in keep]
            reg["households"] = [h for h in reg["households"] if h["id"] in {r["household"] for r in
                                                                               reg["residents"]}]
            for book in reg["koseki"]:  # the residence knows only where the book is kept
                book.update({"local": False, "honseki": A if code == B else NOT_PARTICIPATING,
                             "members": [m for m in book["members"] if m["resident"] in keep]})
        cards = {s: rid for s, rid in data["cards"].items() if routing[s] == code}
        registries[code] = {"format": 1, "municipality": config[code], **reg, "cards": cards,
                            "koseki_registrations": registrations if code == A else {}}

    _write(root / "members.json", json.dumps(codes).encode())
    for code in codes:
        init_municipality(root / "municipalities" / code, code, config[code]["name"],
                          f"https://{RELAY_HOST}:1", ca=(ca_key, ca_cert))
        _write(root / "municipalities" / code / "registry.json",
               json.dumps(registries[code], ensure_ascii=False, indent=1).encode())
        _write(root / "municipalities" / code / "profile.json",
               json.dumps(_profile(registries[code], dt.date.fromisoformat(data["today"]))).encode())

    centre = root / "centre"
    message_key = pki.ed25519_key(seeds, "centre-message")
    _write(centre / "message.key", pki.pem_key(message_key), secret=True)
    tls_key = pki.ec_key(seeds, "centre-tls")
    cert = pki.leaf_certificate(issuer_key=ca_key, issuer_cert=ca_cert, public_key=tls_key.public_key(),
                                subject=pki.name("centre.federation.test"), serial=31, not_before=long_ago,
                                not_after=far, usage="client")
    _write(centre / "tls.pem", pki.pem_cert(cert))
    _write(centre / "tls.key", pki.pem_key(tls_key), secret=True)
    _write(centre / "card-routing.json", json.dumps(routing, indent=1).encode())
    for name in ("jpki-ca.pem", "jpki-crl.pem"):
        shutil.copy(base.pki(name), centre / name)
    people = {"moved": moved["id"], "moved_card": card_of[moved["id"]], "unregistered": unregistered,
              "home": {rid: routing[s] for rid, s in card_of.items()}}
    _write(root / "people.json", json.dumps(people, indent=1).encode())
    world = FederationWorld(root, base)
    world.publish()
    return world


def _profile(registry: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """The conformance profile (:mod:`relay.centre.conformance`): which test cards may be
    issued a 住民票 and which must be refused, with the code."""
    from relay.registry import age_on
    from relay.rules import RESIDENT_FLAGS, unsupported

    residents = {r["id"]: r for r in registry["residents"]}
    issuable, refused = [], {}
    for serial, rid in registry["cards"].items():
        person = residents[rid]
        code = next((c for flag, c in RESIDENT_FLAGS if flag in person["flags"]), None)
        if code is None and age_on(person["birth_date"], today) < 15:
            code = "under_15"
        if code is not None:
            refused[serial] = code
        elif not any(unsupported(v) for v in person.values() if isinstance(v, str)):
            issuable.append(serial)
    return {"issuable": issuable, "refused": refused, "capacity_per_second": 5}


def init_municipality(target: Path, code: str, name: str, endpoint: str, *,
                      ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None = None) -> fd.Member:
    """What ``relay municipality init`` writes, with the test world's federation CA signing
    the TLS certificate (an operator gets a CSR signed instead)."""
    from relay.municipal.init import initialise

    member = initialise(target, code, name, endpoint)
    if ca is not None:
        ca_key, ca_cert = ca
        csr = x509.load_pem_x509_csr((target / "tls.csr").read_bytes())
        now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        cert = pki.leaf_certificate(issuer_key=ca_key, issuer_cert=ca_cert, public_key=csr.public_key(),
                                    subject=csr.subject, serial=int(code), not_before=now,
                                    not_after=dt.datetime(2036, 1, 1, tzinfo=dt.UTC), usage="server",
                                    dns_names=("localhost",), ip_addresses=(RELAY_HOST,))
        _write(target / "tls.pem", pki.pem_cert(cert))
        member = fd.Member(**{**member.__dict__,
                              "tls_cert_sha256": cert.fingerprint(hashes.SHA256()).hex()})
        (target / "member.json").write_text(json.dumps(member.to_json(), indent=1), encoding="utf-8")
    return member
