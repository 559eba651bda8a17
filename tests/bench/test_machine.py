"""The machine's reference speeds the federation benchmark prints beside its figures."""

from __future__ import annotations

import math

from bench import machine


def test_the_reference_measures_each_operation() -> None:
    ref = machine.reference()  # the handshake raises if the two contexts could not complete one
    assert set(ref) == {"tls_handshake_ms", "ed25519_verify_us", "rsa2048_sign_us", "python_loop_ms"}
    assert all(math.isfinite(v) and v > 0 for v in ref.values())


def test_the_description_names_every_figure() -> None:
    text = machine.describe({"tls_handshake_ms": 3.41, "ed25519_verify_us": 134.2, "rsa2048_sign_us": 895.0,
                             "python_loop_ms": 9.64})
    assert text == ("TLS handshake 3.41 ms, Ed25519 verify 134 µs, RSA-2048 sign 895 µs, "
                    "Python loop 9.6 ms")
