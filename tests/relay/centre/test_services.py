"""The federation as processes on loopback: the centre and three municipal issuing
servers over pinned mutual TLS, reached by a kiosk over the unchanged kiosk protocol."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import socket
import ssl
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hardware_mocks.federation_world import A, B, C, FederationWorld
from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.services.federation import FederationServices
from hardware_mocks.services.ports import held_port, hold_port
from protocol import wire

#: A call to the centre fails after this instead of waiting aiohttp's default 300 s: a
#: stalled centre fails the test within the suite's 600-s timeout (docs/conventions.md).
CALL_TIMEOUT = aiohttp.ClientTimeout(total=60)

KIOSK = "KIOSK-0001"


class Kiosk:
    """The kiosk side of the protocol, over HTTPS with a kiosk certificate."""

    def __init__(self, world: FederationWorld, port: int) -> None:
        pki = world.base.root / "pki"
        self.tls = ssl.create_default_context(cafile=str(pki / "operator-ca.pem"))
        self.tls.load_cert_chain(pki / "kiosks" / f"{KIOSK}.pem", pki / "kiosks" / f"{KIOSK}.key")
        self.url = f"https://127.0.0.1:{port}"
        self.world = world

    async def call(self, http: aiohttp.ClientSession, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with http.post(self.url + path, json=body, ssl=self.tls) as resp:
            return resp.status, await resp.json()

    async def issue(self, persona: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One session: open, authenticate with the card, request one 住民票."""
        card = CardSigner.load(self.world.base.card_path(persona["id"]))
        async with aiohttp.ClientSession(timeout=CALL_TIMEOUT) as http:
            _, opened = await self.call(http, wire.SESSION_PATH, {})
            sid = opened["session_id"]
            signature = card.sign(base64.b64decode(opened["challenge"]), sid, KIOSK)
            status, auth = await self.call(http, wire.AUTH_PATH, {
                "session_id": sid, "card_certificate": base64.b64encode(card.cert_der).decode(),
                "signature": base64.b64encode(signature).decode()})
            if status != 200:
                return status, auth
            return await self.call(http, wire.DOCUMENTS_PATH, {
                "session_id": sid, "request_id": str(uuid.uuid4()), "cert_type": "juminhyo", "options": {},
                "copies": 1})


def _persona(world: FederationWorld, code: str, moved: bool = False) -> dict[str, Any]:
    people = world.people
    if moved:
        return next(p for p in world.base.personas() if p["resident"] == people["moved"])
    return next(p for p in world.base.personas() if p["card"] == "valid" and not p["flags"] and p["age"] >= 20
                and people["home"].get(p["resident"]) == code and p["resident"] != people["moved"])


@pytest.fixture
def services(federation: FederationWorld, tmp_path: Path,
             request: pytest.FixtureRequest) -> Iterator[FederationServices]:
    """Started for one test; ``indirect`` parametrisation names a municipality to start faulty."""
    running = FederationServices.start(federation, tmp_path, faulty=getattr(request, "param", None))
    yield running
    running.stop()


def test_a_killed_municipal_server_costs_only_its_residents(federation: FederationWorld,
                                                            services: FederationServices) -> None:
    kiosk = Kiosk(federation, services.centre_port)

    async def scenario() -> None:
        for code in (A, B, C):
            status, answer = await kiosk.issue(_persona(federation, code))
            assert status == 200, answer
            assert answer["documents"][0]["document"]["serial"].startswith(code + "-")
        services.kill(B)
        status, answer = await kiosk.issue(_persona(federation, B))
        assert (status, answer["error"]["code"]) == (503, wire.UNAVAILABLE)
        for code in (A, C):
            assert (await kiosk.issue(_persona(federation, code)))[0] == 200
        services.restart(B)
        assert (await kiosk.issue(_persona(federation, B)))[0] == 200

    asyncio.run(scenario())


def test_the_centre_serves_embedded_municipalities_in_one_process(federation: FederationWorld,
                                                                  tmp_path: Path) -> None:
    services = FederationServices.start(federation, tmp_path, embedded=True)
    kiosk = Kiosk(federation, services.centre_port)

    async def scenario() -> None:
        for code in (A, B, C):
            status, answer = await kiosk.issue(_persona(federation, code))
            assert status == 200, answer
            assert answer["documents"][0]["document"]["serial"].startswith(code + "-")

    try:
        asyncio.run(scenario())
    finally:
        services.stop()
    assert services.municipal == {}
    assert (tmp_path / "centre" / f"municipality-{A}" / "history.sqlite3").exists()
    assert not (federation.municipality_dir(A) / "history.sqlite3").exists()


