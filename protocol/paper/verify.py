"""Check a certificate: a PDF we rendered, or scans of the paper, offline.

The QR code on the back says which document this is and carries the issuer's Ed25519
signature over it. The back also carries the face as a scrambled image that only the
document's key puts back together (:mod:`protocol.scramble_key`: the verification
service derives it from its master secret and the signed serial). So with the key the
verifier does not have to trust the face: the face recovered from the back is the
signed truth, and each front is registered to it and compared (:mod:`.verification.compare`);
any region that differs (a box pasted over a name, a whitened field, an altered digit,
a front from another certificate) makes the verdict INVALID and is named. A back whose
scrambled image does not come together with the key of its QR code's serial (a QR
code pasted from another certificate) is INVALID too.

With a federation directory, a paper no listed key verifies is never a pass, and the
verdict says what the directory can tell: ``INVALID (key-revoked)`` when a key the
operator withdrew verifies it (the municipality, the key and the date named); when the
directory lists no key of the paper's municipality valid on its issue date, ``UNCHECKED
(issuer-unknown)`` if the directory may be older than the municipality's admission or key
(update it and check again), ``INVALID (issuer-unlisted)`` if it was published after the
paper's issue date; when it lists some and none verifies, ``UNCHECKED
(issuer-key-unknown)`` if it may be older than a key rotated in since, ``INVALID
(signature)`` if it was published after that date.

Without the key only the QR code and its signature can be checked, and the verdict
says so (``UNCOMPARED``), as it does when only the back was given. A PDF is drawn
and looked at as a scan is: its text layer is not what a reader sees, and the PDF
carries no copy of the document (its metadata holds only the serial and the type).

Every input is read within the bounds of :mod:`.verification.limits`; one that crosses
one is ``UNREADABLE`` with a line naming the bound.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PIL import Image, ImageOps
from pyzbar import pyzbar

from protocol.documents import qr_payload
from protocol.federation.issuers import (
    IssuerKeyNotListed,
    IssuerTrust,
    KeyRevoked,
    SignerNotListed,
    as_trust,
    verify_qr,
)
from protocol.paper.verification import backside, compare, intake, limits
from protocol.paper.verification.intake import Page
from protocol.paper.verification.limits import InputRefused
from protocol.paper.verification.verdict import INVALID, UNCHECKED, UNCOMPARED, UNREADABLE, VALID, Verdict

#: A QR code is looked for at about this resolution first (its modules are 0.75 mm).
QR_DPI = 150
#: Face pages a back may belong to (its page number is part of the scramble).
MAX_FACE_PAGES = limits.MAX_PAGES // 2

FaceKey = Callable[[str], bytes | None]  # serial → the document's scramble key (None: not held)
__all__ = ["INVALID", "UNCHECKED", "UNCOMPARED", "UNREADABLE", "VALID", "FaceKey", "Verdict", "read_qr",
           "refusal_verdict", "verify_files"]


def read_qr(images: list[Image.Image]) -> list[str]:
    """Texts of our QR codes found in ``images`` (as drawn, then with stretched contrast)."""
    found: list[str] = []
    for img in images:
        grey = img.convert("L")
        for attempt in (grey, ImageOps.autocontrast(grey, cutoff=1)):
            texts = [r.data.decode("ascii", "replace")
                     for r in pyzbar.decode(attempt, symbols=[pyzbar.ZBarSymbol.QRCODE])]
            texts = [t for t in texts if t.startswith(qr_payload.PREFIX)]
            if texts:
                found.extend(texts)
                break
    return found


def _at_qr_dpi(page: Page) -> Image.Image:
    if page.dpi <= QR_DPI * 1.3:
        return page.image
    factor = QR_DPI / page.dpi
    return page.image.resize((round(page.image.width * factor), round(page.image.height * factor)),
                             Image.Resampling.BOX)


@dataclass
class _Sides:
    backs: list[tuple[Page, backside.Back]]
    fronts: list[Page]
    qr: list[str]


def _sides(pages: list[Page]) -> _Sides:
    """Backs (a scrambled image in its frame) and fronts, and the QR codes of the backs.
    A page with no frame is searched whole for a QR code only when no back is found."""
    sides = _Sides([], [], [])
    for page in pages:
        try:
            back = backside.find(page.image)
        except backside.NoFrame:
            sides.fronts.append(page)
            continue
        sides.backs.append((page, back))
        texts = read_qr([back.qr_area]) or read_qr([_at_qr_dpi(page)])
        sides.qr.extend(texts)
    if not sides.backs:
        for page in sides.fronts:
            sides.qr.extend(read_qr([_at_qr_dpi(page)]))
    return sides


def _claims(texts: list[str], key: Ed25519PublicKey | IssuerTrust) -> qr_payload.Claims | Verdict:
    if not texts:
        return Verdict(UNREADABLE, "no-qr")
    if len(set(texts)) > 1:
        return Verdict(INVALID, "qr-differ")
    try:
        return verify_qr(texts[0], as_trust(key))
    except qr_payload.QrPayloadError:
        return Verdict(INVALID, "qr-malformed")
    except qr_payload.QrSignatureInvalid as exc:
        return refusal_verdict(exc)


def refusal_verdict(exc: qr_payload.QrSignatureInvalid) -> Verdict:
    """The verdict on a QR code no trusted key verifies; none verifies the paper.

    Signed with a withdrawn key: ``INVALID (key-revoked)``. A directory that does not list
    the key that signed it, published after the paper's issue date, is conclusive (a
    genuine member's key would still be listed, or recorded as revoked): ``INVALID
    (issuer-unlisted)`` when it lists no key of the municipality that day, ``INVALID
    (signature)`` when it lists some. One that may be older than the paper may only not
    know the municipality or its new key yet, so the verifier must update it, not accuse
    the holder: ``UNCHECKED (issuer-unknown)``, ``UNCHECKED (issuer-key-unknown)``."""
    if isinstance(exc, KeyRevoked):
        return Verdict(INVALID, "key-revoked", revoked=exc.revoked)
    if not isinstance(exc, SignerNotListed):
        return Verdict(INVALID, "signature")
    keys_tried = isinstance(exc, IssuerKeyNotListed)
    if exc.postdates_paper:
        return Verdict(INVALID, "signature") if keys_tried else Verdict(INVALID, "issuer-unlisted", not_listed=exc)
    return Verdict(UNCHECKED, "issuer-key-unknown" if keys_tried else "issuer-unknown", not_listed=exc)


def verify_files(files: Sequence[bytes], issuer_key: Ed25519PublicKey | IssuerTrust,
                 face_key: FaceKey | None) -> Verdict:
    """Check the sides in ``files`` (a PDF, or scans of the front and the back, in any
    order); ``issuer_key``: the one issuer's key, or a federation's trust (the keys of the
    municipality the serial names, valid on the issue date); ``face_key`` gives the
    document's scramble key for a serial (None: the QR code and its signature only)."""
    try:
        if len(files) > limits.MAX_FILES:
            raise InputRefused("too-many-files", f"at most {limits.MAX_FILES} files are read at once (MAX_FILES)")
        if sum(len(data) for data in files) > limits.MAX_TOTAL_BYTES:
            raise InputRefused("files-too-large", f"the files are larger than {limits.MAX_TOTAL_BYTES >> 20} MiB "
                               "together (MAX_TOTAL_BYTES)")
        pages = [p for i, data in enumerate(files) for p in intake.pages_of(data, i)]
        if len(pages) > limits.MAX_PAGES:
            raise InputRefused("too-many-pages", f"the files hold {len(pages)} pages; at most {limits.MAX_PAGES} "
                               "are read (MAX_PAGES)")
    except InputRefused as exc:
        return Verdict(UNREADABLE, exc.reason, message=exc.message)
    sides = _sides(pages)
    claims = _claims(sides.qr, issuer_key)
    if isinstance(claims, Verdict):
        return claims
    key = face_key(claims.serial) if face_key is not None else None
    if key is None:  # e.g. another municipality's document: its scramble master is its own
        return Verdict(UNCOMPARED, "no-key", claims=claims)
    if not sides.backs:
        return Verdict(UNREADABLE, "no-frame", claims=claims)
    return _compare(sides, claims, key)


