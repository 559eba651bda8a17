"""The public verification service: is this paper a certificate we issued?

Anyone holding a printed certificate (a bank, a landlord) can check it, with no client
certificate: HTTPS with the relay's server certificate only, on its own port, apart from
the kiosks' mutual-TLS endpoint. Two checks, both read-only:

- ``{"qr": "KC1:..."}``: the QR payload's issuer signature and its municipality;
- ``{"scans": [base64, ...]}``: a PDF, or scans (PNG/JPEG) of the front and the back. The
  verification core (:mod:`protocol.paper.verify`) checks the QR code, unscrambles the face
  on the back with the document's key, derived from the secret only this service holds and
  the serial in the verified QR payload (:mod:`protocol.scramble_key`), and compares every
  front with it (:mod:`relay.verify_page.answer`).

The same check has a web page for people (:mod:`relay.verify_page.page`). The answer never
holds more than the claims the QR code already carries and images of the paper itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol import log, wire
from protocol.documents import qr_payload
from protocol.paper.verification import limits
from protocol.paper.verification.wording import Lang
from relay import schema
from relay.schema import ApiError
from relay.verify_page import answer, page
from relay.verify_page.answer import VerifyAnswer

LOG = logging.getLogger("relay.public")
DEADLINE = 20.0
PARALLEL = 2  # image work runs in threads, at most this many at once


def public_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    return ctx


class Verifier:
    def __init__(self, issuer_key: Ed25519PublicKey, scramble_secret: bytes, municipality: str) -> None:
        self.issuer_key = issuer_key
        self._scramble_secret = scramble_secret
        self.municipality = municipality

    def check_qr(self, text: str) -> VerifyAnswer:
        """The QR payload alone: its signature and municipality (the face is not compared)."""
        def refused(reason: str, claims: qr_payload.Claims | None = None) -> VerifyAnswer:
            return {"valid": False, "status": "invalid", "reason": reason, "message": reason,
                    "claims": answer.claims_answer(claims) if claims else None, "regions": [], "face_png": None,
                    "diff_png": None}
        try:
            claims = qr_payload.decode_and_verify(text, self.issuer_key)
        except qr_payload.QrPayloadError:
            return refused("qr_malformed")
        except qr_payload.QrSignatureInvalid:
            return refused("signature")
        if claims.municipality_code != self.municipality:
            return refused("other_municipality", claims)
        return {"valid": True, "status": "valid", "reason": "ok", "message": "the QR code's issuer signature "
                "verifies (the face was not compared: send the scans for that)", "claims": answer.claims_answer(claims),
                "regions": [], "face_png": None, "diff_png": None}

    def check_files(self, files: list[bytes], lang: Lang = "en") -> VerifyAnswer:
        return answer.check_files(files, self.issuer_key, self._scramble_secret, self.municipality, lang)


def public_application(verifier: Verifier) -> web.Application:
    gate = asyncio.Semaphore(PARALLEL)

    async def verify_endpoint(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > wire.MAX_VERIFY_BODY_BYTES:
            raise ApiError(413, wire.TOO_LARGE)
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge as exc:
            raise ApiError(413, wire.TOO_LARGE) from exc
        body = schema.parse_body(raw, wire.MAX_VERIFY_BODY_BYTES)
        if "qr" in body:
            schema.fields(body, {"qr": str})
            if len(body["qr"]) > 1024:
                raise ApiError(400, wire.BAD_VALUE, "qr")
            return _json(verifier.check_qr(body["qr"]))
        schema.fields(body, {"scans": list})
        scans = body["scans"]
        if not 1 <= len(scans) <= limits.MAX_FILES or not all(isinstance(s, str) for s in scans):
            raise ApiError(400, wire.BAD_VALUE, "scans")
        files = [schema.b64(s, "scans", wire.MAX_VERIFY_BODY_BYTES) for s in scans]
        return _json(await checked(files, "en"))

    async def checked(files: list[bytes], lang: Lang) -> VerifyAnswer:
        async with gate:
            try:
                async with asyncio.timeout(DEADLINE):
                    return await asyncio.to_thread(verifier.check_files, files, lang)
            except TimeoutError:
                raise ApiError(503, wire.TIMEOUT) from None

    @web.middleware
    async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as exc:
            return _json(exc.body(), exc.status)
        except web.HTTPException as exc:
            return _json({"error": {"code": wire.NOT_FOUND if exc.status == 404 else "http_error"}}, exc.status)
        except Exception as exc:
            log.event(LOG, "relay.public.internal", logging.ERROR, code=wire.INTERNAL, kind=type(exc).__name__)
            return _json({"error": {"code": wire.INTERNAL}}, 500)

    app = web.Application(client_max_size=wire.MAX_VERIFY_BODY_BYTES * 2, middlewares=[errors])
    app.router.add_post(wire.VERIFY_PATH, verify_endpoint)
    page.add_routes(app, checked)
    return app


def _json(value: Mapping[str, object], status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(value, ensure_ascii=False).encode(),
                        content_type="application/json")