def _relay(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "relay.cli", *args], capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.mark.parametrize("services", [B], indirect=True)
def test_a_wrong_document_over_the_network_suspends_only_that_municipality(
        federation: FederationWorld, services: FederationServices) -> None:
    kiosk = Kiosk(federation, services.centre_port)

    async def scenario() -> None:
        assert (await kiosk.issue(_persona(federation, B)))[0] == 200
        status, answer = await kiosk.issue(_persona(federation, B, moved=True))  # gets the first one's documents
        assert (status, answer["error"]["code"]) == (503, wire.UNAVAILABLE)
        assert (await kiosk.issue(_persona(federation, B)))[0] == 503  # suspended
        for code in (A, C):
            assert (await kiosk.issue(_persona(federation, code)))[0] == 200

    asyncio.run(scenario())
    centre_db = services.state / "centre" / "centre.sqlite3"
    audit = _relay("audit", "--municipality", B, "--history", str(services.state / B / "history.sqlite3"),
                   "--centre-db", str(centre_db), "--json")
    records = [json.loads(line) for line in audit.stdout.splitlines()]
    assert [r["record"] for r in records].count("issued") == 2  # B issued twice
    assert any(r["record"] == "centre_wrong_document" for r in records)
    mismatch = _relay("reconcile", "--municipality", B, "--history", str(services.state / B / "history.sqlite3"),
                      "--centre-db", str(centre_db))
    assert mismatch.returncode == 1
    assert [json.loads(line)["difference"] for line in mismatch.stdout.splitlines()] == ["not_delivered"]
    listed = _relay("centre", "suspensions", "--state", str(services.state / "centre"))
    assert listed.stdout.splitlines() == [f"{B} suspended: request"]
    lifted = _relay("centre", "suspensions", "--state", str(services.state / "centre"), "--reinstate", B)
    assert (lifted.returncode, lifted.stdout) == (0, "")
    again = _relay("centre", "suspensions", "--state", str(services.state / "centre"), "--reinstate", B)
    assert again.returncode == 2 and again.stderr == f"error: {B} is not suspended\n"
    clean = _relay("reconcile", "--municipality", A, "--history", str(services.state / A / "history.sqlite3"),
                   "--centre-db", str(centre_db))
    assert clean.returncode == 0, clean.stdout
    for command in (["reconcile", "--centre-db", str(centre_db)], ["audit"]):  # B's history given as A's
        wrong = _relay(*command, "--municipality", A, "--history", str(services.state / B / "history.sqlite3"))
        assert (wrong.returncode, wrong.stdout) == (2, "")
        assert wrong.stderr == f"error: --history is {B}'s issuance history, not {A}'s\n"


def test_a_wrong_document_suspends_that_municipality_in_every_centre_worker(federation: FederationWorld,
                                                                           tmp_path: Path) -> None:
    """``--workers 2``: two centre processes on one port, each with its own connections and
    event loop; a suspension one of them makes stops the other's routing too (it is in the
    database they share), and sessions on fresh connections, spread over both, all succeed."""
    services = FederationServices.start(federation, tmp_path, faulty=B,
                                        centre_args=("--workers", "2", "--log-level", "INFO"))
    kiosk = Kiosk(federation, services.centre_port)

    async def scenario() -> None:
        answers = await asyncio.gather(*(kiosk.issue(_persona(federation, code)) for code in (A, C) * 4))
        assert [status for status, _ in answers] == [200] * 8
        assert (await kiosk.issue(_persona(federation, B)))[0] == 200
        status, answer = await kiosk.issue(_persona(federation, B, moved=True))  # gets the first one's documents
        assert (status, answer["error"]["code"]) == (503, wire.UNAVAILABLE)
        refused = await asyncio.gather(*(kiosk.issue(_persona(federation, B)) for _ in range(6)))
        assert [status for status, _ in refused] == [503] * 6  # whichever worker took the connection
        assert (await kiosk.issue(_persona(federation, A)))[0] == 200

    try:
        asyncio.run(scenario())
    finally:
        services.stop()
    events = [json.loads(line) for line in (services.state / "centre" / "centre.log").read_text().splitlines()
              if line.startswith("{")]
    assert len({e["pid"] for e in events if e.get("event") == "centre.listening"}) == 2
    audit = _relay("audit", "--municipality", B, "--history", str(services.state / B / "history.sqlite3"), "--json")
    assert [json.loads(line)["record"] for line in audit.stdout.splitlines()].count("issued") == 2  # none after


@pytest.mark.parametrize(("options", "message"), [
    (["--workers", "0"], "--workers must be at least 1"),
    (["--workers", "100000"], "--workers is at most"),
    (["--max-connections", "0"], "connection caps must be at least 1"),
    (["--workers", "2", "--embed", "municipality"], "use it with --workers 1"),
    (["--workers", "2"], "kiosk-cert: no such file"),
])
def test_relay_centre_serve_refuses_what_it_cannot_run(tmp_path: Path, options: list[str], message: str) -> None:
    files = [arg for name in ("home", "directory", "anchor", "federation-ca", "kiosk-cert", "kiosk-key", "kiosk-ca",
                              "register-db") for arg in (f"--{name}", str(tmp_path / name))]
    result = _relay("centre", "serve", *files, *options)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr and "Traceback" not in result.stderr