def _best(tried: list[compare.Comparison]) -> compare.Comparison:
    """The face a front is: of the faces it matches, the one it differs from least, then
    the best correlated. Pages that hold nearly the same rows (a household's members
    over several pages) correlate within a print's noise of each other; only their own
    face leaves no region. A front made to look like another page still counts only as
    that page, and its own page stays uncompared."""
    matching = [c for c in tried if c.matches]
    if not matching:
        return max(tried, key=lambda c: c.correlation)
    return min(matching, key=lambda c: (sum(r.mass for r in c.regions), len(c.regions), -c.correlation))


def _compare(sides: _Sides, claims: qr_payload.Claims, key: bytes) -> Verdict:
    faces: dict[int, backside.Grey] = {}
    for _, back in sides.backs:
        recovered = backside.recover(back.grid, key, claims.serial, MAX_FACE_PAGES)
        if recovered is None:
            return Verdict(INVALID, "scramble", claims=claims)
        faces[recovered.page] = recovered.face
    verdict = Verdict(INVALID, "", claims=claims, faces=faces)
    gaps = [p for p in range(1, max(faces)) if p not in faces]
    if gaps:
        verdict.reason, verdict.missing = "page-missing", gaps
        return verdict
    if not sides.fronts:
        verdict.status, verdict.reason, verdict.missing = UNCOMPARED, "no-front", sorted(faces)
        return verdict
    verdict.kind = "pdf" if all(p.kind == "pdf" for p in sides.fronts) else (
        "pdf-scan" if all(p.kind.startswith("pdf") for p in sides.fronts) else "image")
    compared: set[int] = set()
    for front in sides.fronts:
        tried = [compare.compare(face, front.image, front.dpi, page) for page, face in sorted(faces.items())]
        best = _best(tried)
        verdict.comparisons.append(best)
        if not best.matches:
            verdict.reason = "face-mismatch"
            return verdict
        compared.add(best.page)
    if verdict.regions:
        verdict.reason = "face-differs"
        return verdict
    verdict.missing = sorted(set(faces) - compared)
    if verdict.missing:
        verdict.status, verdict.reason = UNCOMPARED, "front-missing"
        return verdict
    verdict.status, verdict.reason = VALID, "ok"
    return verdict
