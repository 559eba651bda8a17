"""The operator's whole onboarding, in order, with the commands of docs/federation.md:
``relay federation init`` → ``relay municipality init`` → ``relay federation sign-csr`` →
``relay municipality install-cert`` → ``relay municipality check --report`` (against the
running server) → ``relay federation admit`` → ``relay federation publish`` → the running
centre routes a kiosk's resident to the new member, with no restart. A server that fails
the kit is not admitted."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hardware_mocks.federation_world import A, B, FederationWorld
from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.services.federation import start_service
from hardware_mocks.services.ports import held_port, hold_port
from hardware_mocks.services.relay import register_world_kiosks
from kiosk.config import load
from kiosk.relay_client.errors import RelayUnavailable
from kiosk.relay_client.https import HttpsRelayClient
from protocol.federation.directory import Anchor, verify
from relay import processes

KIOSK = "KIOSK-0001"
HOST = "127.0.0.1"


def _relay(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "relay.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=180, check=False)


def _ok(*args: str | Path) -> str:
    done = _relay(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _centre_csr(key_path: Path, csr_path: Path) -> None:
    """What the centre's administrator does with ``openssl req`` (docs: step 2)."""
    key = ec.generate_private_key(ec.SECP256R1())
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "centre.federation.test")]))
           .sign(key, hashes.SHA256()))
    csr_path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))


class Onboarding:
    def __init__(self, world: FederationWorld, root: Path) -> None:
        self.world = world
        self.root = root
        self.op = root / "operator"
        self.centre_home = root / "centre"
        self.processes: list[subprocess.Popen[bytes]] = []
        # each municipality's port, named in its endpoint at init and served later: held
        # from the one to the other (and to the end), so no other process is given it
        self.held: list[socket.socket] = []

    def files(self) -> list[str | Path]:
        return ["--directory", self.op / "directory.json", "--anchor", self.op / "anchor.json",
                "--federation-ca", self.op / "ca.pem"]

    def municipality(self, code: str) -> tuple[Path, int]:
        """``relay municipality init`` on the server, its CSR signed by the operator, the
        certificate installed; the registry export and test-card profile of the world's ``code``."""
        self.held.append(hold_port())
        home, port = self.root / f"municipality-{code}", held_port(self.held[-1])
        _ok("municipality", "init", home, "--code", code, "--name", f"試験市{code}",
            "--endpoint", f"https://{HOST}:{port}")
        for name in ("registry.json", "profile.json"):
            shutil.copy(self.world.municipality_dir(code) / name, home / name)
        pin = _ok("federation", "sign-csr", self.op, home / "tls.csr", "--role", "municipal", "--host", HOST,
                  "--out", self.root / f"{code}.pem")
        _ok("municipality", "install-cert", home, self.root / f"{code}.pem", "--federation-ca", self.op / "ca.pem")
        assert json.loads((home / "member.json").read_text())["tls_cert_sha256"] in pin
        return home, port

    def serve_municipality(self, home: Path, port: int, faulty: bool = False) -> None:
        state = home / "state"
        state.mkdir()
        entry = ["-m", "hardware_mocks.services.federation"] if faulty else ["-m", "relay.cli"]
        process, _ = start_service(
            [sys.executable, *entry, "municipality", "serve", "--home", str(home), *map(str, self.files()),
             "--state", str(state), "--host", "127.0.0.1", "--port", str(port), "--port-file", str(state / "port")],
            state / "server.log", state / "port")
        self.processes.append(process)

    def serve_centre(self) -> int:
        base = self.world.base.root / "pki"
        state = self.root / "centre-state"
        state.mkdir()
        register_world_kiosks(self.world.base.root, state / "registers.sqlite3")
        process, port = start_service(
            [sys.executable, "-m", "relay.cli", "centre", "serve", "--home", str(self.centre_home),
             *map(str, self.files()), "--kiosk-cert", str(base / "relay.pem"), "--kiosk-key", str(base / "relay.key"),
             "--kiosk-ca", str(base / "operator-ca.pem"), "--register-db", str(state / "registers.sqlite3"),
             "--state", str(state), "--port", "0", "--port-file", str(state / "port")],
            state / "centre.log", state / "port")
        self.processes.append(process)
        return port

    def check(self, home: Path, report: Path) -> subprocess.CompletedProcess[str]:
        return _relay("municipality", "check", "--member", home / "member.json", "--profile", home / "profile.json",
                      "--centre-home", self.centre_home, "--federation-ca", self.op / "ca.pem", "--report", report)

    def stop(self) -> None:
        for process in self.processes:
            processes.stop(process, grace=10.0)
        for held in self.held:
            held.close()


@pytest.fixture
def onboarding(federation: FederationWorld, tmp_path: Path) -> Iterator[Onboarding]:
    running = Onboarding(federation, tmp_path)
    yield running
    running.stop()


