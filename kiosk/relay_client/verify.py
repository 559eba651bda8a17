"""Checks the kiosk makes on what the relay returns, before anyone sees it.

A document is returned to the session engine only after its binding has been compared
with this session's own facts (request id, session id, kiosk id, the SHA-256 of the card
certificate this session authenticated with, the document's own hash) and the issuer's
signature over them verified. Both adapters (HTTPS and fake) run these same checks.

The issuer is the configured key (one municipality), or in a federation the issuing
municipality's keys from the signed directory (:mod:`protocol.federation.issuers`): the
document's serial names its municipality, and only that member's keys valid on the
document's issue date are tried.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.relay_client.errors import IntegrityError, RelayProtocolError
from kiosk.relay_client.port import Issued, Menu
from protocol.documents import qr_payload
from protocol.documents.binding import Binding, BindingMismatch, check
from protocol.documents.model import Document, document_hash
from protocol.federation.issuers import IssuerTrust, as_trust, verify_qr
from protocol.menu import MenuItem, MenuOption, item_problem
from protocol.scramble_key import KEY_BYTES

BINDING_FIELDS = ("request_id", "session_id", "kiosk_id", "card_cert_sha256", "document_sha256")


@dataclass(frozen=True)
class SessionFacts:
    """What this kiosk knows for itself about the session, never taken from the relay."""

    session_id: str
    kiosk_id: str
    card_cert_sha256: str


_T = TypeVar("_T")


def _need(value: object, kind: type[_T], code: str = "bad_response") -> _T:
    """``value`` if it is a ``kind`` (a bool is not an int here), else ``RelayProtocolError``."""
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise RelayProtocolError(code)
    return value


def parse_menu(data: Any) -> Menu:
    try:
        _need(data, dict)
        items = []
        for i in _need(data["items"], list):
            if item_problem(i) is not None:  # only the catalogue's keys reach the screen and the voice
                raise RelayProtocolError("bad_menu")
            refusal = i["refusal"]
            items.append(
                MenuItem(
                    type=_need(i["type"], str),
                    fee=_need(i["fee"], int),
                    options=tuple(
                        MenuOption(_need(o["key"], str), tuple(_need(c, str) for c in _need(o["choices"], list)))
                        for o in _need(i["options"], list)
                    ),
                    available=_need(i["available"], bool),
                    refusal=None if refusal is None else _need(refusal, str),
                )
            )
        return Menu(
            items=tuple(items),
            household_members=_need(data["household_members"], int),
            koseki_members=_need(data["koseki_members"], int),
            max_copies=_need(data["max_copies"], int),
        )
    except (KeyError, TypeError) as exc:
        raise RelayProtocolError("bad_menu") from exc


def verify_issued(
    data: Any,
    *,
    facts: SessionFacts,
    request_id: str,
    cert_type: str,
    options: dict[str, str],
    copies: int,
    issuer_key: Ed25519PublicKey | IssuerTrust,
) -> Issued:
    """Return the documents if every binding holds, else raise ``IntegrityError``."""
    trust = as_trust(issuer_key)
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        raise RelayProtocolError("bad_response")
    if data.get("request_id") != request_id:
        raise IntegrityError("request_id")
    entries = data["documents"]
    if len(entries) != copies:
        raise IntegrityError("copies")
    documents: list[Document] = []
    for entry in entries:
        documents.append(_verify_one(entry, facts, request_id, cert_type, options, trust))
    qr = tuple(_verify_qr(entry, document, trust) for entry, document in zip(entries, documents, strict=True))
    scramble_keys = tuple(_scramble_key(entry) for entry in entries)
    if len({d["serial"] for d in documents}) != len(documents):
        raise IntegrityError("serial")
    fee, amount = data.get("fee"), data.get("amount")
    if not isinstance(fee, int) or isinstance(fee, bool) or amount != fee * copies:
        raise RelayProtocolError("bad_response")
    return Issued(request_id=request_id, documents=tuple(documents), fee=fee, amount=amount, qr=qr,
                  scramble_keys=scramble_keys)


def _scramble_key(entry: dict[str, Any]) -> bytes:
    """The document's scramble key: 32 bytes. The kiosk cannot check it against the master
    secret it does not hold; a wrong one makes a paper whose face the verification service
    cannot recover, so a malformed one stops here like any other broken document."""
    text = entry.get("scramble_key")
    if not isinstance(text, str) or len(text) > 64:
        raise IntegrityError("scramble_key")
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise IntegrityError("scramble_key") from exc
    if len(key) != KEY_BYTES:
        raise IntegrityError("scramble_key")
    return key


def _verify_qr(entry: dict[str, Any], document: Document, trust: IssuerTrust) -> str:
    """The QR payload printed on the back must be the issuer's, about this very document."""
    text = entry.get("qr")
    if not isinstance(text, str):
        raise IntegrityError("qr")
    try:
        claims = verify_qr(text, trust)
    except (qr_payload.QrPayloadError, qr_payload.QrSignatureInvalid) as exc:
        raise IntegrityError("qr") from exc
    if not claims.matches(document):
        raise IntegrityError("qr")
    return text


def _verify_one(
    entry: Any,
    facts: SessionFacts,
    request_id: str,
    cert_type: str,
    options: dict[str, str],
    trust: IssuerTrust,
) -> Document:
    if not isinstance(entry, dict):
        raise IntegrityError("binding")
    document, binding, signature = entry.get("document"), entry.get("binding"), entry.get("signature")
    if not isinstance(document, dict) or not isinstance(signature, str):
        raise IntegrityError("document")
    if not isinstance(binding, dict) or set(binding) != set(BINDING_FIELDS):
        raise IntegrityError("binding")
    if not all(isinstance(binding[f], str) for f in BINDING_FIELDS):
        raise IntegrityError("binding")
    try:
        digest = document_hash(document)
    except (TypeError, ValueError) as exc:
        raise IntegrityError("document") from exc
    expected = Binding(request_id, facts.session_id, facts.kiosk_id, facts.card_cert_sha256, digest)
    keys = trust.keys_for_document(document)
    if not keys:  # numbered as another municipality's, or no key of its valid on its issue date
        raise IntegrityError("issuer")
    try:
        check(Binding(**binding), signature, expected, keys)
    except BindingMismatch as exc:
        raise IntegrityError(exc.field) from exc
    # signed and ours: now check it is what was asked for
    if document.get("type") != cert_type:
        raise IntegrityError("document_type")
    doc_options = document.get("options")
    if not isinstance(doc_options, dict) or any(doc_options.get(k) != v for k, v in options.items()):
        raise IntegrityError("options")
    if not isinstance(document.get("serial"), str) or not isinstance(document.get("body"), dict):
        raise IntegrityError("document")
    return document  # type: ignore[return-value]  # the issuer signed it; what the kiosk uses is checked above
