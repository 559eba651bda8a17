"""Refusal codes: why the relay will not issue, one screen per code in the kiosk UI.

The relay and the kiosk both import this module, so a code the relay sends is always one
the UI knows. A refusal is a decision about the resident, the card or the time of day,
never a fault: the kiosk shows the reason and takes no money. ``REASONS`` holds the short
English reason the UI falls back to when it has no translation of its own.
"""

from __future__ import annotations

# -- the card and its authentication (answered by authenticate) ------------------------
CERT_UNTRUSTED = "cert_untrusted"  # not issued by the JPKI CA, or malformed
CERT_EXPIRED = "cert_expired"  # outside its validity dates
CERT_REVOKED = "cert_revoked"  # on the JPKI revocation list
CARD_UNKNOWN = "card_unknown"  # a valid card of someone not registered here
BAD_SIGNATURE = "bad_signature"  # the card's signature is not over this session's challenge
CHALLENGE_EXPIRED = "challenge_expired"  # authenticated too late; open a new session
CHALLENGE_USED = "challenge_used"  # the challenge was already answered (replay)

# -- the resident (answered in the menu, per certificate type, and on request) ---------
UNDER_15 = "under_15"
MOVING_OUT = "moving_out"  # 転出・転出予定 (the resident or, for a household copy, a member)
DV_MEASURE = "dv_measure"  # DV 等支援措置
DECEASED = "deceased"
NO_SEAL = "no_seal"  # 印鑑登録証明書 without a registered seal
NO_TAX_RECORD = "no_tax_record"  # no 所得・課税 record for the current fiscal year
KOSEKI_ELSEWHERE = "koseki_elsewhere"  # 本籍 in another municipality (needs 利用登録)
UNSUPPORTED_CHARACTERS = "unsupported_characters"  # 外字 the certificate cannot print
KOSEKI_NOT_PARTICIPATING = "koseki_not_participating"  # the 本籍地 does not take part in kiosk issuance

# -- time of day ------------------------------------------------------------------------
OUTSIDE_HOURS = "outside_hours"  # outside 06:30–23:00 or the New Year closure
KOSEKI_HOURS = "koseki_hours"  # 戸籍 types only on weekdays in office hours here

REASONS: dict[str, str] = {
    CERT_UNTRUSTED: "This card's certificate cannot be checked.",
    CERT_EXPIRED: "The card's certificate has expired. Please renew it at the municipal office.",
    CERT_REVOKED: "The card's certificate is no longer valid. Please visit the municipal office.",
    CARD_UNKNOWN: "Certificates for this card are not issued by this municipality.",
    BAD_SIGNATURE: "The card could not be confirmed. Please try again.",
    CHALLENGE_EXPIRED: "The time to confirm the card ran out. Please start again.",
    CHALLENGE_USED: "The card confirmation was already used. Please start again.",
    UNDER_15: "Certificates are issued here only to people aged 15 or over.",
    MOVING_OUT: "Certificates cannot be issued here while a move-out is registered.",
    DV_MEASURE: "Please ask at the municipal office for this certificate.",
    DECEASED: "Certificates for this card cannot be issued.",
    NO_SEAL: "No seal is registered for this card holder.",
    NO_TAX_RECORD: "No tax record for this year is available here.",
    KOSEKI_ELSEWHERE: "The family register is in another municipality; prior registration is needed.",
    UNSUPPORTED_CHARACTERS: "This certificate contains characters the kiosk cannot print.",
    KOSEKI_NOT_PARTICIPATING: "The municipality of the family register does not issue at kiosks.",
    OUTSIDE_HOURS: "The service is open from 6:30 to 23:00.",
    KOSEKI_HOURS: "Family-register certificates are issued on weekdays during office hours.",
}

ALL: frozenset[str] = frozenset(REASONS)
