"""How fast this machine is right now, in the operations a session is made of.

The benchmark machine is shared: from one day to the next, and within a day from one minute
to the next, the same code ran at very different speeds (docs/benchmarks.md: an Ed25519
verification took 126 µs one day and 170 µs another, the simulated kiosks' CPU a session
doubled). A throughput figure alone cannot tell a change in the code from a change in the
machine, so the federation benchmark prints these before and after its runs: one mutual
TLS 1.3 handshake as the kiosk and the centre make it (P-256 certificates, both ends in
this process), an Ed25519 verification (every federation message), an RSA-2048 signature
(the card's answer to the challenge) and a loop of plain Python (the interpreter itself).
Each is the best of several rounds: the machine's speed, not its noise.
"""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

ROUNDS = 5


def reference() -> dict[str, float]:
    """``tls_handshake_ms`` (client and server together), ``ed25519_verify_us``,
    ``rsa2048_sign_us`` and ``python_loop_ms``."""
    return {"tls_handshake_ms": _best(_handshakes(), 50) * 1e3,
            "ed25519_verify_us": _best(_ed25519_verify(), 200) * 1e6,
            "rsa2048_sign_us": _best(_rsa_sign(), 50) * 1e6,
            "python_loop_ms": _best(_python_loop, 3) * 1e3}


def describe(ref: dict[str, float]) -> str:
    return (f"TLS handshake {ref['tls_handshake_ms']:.2f} ms, Ed25519 verify {ref['ed25519_verify_us']:.0f} µs, "
            f"RSA-2048 sign {ref['rsa2048_sign_us']:.0f} µs, Python loop {ref['python_loop_ms']:.1f} ms")


def _best(operation: Callable[[], object], n: int) -> float:
    """Seconds of CPU for one ``operation``: the least of :data:`ROUNDS` rounds of ``n``."""
    rounds = []
    for _ in range(ROUNDS):
        start = time.process_time()
        for _ in range(n):
            operation()
        rounds.append((time.process_time() - start) / n)
    return min(rounds)


def _python_loop() -> int:
    return sum(i * i for i in range(100_000))


def _ed25519_verify() -> Callable[[], None]:
    key = ed25519.Ed25519PrivateKey.generate()
    message = bytes(200)
    signature, public = key.sign(message), key.public_key()
    return lambda: public.verify(signature, message)


def _rsa_sign() -> Callable[[], bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return lambda: key.sign(bytes(32), padding.PKCS1v15(), hashes.SHA256())


def _handshakes() -> Callable[[], None]:
    """One client and one server context as the kiosk's and the centre's (TLS 1.3, client
    certificate required, no tickets), and a handshake between them over memory."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())

    def certificate(name: str, key: ec.EllipticCurvePrivateKey, ca: bool = False) -> bytes:
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                   .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "reference CA")]))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(hours=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if name == "localhost":
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)

    def private(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    server_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    with tempfile.TemporaryDirectory(prefix="bench-machine-") as tmp:
        files = {"ca.pem": certificate("reference CA", ca_key, ca=True),
                 "server.pem": certificate("localhost", server_key) + private(server_key),
                 "client.pem": certificate("kiosk", client_key) + private(client_key)}
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.minimum_version = ssl.TLSVersion.TLSv1_3
        server.load_cert_chain(Path(tmp) / "server.pem")
        server.verify_mode = ssl.CERT_REQUIRED
        server.load_verify_locations(Path(tmp) / "ca.pem")
        server.num_tickets = 0
        client = ssl.create_default_context(cafile=str(Path(tmp) / "ca.pem"))
        client.load_cert_chain(Path(tmp) / "client.pem")

    def handshake() -> None:
        to_server, to_client, s_out, c_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
        s = server.wrap_bio(to_server, s_out, server_side=True)
        c = client.wrap_bio(to_client, c_out, server_hostname="localhost")
        done = {"client": False, "server": False}
        for _ in range(8):  # TLS 1.3 with a client certificate: two flights each way
            for name, end, out, peer in (("client", c, c_out, to_server), ("server", s, s_out, to_client)):
                if not done[name]:
                    try:
                        end.do_handshake()
                        done[name] = True
                    except ssl.SSLWantReadError:
                        pass
                peer.write(out.read())
            if all(done.values()):
                return
        raise RuntimeError("the reference handshake did not complete")

    return handshake
