"""Who asks the public verification service, and what each may be told.

- **Anyone** (no credentials): whether the paper is valid, why not, and its serial:
  nothing more. A photo of the back no longer unlocks anybody's face.
- **A registered verifier** (``Authorization: Bearer <token>``, :mod:`relay.verifier_register`):
  the signed claims too and, for a scan of a valid document, the recovered face; at most
  its ``faces_per_hour`` scans an hour, each recovered face recorded with the serial and
  the resident it belongs to.

Either way a genuine signature is not enough: a document the issued register knows as
cancelled, not printed or voided is answered not valid, with that reason, and its face is
never released (:mod:`relay.issued_register`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from protocol import wire
from relay.issued_register import IssuedRegister
from relay.rate_limits import RateStore
from relay.schema import ApiError
from relay.verifier_register import RegisteredVerifier, VerifierRegister

HOUR = 3600


class PublicAccess:
    def __init__(self, verifiers: VerifierRegister, issued: IssuedRegister, faces: RateStore,
                 clock: Callable[[], float] = time.time) -> None:
        self.verifiers = verifiers
        self.issued = issued
        self.faces = faces
        self.clock = clock

    def caller(self, authorization: str | None) -> RegisteredVerifier | None:
        """The registered verifier the request's credentials name; None for anyone."""
        if authorization is None:
            return None
        scheme, _, token = authorization.partition(" ")
        verifier = self.verifiers.by_token(token.strip()) if scheme == "Bearer" else None
        if verifier is None or verifier.state != "active":
            raise ApiError(401, wire.BAD_CREDENTIALS)
        return verifier

    def admit_face(self, verifier: RegisteredVerifier) -> None:
        """Before a verifier's scan is checked: within its faces an hour, or refused."""
        now = int(self.clock())
        if self.faces.hit(f"faces:{verifier.verifier_id}", now // HOUR * HOUR, 1) > verifier.faces_per_hour:
            raise ApiError(429, wire.RATE_LIMITED)

    def answer(self, checked: dict[str, Any], caller: RegisteredVerifier | None) -> dict[str, Any]:
        """The answer ``caller`` may have, from a check's full answer: anyone the verdict,
        its reason and wording, the differing regions by name and the serial; a registered
        verifier also the claims, the recovered face and the drawn differences (recorded
        with the resident). A document the issued register says does not stand (cancelled,
        not printed, voided) is not valid, whatever the paper says."""
        claims = checked.get("claims")
        serial = claims["serial"] if claims else None
        valid, reason = bool(checked["valid"]), str(checked["reason"])
        document = self.issued.get(serial) if serial else None
        out = dict(checked)
        if valid and document is not None and not document.valid:
            valid, reason = False, document.state
            out.update(status="invalid", message=reason)
        out.update(valid=valid, reason=reason, serial=serial)
        if caller is None:
            out.update(claims=None, face_png=None, diff_png=None)
            return out
        face = checked.get("face_png") if valid else None
        if face and serial:
            self.verifiers.record_face(self.clock(), caller.verifier_id, serial,
                                       document.resident_id if document else None)
        out.update(face_png=face, diff_png=checked.get("diff_png") if valid else None,
                   verifier=caller.verifier_id)
        return out
