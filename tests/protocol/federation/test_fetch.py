"""Fetching the directory over HTTPS: a CA file that cannot be used is named, before any
connection is tried (``relay public serve --directory-ca``, ``kiosk verify --directory-ca``),
and a URL that cannot be fetched or an answer that is not HTTP is a one-line reason."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest

from hardware_mocks.world import World
from protocol.federation.fetch import fetch_directory, tls_context
from tests.fixtures.waiting import join_all


@pytest.mark.parametrize(("name", "reason"), [
    ("missing.pem", "No such file or directory"),
    ("folder", "a directory, not a file"),
    ("garbage.pem", "no PEM certificate in it"),
])
def test_a_ca_file_that_cannot_be_used_is_named(tmp_path: Path, name: str, reason: str) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "garbage.pem").write_text("not a certificate")
    ca_file = tmp_path / name
    with pytest.raises(ValueError) as refused:
        fetch_directory("https://127.0.0.1:1/v1/directory", ca_file)
    assert str(refused.value) == f"the CA file {ca_file} cannot be used ({reason})"
    with pytest.raises(ValueError):
        tls_context(ca_file)


def test_without_a_ca_file_the_systems_are_used() -> None:
    assert tls_context(None).verify_mode.name == "CERT_REQUIRED"


@pytest.mark.parametrize("url", ["https://a b/v1/directory", "https://[::1/v1/directory"])
def test_a_url_that_cannot_be_fetched_is_a_reason(url: str) -> None:
    """A space in the host was http.client's InvalidURL, no ValueError: a traceback."""
    with pytest.raises(ValueError) as refused:
        fetch_directory(url)
    assert str(refused.value).startswith(f"cannot fetch the directory from {url} (")


@pytest.mark.parametrize(("answer", "reason"), [(b"garbage\r\n\r\n", "BadStatusLine"),
                                                (b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70_000 + b"\r\n\r\n",
                                                 "LineTooLong")])
def test_an_answer_that_is_not_http_is_a_reason(world: World, answer: bytes, reason: str) -> None:
    """A server that answers TLS but not HTTP (a wrong port, a broken proxy) raised
    http.client's own exceptions: a traceback from ``kiosk verify``, and the end of a
    public service's following of the centre (:mod:`relay.federation.follow` takes only
    ValueError)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(world.pki("relay.pem"), world.pki("relay.key"))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(30)

        def answer_once() -> None:
            conn, _ = listener.accept()
            conn.settimeout(30)
            with ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(65536)
                tls.sendall(answer)

        server = threading.Thread(target=answer_once, daemon=True)
        server.start()
        url = f"https://127.0.0.1:{listener.getsockname()[1]}/v1/directory"
        with pytest.raises(ValueError) as refused:
            fetch_directory(url, world.pki("operator-ca.pem"))
        join_all([server])
    assert str(refused.value) == f"cannot fetch the directory from {url} ({reason})"
