"""The page's form as the service reads it: the files and a registered verifier's token,
whatever the order of the parts and however the bytes arrive (a browser sends the file
first; ``curl -F token=… -F file=@…`` the token first), each bounded."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

import pytest
from aiohttp import MultipartReader, StreamReader, web

from protocol.paper.verification.wording import STATUS, Lang
from relay.verify_page import page

BOUNDARY = "form-boundary-1234567890"


def _body(*parts: tuple[str, bytes]) -> bytes:
    out = b""
    for name, value in parts:
        filename = b'; filename="a.pdf"' if name == "file" else b""
        out += (f"--{BOUNDARY}\r\n".encode() + b'Content-Disposition: form-data; name="' + name.encode() + b'"'
                + filename + b"\r\n\r\n" + value + b"\r\n")
    return out + f"--{BOUNDARY}--\r\n".encode()


async def _read(body: bytes, pieces: int) -> tuple[list[bytes], str | None] | web.Response:
    """The form read from ``body`` arriving in ``pieces`` pieces: each after the reader
    has taken everything before it and waits for more."""
    stream = StreamReader(mock.Mock(_reading_paused=False), 1 << 16, loop=asyncio.get_running_loop())
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    step = -(-len(body) // pieces)
    stream.feed_data(body[:step])
    task = asyncio.ensure_future(page._parts(MultipartReader(headers, stream), "en"))
    for start in range(step, len(body), step):
        while not task.done() and stream._waiter is None:  # until the reader waits for bytes
            await asyncio.sleep(0)
        stream.feed_data(body[start:start + step])
    stream.feed_eof()
    return await task


@pytest.mark.parametrize("pieces", [1, 2, 3, 7, 40, 200])
@pytest.mark.parametrize("token_first", [True, False], ids=["token-first", "file-first"])
def test_the_token_and_the_files_whatever_the_order_and_the_pieces(pieces: int, token_first: bool) -> None:
    token = b"Zb3v8Qk1xN0pL2mR7tY5wE9uI4oA6sD3fG1hJ8kL0zX"  # 43 characters, as tokens are
    parts = [("token", token), ("file", b"%PDF-1.7 not really" * 50)]
    got = asyncio.run(_read(_body(*(parts if token_first else parts[::-1])), pieces))
    assert got == ([b"%PDF-1.7 not really" * 50], token.decode())


def test_an_empty_token_is_anyone() -> None:
    assert asyncio.run(_read(_body(("token", b"  "), ("file", b"x")), 3)) == ([b"x"], None)


@pytest.mark.parametrize("parts", [
    [("token", b"a" * (page.MAX_TOKEN + 1)), ("file", b"x")],
    [("token", b"a" * 10_000_000), ("file", b"x")],
    [("token", b"first"), ("token", b""), ("file", b"x")],
], ids=["one-too-long", "ten-megabytes", "twice"])
def test_a_token_too_long_or_given_twice_is_refused(parts: list[tuple[str, bytes]]) -> None:
    got = asyncio.run(_read(_body(*parts), 5))
    assert isinstance(got, web.Response) and got.status == 401
    assert "token is not valid" in str(got.text)


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize(("reason", "title"), [
    ("issuer_unknown", {"en": "NOT VERIFIED, ISSUER UNKNOWN", "ja": STATUS["ja"][4]}),
    ("issuer_key_unknown", {"en": "NOT VERIFIED, ISSUER KEY UNKNOWN", "ja": "未確認（発行者の鍵が名簿にありません）"}),
])
def test_an_issuer_the_directory_does_not_list_is_shown_as_not_verified(lang: Lang, reason: str,
                                                                        title: dict[Lang, str]) -> None:
    """Its own heading and colour: neither the green of a valid paper nor the red of a
    forged one; a municipality the directory lists, whose listed keys do not verify the
    paper, is not headed as an unknown issuer."""
    answer: dict[str, Any] = {"status": "unchecked", "reason": reason,
                              "message": "cannot be checked, the paper is NOT verified: …",
                              "claims": None, "regions": [], "diff_png": None, "face_png": None}
    shown = page._result(lang, answer)
    assert 'data-status="unchecked"' in shown and page.COLOURS["unchecked"] in shown
    assert f"<strong>{title[lang]}</strong>" in shown and "the paper is NOT verified" in shown
    assert page.COLOURS["unchecked"] not in (page.COLOURS["valid"], page.COLOURS["invalid"])


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_paper_signed_with_a_withdrawn_key_is_shown_as_invalid(lang: Lang) -> None:
    answer: dict[str, Any] = {"status": "invalid", "reason": "key_revoked", "message": "… withdrew (revoked) on …",
                              "claims": None, "regions": [], "diff_png": None, "face_png": None}
    shown = page._result(lang, answer)
    assert 'data-status="invalid"' in shown and f"<strong>{STATUS[lang][1]}</strong>" in shown
