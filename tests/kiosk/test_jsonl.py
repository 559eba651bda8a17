"""Durable JSON lines: appended whole, fsynced, a torn tail sealed, bad lines skipped."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk import jsonl
from tests.fixtures.waiting import join_all


def test_append_then_read_in_order(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    assert jsonl.append(path, {"b": 1, "a": "x"}) == {"a": "x", "b": 1}
    jsonl.append(path, {"n": 2})
    assert jsonl.read(path) == [{"a": "x", "b": 1}, {"n": 2}]
    assert path.read_bytes() == b'{"a":"x","b":1}\n{"n":2}\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_missing_file_reads_empty(tmp_path: Path) -> None:
    assert jsonl.read(tmp_path / "none.jsonl") == []


def test_torn_tail_is_skipped_then_sealed(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    jsonl.append(path, {"n": 1})
    with path.open("ab") as f:
        f.write(b'{"n": 2, "cut')  # a power cut mid-write
    assert jsonl.read(path) == [{"n": 1}]
    jsonl.append(path, {"n": 3})
    assert path.read_bytes().endswith(b'{"n": 2, "cut\n{"n":3}\n')
    assert jsonl.read(path) == [{"n": 1}, {"n": 3}]


def test_whole_record_missing_only_its_newline_counts_before_and_after_sealing(
        tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"n":1}')
    assert jsonl.read(path) == [{"n": 1}]
    jsonl.append(path, {"n": 2})
    assert jsonl.read(path) == [{"n": 1}, {"n": 2}]


@pytest.mark.parametrize("bad", [
    b"\xff\xfe not utf-8", b"[1, 2]", b"42", b'"text"', b"null", b"{", b"}", b"   ",
    b"[" * 100_000, b"1" * 5000, b'{"a": 1} trailing', b"\x00\x00\x00",
])
def test_bad_lines_are_skipped_never_raised(tmp_path: Path, bad: bytes) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"n":1}\n' + bad + b'\n{"n":2}\n')
    assert jsonl.read(path) == [{"n": 1}, {"n": 2}]


def _next_seq(newest_first: Iterator[dict[str, Any]]) -> dict[str, Any]:
    last = next((r["seq"] for r in newest_first if "seq" in r), -1)
    return {"seq": last + 1}


def test_builder_sees_the_whole_records_newest_first(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    seen: list[list[dict[str, Any]]] = []

    def seeing(answer: dict[str, Any]) -> jsonl.Builder:
        def build(records: Iterator[dict[str, Any]]) -> dict[str, Any]:
            seen.append(list(records))
            return answer
        return build

    jsonl.append(path, seeing({"seq": 0}))
    jsonl.append(path, _next_seq)
    with path.open("ab") as f:
        f.write(b'{"other": 1}\n{"seq": 9')  # a foreign record, then a torn one
    assert jsonl.append(path, _next_seq) == {"seq": 2}
    jsonl.append(path, seeing({"end": 1}))
    assert seen == [[], [{"seq": 2}, {"other": 1}, {"seq": 1}, {"seq": 0}]]


def test_builder_reads_back_through_long_lines(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    jsonl.append(path, {"seq": 7})
    jsonl.append(path, {"pad": "x" * 10_000})  # spans several tail chunks
    path.write_bytes(path.read_bytes() + b"y" * 9000)  # and a long torn tail
    assert jsonl.append(path, _next_seq) == {"seq": 8}


def test_fsyncs_the_file_and_the_directory_when_created(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    path = tmp_path / "log.jsonl"
    jsonl.append(path, {"n": 1})
    assert synced == ["file", "dir"]
    jsonl.append(path, {"n": 2})
    assert synced == ["file", "dir", "file"]


def test_append_only_and_close_on_exec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[int] = []
    real = os.open

    def spy(path: str | os.PathLike[str], flags: int, *args: int) -> int:
        opened.append(flags)
        return real(path, flags, *args)

    monkeypatch.setattr(os, "open", spy)
    jsonl.append(tmp_path / "log.jsonl", {"n": 1})
    file_flags = opened[0]
    assert file_flags & os.O_APPEND and file_flags & os.O_CLOEXEC


def test_record_that_is_not_json_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    with pytest.raises(TypeError):
        jsonl.append(path, {"n": object()})
    assert not path.exists()


def test_concurrent_appends_stay_whole_and_numbered(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"

    def writer() -> None:
        for _ in range(50):
            jsonl.append(path, _next_seq)

    threads = [threading.Thread(target=writer, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    join_all(threads, what="writers")
    lines = path.read_bytes().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == list(range(200))
