"""Single-digit forgeries against genuine pages: how many does verification catch?

``python -m bench.digits [--scans 4] [--genuine-scans 2] [--seed 13] [--only forged|genuine]``

A bounded, seeded corpus (issue 13): ten fields of a 住民票 and of a 所得・課税証明書,
each with one digit changed (an address number, birth dates, an amount), made the two
ways a forger would make them: the face drawn again with the digit changed, in the same
font and place, on the same ground, with the genuine back
(:func:`hardware_mocks.paper.forgery.with_face_of`, "text"), and the changed text pasted
as an image over the genuine PDF (:func:`~hardware_mocks.paper.forgery.pdf_overlay`,
"image"). Each forgery is checked as the PDF and as ``--scans`` scans drawn at random
in the issue's range (200–600 dpi, rotation 0.5–2°, scale 0.97–1.02, noise σ 2–6,
JPEG q40–75 or PNG). The genuine pages (:func:`genuine_corpus`: every certificate type
with every combination of the catalogue's options, a second persona, the federation
world's other two municipalities) are checked as the PDF and ``--genuine-scans`` random
scans, and each must stay VALID. Prints one line per case and the totals; a caught
forgery must name a region over the changed text, in a table row's value.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import itertools
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: (certificate, field path, new value, the changed text as shown, its occurrence on the page)
FORGERIES: list[tuple[str, tuple[str | int, ...], object, str, int]] = [
    ("juminhyo", ("body", "address"), "東京都見本市中央一丁目1番7号", "1番7号", 0),
    ("juminhyo", ("body", "members", 0, "birth_date"), "1980-05-17", "5月17日", 0),
    ("juminhyo", ("body", "members", 0, "birth_date"), "1983-05-14", "58年", 0),
    ("juminhyo", ("body", "members", 1, "birth_date"), "1982-09-08", "9月8日", 0),
    ("juminhyo", ("body", "members", 2, "birth_date"), "2011-12-21", "12月21日", 0),
    ("juminhyo", ("body", "members", 0, "became_resident_on"), "2014-04-04", "4月4日", 0),
    ("shotoku", ("body", "municipal_tax"), 198700, "198,700", 0),
    ("shotoku", ("body", "salary_income"), 4300000, "4,300,000", 0),
    ("shotoku", ("body", "taxable_income"), 3179000, "3,179,000", 0),
    ("shotoku", ("body", "prefectural_tax"), 128800, "128,800", 0),
]
PERSONA, SERIAL = "shiken-ichiro", "139998-20261126-000125"


@dataclass(frozen=True)
class Genuine:
    """One genuine certificate of the corpus: its type and options, whose, which municipality's."""

    cert: str
    options: dict[str, str]
    persona: str = PERSONA
    municipality: str = "139998"  # A of the federation world; B and C lay out other names

    def __str__(self) -> str:
        chosen = ",".join(f"{k}={v}" for k, v in sorted(self.options.items()))
        who = "" if self.persona == PERSONA else f" {self.persona}"
        where = "" if self.municipality == "139998" else f" @{self.municipality}"
        return f"{self.cert}[{chosen}]{who}{where}"


def genuine_corpus() -> list[Genuine]:
    """Every certificate type with every combination of the catalogue's options (the
    rows each option adds: household members, 本籍, 続柄, 個人番号), a second persona's
    fullest 住民票 (other names and My Numbers), and the fullest 住民票 and a 所得証明 of
    the federation world's two other municipalities (their names, mayors and seals)."""
    from hardware_mocks.federation_world import B, C
    from protocol.documents.catalogue import CATALOGUE

    out = []
    for cert, spec in CATALOGUE.items():
        for choice in itertools.product(*(o.choices for o in spec.options)):
            out.append(Genuine(cert.value, {o.key: c for o, c in zip(spec.options, choice, strict=True)}))
    fullest = {"scope": "household", "honseki": "include", "relationship": "include", "my_number": "include"}
    out.append(Genuine("juminhyo", fullest, persona="canary"))
    for code in (B, C):
        out += [Genuine("juminhyo", fullest, municipality=code), Genuine("shotoku", {}, municipality=code)]
    return out


@dataclass(frozen=True)
class Case:
    name: str
    files: list[bytes]
    forged_box: tuple[float, float, float, float] | None  # points from the top left; None: genuine


def _random_scan(rng: random.Random, seed: int) -> Any:
    from hardware_mocks.paper.scanner import Scan

    return Scan(dpi=rng.choice((200, 300, 400, 600)), rotation=rng.choice((-1, 1)) * rng.uniform(0.5, 2.0),
                scale=rng.uniform(0.97, 1.02), jpeg=rng.choice((40, 50, 60, 75, None)),
                noise=rng.uniform(2, 6), shift_mm=(rng.uniform(-2, 2), rng.uniform(-2, 2)), seed=seed)


def _both_sides(pdf: bytes, scan: Any) -> list[bytes]:
    from hardware_mocks.paper import scanner
    from hardware_mocks.paper.scanner import Scan

    back = Scan(dpi=scan.dpi, rotation=-scan.rotation, scale=2 - scan.scale, jpeg=scan.jpeg, noise=scan.noise,
                seed=scan.seed + 1000)
    return [scanner.scan_side(pdf, 0, scan), scanner.scan_side(pdf, 1, back)]