def _federation_files(federation: FederationWorld) -> list[str]:
    root = federation.root
    return ["--directory", str(root / "directory.json"), "--anchor", str(root / "anchor.json"),
            "--federation-ca", str(root / "federation-ca.pem")]


@pytest.mark.parametrize(("broken", "said"), [
    ("kiosk.key", "the kiosks' TLS files (--kiosk-cert, --kiosk-key, --kiosk-ca) cannot be used (SSLError)"),
    ("card-routing.json", "the card routing (card-routing.json in --home) cannot be used (JSONDecodeError)"),
    ("directory.json", "the directory {tmp}/directory.json is not a signed federation directory (malformed)"),
])
def test_relay_centre_serve_names_a_file_it_cannot_use(federation: FederationWorld, tmp_path: Path, broken: str,
                                                       said: str) -> None:
    pki, home = federation.base.root / "pki", tmp_path / "centre"
    shutil.copytree(federation.centre_dir, home)
    files = dict(zip(["--directory", "--anchor", "--federation-ca"], _federation_files(federation)[1::2], strict=True))
    kiosk_key = str(pki / "relay.key")
    if broken == "kiosk.key":
        kiosk_key = str(tmp_path / "kiosk.key")
    elif broken == "directory.json":
        files["--directory"] = str(tmp_path / "directory.json")
    (tmp_path / broken if broken != "card-routing.json" else home / broken).write_text("{ not what it should be")
    (tmp_path / "registers.sqlite3").touch()  # relay kiosk … --db makes it; an empty file is an empty database
    result = _relay("centre", "serve", "--home", str(home), *[a for kv in files.items() for a in kv],
                    "--kiosk-cert", str(pki / "relay.pem"), "--kiosk-key", kiosk_key,
                    "--kiosk-ca", str(pki / "operator-ca.pem"), "--register-db", str(tmp_path / "registers.sqlite3"),
                    "--state", str(tmp_path), "--workers", "2")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"error: {said.format(tmp=tmp_path)}" and "Traceback" not in result.stderr
    assert not (tmp_path / "centre.sqlite3").exists()  # nothing started, nothing made


