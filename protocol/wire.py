"""The relay protocol's constants, shared by the relay and the kiosk client.

See ``docs/relay-protocol.md``. Every body is a JSON object; bytes are base64 (standard
alphabet, padded). Errors come back as ``{"error": {"code": str}}`` with an HTTP status.
"""

from __future__ import annotations

PROTOCOL_VERSION = 1

VERSION_PATH = "/v1/version"
SESSION_PATH = "/v1/session"  # open a session
AUTH_PATH = "/v1/authenticate"
MENU_PATH = "/v1/menu"
DOCUMENTS_PATH = "/v1/documents"
OUTCOME_PATH = "/v1/outcome"
TECHNICIAN_EVENTS_PATH = "/v1/technician-events"  # the diagnostic-mode audit trail
LOG_EXPORT_PATH = "/v1/log-export"  # a technician's export of the structured event log
VERIFY_PATH = "/v1/verify"  # public: check a printed document (QR payload, scrambled image)
DIRECTORY_PATH = "/v1/directory"  # the signed federation directory (GET; kiosk and public endpoints)
#: In the version answer of a relay or centre that serves the directory: the serial of the
#: copy it serves, so a kiosk holding an older one fetches it now (a hint: only the fetched,
#: verified directory is believed). Absent from older relays: the kiosk refreshes as before.
DIRECTORY_SERIAL = "directory_serial"

#: What a kiosk reports of a request (``POST /v1/outcome``). ``unknown``: the printer had
#: the document and never said how it ended (the kiosk or cupsd went down meanwhile), so
#: the certificate may have been issued; nothing was charged for it.
OUTCOMES = ("printed", "cancelled", "failed", "unknown")

MAX_BODY_BYTES = 64 * 1024  # kiosk -> relay request bodies
#: A public verification request: the scans' bytes in all (``limits.MAX_TOTAL_BYTES``,
#: 80 MiB: both sides of a 600-dpi PNG scan) in base64, and the JSON around them.
MAX_VERIFY_BODY_BYTES = 108 * 1024 * 1024
MAX_TECHNICIAN_RECORDS = 100  # per call; a record is at most 1 KiB of JSON
MAX_LOG_EVENTS = 100  # per log-export call; an event is at most 1 KiB of JSON
MAX_RESPONSE_BYTES = 2 * 1024 * 1024  # relay -> kiosk: ten copies of the largest document

#: Topology modes and the storage each needs. A multi-node relay over storage that is not
#: shared between nodes is the single-server-build-on-multi-server mistake: refused. The
#: federation's centre (``relay centre serve``) holds its sessions and delivery log in SQLite,
#: or in PostgreSQL shared by several centre nodes, and the documents come from the
#: municipalities' servers: a kiosk takes it only with a federation anchor, never with one
#: municipality's issuer key.
FEDERATION = "federation"
TOPOLOGY_STORAGE = {"single-node": ("sqlite", "postgresql"), "multi-node": ("postgresql",),
                    FEDERATION: ("sqlite", "postgresql")}

# request errors (HTTP 4xx/5xx codes besides the refusal codes)
BAD_JSON = "bad_json"
TOO_LARGE = "too_large"
DUPLICATE_KEY = "duplicate_key"
WRONG_TYPE = "wrong_type"
MISSING_FIELD = "missing_field"
UNKNOWN_FIELD = "unknown_field"
BAD_VALUE = "bad_value"
UNKNOWN_SESSION = "unknown_session"
SESSION_EXPIRED = "session_expired"
NOT_AUTHENTICATED = "not_authenticated"
REQUEST_ID_CONFLICT = "request_id_conflict"
ALREADY_ISSUED = "already_issued"
UNKNOWN_REQUEST = "unknown_request"
OUTCOME_MISMATCH = "outcome_mismatch"
OUTCOME_CONFLICT = "outcome_conflict"
TIMEOUT = "timeout"
UNAVAILABLE = "unavailable"  # 503: the relay's database cannot be reached; nothing was kept, try again
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
NO_CLIENT_CERTIFICATE = "no_client_certificate"  # only reachable past a TLS layer that did not require one
NOT_A_KIOSK_CERTIFICATE = "not_a_kiosk_certificate"  # an operator-CA certificate not shaped as a kiosk's
KIOSK_UNKNOWN = "kiosk_unknown"  # the certificate is not registered to the kiosk it names
KIOSK_SUSPENDED = "kiosk_suspended"  # the register has suspended this kiosk
KIOSK_RETIRED = "kiosk_retired"  # the register has retired this kiosk
INTERNAL = "internal"
# the public verification service's own limits
BUSY = "busy"  # every work slot is taken: try again shortly
#: 408: an upload that fell behind the pace the service asks (relay/upload_pace.py: 1 Mbit/s
#: after 10 s, all of it within 300 s, never 10 s without a byte)
TOO_SLOW = "too_slow"
#: 404: this public listener checks QR codes only (a federation centre's: the face check
#: needs the issuing municipality's scramble master, which the centre never holds)
NOT_OFFERED = "not_offered"
RATE_LIMITED = "rate_limited"  # this source (or verifier, or kiosk) is over its rate
TOO_COMPLEX = "too_complex"  # the scan needed more memory than a check may have
BAD_CREDENTIALS = "bad_credentials"  # a verifier's token that is not (or no longer) registered
# answered by the HTTP layer itself, before any endpoint runs
BAD_HTTP = "bad_http"  # a malformed request (e.g. Content-Length with chunked encoding)
HEADER_TOO_LARGE = "header_too_large"  # a request line or header over 8190 bytes
TOO_MANY_HEADERS = "too_many_headers"  # more than 64 header lines