def _resident_of(world: FederationWorld, code: str) -> dict[str, Any]:
    people = world.people
    return next(p for p in world.base.personas() if p["card"] == "valid" and not p["flags"] and p["age"] >= 20
                and people["home"].get(p["resident"]) == code and p["resident"] != people["moved"])


def test_the_operators_onboarding_in_order_admits_a_conforming_server_only(onboarding: Onboarding) -> None:
    world, op = onboarding.world, onboarding.op
    # 1. the federation, and a first (empty) directory the servers start with
    _ok("federation", "init", op, "--name", "onboarding-test")
    _ok("federation", "publish", op, "--valid-for", "1d")
    # 2. the centre: its message key from init, its TLS certificate from the federation CA
    centre = onboarding.centre_home
    centre.mkdir()
    shutil.copy(op / "private" / "centre-message.key", centre / "message.key")
    _centre_csr(centre / "tls.key", onboarding.root / "centre.csr")
    _ok("federation", "sign-csr", op, onboarding.root / "centre.csr", "--role", "centre", "--host", HOST,
        "--out", centre / "tls.pem")
    for name in ("jpki-ca.pem", "jpki-crl.pem", "card-routing.json"):  # the JPKI side's, as in the world
        shutil.copy(world.centre_dir / name, centre / name)
    centre_port = onboarding.serve_centre()
    # 3. two municipalities prepare their servers; B's swaps answers (the 2023 fault)
    a_home, a_port = onboarding.municipality(A)
    b_home, b_port = onboarding.municipality(B)
    onboarding.serve_municipality(a_home, a_port)
    onboarding.serve_municipality(b_home, b_port, faulty=True)

    state = onboarding.root / "kiosk"
    state.mkdir()
    pki = world.base.root / "pki"
    (state / "kiosk.toml").write_text(f"""kiosk_id = "{KIOSK}"
state_dir = "{state}"
[relay]
url = "https://{HOST}:{centre_port}"
ca_file = "{pki / 'operator-ca.pem'}"
cert_file = "{pki / 'kiosks' / f'{KIOSK}.pem'}"
key_file = "{pki / 'kiosks' / f'{KIOSK}.key'}"
anchor = "{op / 'anchor.json'}"
directory_refresh = 0.001
""", encoding="utf-8")
    config = load(state / "kiosk.toml").relay
    resident = CardSigner.load(world.base.card_path(_resident_of(world, A)["id"]))

    def issue(client: HttpsRelayClient) -> str:
        client.check_version()
        opened = client.open_session()
        client.authenticate(resident.cert_der, resident.sign(opened.challenge, opened.session_id, client.kiosk_id))
        return str(client.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1).documents[0]["serial"])

    with HttpsRelayClient.from_config(config) as client, pytest.raises(RelayUnavailable):
        issue(client)  # not a member yet: the centre routes nothing to A

    # 4. the conformance kit against each running server, writing the reports admit takes
    passed, failed = onboarding.root / "a-report.json", onboarding.root / "b-report.json"
    assert onboarding.check(a_home, passed).returncode == 0
    assert json.loads(passed.read_text())["report"]["passed"] is True
    assert onboarding.check(b_home, failed).returncode == 1
    assert json.loads(failed.read_text())["report"]["passed"] is False
    # 5. admission: only with a passed report about that very member entry
    _ok("federation", "admit", op, a_home / "member.json", "--conformance-report", passed)
    refused = _relay("federation", "admit", op, b_home / "member.json", "--conformance-report", failed)
    assert refused.returncode == 2 and "did not pass" in refused.stderr
    wrong = _relay("federation", "admit", op, b_home / "member.json", "--conformance-report", passed)
    assert wrong.returncode == 2 and "another municipality" in wrong.stderr
    edited = json.loads(failed.read_text())
    edited["report"]["passed"] = True  # the failed server's own edit: the centre's signature no longer holds
    (onboarding.root / "edited.json").write_text(json.dumps(edited))
    forged = _relay("federation", "admit", op, b_home / "member.json", "--conformance-report",
                    onboarding.root / "edited.json")
    assert forged.returncode == 2 and "changed after the centre signed it" in forged.stderr
    # 6. publish: the running centre and the kiosk take the new directory
    _ok("federation", "publish", op, "--valid-for", "1d")
    directory = verify((op / "directory.json").read_bytes(), Anchor.from_bytes((op / "anchor.json").read_bytes()),
                       dt.datetime.now(dt.UTC))
    assert [m.code for m in directory.members] == [A] and directory.serial == 2
    with HttpsRelayClient.from_config(config) as client:
        assert issue(client).startswith(A + "-")
    log = [json.loads(line) for line in (op / "operations.jsonl").read_text().splitlines()]
    admitted = next(entry for entry in log if entry["action"] == "admit")
    assert admitted["code"] == A and admitted["conformance"].startswith("sha256:")
