"""The comparison drawn: the face recovered from the back beside the front as it was
given, registered onto it, with each region that differs boxed in red and numbered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from protocol.paper.verification.compare import MM_PER_PX

if TYPE_CHECKING:
    from protocol.paper.verification.verdict import Verdict

RED = (220, 0, 0)
GAP = 12


def comparison(verdict: Verdict) -> Image.Image | None:
    """One row per front compared (recovered face left, front right), or None."""
    rows = []
    n = 0
    for comp in verdict.comparisons:
        face = Image.fromarray(comp.face).convert("RGB")
        front = Image.fromarray(comp.front).convert("RGB")
        row = Image.new("RGB", (face.width * 2 + GAP, face.height), (255, 255, 255))
        row.paste(face, (0, 0))
        row.paste(front, (face.width + GAP, 0))
        draw = ImageDraw.Draw(row)
        for region in comp.regions:
            n += 1
            box = [round(v / MM_PER_PX) for v in region.box_mm]
            for offset in (0, face.width + GAP):
                rect = (box[0] + offset - 3, box[1] - 3, box[2] + offset + 3, box[3] + 3)
                draw.rectangle(rect, outline=RED, width=3)
                draw.text((rect[0], max(0, rect[1] - 12)), str(n), fill=RED)
        rows.append(row)
    if not rows:
        return None
    out = Image.new("RGB", (rows[0].width, sum(r.height for r in rows) + GAP * (len(rows) - 1)), (255, 255, 255))
    y = 0
    for row in rows:
        out.paste(row, (0, y))
        y += row.height + GAP
    return out


def faces(verdict: Verdict) -> Image.Image | None:
    """The faces recovered from the backs, page after page, or None."""
    if not verdict.faces:
        return None
    images = [Image.fromarray(verdict.faces[p]) for p in sorted(verdict.faces)]
    out = Image.new("L", (images[0].width, sum(i.height for i in images)), 255)
    y = 0
    for img in images:
        out.paste(img, (0, y))
        y += img.height
    return out
