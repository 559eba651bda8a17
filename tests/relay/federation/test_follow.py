"""A municipality's own public verification service follows the centre's directory URL:
it fetches the signed directory from the centre's public listener, believes only what the
anchor's key signed, takes a key rotation the centre publishes with no restart, refuses a
tampered or older copy, and keeps serving its last good copy (across a restart too) while
the centre is out of reach."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hardware_mocks.federation_world import A, FederationWorld
from hardware_mocks.services.federation import FederationServices
from hardware_mocks.services.relay import PublicServer
from protocol import wire
from protocol.clock import JST
from protocol.documents import qr_payload
from protocol.federation import directory as fd
from relay.cli import main
from relay.federation_local import load_ed25519
from tests.fixtures.documents import DocumentFactory
from tests.fixtures.https_calls import call
from tests.fixtures.waiting import wait_for

pytestmark = [pytest.mark.relay, pytest.mark.slow]
WAIT = 60.0  # generous: two shared cores; a check every 0.2 s


def _call(server: PublicServer, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, bytes]:
    return call(server.port, server.ca_file, method, path, body)


def _check(server: PublicServer, qr: str) -> tuple[bool, str]:
    status, data = _call(server, "POST", wire.VERIFY_PATH, {"qr": qr})
    answer = json.loads(data)
    assert status == 200, answer
    return answer["valid"], answer["reason"]


def _follower(federation: FederationWorld, state: Path, url: str) -> PublicServer:
    """A's own public service (its test world, its keys) following ``url``."""
    return PublicServer.start(federation.base.root, state, extra_args=(
        "--directory", url, "--anchor", str(federation.root / "anchor.json"),
        "--directory-ca", str(federation.base.root / "pki" / "operator-ca.pem"),
        "--directory-cache", str(state / "federation-directory.json"), "--directory-refresh", "0.2",
        "--log-level", "INFO"))


def _install(federation: FederationWorld, signed: bytes) -> None:
    path = federation.root / "directory.json"
    path.with_name("directory.json.new").write_bytes(signed)
    path.with_name("directory.json.new").replace(path)


def _with_issuer_key(directory: fd.Directory, code: str, key: Ed25519PrivateKey, serial: int) -> fd.Directory:
    """``directory`` with one more issuer key for ``code`` (a rotation: the old ones stay)."""
    members = tuple(dataclasses.replace(m, issuer_keys=(*m.issuer_keys, fd.PublishedKey(
        key.public_key(), m.issuer_keys[0].not_before, m.issuer_keys[0].not_after))) if m.code == code else m
        for m in directory.members)
    return dataclasses.replace(directory, serial=serial, members=members)


@pytest.fixture
def original(federation: FederationWorld) -> Iterator[bytes]:
    """The session's directory, put back after the test (other tests expect it)."""
    data = (federation.root / "directory.json").read_bytes()
    yield data
    _install(federation, data)


def test_a_rotation_at_the_centre_reaches_the_service_without_a_restart_and_outlives_the_centre(
        federation: FederationWorld, original: bytes, make_document: DocumentFactory, tmp_path: Path) -> None:
    services = FederationServices.start(federation, tmp_path / "services", public=True)
    server: PublicServer | None = None
    try:
        url = f"https://127.0.0.1:{services.public_port}{wire.DIRECTORY_PATH}"
        served = (federation.root / "directory.json").read_bytes()  # as the centre routes by it now
        current = fd.verify(served, federation.anchor(), dt.datetime.now(dt.UTC))
        server = _follower(federation, tmp_path / "public", url)
        assert _call(server, "GET", wire.DIRECTORY_PATH) == (200, served)  # fetched, checked, served again
        document = {**make_document("shiken-ichiro", "juminhyo", serial=f"{A}-2026-0000901"),
                    "issued_on": dt.datetime.now(JST).date().isoformat()}  # inside the keys' periods
        old_qr = qr_payload.encode(document, load_ed25519(federation.municipality_dir(A) / "issuer.key"))
        new_key = Ed25519PrivateKey.generate()
        new_qr = qr_payload.encode(document, new_key)
        assert _check(server, old_qr) == (True, "ok")
        # a key the directory does not list yet, on a paper of its own day: not verified, not called forged
        assert _check(server, new_qr) == (False, "issuer_key_unknown")
        rotated = fd.sign(_with_issuer_key(current, A, new_key, current.serial + 1), federation.directory_key())
        _install(federation, rotated)  # the operator publishes; the centre takes it
        following = server
        wait_for(lambda: _call(following, "GET", wire.DIRECTORY_PATH) == (200, rotated), WAIT, "the rotated directory")
        assert _check(server, new_qr) == (True, "ok")  # no restart
        assert _check(server, old_qr) == (True, "ok")  # paper signed with the old key still verifies
        services.stop()  # the centre is out of reach: the last good copy serves on
        assert _check(server, new_qr) == (True, "ok")
        server.stop()
        server = _follower(federation, tmp_path / "public", url)  # and after a restart, from its cache
        assert _call(server, "GET", wire.DIRECTORY_PATH) == (200, rotated)
        assert _check(server, new_qr) == (True, "ok")
    finally:
        if server is not None:
            server.stop()
        services.stop()


