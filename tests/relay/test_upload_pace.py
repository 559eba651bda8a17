"""Uploads to the public verification service arrive at a pace or are refused ``408
too_slow``: the deadline scales with the declared length (a minimum rate after a free
floor, a cap for any body) and an upload may not go idle. A client that trickles bytes
(the API's JSON or the page's form) is refused while it still has bytes to send, and the
large-body slot it held is free again. Bounded: a trickle gives up after a generous wait, and
nothing asserts on elapsed time."""

from __future__ import annotations

import json
import select
import socket
import ssl
import time
from collections.abc import Iterator

import pytest

from hardware_mocks.relay.hostile import post
from hardware_mocks.services.relay import PublicServer
from hardware_mocks.world import World
from protocol import wire
from relay.public import SMALL_BODY_BYTES
from relay.upload_pace import MIN_RATE, UploadPace
from tests.fixtures.raw_http import tls_context

pytestmark = pytest.mark.relay
MIB = 1 << 20
#: Seconds a trickling client keeps sending before it gives up waiting for a refusal: generous
#: (two shared cores; the service refuses after its half-second floor), never reached when it works.
TRICKLE_WAIT = 60.0
#: A small body (no large-body slot) the trickle cannot complete within that wait (about 20 bytes
#: a second): a service too slow to refuse gets no complete body to answer ``bad_json`` to instead.
SMALL = 64 * 1024


def test_the_pace_scales_with_the_declared_length() -> None:
    pace = UploadPace()
    assert pace.required_rate(None) == pace.required_rate(8 * MIB) == MIN_RATE == 125_000  # 1 Mbit/s
    largest = pace.required_rate(wire.MAX_VERIFY_BODY_BYTES)
    assert 3.0e6 < largest * 8 < 3.2e6  # the largest body must come in within the cap: about 3.1 Mbit/s
    assert pace.behind(0, 0, 0, MIN_RATE) is False
    assert pace.behind(pace.floor - 1, 0, 5, MIN_RATE) is False  # nothing yet, within the floor
    assert pace.behind(pace.floor + 1, 0, 5, MIN_RATE) is True  # nothing after it
    assert pace.behind(60, 50 * MIN_RATE, 1, MIN_RATE) is False  # ahead of the rate
    assert pace.behind(60, 49 * MIN_RATE, 1, MIN_RATE) is True  # behind it
    assert pace.behind(5, 4 * MIB, pace.idle + 1, MIN_RATE) is True  # gone quiet
    assert pace.behind(pace.cap + 1, 10**12, 0, MIN_RATE) is True  # the cap, however much came
    for bad in ({"min_rate": 0}, {"idle": 0}, {"floor": 400}, {"floor": -1}):
        with pytest.raises(ValueError):
            UploadPace(**bad)


@pytest.fixture(scope="module")
def paced(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicServer]:
    """The public service with a short floor, so a trickle is refused within a few chunks."""
    server = PublicServer.start(world.root, tmp_path_factory.mktemp("paced-public"), extra_args=(
        "--upload-floor", "0.5", "--upload-idle", "2"))
    yield server
    server.stop()


def _trickle(server: PublicServer, path: str, content_type: str, declared: int) -> tuple[int, bytes, bool]:
    """Send a request head declaring ``declared`` bytes, then one byte at a time (about 20
    a second, far below the rate) until the service answers, the body is all sent or
    :data:`TRICKLE_WAIT` has passed; the answer's status and body, and whether the service
    answered while the client was still sending."""
    ctx: ssl.SSLContext = tls_context(server.ca_file)
    head = (f"POST {path} HTTP/1.1\r\nHost: verify\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {declared}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=TRICKLE_WAIT) as raw, \
            ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(head)
        sent = 0
        give_up = time.monotonic() + TRICKLE_WAIT
        sending = True
        while sent < declared and time.monotonic() < give_up:
            if select.select([tls], [], [], 0.05)[0]:
                break  # the service answered
            try:
                tls.sendall(b"A")
            except OSError:  # the service closed its side: the answer is waiting
                break
            sent += 1
        else:
            sending = False  # the body all sent, or the wait over: the service did not refuse it
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data and len(data.partition(b"\r\n\r\n")[2]) >= _length(data):
                break
    head_text, _, body = data.partition(b"\r\n\r\n")
    return int(head_text.split(b" ", 2)[1]), body, sending


def _length(data: bytes) -> int:
    for line in data.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


@pytest.mark.parametrize("declared", [40 * MIB, SMALL], ids=["large-takes-a-slot", "small"])
def test_a_trickling_api_upload_is_refused_too_slow_and_its_slot_freed(paced: PublicServer, declared: int) -> None:
    assert SMALL <= SMALL_BODY_BYTES < 40 * MIB  # the small body takes no slot, the large one does
    status, body, sending = _trickle(paced, wire.VERIFY_PATH, "application/json", declared)
    assert (status, json.loads(body)) == (408, {"error": {"code": wire.TOO_SLOW}})
    assert sending  # refused by the service while the client still had bytes to send
    large = json.dumps({"scans": ["A" * (2 * MIB)]}).encode()  # a large body sent at once: the slot is free
    status, answer = post(paced.port, paced.ca_file, large)
    assert (status, answer["status"]) == (200, "unreadable")


def test_a_trickling_page_upload_is_refused_with_a_page(paced: PublicServer) -> None:
    status, body, sending = _trickle(paced, "/check?lang=en", "multipart/form-data; boundary=b", 40 * MIB)
    assert status == 408 and b"The upload took too long" in body and sending


def test_an_upload_that_goes_quiet_is_refused(paced: PublicServer) -> None:
    ctx = tls_context(paced.ca_file)
    head = (f"POST {wire.VERIFY_PATH} HTTP/1.1\r\nHost: verify\r\nContent-Type: application/json\r\n"
            f"Content-Length: {4 * MIB}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", paced.port), timeout=TRICKLE_WAIT) as raw, \
            ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(head + b'{"scans": ["' + b"A" * 65536)  # a start, and then nothing
        data = b""
        while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _length(data):
            chunk = tls.recv(65536)
            assert chunk, "closed before an answer"
            data += chunk
    assert data.startswith(b"HTTP/1.1 408 ")
    assert json.loads(data.partition(b"\r\n\r\n")[2]) == {"error": {"code": wire.TOO_SLOW}}
