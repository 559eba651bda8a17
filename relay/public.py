"""The public verification service: is this paper a certificate we issued?

Anyone holding a printed certificate (a bank, a landlord) can check it, with no client
certificate: HTTPS with the relay's server certificate only, on its own port and in a
process of its own (:mod:`relay.public_service`), apart from the kiosks' mutual-TLS
endpoint. Two checks, both read-only:

- ``{"qr": "KC1:..."}``: the QR payload's issuer signature and its municipality;
- ``{"scans": [base64, ...]}``: a PDF, or scans (PNG/JPEG) of the front and the back. The
  verification core (:mod:`protocol.paper.verify`) checks the QR code, unscrambles the face
  on the back with the document's key, derived from the secret only this service holds and
  the serial in the verified QR payload (:mod:`protocol.scramble_key`), and compares every
  front with it (:mod:`relay.verify_page.answer`); the work runs in killable processes
  (:mod:`relay.verify_work`).

The same check has a web page for people (:mod:`relay.verify_page.page`). What each caller
is told, and what is recorded, is :mod:`relay.public_access`'s: anyone learns the verdict,
why, the differing regions by name and the serial; a registered verifier also the claims
the QR code carries, the recovered face and the drawn differences.
"""

from __future__ import annotations

import io
import json
import logging
import ssl
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web
from aiohttp.typedefs import Handler
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol import log, wire
from protocol.documents import qr_payload
from protocol.federation.directory import Directory
from protocol.federation.issuers import DirectoryIssuers, IssuerTrust, as_trust, verify_qr
from protocol.paper import verify
from protocol.paper.verification import limits, wording
from protocol.paper.verification.wording import Lang
from relay import schema, upload_pace
from relay.federation.served import DirectorySource, directory_handler
from relay.public_access import PublicAccess
from relay.rate_limits import RateLimiter
from relay.schema import ApiError
from relay.verify_page import answer, page
from relay.verify_page.answer import VerifyAnswer


class ScanWork(Protocol):
    """Where scan checks run (:class:`relay.verify_work.WorkPool`: killable processes)."""

    @property
    def busy(self) -> bool: ...

    async def check_files(self, files: list[bytes], lang: Lang) -> dict[str, Any]: ...

LOG = logging.getLogger("relay.public")
#: A body up to this many bytes (declared) is read without a slot: a QR check, a small scan.
SMALL_BODY_BYTES = 1 << 20
#: Larger bodies (or bodies of undeclared length) held in memory at once, in all and per
#: source address: each may take a few hundred MB between its bytes, the JSON and the decoded
#: files, so their number, not only their size, bounds the process's memory. Over it a
#: request is refused ``busy`` before a byte of its body is read.
LARGE_BODIES = 4
LARGE_BODIES_PER_SOURCE = 1


class LargeBodies:
    """Counts the large bodies being received and checked, in all and per source."""

    def __init__(self, total: int = LARGE_BODIES, per_source: int = LARGE_BODIES_PER_SOURCE) -> None:
        self.total, self.per_source = total, per_source
        self.held: dict[str, int] = {}

    def take(self, source: str) -> bool:
        if sum(self.held.values()) >= self.total or self.held.get(source, 0) >= self.per_source:
            return False
        self.held[source] = self.held.get(source, 0) + 1
        return True

    def give_back(self, source: str) -> None:
        left = self.held.pop(source) - 1
        if left:
            self.held[source] = left


def public_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    return ctx


