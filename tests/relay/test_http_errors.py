"""Every error answer is the protocol's JSON, the HTTP parser's included; every code the
relay can send is in the protocol document."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from hardware_mocks.services.relay import RelayServer
from protocol import refusals, wire
from tests.fixtures.raw_http import RawAnswer, exchange, tls_context

pytestmark = pytest.mark.relay
ROOT = Path(__file__).resolve().parents[2]
CANARY = "CanaryHeaderValue7391"

MALFORMED = [
    pytest.param(b"POST /v1/menu HTTP/1.1\r\nHost: r\r\nX-Big: " + CANARY.encode() + b"x" * 9000 + b"\r\n\r\n",
                 431, wire.HEADER_TOO_LARGE, id="header-over-8190-bytes"),
    pytest.param(b"POST /v1/menu HTTP/1.1\r\nHost: r\r\n"
                 + b"".join(b"X-" + CANARY.encode() + b"%d: 1\r\n" % i for i in range(100)) + b"\r\n",
                 431, wire.TOO_MANY_HEADERS, id="too-many-headers"),
    pytest.param(b"POST /v1/menu HTTP/1.1\r\nHost: r\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"0\r\n\r\n" + CANARY.encode(), 400, wire.BAD_HTTP, id="content-length-with-chunked"),
    pytest.param(b"P\x00ST /" + CANARY.encode() + b" HTTP/1.1\r\nHost: r\r\n\r\n", 400, wire.BAD_HTTP,
                 id="bad-method"),
    pytest.param(b"GET /" + CANARY.encode() + b"x" * 9000 + b" HTTP/1.1\r\nHost: r\r\n\r\n", 431,
                 wire.HEADER_TOO_LARGE, id="request-line-too-long"),
]


def _check(answer: RawAnswer, status: int, code: str) -> None:
    assert answer.status == status
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == {"error": {"code": code}}
    assert CANARY.encode() not in answer.body and b"x" * 20 not in answer.body


@pytest.mark.parametrize(("request_bytes", "status", "code"), MALFORMED)
def test_parser_errors_on_the_kiosk_port_are_json(public_relay_server: RelayServer, request_bytes: bytes,
                                                  status: int, code: str) -> None:
    ctx = tls_context(public_relay_server.ca_file, public_relay_server.kiosk_cert())
    _check(exchange(public_relay_server.port, ctx, request_bytes), status, code)


@pytest.mark.parametrize(("request_bytes", "status", "code"), MALFORMED)
def test_parser_errors_on_the_public_port_are_json(public_relay_server: RelayServer, request_bytes: bytes,
                                                   status: int, code: str) -> None:
    assert public_relay_server.public_port
    ctx = tls_context(public_relay_server.ca_file)
    _check(exchange(public_relay_server.public_port, ctx, request_bytes.replace(b"/v1/menu", b"/v1/verify")),
           status, code)


def test_a_wrong_method_on_the_public_port(public_relay_server: RelayServer) -> None:
    assert public_relay_server.public_port
    answer = exchange(public_relay_server.public_port, tls_context(public_relay_server.ca_file),
                      b"GET /v1/verify HTTP/1.1\r\nHost: r\r\n\r\n")
    assert (answer.status, answer.json()) == (405, {"error": {"code": wire.METHOD_NOT_ALLOWED}})


# -- every code is documented -----------------------------------------------------------------

def _codes_in_the_code() -> set[str]:
    """Every error code the relay's modules name: each ``wire.X`` string constant they use
    (not a path), every string literal given to ``ApiError`` or ``error_response``, and
    every refusal code (the card checks and the rules pick them at run time)."""
    codes = set(refusals.ALL)
    for source in sorted((ROOT / "relay").glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "wire"
                    and node.attr.isupper()):
                value = getattr(wire, node.attr)
                if isinstance(value, str) and not value.startswith("/"):
                    codes.add(value)
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "ApiError", "error_response"):
                codes |= {a.value for a in node.args[1:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return codes


def test_every_error_code_is_in_the_protocol_document() -> None:
    document = (ROOT / "docs" / "relay-protocol.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z0-9_]+)`", document))
    codes = _codes_in_the_code()
    assert {wire.HEADER_TOO_LARGE, wire.BAD_HTTP, wire.TIMEOUT, refusals.UNDER_15} <= codes  # the scan works
    assert sorted(codes - documented) == []
