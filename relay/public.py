"""The public verification service: is this paper a certificate we issued?

Anyone holding a printed certificate (a bank, a landlord) can check it, with no client
certificate: HTTPS with the relay's server certificate only, on its own port and in a
process of its own (:mod:`relay.public_service`), apart from the kiosks' mutual-TLS
endpoint. Two checks, both read-only:

- ``{"qr": "KC1:..."}``: the QR payload's issuer signature and its municipality;
- ``{"scan": base64, "page": 1}``: a scan (PNG/JPEG) or PDF of the back page. The QR code is
  read from it and checked; for a scan sent by a registered verifier, the scrambled image
  on the back is unscrambled with the document's key, derived from the secret only this
  service holds and the serial in the verified QR payload (:mod:`protocol.scramble_key`),
  and the recovered face is returned (PNG, base64) for the verifier to compare with the
  paper, as the J-LIS inquiry site does.

What each caller is told, and what is recorded, is :mod:`relay.public_access`'s: anyone
learns valid or not, why, and the serial; a registered verifier also the claims the QR
code carries and the face printed on the paper itself.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import json
import logging
import ssl
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, TypedDict

from aiohttp import web
from aiohttp.typedefs import Handler
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PIL import Image

from protocol import log, wire
from protocol.documents import qr_payload
from protocol.scramble_key import document_scramble_key
from relay import schema
from relay.public_access import PublicAccess
from relay.rate_limits import RateLimiter
from relay.schema import ApiError


class ScanWork(Protocol):
    """Where scan checks run (:class:`relay.verify_work.WorkPool`: killable processes)."""

    @property
    def busy(self) -> bool: ...

    async def check_scan(self, data: bytes, page: int, with_face: bool) -> dict[str, Any]: ...

LOG = logging.getLogger("relay.public")
MAX_PIXELS = 40_000_000  # a 300-dpi A4 scan is 8.7 million
BODY_DEADLINE = 20.0  # to receive a whole body (8 MiB at 3.4 Mbit/s)


def public_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    return ctx


class ClaimsAnswer(TypedDict):
    """The claims of a verified QR payload, as the answer shows them."""

    serial: str
    type: str
    municipality: str
    issued_on: str
    document_sha256: str


class VerifyAnswer(TypedDict):
    """The answer to one check: ``face_png`` only for a scan whose QR code verified."""

    valid: bool
    reason: str
    claims: ClaimsAnswer | None
    face_png: str | None


def _claims(claims: qr_payload.Claims) -> ClaimsAnswer:
    return {"serial": claims.serial, "type": claims.type.value, "municipality": claims.municipality_code,
            "issued_on": claims.issued_on.isoformat(), "document_sha256": claims.document_sha256}


class Verifier:
    def __init__(self, issuer_key: Ed25519PublicKey, scramble_secret: bytes, municipality: str) -> None:
        self.issuer_key = issuer_key
        self._scramble_secret = scramble_secret
        self.municipality = municipality

    def check_qr(self, text: str) -> VerifyAnswer:
        try:
            claims = qr_payload.decode_and_verify(text, self.issuer_key)
        except qr_payload.QrPayloadError:
            return {"valid": False, "reason": "qr_malformed", "claims": None, "face_png": None}
        except qr_payload.QrSignatureInvalid:
            return {"valid": False, "reason": "signature", "claims": None, "face_png": None}
        if claims.municipality_code != self.municipality:
            return {"valid": False, "reason": "other_municipality", "claims": _claims(claims), "face_png": None}
        return {"valid": True, "reason": "ok", "claims": _claims(claims), "face_png": None}

    def check_scan(self, data: bytes, page: int, with_face: bool = False) -> VerifyAnswer:
        """``with_face``: also recover the face (for a registered verifier only)."""
        from protocol.paper import verify

        if data[:5] == b"%PDF-":
            verdict = verify.verify_pdf(data, self.issuer_key)
            valid = verdict.status == verify.VALID and verdict.claims is not None
            return {"valid": valid, "reason": _reason(verdict.reason),
                    "claims": _claims(verdict.claims) if verdict.claims else None, "face_png": None}
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        try:
            with warnings.catch_warnings():  # PIL warns between one and two times its limit: refuse
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                img = Image.open(io.BytesIO(data))
            with img:
                if img.format not in ("PNG", "JPEG"):
                    raise ApiError(400, wire.BAD_VALUE, "scan")
                if img.width * img.height > MAX_PIXELS:  # from the header, before any decoding
                    raise ApiError(413, wire.TOO_LARGE, "scan")
                img.load()
                scan = img.convert("L")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ApiError(413, wire.TOO_LARGE, "scan") from exc
        except (OSError, ValueError) as exc:
            raise ApiError(400, wire.BAD_VALUE, "scan") from exc
        texts = verify.read_qr([scan])
        if len(set(texts)) != 1:
            return {"valid": False, "reason": "no_qr" if not texts else "qr_differ", "claims": None, "face_png": None}
        answer = self.check_qr(texts[0])
        claims = answer["claims"]
        if with_face and answer["valid"] and claims is not None:  # a valid answer always has its claims
            serial = claims["serial"]  # signed: the key of exactly this document
            face = verify.unscramble_back(scan, document_scramble_key(self._scramble_secret, serial), serial, page)
            buf = io.BytesIO()
            face.save(buf, "PNG")
            answer["face_png"] = base64.b64encode(buf.getvalue()).decode("ascii")
        return answer


def _reason(text: str) -> str:
    return text.replace("-", "_")


def public_application(verifier: Verifier, work: ScanWork, limiter: RateLimiter, access: PublicAccess,
                       clock: Callable[[], float] = time.time) -> web.Application:
    """The public endpoint: QR checks answered here (microseconds of work), scans checked
    by ``work`` in killable processes; every source within ``limiter``'s rates (kinds
    ``check`` and ``scan``), every registered verifier within its own; what the caller may
    see decided by ``access``. Everything is refused before work starts when a limit says so."""

    async def verify_endpoint(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > wire.MAX_VERIFY_BODY_BYTES:
            raise ApiError(413, wire.TOO_LARGE)
        source = request.remote or "unknown"
        try:
            async with asyncio.timeout(BODY_DEADLINE):
                raw = await request.read()
        except web.HTTPRequestEntityTooLarge as exc:
            raise ApiError(413, wire.TOO_LARGE) from exc
        except TimeoutError:
            raise ApiError(503, wire.TIMEOUT) from None
        body = schema.parse_body(raw, wire.MAX_VERIFY_BODY_BYTES)
        caller = access.caller(request.headers.get("Authorization"))
        if "qr" in body:
            schema.fields(body, {"qr": str})
            if len(body["qr"]) > 1024:
                raise ApiError(400, wire.BAD_VALUE, "qr")
            if not limiter.allow("check", source, clock()):
                raise ApiError(429, wire.RATE_LIMITED)
            return _json(access.answer(dict(verifier.check_qr(body["qr"])), caller))
        schema.fields(body, {"scan": str, "page": int})
        if not 1 <= body["page"] <= 20:
            raise ApiError(400, wire.BAD_VALUE, "page")
        try:
            data = base64.b64decode(body["scan"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ApiError(400, wire.BAD_VALUE, "scan") from exc
        if work.busy:
            raise ApiError(503, wire.BUSY)
        if not limiter.allow("scan", source, clock()):
            raise ApiError(429, wire.RATE_LIMITED)
        if caller is not None:
            access.admit_face(caller)
        return _json(access.answer(await work.check_scan(data, body["page"], caller is not None), caller))

    @web.middleware
    async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as exc:
            return _json(exc.body(), exc.status)
        except web.HTTPException as exc:
            codes = {404: wire.NOT_FOUND, 405: wire.METHOD_NOT_ALLOWED, 413: wire.TOO_LARGE}
            code = codes.get(exc.status, wire.BAD_HTTP)
            return _json({"error": {"code": code}}, exc.status)
        except Exception as exc:
            log.event(LOG, "relay.public.internal", logging.ERROR, code=wire.INTERNAL, kind=type(exc).__name__)
            return _json({"error": {"code": wire.INTERNAL}}, 500)

    app = web.Application(client_max_size=wire.MAX_VERIFY_BODY_BYTES * 2, middlewares=[errors])
    app.router.add_post(wire.VERIFY_PATH, verify_endpoint)
    return app


def _json(value: Mapping[str, object], status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(value, ensure_ascii=False).encode(),
                        content_type="application/json")