def _refused(state: Path, code: str) -> bool:
    """Whether the service in ``state`` has logged a directory refused with ``code``."""
    text = (state / "public.log").read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")[:-1]  # whole lines only: the service may be writing the last one
    events = [json.loads(line) for line in lines if line.startswith("{")]
    return any(e.get("event") == "relay.public.directory_refused" and e.get("code") == code for e in events)


def test_a_tampered_forged_or_older_directory_from_the_centre_is_refused_and_the_good_copy_kept(
        federation: FederationWorld, original: bytes, tmp_path: Path) -> None:
    """A centre whose listener serves whatever its file holds (a compromised centre: here
    ``relay public serve --directory`` with no anchor): each bad copy is fetched, refused
    with its reason, and the service goes on with the copy it verified."""
    published = tmp_path / "centre" / "directory.json"
    published.parent.mkdir()
    current = fd.verify(original, federation.anchor(), dt.datetime.now(dt.UTC))
    newer = fd.sign(dataclasses.replace(current, serial=current.serial + 10), federation.directory_key())
    published.write_bytes(newer)
    centre = PublicServer.start(federation.base.root, tmp_path / "centre", extra_args=("--directory", str(published)))
    server: PublicServer | None = None
    try:
        url = f"https://127.0.0.1:{centre.port}{wire.DIRECTORY_PATH}"
        server = _follower(federation, tmp_path / "public", url)
        assert _call(server, "GET", wire.DIRECTORY_PATH) == (200, newer)
        tampered = json.loads(newer)
        tampered["directory"]["members"][0]["status"] = "suspended"
        bad = {"bad_signature": json.dumps(tampered).encode(),
               "unknown_signer": fd.sign(dataclasses.replace(current, serial=current.serial + 11),
                                         Ed25519PrivateKey.generate()),
               "rollback": original}  # validly signed, an older serial than the one held
        for code, data in bad.items():
            published.write_bytes(data)
            wait_for(lambda: _refused(tmp_path / "public", code), WAIT, f"the {code} refusal")  # noqa: B023
            assert _call(server, "GET", wire.DIRECTORY_PATH) == (200, newer)  # the verified copy, still
    finally:
        if server is not None:
            server.stop()
        centre.stop()


def test_following_options_fail_with_one_line(federation: FederationWorld, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    world = str(federation.base.root)
    assert main(["public", "serve", "--world", world, "--directory", "https://127.0.0.1:1/v1/directory"]) == 2
    assert "needs --anchor" in capsys.readouterr().err
    assert main(["public", "serve", "--world", world, "--directory", "http://127.0.0.1:1/v1/directory",
                 "--anchor", str(federation.root / "anchor.json")]) == 2
    assert "https://" in capsys.readouterr().err
    assert main(["public", "serve", "--world", world, "--directory", "https://127.0.0.1:1/v1/directory",
                 "--anchor", str(federation.root / "anchor.json"),
                 "--directory-cache", str(tmp_path / "none.json")]) == 2  # nothing cached, no centre
    assert "no valid federation directory to start with (cannot fetch" in capsys.readouterr().err
    anchor = tmp_path / "anchor.json"  # given as the cache by mistake: never written over
    anchor.write_bytes((federation.root / "anchor.json").read_bytes())
    before = anchor.read_bytes()
    assert main(["public", "serve", "--world", world, "--directory", "https://127.0.0.1:1/v1/directory",
                 "--anchor", str(federation.root / "anchor.json"), "--directory-cache", str(anchor)]) == 2
    assert "is not a copy of a federation directory" in capsys.readouterr().err
    assert anchor.read_bytes() == before


def test_a_directory_ca_that_cannot_be_used_is_named_before_anything(federation: FederationWorld, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Checked first: with a valid cached copy the service would otherwise start, and find
    out only at each refresh, never saying which file."""
    from relay.federation.follow import start_following

    missing = tmp_path / "centre-ca.pem"
    assert main(["public", "serve", "--world", str(federation.base.root), "--directory",
                 "https://127.0.0.1:1/v1/directory", "--anchor", str(federation.root / "anchor.json"),
                 "--directory-ca", str(missing), "--directory-cache", str(tmp_path / "cache.json")]) == 2
    assert capsys.readouterr().err == (f"error: --directory-ca: the CA file {missing} cannot be used (No such file"
                                       " or directory)\n")
    assert not (tmp_path / "cache.json").exists()
    cache = tmp_path / "federation-directory.json"
    cache.write_bytes((federation.root / "directory.json").read_bytes())  # a valid copy to start from
    with pytest.raises(ValueError) as refused:
        start_following("https://127.0.0.1:1/v1/directory", federation.root / "anchor.json", cache, tmp_path, 60.0)
    assert str(refused.value) == f"--directory-ca: the CA file {tmp_path} cannot be used (a directory, not a file)"
