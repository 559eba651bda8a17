"""Each side of the handshake sends its own certificate (and the intermediates of its file),
never the root the peer trusts already; a context the module cannot recognise is left as
it was."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from hardware_mocks import pki
from protocol import tls_chain
from protocol.tls_chain import send_own_certificate_only
from tests.fixtures.tls import handshake

NOT_BEFORE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
NOT_AFTER = dt.datetime(2036, 1, 1, tzinfo=dt.UTC)


def _ca(key: ec.EllipticCurvePrivateKey, name: str, issuer_key: ec.EllipticCurvePrivateKey,
        issuer: x509.Name | None, serial: int) -> x509.Certificate:
    """A CA certificate (``issuer`` None: a root) that allows one intermediate below the root."""
    subject = pki.name(name)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer or subject)
            .public_key(key.public_key()).serial_number(serial)
            .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1 if issuer is None else 0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         key_cert_sign=True, crl_sign=True, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(issuer_key, hashes.SHA256()))


@pytest.fixture(scope="module")
def chain_pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A root, a server and a client certificate from it, and a client certificate from an
    intermediate of it; ``far-client-chain`` carries the intermediate after the certificate."""
    out = tmp_path_factory.mktemp("tls-chain")
    seeds = pki.SeededRandom(7)
    root_key = pki.ec_key(seeds, "root")
    root = _ca(root_key, "Test Operator CA", root_key, None, 1)
    middle_key = pki.ec_key(seeds, "intermediate")
    middle = _ca(middle_key, "Test Kiosk Intermediate CA", root_key, root.subject, 2)
    files = {"root": out / "root.pem", "root-and-intermediate": out / "root-and-intermediate.pem"}
    files["root"].write_bytes(pki.pem_cert(root))
    files["root-and-intermediate"].write_bytes(pki.pem_cert(root) + pki.pem_cert(middle))
    for label, issuer_key, issuer, usage, serial in (("server", root_key, root, "server", 10),
                                                     ("client", root_key, root, "client", 11),
                                                     ("far-client", middle_key, middle, "client", 12)):
        key = pki.ec_key(seeds, label)
        cert = pki.leaf_certificate(issuer_key=issuer_key, issuer_cert=issuer, public_key=key.public_key(),
                                    subject=pki.name(label), serial=serial, not_before=NOT_BEFORE,
                                    not_after=NOT_AFTER, usage=usage, dns_names=("relay.test",))
        files[label] = out / f"{label}.pem"
        files[label].write_bytes(pki.pem_cert(cert))
        files[f"{label}-key"] = out / f"{label}.key"
        files[f"{label}-key"].write_bytes(pki.pem_key(key))
    files["far-client-chain"] = out / "far-client-chain.pem"
    files["far-client-chain"].write_bytes(files["far-client"].read_bytes() + pki.pem_cert(middle))
    return files


def _server(files: dict[str, Path], own_only: bool) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(files["server"], files["server-key"])
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cafile=str(files["root"]))
    assert not own_only or send_own_certificate_only(ctx)
    return ctx


def _client(files: dict[str, Path], own_only: bool, cert: str = "client", trust: str = "root") -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(cafile=str(files[trust]))
    ctx.load_cert_chain(files[cert], files[cert.removesuffix("-chain") + "-key"])
    assert not own_only or send_own_certificate_only(ctx)
    return ctx


def test_each_side_sends_its_certificate_without_the_root(chain_pki: dict[str, Path]) -> None:
    root = len(ssl.PEM_cert_to_DER_cert(chain_pki["root"].read_text()))
    before = handshake(_client(chain_pki, False), _server(chain_pki, False))
    after = handshake(_client(chain_pki, True), _server(chain_pki, True))
    assert before.client_sent - after.client_sent >= root
    assert before.server_sent - after.server_sent >= root
    assert after.client_saw["subject"] == before.client_saw["subject"]  # each still verified the other
    assert after.server_saw["subject"] == before.server_saw["subject"]


def test_the_intermediates_of_a_certificate_file_are_still_sent(chain_pki: dict[str, Path]) -> None:
    """A certificate from an intermediate, which its file carries after it, verifies at a
    server that trusts only the root."""
    done = handshake(_client(chain_pki, True, cert="far-client-chain"), _server(chain_pki, True))
    assert dict(x[0] for x in done.server_saw["subject"])["commonName"] == "far-client"


def test_an_intermediate_only_in_the_trust_store_is_no_longer_looked_up(chain_pki: dict[str, Path]) -> None:
    """What the module's text asks of a certificate file: without the mode the client found
    its intermediate in its own trust store and sent it; with it, it sends its certificate
    alone and the server cannot verify it."""
    server = _server(chain_pki, True)
    handshake(_client(chain_pki, False, cert="far-client", trust="root-and-intermediate"), server)
    with pytest.raises(ssl.SSLError):
        handshake(_client(chain_pki, True, cert="far-client", trust="root-and-intermediate"), server)


def test_a_context_not_recognised_is_left_as_it_was(chain_pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """Where the ``SSL_CTX`` found does not read as the context's own settings (here: its
    minimum version looks different), nothing is written to it, and a warning says so."""
    monkeypatch.setitem(tls_chain._VERSIONS, ssl.TLSVersion.TLSv1_3, 0x0303)
    tls_chain._warn_once.cache_clear()
    client = _client(chain_pki, False)
    with caplog.at_level("WARNING", logger="protocol.tls"):
        assert send_own_certificate_only(client) is False
    assert [r.getMessage() for r in caplog.records] == ["tls.root_sent"]
    plain = handshake(_client(chain_pki, False), _server(chain_pki, False))
    assert handshake(client, _server(chain_pki, False)).client_sent == pytest.approx(plain.client_sent, abs=8)


def test_what_is_not_an_ssl_context_is_not_read() -> None:
    """A wrapper or a stand-in: no pointer is taken from it."""

    class Lookalike:
        verify_mode = ssl.CERT_REQUIRED
        minimum_version = ssl.TLSVersion.TLSv1_3

    assert send_own_certificate_only(Lookalike()) is False  # type: ignore[arg-type]
