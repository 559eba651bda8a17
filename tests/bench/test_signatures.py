"""The side-by-side of the federation's Ed25519 checks: each implementation is the one
timed, and every operation it times is a check that passes."""

from __future__ import annotations

import math

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench import signatures
from protocol import ed25519


@pytest.mark.parametrize("implementation", ["openssl", "libsodium"])
def test_each_implementation_checks_and_refuses(implementation: str) -> None:
    key = Ed25519PrivateKey.generate()
    with signatures.checked_by(implementation):
        assert (ed25519.verify is signatures._openssl) == (implementation == "openssl")
        for operation in signatures.operations().values():
            operation()  # a check that did not pass would raise
        with pytest.raises(InvalidSignature):
            ed25519.verify(key.public_key(), key.sign(b"a"), b"b")
    assert ed25519.verify is not signatures._openssl  # the shipped one is back


def test_the_run_times_every_operation_both_ways() -> None:
    result = signatures.run(rounds=1, n=3)
    assert set(result) == set(signatures.operations())
    for by in result.values():
        assert set(by) == {"openssl", "libsodium"} and all(math.isfinite(v) and v > 0 for v in by.values())
