"""``kiosk verify``'s key files: one that cannot be used is named with what is wrong, in
one line and exit 2, before any file is read (the scramble key given as its hex on the
command line, as the help once suggested, is a file that does not exist)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware_mocks.world import World
from kiosk.cli import main


def _said(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["verify", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1, captured.err
    return captured.err


def test_an_issuer_key_file_that_cannot_be_used_is_named(tmp_path: Path, world: World,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    paper, missing, text, p256 = (tmp_path / name for name in ("paper.pdf", "issuer.pub", "notes.txt", "p256.pub"))
    text.write_text("not a key\n")
    p256.write_bytes(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    private = world.pki("issuer.key")
    for key, said in [(missing, f"cannot read {missing} (No such file or directory)"),
                      (text, f"{text} is not a PEM public key"),
                      (private, f"{private} is not a PEM public key"),
                      (p256, f"{p256} is not an Ed25519 public key")]:
        assert _said([str(paper), "--issuer-key", str(key)], capsys) == f"error: the issuer key: {said}\n"


def test_a_scramble_key_file_that_cannot_be_used_is_named(tmp_path: Path, world: World,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    paper, issuer = tmp_path / "paper.pdf", str(world.pki("issuer.pub"))
    as_text = "ab" * 32
    for option in ("--scramble-key", "--scramble-master"):
        said = f"error: the scramble key: cannot read {as_text} (No such file or directory): give a file holding"
        assert _said([str(paper), "--issuer-key", issuer, option, as_text], capsys) == said + " the key in hex\n"
        wrong = tmp_path / "wrong.key"
        wrong.write_text("not hex\n")
        assert _said([str(paper), "--issuer-key", issuer, option, str(wrong)], capsys) == \
            f"error: the scramble key: {wrong} does not hold a key in hex\n"
        assert _said([str(paper), "--issuer-key", issuer, option, str(tmp_path)], capsys).startswith(
            f"error: the scramble key: cannot read {tmp_path} (Is a directory)")
