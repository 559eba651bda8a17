"""``relay verifier`` and ``relay document``: who may recover faces, and which papers stand.

- ``relay verifier add ID --organisation NAME [--faces-per-hour 60]`` registers a verifier
  and prints its token once (only its hash is kept); ``suspend``/``activate`` stop and
  resume it at its next request; ``list`` shows them;
- ``relay verifier history --resident ID | --serial S`` prints, for the municipality's
  history, every face recovered from a resident's documents: when, by which verifier and
  organisation, from which serial;
- ``relay document void SERIAL --reason R`` voids an issued document (it then verifies as
  not valid, reason ``voided``); ``relay document status SERIAL`` shows its state.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time

from protocol.clock import JST
from relay.issued_register import VOID_REASONS, StoredIssuedRegister
from relay.store.db import location
from relay.verifier_register import RegisteredVerifier, StoredVerifierRegister, VerifierRegisterError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    v = sub.add_parser("verifier", help="registered verifiers: add, suspend, activate, list, history")
    vsub = v.add_subparsers(dest="verifier_command", required=True)
    add = vsub.add_parser("add", help="register a verifier; its token is printed once")
    add.add_argument("verifier_id")
    add.add_argument("--organisation", required=True)
    add.add_argument("--faces-per-hour", type=int, default=60, help="scans with a face it may send an hour (60)")
    commands = [add]
    for name in ("suspend", "activate"):
        p = vsub.add_parser(name, help=f"{name} a verifier (applies to its next request)")
        p.add_argument("verifier_id")
        commands.append(p)
    commands.append(vsub.add_parser("list", help="print the verifiers"))
    history = vsub.add_parser("history", help="every face recovered from a resident's (or a serial's) documents")
    who = history.add_mutually_exclusive_group(required=True)
    who.add_argument("--resident")
    who.add_argument("--serial")
    history.add_argument("--json", action="store_true")
    commands.append(history)
    d = sub.add_parser("document", help="issued documents: void, status")
    dsub = d.add_subparsers(dest="document_command", required=True)
    void = dsub.add_parser("void", help="void an issued document: it verifies as not valid from now on")
    void.add_argument("serial")
    void.add_argument("--reason", required=True, choices=VOID_REASONS)
    status = dsub.add_parser("status", help="an issued document's state")
    status.add_argument("serial")
    for p in (*commands, void, status):
        p.add_argument("--db", type=location, required=True,
                       help="the relay's database: a SQLite file or a postgresql:// URL")


def _show(v: RegisteredVerifier) -> str:
    return f"{v.verifier_id:<20} {v.state:<10} {v.faces_per_hour:>4}/h  {v.organisation}"


def run_verifier(args: argparse.Namespace) -> int:
    register = StoredVerifierRegister(args.db)
    try:
        command = args.verifier_command
        if command == "add":
            verifier, token = register.add(args.verifier_id, args.organisation, args.faces_per_hour)
            print(_show(verifier))
            print(f"token (shown once; hand it to {verifier.organisation} only): {token}")
        elif command in ("suspend", "activate"):
            print(_show(register.set_state(args.verifier_id, "suspended" if command == "suspend" else "active")))
        elif command == "list":
            for verifier in register.all():
                print(_show(verifier))
        else:
            for row in register.faces(resident_id=args.resident, serial=args.serial):
                if args.json:
                    print(json.dumps(row, ensure_ascii=False))
                else:
                    at = dt.datetime.fromtimestamp(row["at"], JST).strftime("%Y-%m-%d %H:%M:%S")
                    print(f"{at}  {row['serial']:<20} {row['verifier_id']:<20} {row['organisation']}")
        return 0
    except VerifierRegisterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        register.close()


def run_document(args: argparse.Namespace) -> int:
    register = StoredIssuedRegister(args.db)
    try:
        if args.document_command == "void":
            document = register.void(args.serial, args.reason, time.time())
        else:
            found = register.get(args.serial)
            if found is None:
                print(f"error: no document {args.serial} was issued here", file=sys.stderr)
                return 2
            document = found
        print(f"{document.serial}  {document.state}{' (' + document.reason + ')' if document.reason else ''}  "
              f"copy {document.copy} of request {document.request_id} at {document.kiosk_id}")
        return 0
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        register.close()
