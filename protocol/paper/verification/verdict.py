"""A verification's verdict: what was found, and what was checked."""

from __future__ import annotations

from dataclasses import dataclass, field

from protocol.documents import qr_payload
from protocol.federation.directory import RevokedKey
from protocol.federation.issuers import SignerNotListed
from protocol.paper.verification.backside import Grey
from protocol.paper.verification.compare import Comparison, Region
from protocol.paper.verification.intake import Kind

#: Verdicts, which are also the exit codes of ``kiosk verify``. ``UNCHECKED``: the
#: verifier's federation directory does not list the key that signed the paper (no key of
#: its issuer on its issue date, or none of those it lists verifies) and may be out of
#: date, so nothing was verified (not proof of a forgery either).
VALID, INVALID, UNREADABLE, UNCOMPARED, UNCHECKED = 0, 1, 2, 3, 4

@dataclass
class Verdict:
    """What was found, and what was checked: ``reason`` is a keyword
    (:mod:`.verification.wording` says each in words)."""

    status: int
    reason: str
    kind: Kind | None = None  # how the fronts were given, when any was compared
    claims: qr_payload.Claims | None = None
    message: str = ""  # an UNREADABLE input's one line
    faces: dict[int, Grey] = field(default_factory=dict)  # page → the face recovered
    comparisons: list[Comparison] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)  # face pages with no front, or no back
    #: the issuer whose signing key the directory does not list (its claims are unverified,
    #: so not ``claims``)
    not_listed: SignerNotListed | None = None
    #: the withdrawn key that alone verifies the QR code
    revoked: RevokedKey | None = None

    @property
    def regions(self) -> list[Region]:
        return [r for c in self.comparisons for r in c.regions]
