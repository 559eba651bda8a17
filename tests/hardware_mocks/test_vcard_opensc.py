"""OpenSC accepts the virtual card as a My Number card, as it would a real one.

``pkcs15-tool`` (OpenSC's ``jpki`` driver and PKCS#15 emulator) lists its certificates
and PINs; ``pkcs11-tool`` signs after the PIN, and the signature verifies with the
authentication certificate's public key.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from hardware_mocks.world import World

pytestmark = [pytest.mark.opensc, pytest.mark.pcscd]

PKCS11_MODULE = next((p for p in ("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
                                  "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
                                  "/usr/lib/opensc-pkcs11.so") if Path(p).exists()), None)


@pytest.fixture(autouse=True)
def _opensc_tools() -> None:
    if shutil.which("pkcs15-tool") is None or PKCS11_MODULE is None:
        pytest.fail("OpenSC is not installed (apt-get install opensc)")


def run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_pkcs15_lists_certificates_and_pins(pcsc_card) -> None:
    reader = pcsc_card("shiken-ichiro")
    certs = run("pkcs15-tool", "--reader", reader.name, "--list-certificates")
    for label in ("User Authentication Certificate", "Digital Signature Certificate",
                  "User Authentication Certificate CA", "Digital Signature Certificate CA"):
        assert f"[{label}]" in certs
    pins = run("pkcs15-tool", "--reader", reader.name, "--list-pins")
    assert "User Authentication PIN" in pins and "Tries left     : 3" in pins


def test_pkcs11_signs_after_pin(pcsc_card, world: World, tmp_path: Path) -> None:
    reader = pcsc_card("shiken-ichiro")
    message = tmp_path / "challenge.bin"
    message.write_bytes(b"kiosk challenge")
    signature = tmp_path / "sig.bin"
    run("pkcs11-tool", "--module", str(PKCS11_MODULE), "--slot-index", "0", "--login",
        "--pin", world.persona("shiken-ichiro")["pin"], "--sign", "--mechanism",
        "SHA256-RSA-PKCS", "--id", "01", "-i", str(message), "-o", str(signature))
    pem = run("pkcs15-tool", "--reader", reader.name, "--read-certificate", "01")
    cert = x509.load_pem_x509_certificate(pem.encode())
    assert f"{cert.serial_number:X}" == world.persona("shiken-ichiro")["cert_serial"]
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(signature.read_bytes(), message.read_bytes(), padding.PKCS1v15(), hashes.SHA256())


def test_pkcs11_refuses_wrong_pin(pcsc_card, tmp_path: Path) -> None:
    pcsc_card("shiken-ichiro")
    message = tmp_path / "m.bin"
    message.write_bytes(b"x")
    done = subprocess.run(
        ["pkcs11-tool", "--module", str(PKCS11_MODULE), "--slot-index", "0", "--login",
         "--pin", "0000", "--sign", "--mechanism", "SHA256-RSA-PKCS", "--id", "01",
         "-i", str(message), "-o", str(tmp_path / "s.bin")],
        capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "CKR_PIN_INCORRECT" in done.stdout + done.stderr
