"""One verification as the public service answers it.

The answer holds the verdict, the claims the QR code already carries, the regions that
differ, and images of the paper itself (the face recovered from the back, the front as
registered onto it, both with the regions boxed): nothing that is not printed on the
paper the verifier holds.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import TypedDict

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PIL import Image

from protocol.documents import qr_payload
from protocol.federation.issuers import IssuerTrust
from protocol.paper import verify
from protocol.paper.verification import drawing, wording
from protocol.paper.verification.wording import Lang
from protocol.scramble_key import document_scramble_key

STATUS = {verify.VALID: "valid", verify.INVALID: "invalid", verify.UNREADABLE: "unreadable",
          verify.UNCOMPARED: "uncompared", verify.UNCHECKED: "unchecked"}


class ClaimsAnswer(TypedDict):
    """The claims of a verified QR payload, as the answer shows them."""

    serial: str
    type: str
    municipality: str
    issued_on: str
    document_sha256: str


class RegionAnswer(TypedDict):
    page: int
    box_mm: list[float]  # left, top, right, bottom from the page's top left
    where: str


class VerifyAnswer(TypedDict):
    """``valid`` only when the signature verifies and every front matches its face."""

    valid: bool
    status: str  # valid, invalid, unreadable, uncompared, unchecked (the directory does not know the issuer)
    reason: str
    message: str  # the verdict in words
    claims: ClaimsAnswer | None
    regions: list[RegionAnswer]
    face_png: str | None  # the faces recovered from the backs
    diff_png: str | None  # recovered face beside each front, regions boxed


def claims_answer(claims: qr_payload.Claims) -> ClaimsAnswer:
    return {"serial": claims.serial, "type": claims.type.value, "municipality": claims.municipality_code,
            "issued_on": claims.issued_on.isoformat(), "document_sha256": claims.document_sha256}


def _png(image: Image.Image | None) -> str | None:
    if image is None:
        return None
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=False, compress_level=3)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def reason_code(text: str) -> str:
    return text.replace("-", "_")


def check_files(files: Sequence[bytes], issuer_key: Ed25519PublicKey | IssuerTrust, scramble_secret: bytes,
                municipality: str, lang: Lang = "en") -> VerifyAnswer:
    """Verify the files (a PDF, or scans of both sides) with the service's keys.

    ``issuer_key``: this municipality's key, or a federation's directory: then another
    member's document is checked with that member's keys, and its face is not compared
    (its scramble master is that municipality's own), so it is at best ``uncompared``."""
    def face_key(serial: str) -> bytes | None:
        own = serial.split("-", 1)[0] == municipality
        return document_scramble_key(scramble_secret, serial) if own else None

    verdict = verify.verify_files(files, issuer_key, face_key)
    federated = not isinstance(issuer_key, Ed25519PublicKey)
    if verdict.claims is not None and verdict.claims.municipality_code != municipality and not federated:
        verdict = verify.Verdict(verify.INVALID, "other-municipality", claims=verdict.claims)
    return {
        "valid": verdict.status == verify.VALID,
        "status": STATUS[verdict.status],
        "reason": reason_code(verdict.reason),
        "message": wording.explain(verdict, lang),
        "claims": claims_answer(verdict.claims) if verdict.claims is not None else None,
        "regions": [{"page": r.page, "box_mm": [round(v, 1) for v in r.box_mm], "where": wording.where(r.where, lang)}
                    for r in verdict.regions],
        "face_png": _png(drawing.faces(verdict)),
        "diff_png": _png(drawing.comparison(verdict)),
    }
