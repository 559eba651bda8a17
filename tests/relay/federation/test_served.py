"""The centre serves the signed directory on the kiosk endpoint (registered kiosks) and on
the public one (anyone), picks up a newly published copy without a restart, and never
serves one the anchor refuses."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import shutil
import ssl
from pathlib import Path

import pytest

from protocol import wire
from protocol.federation.directory import Anchor, verify
from relay.federation.operator import Federation
from relay.federation.served import DirectoryFile
from tests.fixtures.federation import municipality
from tests.fixtures.federation_relay import FederatedRelay

NOW = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)


def _get(port: int, ctx: ssl.SSLContext, etag: str | None = None) -> tuple[int, bytes, str | None]:
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    try:
        conn.request("GET", wire.DIRECTORY_PATH, headers={"If-None-Match": etag} if etag else {})
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("ETag")
    finally:
        conn.close()


def _anyone(federated_relay: FederatedRelay) -> ssl.SSLContext:
    """No client certificate: the relay's server certificate checked only."""
    return ssl.create_default_context(cafile=str(federated_relay.server.ca_file))


def test_kiosks_and_verifiers_fetch_the_directory(federated_relay: FederatedRelay) -> None:
    server = federated_relay.server
    anchor = Anchor.from_bytes(federated_relay.anchor.read_bytes())
    kiosk = ssl.create_default_context(cafile=str(server.ca_file))
    kiosk.load_cert_chain(*server.kiosk_cert())
    status, body, etag = _get(server.port, kiosk)
    assert status == 200 and body == federated_relay.directory.read_bytes()
    assert verify(body, anchor, dt.datetime.now(dt.UTC)).member(next(iter(federated_relay.cities))) is not None
    assert _get(server.port, kiosk, etag)[:2] == (304, b"")
    assert server.public_port is not None
    public_status, public_body, _ = _get(server.public_port, _anyone(federated_relay))
    assert public_status == 200 and public_body == body


def test_a_new_publication_is_served_and_a_refused_one_is_not(tmp_path: Path) -> None:
    fed = Federation.init(tmp_path / "fed", "test-federation", NOW)
    fed.publish(NOW, dt.timedelta(days=7))
    served = tmp_path / "served.json"
    shutil.copy(fed.root / "directory.json", served)
    clock = {"now": NOW}
    source = DirectoryFile(served, Anchor.from_bytes((fed.root / "anchor.json").read_bytes()), lambda: clock["now"])
    first = source.current()
    assert first is not None and first.directory is not None and first.directory.serial == 1
    fed.admit(municipality("139998", NOW).member_json(), NOW, None, skip_conformance_check=True)
    fed.publish(NOW, dt.timedelta(days=7))
    shutil.copy(fed.root / "directory.json", served)
    second = source.current()
    assert second is not None and second.directory is not None and second.directory.serial == 2
    assert second.etag != first.etag
    # a tampered copy (another member's status changed by hand) is not served: the last good one is
    outer = json.loads(served.read_bytes())
    outer["directory"]["members"][0]["status"] = "suspended"
    served.write_text(json.dumps(outer))
    assert source.current() == second
    # nor an older serial put back
    served.write_bytes(first.data)
    assert source.current() == second
    clock["now"] = NOW + dt.timedelta(days=7)  # expired: nothing is served
    assert source.current() is None


def test_serving_options_fail_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from relay.cli import main

    world = tmp_path / "world"
    world.mkdir()
    (world / "world.json").write_text("{}")
    fed = Federation.init(tmp_path / "fed", "test-federation", NOW)
    assert main(["public", "serve", "--world", str(world), "--directory", str(fed.root / "directory.json")]) == 2
    assert "holds no directory" in capsys.readouterr().err
    (tmp_path / "anchor.json").write_text("{}")
    fed.publish(dt.datetime.now(dt.UTC), dt.timedelta(days=1))
    assert main(["public", "serve", "--world", str(world), "--directory", str(fed.root / "directory.json"),
                 "--anchor", str(tmp_path / "anchor.json")]) == 2
    assert "not a federation anchor" in capsys.readouterr().err