class Verifier:
    def __init__(self, issuer_key: Ed25519PublicKey | None, scramble_secret: bytes | None, municipality: str | None,
                 directory: Callable[[], Directory | None] | None = None, publisher: bool = False) -> None:
        """``directory``: in a federation, the current verified directory (None when there
        is no valid one): a document of any member is checked with that member's keys.
        A federation centre's verifier has the directory only: no municipality's key nor
        scramble master (the face check is the issuing municipality's service's).
        ``publisher``: the directory is the one the centre publishes, current at every
        check, so a key it does not list did not sign genuine paper of any date
        (:class:`~protocol.federation.issuers.DirectoryIssuers`)."""
        if issuer_key is None and directory is None:
            raise ValueError("a verifier needs an issuer key or the federation directory")
        self.issuer_key = issuer_key
        self._scramble_secret = scramble_secret
        self.municipality = municipality
        self._directory = directory
        self._publisher = publisher

    def trust(self) -> Ed25519PublicKey | IssuerTrust:
        """This municipality's key, or the federation directory's keys (``503 unavailable``
        while there is no valid directory: nothing could be checked)."""
        if self._directory is None:
            assert self.issuer_key is not None  # the constructor's rule
            return self.issuer_key
        directory = self._directory()
        if directory is None:
            raise ApiError(503, wire.UNAVAILABLE)
        return DirectoryIssuers(directory, current=self._publisher)

    def check_qr(self, text: str) -> VerifyAnswer:
        """The QR payload alone: its signature and municipality (the face is not compared). A
        code no trusted key verifies is answered as the page and ``kiosk verify`` say it
        (:func:`protocol.paper.verify.refusal_verdict`): ``invalid``/``signature``,
        ``invalid``/``key_revoked``, and, by whether the directory may be older than the
        paper, ``unchecked``/``issuer_unknown`` or ``invalid``/``issuer_unlisted`` (no key of
        the issuer that day), ``unchecked``/``issuer_key_unknown`` or ``invalid``/``signature``
        (its keys do not verify it), with the verdict in words."""
        def refused(reason: str, claims: qr_payload.Claims | None = None, status: str = "invalid",
                    message: str | None = None) -> VerifyAnswer:
            return {"valid": False, "status": status, "reason": reason, "message": message or reason,
                    "claims": answer.claims_answer(claims) if claims else None, "regions": [], "face_png": None,
                    "diff_png": None}
        trust = self.trust()
        try:
            claims = verify_qr(text, as_trust(trust))
        except qr_payload.QrPayloadError:
            return refused("qr_malformed")
        except qr_payload.QrSignatureInvalid as exc:
            verdict = verify.refusal_verdict(exc)
            return refused(answer.reason_code(verdict.reason), status=answer.STATUS[verdict.status],
                           message=wording.explain(verdict))
        if claims.municipality_code != self.municipality and self._directory is None:
            return refused("other_municipality", claims)
        return {"valid": True, "status": "valid", "reason": "ok", "message": "the QR code's issuer signature "
                "verifies (the face was not compared: send the scans for that)", "claims": answer.claims_answer(claims),
                "regions": [], "face_png": None, "diff_png": None}

    def check_files(self, files: list[bytes], lang: Lang = "en") -> VerifyAnswer:
        if self._scramble_secret is None or self.municipality is None:
            raise ApiError(404, wire.NOT_OFFERED, "scans")
        return answer.check_files(files, self.trust(), self._scramble_secret, self.municipality, lang)


