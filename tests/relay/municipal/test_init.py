"""``relay municipality init`` prepares what a municipality brings to the federation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from protocol.federation.directory import Member, key_id
from relay.cli import main
from relay.federation_local import load_ed25519


def test_init_writes_keys_a_csr_and_the_member_entry_to_admit(tmp_path: Path) -> None:
    home = tmp_path / "m"
    assert main(["municipality", "init", str(home), "--code", "139998", "--name", "見本市",
                 "--endpoint", "https://issuing.example.lg.jp:8443"]) == 0
    member = Member.from_json(json.loads((home / "member.json").read_text(encoding="utf-8")))
    assert (member.code, member.status, member.endpoint) == ("139998", "active", "https://issuing.example.lg.jp:8443")
    assert member.issuer_keys[0].key_id == key_id(load_ed25519(home / "issuer.key").public_key())
    assert member.message_keys[0].key_id == key_id(load_ed25519(home / "message.key").public_key())
    cert = x509.load_pem_x509_certificate((home / "tls.pem").read_bytes())
    assert member.tls_cert_sha256 == cert.fingerprint(hashes.SHA256()).hex()
    csr = x509.load_pem_x509_csr((home / "tls.csr").read_bytes())
    assert csr.is_signature_valid and csr.public_key() == cert.public_key()
    assert all((home / f).stat().st_mode & 0o077 == 0 for f in ("issuer.key", "message.key", "tls.key",
                                                                  "scramble.key"))
    assert 'listen = "0.0.0.0:8443"' in (home / "municipality.toml").read_text(encoding="utf-8")


def test_init_never_overwrites_keys_nor_takes_a_bad_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["municipality", "init", str(tmp_path), "--code", "139998", "--name", "x", "--endpoint", "https://a"]
    assert main(args) == 0
    before = (tmp_path / "issuer.key").read_bytes()
    capsys.readouterr()
    assert main(args) == 2
    assert capsys.readouterr().err == f"error: {tmp_path} already holds keys (a server's: never overwritten)\n"
    assert (tmp_path / "issuer.key").read_bytes() == before
    for code, said in (("13999", "is not six digits"),
                       ("139990", "wrong check digit (a code starting 13999 ends in 8)")):
        assert main(["municipality", "init", str(tmp_path / "n"), "--code", code, "--name", "x",
                     "--endpoint", "https://a"]) == 2
        assert said in capsys.readouterr().err
        assert not (tmp_path / "n").exists()


def test_init_on_a_file_or_under_one_says_so_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    afile = tmp_path / "afile"
    afile.write_text("mine", encoding="utf-8")
    for target, said in ((afile, f"error: {afile} is a file, not a directory\n"),
                         (afile / "home", f"error: cannot write {afile / 'home'} (Not a directory)\n")):
        assert main(["municipality", "init", str(target), "--code", "139998", "--name", "x",
                     "--endpoint", "https://a"]) == 2
        assert capsys.readouterr().err == said
    assert afile.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(("name", "endpoints", "said"), [
    ("x", ["https://issuing.example:99999"], "needs a port of 1 to 65535"),
    ("x", ["https://"], "needs an https:// URL"),
    ("x", ["https://:8443"], "needs a host"),
    ("x", ["https://a.example", "https://a.example"], "an endpoint is given twice"),
    ("", ["https://a.example"], "the municipality's name is 1 to 128 printable characters"),
])
def test_init_refuses_what_admission_would_refuse_and_makes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, endpoints: list[str], said: str) -> None:
    home = tmp_path / "home"
    assert main(["municipality", "init", str(home), "--code", "139998", "--name", name,
                 *[a for e in endpoints for a in ("--endpoint", e)]]) == 2
    assert said in capsys.readouterr().err
    assert not home.exists()


def test_install_cert_takes_only_a_municipal_servers_certificate(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    fed, home = tmp_path / "fed", tmp_path / "home"
    assert main(["federation", "init", str(fed), "--name", "test-federation"]) == 0
    assert main(["municipality", "init", str(home), "--code", "139998", "--name", "x",
                 "--endpoint", "https://issuing.example"]) == 0
    for host in ("", "bad host!", "-leading.example"):
        assert main(["federation", "sign-csr", str(fed), str(home / "tls.csr"), "--role", "municipal", f"--host={host}",
                     "--out", str(tmp_path / "bad.pem")]) == 2
        assert "is neither a host name nor an IP address" in capsys.readouterr().err
    assert not (tmp_path / "bad.pem").exists()
    assert main(["federation", "sign-csr", str(fed), str(home / "tls.csr"), "--role", "centre", "--host",
                 "issuing.example", "--out", str(tmp_path / "centre.pem")]) == 0
    before = (home / "tls.pem").read_bytes()
    assert main(["municipality", "install-cert", str(home), str(tmp_path / "centre.pem"),
                 "--federation-ca", str(fed / "ca.pem")]) == 2
    assert "not a municipal server's" in capsys.readouterr().err
    assert (home / "tls.pem").read_bytes() == before  # nothing installed


def test_serve_listens_where_the_skeleton_says_unless_told_otherwise(tmp_path: Path) -> None:
    """``[server] listen`` of the municipality.toml init wrote is where ``relay municipality
    serve`` listens; --host and --port override it; without the file, loopback:8443."""
    from relay.issuing_cli import _listen

    assert main(["municipality", "init", str(tmp_path / "home"), "--code", "139998", "--name", "x",
                 "--endpoint", "https://issuing.example"]) == 0
    config = tmp_path / "home" / "municipality.toml"
    assert _listen(config, None, None) == ("0.0.0.0", 8443)
    assert _listen(config, "127.0.0.1", 0) == ("127.0.0.1", 0)
    assert _listen(tmp_path / "none.toml", None, None) == ("127.0.0.1", 8443)
    config.write_text('[server]\nlisten = "[::1]:9443"\n', encoding="utf-8")
    assert _listen(config, None, None) == ("::1", 9443)
    for bad in ('[server]\nlisten = "8443"\n', '[server]\nlisten = "h:99999"\n', "[server\n"):
        config.write_text(bad, encoding="utf-8")
        with pytest.raises(ValueError):
            _listen(config, None, None)
