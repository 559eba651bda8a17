"""``kiosk render``: a sample certificate from the test world, as a PDF (a development
program, registered through the ``kiosk.commands`` entry point)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.documents.catalogue import CATALOGUE, CertType
from protocol.documents.model import document_serial


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    r = sub.add_parser("render", help="lay out a sample certificate from a test world (PDF)")
    r.add_argument("--world", type=Path, required=True, help="test world directory")
    r.add_argument("--persona", required=True, help="persona id, e.g. shiken-ichiro")
    r.add_argument("--type", required=True, choices=[t.value for t in CertType])
    r.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="certificate option, e.g. scope=household (repeatable)")
    r.add_argument("--serial", default=None,
                   help="issue serial (default: the municipality's first of the year, CODE-YEAR-0000001)")
    r.add_argument("--date", type=dt.date.fromisoformat, default=None, help="issue date YYYY-MM-DD")
    r.add_argument("--out", type=Path, required=True, help="PDF file to write")
    r.set_defaults(func=cmd_render)


def _error(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _scramble_key(path: Path) -> bytes:
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def cmd_render(args: argparse.Namespace) -> int:
    from hardware_mocks.world import World
    from protocol.paper.fonts import UnsupportedCharacter
    from protocol.paper.render import render
    from relay.documents import AssemblyError, assemble

    if not (args.world / "world.json").exists():
        return _error(f"{args.world} holds no test world (python -m hardware_mocks.world create DIR)")
    world = World(args.world)
    try:
        persona = world.persona(args.persona)
    except KeyError:
        return _error(f"no persona {args.persona!r}; see python -m hardware_mocks.world personas DIR")
    options: dict[str, str] = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep:
            return _error(f"--option wants KEY=VALUE, got {item!r}")
        options[key] = value
    data = world.data
    issued_on = args.date or dt.date.fromisoformat(data["today"])
    serial = args.serial or document_serial(str(data["municipality"]["code"]), issued_on.year, 1)
    try:
        document = assemble(data, persona["resident"], CertType(args.type), options, serial, issued_on)
    except AssemblyError as exc:
        return _error(f"the registry refuses this certificate: {exc.code}", 1)
    except ValueError as exc:
        return _error(str(exc))
    key = serialization.load_pem_private_key(world.pki("issuer.key").read_bytes(), None)
    if not isinstance(key, Ed25519PrivateKey):
        return _error("the world's issuer key is not Ed25519")
    try:
        from protocol.scramble_key import document_scramble_key

        scramble_key = document_scramble_key(_scramble_key(world.pki("scramble.key")), serial)
        rendered = render(dict(document), key, scramble_key)
    except UnsupportedCharacter as exc:
        return _error(f"cannot print: character {exc.codepoint} in {exc.field} is not in the "
                      "certificate font (a 外字 must be registered first)", 1)
    args.out.write_bytes(rendered.pdf)
    print(f"{args.out}: {CATALOGUE[CertType(args.type)].title_ja}, {rendered.face_pages} face page(s) "
          f"+ backs, {len(rendered.pdf) // 1024} KB, serial {serial}")
    return 0
