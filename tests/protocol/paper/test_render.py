"""Each certificate type rendered for test-world residents: text, fonts, QR, size."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from hardware_mocks.world import CANARY_FAMILY, CANARY_GIVEN, World
from protocol.documents import qr_payload
from protocol.paper import fonts, layout, verify
from protocol.paper.fonts import UnsupportedCharacter
from protocol.paper.render import render, warm_up
from tests.fixtures.documents import DocumentFactory, Keys

CASES = [
    ("shiken-ichiro", "juminhyo", {"scope": "household", "honseki": "include",
                                   "relationship": "include", "my_number": "include"},
     ["住民票の写し", "試験　花子", "世帯主", "個人番号", "この写しは、住民票の原本と相違ないことを証明する。"]),
    ("shiken-hanako", "juminhyo_kisai", {}, ["住民票記載事項証明書", "試験　花子", "昭和57年9月2日"]),
    ("canary", "inkan", {}, ["印鑑登録証明書", f"{CANARY_FAMILY}　{CANARY_GIVEN}", "登録番号"]),
    ("shiken-ichiro", "koseki_zenbu", {}, ["戸籍全部事項証明書", "全部事項証明", "【名】", "次郎", "婚姻"]),
    ("shiken-hanako", "koseki_kojin", {}, ["戸籍個人事項証明書", "個人事項証明", "花子"]),
    ("shiken-ichiro", "koseki_fuhyo", {}, ["戸籍の附票の写し", "住所を定めた日"]),
    ("shiken-ichiro", "shotoku", {}, ["所得・課税証明書", "令和8年度", "給与収入", "都民税額", "円"]),
]
COMMON = ["令和8年11月26日", "東京都見本市長", "139998-20261126-000123", "以下余白"]


def _text(pdf: Path) -> str:
    """pdftotext's text with all white space (also U+3000) removed."""
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         check=True, text=True).stdout
    return "".join(out.split())


#: Bytes per face page (and its back): the scrambled image carries the ground's grey
#: blocks and squares, which compress less than a plain face (300–345 KB a sheet;
#: docs/benchmarks.md).
PAGE_BUDGET = 400 * 1024


@pytest.mark.parametrize(("persona", "cert_type", "options", "expected"), CASES,
                         ids=[c[1] for c in CASES])
def test_each_type(persona: str, cert_type: str, options: dict[str, str], expected: list[str],
                   make_document: DocumentFactory, keys: Keys, tmp_path: Path) -> None:
    warm_up()  # what the warm spare worker does; idempotent
    document = make_document(persona, cert_type, **options)
    rendered = render(document, keys.issuer, keys.scramble)
    assert len(rendered.pdf) <= PAGE_BUDGET * rendered.face_pages
    path = tmp_path / "c.pdf"
    path.write_bytes(rendered.pdf)
    text = _text(path)
    for phrase in expected + COMMON:
        assert "".join(phrase.split()) in text, phrase
    assert text.count("発行番号") == rendered.pages  # on every face and every back

    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert {r[0].split("+")[-1] for r in rows} == {"IPAexMincho", "IPAexGothic"}
    for r in rows:  # emb sub uni
        assert r[-5:-2] == ["yes", "yes", "yes"], r

    pdf = pdfium.PdfDocument(bytes(rendered.pdf))
    assert len(pdf) == rendered.pages == 2 * rendered.face_pages
    page = pdf[1]
    back = page.render(scale=150 / 72, grayscale=True).to_pil()
    page.close()
    pdf.close()
    texts = verify.read_qr([back])
    assert len(texts) == 1
    claims = qr_payload.decode_and_verify(texts[0], keys.public)
    assert claims.matches(document) and claims.serial == document["serial"]


def test_long_document_runs_over_pages(make_document: DocumentFactory, keys: Keys, tmp_path: Path) -> None:
    document = make_document("shiken-ichiro", "juminhyo", scope="household", honseki="include",
                             relationship="include", my_number="include")
    document["body"]["members"] = document["body"]["members"] * 3
    rendered = render(document, keys.issuer, keys.scramble)
    assert rendered.face_pages >= 3
    path = tmp_path / "long.pdf"
    path.write_bytes(rendered.pdf)
    text = _text(path)
    assert f"1/{rendered.face_pages}" in text and f"{rendered.face_pages}/{rendered.face_pages}" in text
    assert "次頁に続く" in text
    verdict = verify.verify_files([bytes(rendered.pdf)], keys.public, lambda serial: keys.scramble)
    assert (verdict.status, sorted(verdict.faces)) == (verify.VALID, list(range(1, rendered.face_pages + 1)))
    assert len(verdict.comparisons) == rendered.face_pages


def test_long_values_wrap_inside_the_table(make_document: DocumentFactory, keys: Keys, tmp_path: Path) -> None:
    document = make_document("shiken-ichiro", "koseki_fuhyo")
    long_address = "東京都見本市中央一丁目1番1号" + "見本マンション東棟" * 12 + "1201号室"
    document["body"]["history"][0]["address"] = long_address
    lines = layout.wrap(long_address, layout.VALUE_W)
    assert len(lines) > 1 and "".join(lines) == long_address
    assert all(stringWidth(line, fonts.MINCHO, layout.FONT_SIZE) <= layout.VALUE_W for line in lines)
    path = tmp_path / "wrap.pdf"
    path.write_bytes(render(document, keys.issuer, keys.scramble).pdf)
    assert long_address in _text(path)


def test_gaiji_is_refused_by_field_and_code_point(make_document: DocumentFactory, keys: Keys) -> None:
    document = make_document("mihon-gaiji", "juminhyo")
    with pytest.raises(UnsupportedCharacter) as info:
        render(document, keys.issuer, keys.scramble)
    assert info.value.codepoint == "U+E000"
    assert info.value.field == "document.body.members[0].name.given"
    assert "十" not in str(info.value)


def test_presigned_payload_is_used(make_document: DocumentFactory, keys: Keys) -> None:
    document = make_document("shiken-ichiro", "inkan")
    text = qr_payload.encode(document, keys.issuer)
    rendered = render(document, None, keys.scramble, qr_text=text)
    assert verify.verify_files([bytes(rendered.pdf)], keys.public, None).status == verify.UNCOMPARED
    with pytest.raises(ValueError):
        render(document, None, keys.scramble)


def test_every_persona_and_type_renders_or_is_refused_cleanly(world: World, keys: Keys) -> None:
    from protocol.documents.catalogue import CertType
    from relay.documents import AssemblyError, assemble
    from tests.fixtures.documents import ISSUED_ON

    data = world.data
    rendered = 0
    for persona in world.personas():
        for cert_type in CertType:
            try:
                document = assemble(data, persona["resident"], cert_type, {}, "S-1", ISSUED_ON)
            except AssemblyError:
                continue  # the relay refuses it (no seal, 戸籍 elsewhere …): nothing to print
            if persona["id"] == "mihon-gaiji":
                with pytest.raises(UnsupportedCharacter):
                    render(dict(document), keys.issuer, keys.scramble)
                continue
            out = render(dict(document), keys.issuer, keys.scramble)
            assert len(out.pdf) <= PAGE_BUDGET * out.face_pages
            rendered += 1
    assert rendered >= 60