@pytest.mark.parametrize(("broken", "message"), [
    ("tls.pem", "tls.pem: no such file"),
    ("issuer.key", "issuer.key: not an unencrypted PEM private key"),
    ("registry.json", "(JSONDecodeError: Expecting property name enclosed in double quotes"),
])
def test_relay_municipality_serve_names_a_file_it_cannot_use(federation: FederationWorld, tmp_path: Path,
                                                             broken: str, message: str) -> None:
    home = tmp_path / "home"
    shutil.copytree(federation.municipality_dir(A), home)
    if broken == "tls.pem":
        (home / broken).unlink()
    else:
        (home / broken).write_text("{ not what it should be")
    result = _relay("municipality", "serve", "--home", str(home), *_federation_files(federation),
                    "--state", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith("error: the municipal server cannot start: ") and message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_mistyped_state_directory_or_kiosk_register_is_named(federation: FederationWorld, tmp_path: Path) -> None:
    """Not a server started on empty state, nor a centre refusing every kiosk of a register
    it made empty."""
    pki = federation.base.root / "pki"
    municipal = _relay("municipality", "serve", "--home", str(federation.municipality_dir(A)),
                       *_federation_files(federation), "--state", str(tmp_path / "nostate"))
    assert (municipal.returncode, municipal.stderr) == (
        2, f"error: the municipal server cannot start: {tmp_path / 'nostate'}: no such directory (--state)\n")
    centre = _relay("centre", "serve", "--home", str(federation.centre_dir), *_federation_files(federation),
                    "--kiosk-cert", str(pki / "relay.pem"), "--kiosk-key", str(pki / "relay.key"),
                    "--kiosk-ca", str(pki / "operator-ca.pem"), "--register-db", str(tmp_path / "registrs.sqlite3"),
                    "--state", str(tmp_path))
    assert (centre.returncode, centre.stderr) == (2, f"error: {tmp_path / 'registrs.sqlite3'}: no such file\n")
    assert not (tmp_path / "registrs.sqlite3").exists() and not (tmp_path / "nostate").exists()
    (tmp_path / "registers.sqlite3").touch()
    embedded = _relay("centre", "serve", "--home", str(federation.centre_dir), *_federation_files(federation),
                      "--kiosk-cert", str(pki / "relay.pem"), "--kiosk-key", str(pki / "relay.key"),
                      "--kiosk-ca", str(pki / "operator-ca.pem"), "--register-db", str(tmp_path / "registers.sqlite3"),
                      "--state", str(tmp_path), "--embed", str(tmp_path / "nope"))
    missing = tmp_path / "nope" / "registry.json"
    assert (embedded.returncode, embedded.stderr) == (2, f"error: {missing}: no such file\n")
    assert not (tmp_path / "municipality-nope").exists()


def test_relay_municipality_serve_refuses_a_certificate_the_federation_ca_did_not_sign(
        federation: FederationWorld, tmp_path: Path) -> None:
    """The kiosk operator's CA given as --federation-ca, or the self-signed certificate of
    init still in place: a server the centre could never reach does not start."""
    files = _federation_files(federation)
    at = files.index("--federation-ca") + 1
    files[at] = str(federation.base.root / "pki" / "operator-ca.pem")
    result = _relay("municipality", "serve", "--home", str(federation.municipality_dir(A)), *files,
                    "--state", str(tmp_path))
    assert result.returncode == 2 and "was not signed by --federation-ca" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(("anchor", "why"), [
    ("another key", "no key of the anchor signed it (unknown_signer)"),
    ("another federation", "the anchor is another federation's (wrong_federation)"),
])
def test_relay_municipality_serve_says_the_anchor_does_not_verify_the_directory(
        federation: FederationWorld, tmp_path: Path, anchor: str, why: str) -> None:
    """Not "unavailable": both files named, and why the anchor refuses the directory."""
    from protocol.federation import directory as fd

    real = fd.Anchor.from_bytes((federation.root / "anchor.json").read_bytes())
    wrong = tmp_path / "anchor.json"
    wrong.write_bytes((fd.Anchor(real.federation, (Ed25519PrivateKey.generate().public_key(),))
                       if anchor == "another key" else fd.Anchor("another-federation", real.keys)).to_bytes())
    files = _federation_files(federation)
    files[files.index("--anchor") + 1] = str(wrong)
    directory = federation.root / "directory.json"
    result = _relay("municipality", "serve", "--home", str(federation.municipality_dir(A)), *files,
                    "--state", str(tmp_path), "--port", "0")
    said = f"the anchor {wrong} does not verify the directory {directory}: {why}"
    assert (result.returncode, result.stderr) == (2, f"error: the municipal server cannot start: {said}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anchor.json"]  # nothing made


def _centre_args(federation: FederationWorld, tmp_path: Path) -> list[str]:
    pki = federation.base.root / "pki"
    (tmp_path / "registers.sqlite3").touch()
    return ["--home", str(federation.centre_dir), *_federation_files(federation),
            "--kiosk-cert", str(pki / "relay.pem"), "--kiosk-key", str(pki / "relay.key"),
            "--kiosk-ca", str(pki / "operator-ca.pem"), "--register-db", str(tmp_path / "registers.sqlite3"),
            "--state", str(tmp_path)]


def test_a_public_listener_that_cannot_start_says_why_once_with_exit_2(federation: FederationWorld,
                                                                       tmp_path: Path) -> None:
    """The public listener's own process finds its port taken (here by the centre's kiosk
    port): its one line is the only one, and the centre exits 2 as it did. The port is held
    for the whole run (:func:`hold_port`), never closed for the centre to take up by number:
    the centre's own check and its kiosk listener may listen on it; with the kiosk listener
    on it, its public listener may not."""
    with hold_port() as held:
        port = held_port(held)
        result = _relay("centre", "serve", *_centre_args(federation, tmp_path), "--port", str(port),
                        "--public-port", str(port))
    assert (result.returncode, result.stderr) == (
        2, f"error: cannot listen on 127.0.0.1:{port}: port {port} is in use\n")
    # the centre's own checks passed and it made its state: the line is the public listener's
    assert (tmp_path / "centre.sqlite3").is_file()


@pytest.mark.parametrize("option", ["--port", "--public-port", "municipality --port"])
def test_a_port_in_use_is_named_with_exit_2_before_anything_starts(federation: FederationWorld, tmp_path: Path,
                                                                   option: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        if option == "municipality --port":
            result = _relay("municipality", "serve", "--home", str(federation.municipality_dir(A)),
                            *_federation_files(federation), "--state", str(tmp_path), "--host", "127.0.0.1",
                            "--port", str(port))
            prefix = "the municipal server cannot start: "
        else:
            ports = ["--port", str(port)] if option == "--port" else ["--port", "0", "--public-port", str(port)]
            result = _relay("centre", "serve", *_centre_args(federation, tmp_path), *ports)
            prefix = ""
    assert (result.returncode, result.stderr) == (
        2, f"error: {prefix}cannot listen on 127.0.0.1:{port}: port {port} is in use\n")
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["registers.sqlite3"])  # no state made
