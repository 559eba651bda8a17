"""Composition of the federation from directories on disk: a municipal issuing server, the
centre, and the in-process adapter that lets a centre reach a server in its own process
(the single-process deployment and the tests) through the same port as the remote one.

This module is the one place that sees both :mod:`relay.centre` and :mod:`relay.municipal`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.clock import Clock
from protocol.federation.directory import Anchor
from protocol.federation.envelope import EnvelopeError
from relay.centre.core import CardRouting, CentreCore, CentreSettings
from relay.centre.port import MessageRefused, Municipality
from relay.centre.store import CentreStore
from relay.directory_file import DirectoryFile
from relay.jpki import JpkiVerifier
from relay.message_log import MessageLog
from relay.municipal.history import IssuanceHistory
from relay.municipal.server import MunicipalServer
from relay.registry import RegistryFile


def load_ed25519(path: Path) -> Ed25519PrivateKey:
    """The key in ``path``; a file that holds none names itself (an operator's error)."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:  # TypeError: it wants a password
        raise ValueError(f"{path}: not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 key")
    return key


def directory_file(directory: Path, anchor: Path, clock: Clock) -> DirectoryFile:
    return DirectoryFile(directory, Anchor.from_bytes(anchor.read_bytes()), lambda: clock.now().astimezone(dt.UTC))


def municipal_server(home: Path, directory: DirectoryFile, clock: Clock, state: Path | None = None,
                     db: Path | str | None = None) -> MunicipalServer:
    """The issuing server whose keys and registry ``home`` holds (``relay municipality init``
    layout); its message log goes to ``state`` (default: ``home``: one per node), its
    history to ``db``: a SQLite file or a PostgreSQL URL the municipality's nodes share
    (default: ``history.sqlite3`` in ``state``)."""
    state = state or home
    registry = RegistryFile(home / "registry.json")
    code = str(registry.current().municipality["code"])
    return MunicipalServer(
        code, registry, issuer_key=load_ed25519(home / "issuer.key"), message_key=load_ed25519(home / "message.key"),
        scramble_secret=bytes.fromhex((home / "scramble.key").read_text(encoding="ascii").strip()),
        history=IssuanceHistory(db if db is not None else state / "history.sqlite3", owner=code),
        messages=MessageLog(state / "messages.sqlite3"),
        directory=directory.current, clock=clock)


def centre(home: Path, directory: DirectoryFile, municipalities: dict[str, Municipality], clock: Clock,
           state: Path | None = None, settings: CentreSettings | None = None,
           connect: Callable[[str], Municipality] | None = None, db: Path | str | None = None) -> CentreCore:
    """``db``: the centre's database, a SQLite file or a PostgreSQL URL that several
    centre nodes share (default: ``centre.sqlite3`` in ``state``)."""
    state = state or home
    return CentreCore(
        store=CentreStore(db if db is not None else state / "centre.sqlite3"),
        messages=MessageLog(state / "centre-messages.sqlite3"),
        jpki=JpkiVerifier.from_files(home / "jpki-ca.pem", home / "jpki-crl.pem"),
        routing=CardRouting(home / "card-routing.json"), directory=directory.current,
        message_key=load_ed25519(home / "message.key"), municipalities=municipalities, clock=clock,
        settings=settings, connect=connect)


class InProcessMunicipality:
    """The port over a server in this process: the same signed messages, no network. Each
    has its own threads, so a slow municipality never holds another's."""

    def __init__(self, server: MunicipalServer, threads: int = 8) -> None:
        self.server = server
        self.handle: Callable[[Any], dict[str, Any]] = server.handle
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix=f"municipal-{server.code}")

    async def exchange(self, message: dict[str, Any]) -> dict[str, Any]:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, self.handle, message)
        except EnvelopeError as exc:
            raise MessageRefused("message_refused") from exc

    async def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.server.history.close()
        self.server.messages.close()
