"""Fetching the directory over HTTPS: a CA file that cannot be used is named, before any
connection is tried (``relay public serve --directory-ca``, ``kiosk verify --directory-ca``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from protocol.federation.fetch import fetch_directory, tls_context


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