def cases(world_dir: Path, scans: int, seed: int, only: str | None, genuine_scans: int = 2) -> Iterator[Case]:
    """The corpus, made one case at a time (a scan is a few megabytes)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from hardware_mocks import federation_world
    from hardware_mocks.paper import forgery
    from hardware_mocks.world import World
    from protocol.documents.catalogue import CertType
    from protocol.paper.render import render
    from protocol.scramble_key import document_scramble_key
    from relay.documents import assemble

    world = World(world_dir)
    issuer = serialization.load_pem_private_key(world.pki("issuer.key").read_bytes(), None)
    assert isinstance(issuer, Ed25519PrivateKey)
    world_master = bytes.fromhex(world.pki("scramble.key").read_text().strip())
    key = document_scramble_key(world_master, SERIAL)
    rng = random.Random(seed)

    def document(cert: str, options: dict[str, str], persona: str = PERSONA, serial: str = SERIAL,
                 municipality: str = "139998") -> dict[str, Any]:
        data = world.data
        if municipality != data["municipality"]["code"]:
            data = {**data, "municipality": federation_world.CONFIG[municipality]}
        return dict(assemble(data, world.persona(persona)["resident"], CertType(cert), options, serial,
                             dt.date(2026, 11, 26)))

    if only != "forged":
        for number, certificate in enumerate(genuine_corpus()):
            serial = f"{certificate.municipality}-20261126-{number + 200:06d}"
            pdf = bytes(render(document(certificate.cert, certificate.options, certificate.persona, serial,
                                        certificate.municipality),
                               issuer, document_scramble_key(world_master, serial)).pdf)
            yield Case(f"genuine {certificate} pdf", [pdf], None)
            for n in range(genuine_scans):
                scan = _random_scan(rng, seed * 100 + number * 10 + n)
                yield Case(f"genuine {certificate} {_describe(scan)}", _both_sides(pdf, scan), None)
    if only == "genuine":
        return
    for number, (cert, path, value, shown, nth) in enumerate(FORGERIES):
        options = {"scope": "household"} if cert == "juminhyo" else {}
        genuine = document(cert, options)
        pdf = bytes(render(genuine, issuer, key).pdf)
        changed = copy.deepcopy(genuine)
        field: Any = changed
        for step in path[:-1]:
            field = field[step]
        field[path[-1]] = value
        altered = bytes(render(changed, Ed25519PrivateKey.generate(), key).pdf)
        box = forgery.text_box(altered, 0, shown, nth)
        made = {"text": forgery.with_face_of(pdf, altered), "image": forgery.pdf_overlay(pdf, 0, box, shown)}
        for how, forged in made.items():
            yield Case(f"{cert} {shown} {how} pdf", [forged], box)
            for n in range(scans if how == "text" else 1):
                scan = _random_scan(rng, seed * 1000 + number * 10 + n)
                yield Case(f"{cert} {shown} {how} {_describe(scan)}", _both_sides(forged, scan), box)


def _describe(scan: Any) -> str:
    encoding = "png" if scan.jpeg is None else f"q{scan.jpeg}"
    return f"scan {scan.dpi}dpi {scan.rotation:+.1f}° ×{scan.scale:.3f} {encoding}"


def _flagged(verdict: Any, box: tuple[float, float, float, float]) -> list[str]:
    mm = [v * 25.4 / 72 for v in box]
    return [r.where for r in verdict.regions if r.box_mm[0] < mm[2] + 1 and r.box_mm[2] > mm[0] - 1
            and r.box_mm[1] < mm[3] + 1 and r.box_mm[3] > mm[1] - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=int, default=4, help="random scans of each text forgery")
    parser.add_argument("--genuine-scans", type=int, default=2, help="random scans of each genuine certificate")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--only", choices=("forged", "genuine"))
    args = parser.parse_args()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from hardware_mocks.world import World, create
    from protocol.paper import verify
    from protocol.scramble_key import document_scramble_key

    with tempfile.TemporaryDirectory() as tmp:
        world_dir = create(Path(tmp) / "world", seed=1)
        world = World(world_dir)
        public = serialization.load_pem_public_key(world.pki("issuer.pub").read_bytes())
        assert isinstance(public, Ed25519PublicKey)
        master = bytes.fromhex(world.pki("scramble.key").read_text().strip())
        totals = {"genuine": [0, 0], "forged": [0, 0]}
        for case in cases(world_dir, args.scans, args.seed, args.only, args.genuine_scans):
            start = time.process_time()
            verdict = verify.verify_files(case.files, public, lambda s: document_scramble_key(master, s))
            spent = time.process_time() - start
            score = max((r.mass for r in verdict.regions), default=0.0)
            if case.forged_box is None:
                ok = verdict.status == verify.VALID
                totals["genuine"][0] += ok
                totals["genuine"][1] += 1
                print(f"{'ok  ' if ok else 'FLAG'} {case.name}: {verdict.status} {verdict.reason} "
                      f"{[(r.where, round(r.mass, 3)) for r in verdict.regions]} {spent:.2f}s", flush=True)
            else:
                where = _flagged(verdict, case.forged_box)
                ok = verdict.status == verify.INVALID and bool(where) and all(w.endswith("(value)") for w in where)
                totals["forged"][0] += ok
                totals["forged"][1] += 1
                print(f"{'ok  ' if ok else 'MISS'} {case.name}: {verdict.status} {verdict.reason} {where} "
                      f"max {score:.3f} {spent:.2f}s", flush=True)
        print(f"genuine VALID {totals['genuine'][0]}/{totals['genuine'][1]}; "
              f"forgeries caught (INVALID, region over the changed text, a value) "
              f"{totals['forged'][0]}/{totals['forged'][1]}")
        sys.exit(0 if totals["genuine"][0] == totals["genuine"][1] and totals["forged"][0] == totals["forged"][1]
                 else 1)


if __name__ == "__main__":
    main()
