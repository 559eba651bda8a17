"""``relay kiosk``: the operator's commands on the kiosk register.

``add`` registers a terminal with its store, client certificate and expected load;
``renew`` adds its next certificate (both are accepted until ``--drop`` removes the old
one, or it expires); ``suspend`` and ``activate`` stop and resume it; ``retire`` ends it
for good; ``list`` shows the register; ``import`` registers every kiosk a test world
lists (tests, demos). A certificate is checked as the relay checks it on every request
(:mod:`relay.kiosk_identity`) before it is registered, so a certificate the relay would
refuse is never in the register. Changes apply to the kiosk's next request.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from relay.kiosk_register import STATES, Kiosk, KioskRegister, KioskRegisterError, StoredKioskRegister
from relay.store.db import location


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    k = sub.add_parser("kiosk", help="the kiosk register: add, renew, suspend, activate, retire, list")
    ksub = k.add_subparsers(dest="kiosk_command", required=True)
    add = ksub.add_parser("add", help="register a kiosk")
    add.add_argument("kiosk_id")
    add.add_argument("--store", required=True, help="where it stands (a store code or name)")
    add.add_argument("--cert", type=Path, action="append", required=True, help="its client certificate (PEM)")
    add.add_argument("--expected-per-hour", type=int, default=20,
                     help="sessions in a busy hour (20): its rate limit and volume alert follow from it")
    renew = ksub.add_parser("renew", help="add a kiosk's next certificate")
    renew.add_argument("kiosk_id")
    renew.add_argument("--cert", type=Path, required=True)
    renew.add_argument("--drop", metavar="FINGERPRINT", help="remove this (old) certificate's fingerprint")
    for name, text in (("suspend", "stop serving a kiosk (its next request is refused)"),
                       ("activate", "serve a suspended kiosk again"),
                       ("retire", "end a kiosk for good")):
        ksub.add_parser(name, help=text).add_argument("kiosk_id")
    lst = ksub.add_parser("list", help="print the register")
    lst.add_argument("--json", action="store_true", help="one JSON object per line")
    imp = ksub.add_parser("import", help="register every kiosk of a test world not yet registered")
    imp.add_argument("--world", type=Path, required=True)
    for p in (add, renew, lst, imp, *(ksub.choices[n] for n in ("suspend", "activate", "retire"))):
        p.add_argument("--db", type=location, required=True,
                       help="the relay's database: a SQLite file or a postgresql:// URL")


def _fingerprint_of(cert_file: Path, kiosk_id: str) -> str:
    """The fingerprint of a certificate the relay would take as ``kiosk_id``'s."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from relay.kiosk_identity import MAX_VALIDITY, certificate_kiosk_id
    from relay.kiosk_register import fingerprint

    der = x509.load_pem_x509_certificate(cert_file.read_bytes()).public_bytes(serialization.Encoding.DER)
    if certificate_kiosk_id(der) != kiosk_id:
        raise KioskRegisterError(f"{cert_file} is not a certificate the relay takes as {kiosk_id}'s (a leaf with "
                                 f"digitalSignature and clientAuth, one common name {kiosk_id}, valid at most "
                                 f"{MAX_VALIDITY.days} days)")
    return fingerprint(der)


def _show(kiosk: Kiosk) -> str:
    return (f"{kiosk.kiosk_id:<12} {kiosk.state:<10} {kiosk.expected_per_hour:>5}/h  {kiosk.store}  "
            + " ".join(f[:16] for f in kiosk.fingerprints))


def run(args: argparse.Namespace) -> int:
    register = StoredKioskRegister(args.db)
    try:
        return _run(args, register)
    except (KioskRegisterError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        register.close()


def _run(args: argparse.Namespace, register: KioskRegister) -> int:
    command = args.kiosk_command
    if command == "list":
        for kiosk in register.all():
            if args.json:
                print(json.dumps({"kiosk_id": kiosk.kiosk_id, "store": kiosk.store, "state": kiosk.state,
                                  "expected_per_hour": kiosk.expected_per_hour,
                                  "fingerprints": list(kiosk.fingerprints), "changed": kiosk.changed}))
            else:
                print(_show(kiosk))
        return 0
    if command == "import":
        added = import_world_kiosks(args.world, register)
        print(f"{added} kiosks added, {len(register.all())} in the register")
        return 0
    if command == "add":
        fps = [_fingerprint_of(cert, args.kiosk_id) for cert in args.cert]
        kiosk = register.add(args.kiosk_id, args.store, fps, args.expected_per_hour)
    elif command == "renew":
        kiosk = register.add_certificate(args.kiosk_id, _fingerprint_of(args.cert, args.kiosk_id))
        if args.drop:
            kiosk = register.remove_certificate(args.kiosk_id, args.drop)
    else:
        state = {"suspend": "suspended", "activate": "active", "retire": "retired"}[command]
        assert state in STATES
        kiosk = register.set_state(args.kiosk_id, state)
    print(_show(kiosk))
    return 0


def import_world_kiosks(world: Path, register: KioskRegister) -> int:
    """Register each kiosk ``world.json`` lists (``{id, store, certificate, expected_per_hour}``)
    that is not registered yet; returns how many were added."""
    added = 0
    for entry in json.loads((world / "world.json").read_text(encoding="utf-8")).get("kiosks", []):
        if register.get(entry["id"]) is None:
            fp = _fingerprint_of(world / entry["certificate"], entry["id"])
            register.add(entry["id"], entry["store"], [fp], int(entry["expected_per_hour"]))
            added += 1
    return added
