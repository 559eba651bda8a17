"""No personal data in a certificate PDF's metadata: only the serial and the type.

The canary persona's strings (name, kana, address mark, 個人番号) are searched in the
metadata pdfium reads and in every byte of the file outside its streams (the Info
dictionary, the catalogue, any XMP packet), in UTF-8, UTF-16 and the hex form PDF
strings may take. The streams themselves hold the visible pages, which must show them.
"""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest

from hardware_mocks.world import CANARY_ADDRESS_MARK, CANARY_FAMILY, CANARY_GIVEN, CANARY_KANA, World
from protocol.documents.catalogue import CertType
from protocol.paper.render import render
from relay.documents import AssemblyError, assemble
from tests.fixtures.documents import ISSUED_ON, Keys

_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
ALLOWED_KEYS = {"Title", "Subject", "Creator", "Producer", "CreationDate", "ModDate", "Author", "Keywords",
                "Trapped"}


def _canary_texts(world: World) -> list[str]:
    my_number = world.resident(world.persona("canary")["resident"])["my_number"]
    return [CANARY_FAMILY, CANARY_GIVEN, CANARY_KANA.split()[0], CANARY_ADDRESS_MARK, my_number]


def _encodings(text: str) -> list[bytes]:
    forms = [text.encode("utf-8"), text.encode("utf-16-be"), text.encode("utf-16-le")]
    return forms + [f.hex().encode() for f in forms[1:]] + [f.hex().upper().encode() for f in forms[1:]]


def _canary_documents(world: World) -> list[tuple[str, dict[str, object]]]:
    """Every type the canary can get, with every option that adds personal data."""
    resident = world.persona("canary")["resident"]
    out = []
    for cert_type in CertType:
        options = {"scope": "household", "honseki": "include", "relationship": "include",
                   "my_number": "include"} if cert_type is CertType.JUMINHYO else {}
        try:
            out.append((cert_type.value, dict(assemble(world.data, resident, cert_type, options,
                                                       "139998-20261126-000777", ISSUED_ON))))
        except AssemblyError:
            continue
    return out


def test_the_canary_is_nowhere_outside_the_pages(world: World, keys: Keys) -> None:
    documents = _canary_documents(world)
    assert {t for t, _ in documents} >= {"juminhyo", "inkan", "shotoku"}
    texts = _canary_texts(world)
    for cert_type, document in documents:
        pdf = bytes(render(document, keys.issuer, keys.scramble).pdf)
        outside = _STREAM.sub(b"", pdf)
        assert len(outside) < len(pdf) // 4  # the streams were found and cut out
        for text in texts:
            for form in _encodings(text):
                assert form not in outside, (cert_type, text)
        assert b"xmpmeta" not in pdf and b"/Metadata" not in outside
        doc = pdfium.PdfDocument(pdf)
        try:
            meta = {k: v for k, v in doc.get_metadata_dict().items() if v}
        finally:
            doc.close()
        assert set(meta) <= ALLOWED_KEYS
        assert meta["Title"] == "139998-20261126-000777" and meta["Subject"] == cert_type
        for value in meta.values():
            for text in texts:
                assert text not in value


@pytest.mark.parametrize("key", ["Subject", "Title", "Keywords", "Author"])
def test_metadata_fields_hold_no_document(world: World, keys: Keys, key: str) -> None:
    """The fields a viewer shows carry at most a short id: nothing like a record."""
    _, document = _canary_documents(world)[0]
    doc = pdfium.PdfDocument(bytes(render(document, keys.issuer, keys.scramble).pdf))
    try:
        value = doc.get_metadata_dict().get(key, "")
    finally:
        doc.close()
    assert len(value) <= 32 and "{" not in value
