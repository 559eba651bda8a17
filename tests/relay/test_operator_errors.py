"""An operator's error is one line naming what to fix, from the top of the command line
and from a listening socket; a program's defect keeps its traceback."""

from __future__ import annotations

import json
import shutil
import sqlite3
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from hardware_mocks.world import World
from protocol.federation.directory import DirectoryError
from relay.operator_errors import describe, one_line
from relay.ports import listen
from relay.store.protocol import StoreUnavailable


def _unavailable() -> StoreUnavailable:
    try:
        try:
            raise OSError("connection to server at \"127.0.0.1\", port 1 failed: Connection refused\nmore")
        except OSError as cause:
            raise StoreUnavailable("OperationalError") from cause
    except StoreUnavailable as exc:
        return exc


@pytest.mark.parametrize(("exc", "said"), [
    (FileNotFoundError(2, "No such file or directory", "/etc/relay/tls.pem"),
     "/etc/relay/tls.pem: No such file or directory"),
    (sqlite3.DatabaseError("file is not a database"), "the database cannot be used (file is not a database)"),
    (_unavailable(), ("the database cannot be used (OperationalError: connection to server at \"127.0.0.1\","
                      " port 1 failed: Connection refused)")),
    (OverflowError("date value out of range"), "a value is out of range (date value out of range)"),
])
def test_each_kind_is_named(exc: BaseException, said: str) -> None:
    assert describe(exc) == said


def test_one_line_ends_with_exit_2_and_a_defect_keeps_its_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    def missing() -> None:
        raise FileNotFoundError(2, "No such file or directory", "/nowhere/key.pem")

    with pytest.raises(SystemExit) as exc:
        one_line(missing)
    assert exc.value.code == 2
    assert capsys.readouterr().err == "error: /nowhere/key.pem: No such file or directory\n"
    empty: dict[str, int] = {}
    with pytest.raises(KeyError):
        one_line(lambda: empty["defect"])
    assert one_line(lambda: 7) == 7


def test_ctrl_c_is_one_line_and_exit_130(capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C in a command that is not serving (``relay municipality check`` in its load
    test, an audit of a large history): ``interrupted``, the shell's status, no traceback."""
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as exc:
        one_line(interrupted)
    assert exc.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_a_taken_port_is_named() -> None:
    taken = listen("127.0.0.1", 0)
    port = taken.getsockname()[1]
    try:
        with pytest.raises(OSError) as taken_again:
            listen("127.0.0.1", port)  # SO_REUSEADDR does not share a port something listens on
        assert taken_again.value.strerror == f"cannot listen on 127.0.0.1:{port}: port {port} is in use"
        with pytest.raises(OSError) as out_of_range:
            listen("127.0.0.1", 70000)
        assert out_of_range.value.strerror == "cannot listen on 127.0.0.1:70000: the port must be 0-65535"
    finally:
        taken.close()


def test_a_database_that_is_not_one_is_one_line_from_the_command_line(tmp_path: Path) -> None:
    garbage = tmp_path / "centre.sqlite3"
    garbage.write_bytes(b"not a database " * 400)
    result = subprocess.run([sys.executable, "-m", "relay.cli", "centre", "suspensions", "--db", str(garbage)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stderr) == (2, "error: the database cannot be used (file is not a database)\n")


def test_a_tls_error_is_named() -> None:
    assert describe(ssl.SSLError(9, "[SSL] PEM lib")) == "a TLS certificate or key cannot be used (SSLError)"


def test_a_servers_configuration_error_is_one_line_in_its_own_words(capsys: pytest.CaptureFixture[str]) -> None:
    def start() -> None:
        raise ValueError("work limits: parallel >= 1\nmore")

    with pytest.raises(SystemExit) as exc:
        one_line(start, serving=True)
    assert exc.value.code == 2
    assert capsys.readouterr().err == "error: the configuration cannot be used (work limits: parallel >= 1)\n"
    with pytest.raises(ValueError):
        one_line(start)  # not a server: a ValueError is the program's own


def test_relay_serve_with_a_key_that_is_not_one(world: World, tmp_path: Path) -> None:
    root = tmp_path / "world"
    shutil.copytree(world.root, root)
    (root / "pki" / "issuer.key").write_text("not a key")
    result = subprocess.run([sys.executable, "-m", "relay.cli", "serve", "--world", str(root), "--port", "0",
                             "--db", str(tmp_path / "relay.sqlite3")], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: the configuration cannot be used (Unable to load PEM")


@pytest.mark.parametrize(("exc", "said"), [
    (ValueError("work limits: parallel >= 1"), "the configuration cannot be used (work limits: parallel >= 1)"),
    (json.JSONDecodeError("Expecting value", "{ x", 2),
     "the configuration cannot be used (JSONDecodeError: Expecting value: line 1 column 3 (char 2))"),
    (ValueError("x" * 200), "the configuration cannot be used (ValueError)"),
    (UnicodeDecodeError("utf-8", b"\xff secret", 0, 1, "invalid start byte"),
     "the configuration cannot be used (UnicodeDecodeError)"),
    (KeyError("residents"), "the configuration cannot be used (KeyError)"),
    (DirectoryError("bad_signature"), "federation directory refused: bad_signature"),
])
def test_a_start_up_configuration_error_names_its_kind_and_never_a_decoded_value(exc: BaseException,
                                                                                 said: str) -> None:
    assert describe(exc) == said


@pytest.mark.parametrize(("said", "url", "shown"), [
    ('invalid percent-encoded token: "p%zzword"\n', "postgresql://relay:p%zzword@db/relay",
     'ProgrammingError: invalid percent-encoded token: "***"'),
    ('end of string reached in URI: "postgresql://relay:sec"ret@[db/relay"', 'postgresql://relay:sec"ret@[db/relay',
     'ProgrammingError: end of string reached in URI: "postgresql://relay:***@[db/relay"'),
    ("no password supplied: 'pass word'", "postgresql://db/relay?user=relay&password=pass%20word",
     "ProgrammingError: no password supplied: '***'"),
    ('bad "ab" here', "postgresql://relay:ab@db/relay",
     "ProgrammingError: its words are withheld: they hold the URL's password"),
    ("FATAL:  password authentication failed for user \"relay\"\nmore", "postgresql://relay:secret@db/relay",
     'ProgrammingError: FATAL:  password authentication failed for user "relay"'),
])
def test_libpqs_words_are_shown_without_the_urls_password(said: str, url: str, shown: str) -> None:
    import psycopg

    from relay.store.pg_db import said as driver_said

    assert driver_said(psycopg.ProgrammingError(said), url) == shown
