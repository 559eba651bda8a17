"""The face of each certificate, laid out as the municipality's documents are.

Each certificate type becomes a :class:`Sheet`: a title, header rows, blocks of table
rows (one block per person or per section, never split across pages), the certifying
sentence, the issue date in the Japanese era, the mayor's title with the municipal seal,
the issue serial, and "x/y" when it runs over one page. :func:`draw_face` draws one page
of it on a reportlab canvas; the security features are added by ``render``.

Every string goes through :func:`protocol.paper.fonts.check_text` first (in ``render``),
so no character is ever dropped or drawn as a box.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from protocol.documents.catalogue import CATALOGUE, CertType
from protocol.paper.era import fiscal_year, wareki
from protocol.paper.fonts import GOTHIC, MINCHO

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
TABLE_X = MARGIN
TABLE_W = PAGE_W - 2 * MARGIN
LABEL_W = 38 * mm
BODY_TOP = PAGE_H - 46 * mm
CLOSING_H = 56 * mm  # certifying sentence, date, mayor and seal
BODY_BOTTOM = MARGIN + CLOSING_H
FONT_SIZE = 10.5
LINE = 4.8 * mm
PAD = 1.1 * mm
SEAL_RED = Color(0.82, 0.1, 0.1)

SENTENCES = {
    CertType.JUMINHYO: "この写しは、住民票の原本と相違ないことを証明する。",
    CertType.JUMINHYO_KISAI: "上記のとおり住民票に記載されていることを証明する。",
    CertType.INKAN: "この写しは、登録されている印影と相違ないことを証明する。",
    CertType.KOSEKI_ZENBU: "これは、戸籍に記録されている事項の全部を証明した書面である。",
    CertType.KOSEKI_KOJIN: "これは、戸籍中の一部の者について記録されている事項を証明した書面である。",
    CertType.KOSEKI_FUHYO: "この写しは、戸籍の附票の原本と相違ないことを証明する。",
    CertType.SHOTOKU: "上記のとおり相違ないことを証明する。",
}


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    seal: tuple[str, str] | None = None  # (text, shape): draw a registered seal impression


@dataclass(frozen=True)
class Block:
    rows: tuple[Row, ...]
    heading: str | None = None


@dataclass
class Sheet:
    """Everything the face shows, before pagination."""

    cert_type: CertType
    title: str
    serial: str
    issued_on: str
    municipality: dict[str, str]
    blocks: list[Block] = field(default_factory=list)
    sentence: str = ""

    def pages(self) -> list[list[Block]]:
        """Blocks per page: a block that does not fit starts a new page."""
        pages: list[list[Block]] = [[]]
        free = BODY_TOP - BODY_BOTTOM
        for block in self.blocks:
            need = block_height(block)
            if need > free and pages[-1]:
                pages.append([])
                free = BODY_TOP - BODY_BOTTOM
            pages[-1].append(block)
            free -= need
        return pages


# --- text helpers ---------------------------------------------------------------------
def full_name(name: dict[str, str]) -> str:
    return f"{name['family']}　{name['given']}"


def kana(name: dict[str, str]) -> str:
    return f"{name['family_kana']}　{name['given_kana']}"


def yen(amount: int) -> str:
    return f"{amount:,}円"


def wrap(text: str, width: float, font: str = MINCHO, size: float = FONT_SIZE) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (Japanese breaks anywhere)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            if line and stringWidth(line + char, font, size) > width:
                lines.append(line)
                line = char
            else:
                line += char
        lines.append(line)
    return lines


VALUE_W = TABLE_W - LABEL_W - 2 * PAD


def row_height(row: Row) -> float:
    if row.seal is not None:
        return 34 * mm
    return max(1, len(wrap(row.value, VALUE_W))) * LINE + 2 * PAD


def block_height(block: Block) -> float:
    return sum(row_height(r) for r in block.rows) + (LINE + 2 * PAD if block.heading else 0) + 3 * mm


# --- per type -------------------------------------------------------------------------
def _juminhyo_blocks(body: dict[str, Any]) -> list[Block]:
    top = [Row("住所", body["address"])]
    if "household_head" in body:
        top.append(Row("世帯主", full_name(body["household_head"])))
    blocks = [Block(tuple(top))]
    for n, m in enumerate(body["members"], 1):
        rows = [Row("フリガナ", kana(m["name"])), Row("氏名", full_name(m["name"])),
                Row("生年月日・性別", f"{wareki(m['birth_date'])}生　{m['sex']}")]
        if "relationship" in m:
            rows.append(Row("続柄", m["relationship"]))
        rows.append(Row("住民となった日", wareki(m["became_resident_on"])))
        if "honseki" in m:
            rows.append(Row("本籍", m["honseki"]))
        if "hittosha" in m:
            rows.append(Row("筆頭者", m["hittosha"]))
        if "my_number" in m:
            rows.append(Row("個人番号", m["my_number"]))
        blocks.append(Block(tuple(rows), heading=f"世帯員 {n}"))
    return blocks


def _inkan_blocks(body: dict[str, Any]) -> list[Block]:
    return [Block((
        Row("印影", "", seal=(body["seal_text"], body["seal_shape"])),
        Row("登録番号", body["registration_no"]),
        Row("フリガナ", kana(body["name"])),
        Row("氏名", full_name(body["name"])),
        Row("生年月日", wareki(body["birth_date"])),
        Row("性別", body["sex"]),
        Row("住所", body["address"]),
    ))]


def _koseki_blocks(body: dict[str, Any], whole: bool) -> list[Block]:
    blocks = [Block((
        Row("本籍", body["honseki"]),
        Row("氏名", full_name(body["hittosha"])),
        Row("戸籍事項", f"戸籍編製　【編製日】{wareki(body['made_on'])}"),
    ), heading="全部事項証明" if whole else "個人事項証明")]
    for m in body["members"]:
        rows = [Row("【名】", m["name"]["given"]), Row("【氏】", m["name"]["family"]),
                Row("【生年月日】", f"{wareki(m['birth_date'])}　【性別】{m['sex']}　【続柄】{m['role']}")]
        for e in m["events"]:
            rows.append(Row(e["kind"], f"【{e['kind']}日】{wareki(e['date'])}　【{e['kind']}地】{e['place']}"))
        blocks.append(Block(tuple(rows), heading="戸籍に記録されている者"))
    return blocks


def _fuhyo_blocks(body: dict[str, Any]) -> list[Block]:
    blocks = [Block((
        Row("本籍", body["honseki"]),
        Row("筆頭者", full_name(body["hittosha"])),
        Row("フリガナ", kana(body["name"])),
        Row("氏名", full_name(body["name"])),
        Row("生年月日", wareki(body["birth_date"])),
    ))]
    for n, h in enumerate(body["history"], 1):
        blocks.append(Block((Row("住所", h["address"]), Row("住所を定めた日", wareki(h["since"]))),
                            heading=f"住所の記録 {n}"))
    return blocks


def _local_tax_name(prefecture: str) -> str:
    return f"{prefecture[-1]}民税額" if prefecture[-1:] in "都道府県" else "道府県民税額"


def _shotoku_blocks(body: dict[str, Any], municipality: dict[str, str]) -> list[Block]:
    return [
        Block((
            Row("年度", f"{fiscal_year(body['fiscal_year'])}（{fiscal_year(body['income_year'])[:-2]}年分所得）"),
            Row("住所", body["address"]),
            Row("フリガナ", kana(body["name"])),
            Row("氏名", full_name(body["name"])),
            Row("生年月日", wareki(body["birth_date"])),
        )),
        Block((
            Row("給与収入", yen(body["salary_income"])),
            Row("合計所得金額", yen(body["total_income"])),
            Row("所得控除額合計", yen(body["deductions"])),
            Row("課税標準額", yen(body["taxable_income"])),
            Row("市町村民税額", yen(body["municipal_tax"])),
            Row(_local_tax_name(municipality.get("prefecture", "")), yen(body["prefectural_tax"])),
        ), heading="所得・課税の状況"),
    ]


def sheet_of(document: Mapping[str, Any]) -> Sheet:
    cert_type = CertType(document["type"])
    body, municipality = document["body"], document["municipality"]
    if cert_type in (CertType.JUMINHYO, CertType.JUMINHYO_KISAI):
        blocks = _juminhyo_blocks(body)
    elif cert_type is CertType.INKAN:
        blocks = _inkan_blocks(body)
    elif cert_type in (CertType.KOSEKI_ZENBU, CertType.KOSEKI_KOJIN):
        blocks = _koseki_blocks(body, whole=cert_type is CertType.KOSEKI_ZENBU)
    elif cert_type is CertType.KOSEKI_FUHYO:
        blocks = _fuhyo_blocks(body)
    else:
        blocks = _shotoku_blocks(body, municipality)
    return Sheet(cert_type, CATALOGUE[cert_type].title_ja, document["serial"], document["issued_on"],
                 municipality, blocks, SENTENCES[cert_type])


# --- where values are drawn ------------------------------------------------------------
#: Space kept around each value region (a verifier compares each character with a few
#: millimetres of ground around it).
VALUE_CLEARANCE = 2 * mm
SERIAL_X = PAGE_W - MARGIN - 70 * mm
SERIAL_Y = PAGE_H - 14 * mm
DATE_X = MARGIN + 10 * mm
DATE_Y = BODY_BOTTOM - 24 * mm


def value_regions(serial: bool = True, clearance: float = VALUE_CLEARANCE) -> list[tuple[float, float, float, float]]:
    """Rectangles (x0, y0, x1, y1 in points, PDF origin at the bottom left) that hold
    the values of any certificate, with ``clearance`` around: the table's value column
    over the whole body (rows move with the document's content), the issue date and
    (``serial``) the serial.

    The ground pattern keeps its hidden word's coarse clusters out of them, so an
    altered digit is compared on plain ground (:mod:`protocol.paper.ground`)."""
    def line(x0: float, x1: float, baseline: float, size: float) -> tuple[float, float, float, float]:
        return (x0, baseline - 0.2 * size, x1, baseline + size)

    bare = [(TABLE_X + LABEL_W, BODY_BOTTOM, TABLE_X + TABLE_W, BODY_TOP),
            line(DATE_X, DATE_X + 60 * mm, DATE_Y, 11)]
    if serial:
        bare.append(line(SERIAL_X, PAGE_W - MARGIN, SERIAL_Y, 9))
    return [(x0 - clearance, y0 - clearance, x1 + clearance, y1 + clearance) for x0, y0, x1, y1 in bare]


def from_top(region: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """``region`` (x0, y0, x1, y1 in points, PDF origin) as (left, top, right, bottom) in
    points from the page's top left, as images count: the ground and the verifier draw
    and look at the value regions in raster."""
    x0, y0, x1, y1 = region
    return (x0, PAGE_H - y1, x1, PAGE_H - y0)


# --- drawing --------------------------------------------------------------------------
def _text(c: Canvas, x: float, y: float, text: str, font: str = MINCHO, size: float = FONT_SIZE) -> None:
    c.setFont(font, size)
    c.drawString(x, y, text)


def _centred(c: Canvas, y: float, text: str, font: str, size: float) -> None:
    c.setFont(font, size)
    c.drawCentredString(PAGE_W / 2, y, text)


def draw_seal_impression(c: Canvas, cx: float, cy: float, text: str, shape: str, size: float) -> None:
    """A registered seal: the name written top to bottom inside a ring or a square."""
    c.saveState()
    c.setStrokeColor(SEAL_RED)
    c.setFillColor(SEAL_RED)
    c.setLineWidth(1.6)
    if shape == "square":
        c.rect(cx - size / 2, cy - size / 2, size, size)
    else:
        c.circle(cx, cy, size / 2)
    glyph = min(size * 0.62 / max(1, len(text)), size * 0.4)
    top = cy + glyph * len(text) / 2 - glyph * 0.85
    c.setFont(MINCHO, glyph)
    for i, char in enumerate(text):
        c.drawCentredString(cx, top - i * glyph, char)
    c.restoreState()


def draw_official_seal(c: Canvas, x: float, y: float, text: str, size: float = 22 * mm) -> None:
    """The municipality's 公印: a square seal, its text in columns read right to left."""
    c.saveState()
    c.setStrokeColor(SEAL_RED)
    c.setFillColor(SEAL_RED)
    c.setLineWidth(2.2)
    c.rect(x, y, size, size)
    c.setLineWidth(0.8)
    c.rect(x + 1.2 * mm, y + 1.2 * mm, size - 2.4 * mm, size - 2.4 * mm)
    rows = 2 if len(text) <= 6 else 3
    cols = -(-len(text) // rows)
    glyph = (size - 5 * mm) / max(rows, cols)
    for i, char in enumerate(text):
        col, row = divmod(i, rows)
        gx = x + size - 2.5 * mm - (col + 0.5) * (size - 5 * mm) / cols
        gy = y + size - 2.5 * mm - (row + 0.8) * (size - 5 * mm) / rows
        c.setFont(MINCHO, glyph)
        c.drawCentredString(gx, gy, char)
    c.restoreState()


def _draw_block(c: Canvas, top: float, block: Block) -> float:
    c.setStrokeColor(black)
    c.setLineWidth(0.6)
    y = top
    if block.heading:
        h = LINE + 2 * PAD
        c.setFillColor(Color(0.92, 0.92, 0.92))
        c.rect(TABLE_X, y - h, TABLE_W, h, stroke=1, fill=1)
        c.setFillColor(black)
        _text(c, TABLE_X + PAD, y - h + PAD + 1.2 * mm, block.heading, GOTHIC)
        y -= h
    for row in block.rows:
        h = row_height(row)
        c.rect(TABLE_X, y - h, TABLE_W, h)
        c.line(TABLE_X + LABEL_W, y, TABLE_X + LABEL_W, y - h)
        _text(c, TABLE_X + PAD, y - PAD - LINE + 1.3 * mm, row.label, GOTHIC, 9.5)
        if row.seal is not None:
            draw_seal_impression(c, TABLE_X + LABEL_W + 20 * mm, y - h / 2, row.seal[0], row.seal[1], 26 * mm)
        for i, line in enumerate(wrap(row.value, VALUE_W)):
            _text(c, TABLE_X + LABEL_W + PAD, y - PAD - (i + 1) * LINE + 1.3 * mm, line)
        y -= h
    return y - 3 * mm


def draw_face(c: Canvas, sheet: Sheet, blocks: list[Block], page: int, pages: int) -> None:
    """Draw face page ``page`` (1-based) of ``pages``."""
    m = sheet.municipality
    _centred(c, PAGE_H - 28 * mm, sheet.title, GOTHIC, 20)
    _text(c, SERIAL_X, SERIAL_Y, f"発行番号　{sheet.serial}", MINCHO, 9)
    _text(c, MARGIN, PAGE_H - 38 * mm, f"{m['prefecture']}{m['name']}", MINCHO, 10)
    y = BODY_TOP
    for block in blocks:
        y = _draw_block(c, y, block)
    last = page == pages
    _text(c, TABLE_X, y - 2 * mm, "以下余白" if last else "次頁に続く", MINCHO, 9.5)
    if pages > 1:
        _centred(c, 10 * mm, f"{page}/{pages}", MINCHO, 9)
    if last:
        base = MARGIN + CLOSING_H
        _text(c, MARGIN, base - 12 * mm, sheet.sentence, MINCHO, 11)
        _text(c, DATE_X, DATE_Y, wareki(sheet.issued_on), MINCHO, 11)
        mayor = f"{m['prefecture']}{m['mayor_title']}"
        c.setFont(MINCHO, 14)
        right = PAGE_W - MARGIN - 30 * mm
        c.drawRightString(right, base - 40 * mm, mayor)
        draw_official_seal(c, right + 2 * mm, base - 47 * mm, m["seal_text"])
