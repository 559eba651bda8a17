"""Connection hygiene: deadlines on handshakes, heads and idleness, caps on connections,
and a flood of unfinished handshakes at the cap that leaves a kiosk served.

Everything on loopback and bounded: a few hundred connections at most, each test within
a minute. No test asserts an elapsed time: a deadline is shown by the relay closing the
connection (the client waits far longer), the flood by every kiosk session completing, with
no retry, while the flood holds the relay at its cap (without displacement a kiosk's
connection would find no room and fail).
"""

from __future__ import annotations

import json
import socket
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware_mocks.relay.flood import HELLO_START, HandshakeFlood
from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.world import World
from kiosk.relay_client.client import load_issuer_public_key
from kiosk.relay_client.https import HttpsRelayClient
from kiosk.relay_client.port import Outcome
from tests.fixtures.raw_http import tls_context

pytestmark = [pytest.mark.relay, pytest.mark.slow]
WAIT = 20.0  # how long a client waits for the relay to close: far above every deadline


@pytest.fixture(scope="module")
def strict_relay(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayServer]:
    """Short deadlines and a small per-source cap, so that the tests stay short."""
    server = RelayServer.start(world.root, tmp_path_factory.mktemp("strict-relay"), extra_args=(
        "--handshake-timeout", "1", "--header-timeout", "1", "--idle-timeout", "2", "--max-per-source", "4"))
    yield server
    server.stop()


def _closed_by_relay(sock: socket.socket | ssl.SSLSocket) -> bool:
    """True when the relay closes the connection (within ``WAIT``), False if it stays open."""
    sock.settimeout(WAIT)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except (ConnectionResetError, ssl.SSLError):
        pass
    return True


def _kiosk_tls(server: RelayServer, source: str = "127.0.0.1") -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT, source_address=(source, 0))
    return tls_context(server.ca_file, server.kiosk_cert()).wrap_socket(raw, server_hostname="127.0.0.1")


def test_an_unfinished_handshake_is_closed(strict_relay: RelayServer) -> None:
    with socket.create_connection(("127.0.0.1", strict_relay.port), timeout=WAIT) as sock:
        sock.sendall(HELLO_START)
        assert _closed_by_relay(sock)


def test_a_connection_that_sends_nothing_after_the_handshake_is_closed(strict_relay: RelayServer) -> None:
    with _kiosk_tls(strict_relay) as tls:
        assert _closed_by_relay(tls)


def test_a_half_sent_head_is_closed(strict_relay: RelayServer) -> None:
    with _kiosk_tls(strict_relay) as tls:
        tls.sendall(b"POST /v1/session HTTP/1.1\r\nHost: relay\r\nContent-")
        assert _closed_by_relay(tls)


def test_an_idle_kept_alive_connection_is_closed(strict_relay: RelayServer) -> None:
    with _kiosk_tls(strict_relay) as tls:
        tls.sendall(b"GET /v1/version HTTP/1.1\r\nHost: relay\r\n\r\n")
        tls.settimeout(WAIT)
        answer = tls.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200") and b"connection: close" not in answer.lower()
        assert _closed_by_relay(tls)


def test_a_source_over_its_cap_is_refused_and_others_are_not(strict_relay: RelayServer) -> None:
    held = [socket.create_connection(("127.0.0.1", strict_relay.port), timeout=WAIT,
                                     source_address=("127.0.0.7", 0)) for _ in range(4)]
    try:
        with socket.create_connection(("127.0.0.1", strict_relay.port), timeout=WAIT,
                                      source_address=("127.0.0.7", 0)) as fifth:
            fifth.sendall(HELLO_START)
            assert _closed_by_relay(fifth)
        with _kiosk_tls(strict_relay, "127.0.0.8") as other:  # another address is still served
            other.sendall(b"GET /v1/version HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n")
            assert other.recv(65536).startswith(b"HTTP/1.1 200")
    finally:
        for sock in held:
            sock.close()


# -- the flood ---------------------------------------------------------------------------------

CAP = 300
OPEN_FILES = 400  # as a unit's LimitNOFILE, above the cap and its reserve
SESSIONS = 40


def _sessions(server: RelayServer, world: World, n: int) -> int:
    """``n`` complete kiosk sessions, each on a fresh connection as a kiosk makes them and
    with no retry (any refused or dropped call raises); how many completed."""
    cert, key = server.kiosk_cert()
    card = CardSigner.load(world.card_path("shiken-hanako"))
    done = 0
    for _ in range(n):
        with HttpsRelayClient(server.url, ca_file=server.ca_file, cert_file=cert, key_file=key,
                              issuer_key=load_issuer_public_key(server.issuer_public_key), retries=0) as client:
            opened = client.open_session()
            client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))
            rid = str(uuid.uuid4())
            issued = client.request_documents(rid, "juminhyo", {}, 1)
            client.report_outcome(rid, Outcome.PRINTED, 1, issued.amount)
        done += 1
    return done


def test_a_flood_of_unfinished_handshakes_at_the_cap_leaves_a_kiosk_served(world: World, tmp_path: Path) -> None:
    server = RelayServer.start(world.root, tmp_path / "relay", open_files=OPEN_FILES,
                               extra_args=("--max-connections", str(CAP), "--log-level", "INFO"))
    try:
        assert _sessions(server, world, 3) == 3  # warm up
        with HandshakeFlood(server.port, connections=CAP + 50, sources=20) as flood:
            assert _sessions(server, world, 3) == 3  # while the relay takes in the flood's first wave
            assert _sessions(server, world, SESSIONS) == SESSIONS
        assert flood.stats["opened"] >= CAP + 50 and flood.stats["open"] >= CAP // 2  # at the cap throughout
    finally:
        server.stop()
    lines = (tmp_path / "relay" / "relay.log").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    summaries = [e for e in events if e["event"] == "relay.connection_errors"]
    assert sum(e["count"] for e in summaries if e["kind"] == "displaced") >= 50  # the flood overflowed the cap
    assert len(lines) < 60  # a few summary lines, not a line per connection
    assert not [e for e in events if e["level"] == "ERROR"]