def public_application(verifier: Verifier, work: ScanWork | None, limiter: RateLimiter, access: PublicAccess,
                       clock: Callable[[], float] = time.time,
                       directory: DirectorySource | None = None,
                       pace: upload_pace.UploadPace = upload_pace.DEFAULT_PACE) -> web.Application:
    """The public endpoint: QR checks answered here (microseconds of work), scans checked
    by ``work`` in killable processes; every source within ``limiter``'s rates (kinds
    ``check`` and ``scan``), every registered verifier within its own; what the caller may
    see decided by ``access``. Everything is refused before work starts when a limit says so.
    Without ``work`` (a federation centre's listener) scans are refused ``404 not_offered``
    before their body is decoded, and the web page for scans is not served. Every upload,
    the API's and the page's, arrives at ``pace`` or is refused ``408 too_slow``."""

    async def verify_endpoint(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > wire.MAX_VERIFY_BODY_BYTES:
            raise ApiError(413, wire.TOO_LARGE)
        source = request.remote or "unknown"
        try:
            raw = await upload_pace.receive(request, request.read, pace)
        except web.HTTPRequestEntityTooLarge as exc:
            raise ApiError(413, wire.TOO_LARGE) from exc
        except upload_pace.TooSlow:
            log.event(LOG, "relay.public.too_slow", logging.WARNING, code=wire.TOO_SLOW)
            raise ApiError(408, wire.TOO_SLOW) from None
        body = schema.parse_body(raw, wire.MAX_VERIFY_BODY_BYTES)
        caller = access.caller(request.headers.get("Authorization"))
        if "qr" in body:
            schema.fields(body, {"qr": str})
            if len(body["qr"]) > 1024:
                raise ApiError(400, wire.BAD_VALUE, "qr")
            if not limiter.allow("check", source, clock()):
                raise ApiError(429, wire.RATE_LIMITED)
            return _json(access.answer(dict(verifier.check_qr(body["qr"])), caller))
        schema.fields(body, {"scans": list})
        if work is None:
            raise ApiError(404, wire.NOT_OFFERED, "scans")
        scans = body["scans"]
        if not 1 <= len(scans) <= limits.MAX_FILES or not all(isinstance(s, str) for s in scans):
            raise ApiError(400, wire.BAD_VALUE, "scans")
        files = [schema.b64(s, "scans", limits.MAX_FILE_BYTES) for s in scans]
        _refuse_oversized_images(files)
        if caller is not None:
            access.admit_face(caller)
        return _json(await checked_for(files, "en", source, caller))

    async def checked_for(files: list[bytes], lang: Lang, source: str,
                          caller: Any) -> dict[str, Any]:
        """One scan check within the limits, answered as ``caller`` may see it."""
        if work is None:
            raise ApiError(404, wire.NOT_OFFERED, "scans")
        if work.busy:
            raise ApiError(503, wire.BUSY)
        if not limiter.allow("scan", source, clock()):
            raise ApiError(429, wire.RATE_LIMITED)
        return access.answer(await work.check_files(files, lang), caller)

    async def checked(request: web.Request, files: list[bytes], lang: Lang, token: str | None) -> dict[str, Any]:
        """The web page's check: for anyone (the verdict, the serial, the regions by name)
        or, with a token, for the registered verifier it names, as the API's is."""
        caller = access.caller(f"Bearer {token}") if token else None
        if caller is not None:
            try:
                access.admit_face(caller)
            except ApiError as exc:  # the page tells this apart from the address's own limit
                raise ApiError(exc.status, exc.code, "faces") from None
        return await checked_for(files, lang, request.remote or "unknown", caller)

    large = LargeBodies()

    @web.middleware
    async def bounded_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
        """A large upload (the API's or the page's) takes a slot for as long as it is read and
        checked; without one it is refused before its body is read."""
        length = request.content_length
        if request.method != "POST" or (length is not None and length <= SMALL_BODY_BYTES):
            return await handler(request)
        source = request.remote or "unknown"
        if not large.take(source):
            if request.path == wire.VERIFY_PATH:
                raise ApiError(503, wire.BUSY)
            return page.busy(request)
        try:
            return await handler(request)
        finally:
            large.give_back(source)

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

    app = web.Application(client_max_size=wire.MAX_VERIFY_BODY_BYTES * 2, middlewares=[errors, bounded_bodies])
    app.router.add_post(wire.VERIFY_PATH, verify_endpoint)
    if work is not None:
        page.add_routes(app, checked, pace)
    if directory is not None:  # verifiers fetch the signed federation directory here
        app.router.add_get(wire.DIRECTORY_PATH, directory_handler(directory))
    return app


def _refuse_oversized_images(files: list[bytes]) -> None:
    """An image over the verification core's pixel limit is refused here, from its header
    (nothing is decoded), before any work is dispatched."""
    from PIL import Image, UnidentifiedImageError

    for data in files:
        if data[:5] == b"%PDF-":
            continue
        try:
            with warnings.catch_warnings():  # the header alone: a bomb is read, never decoded
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as img:
                    width, height = img.size
        except Image.DecompressionBombError:
            raise ApiError(413, wire.TOO_LARGE, "scans") from None
        except (UnidentifiedImageError, OSError, ValueError):
            continue  # not an image: the verification core says what it is
        if width * height > limits.MAX_IMAGE_PIXELS:
            raise ApiError(413, wire.TOO_LARGE, "scans")


def _json(value: Mapping[str, object], status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(value, ensure_ascii=False).encode(),
                        content_type="application/json")
