-- The registers in the relay's file (IF NOT EXISTS: a file whose registers made their own
-- tables, before they were migrations, takes this step without change): the kiosk
-- register, the registered verifiers and the faces they recovered, every issued document
-- serial, and the rate counts of the limits.
CREATE TABLE IF NOT EXISTS kiosks (
    kiosk_id TEXT PRIMARY KEY,
    store TEXT NOT NULL,
    state TEXT NOT NULL,               -- active | suspended | retired
    expected_per_hour INTEGER NOT NULL,
    changed REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS kiosk_certificates (
    fingerprint TEXT PRIMARY KEY,      -- SHA-256 of the client certificate (DER), hex
    kiosk_id TEXT NOT NULL REFERENCES kiosks (kiosk_id)
);
CREATE INDEX IF NOT EXISTS kiosk_certificates_kiosk ON kiosk_certificates (kiosk_id);
CREATE TABLE IF NOT EXISTS verifiers (
    verifier_id TEXT PRIMARY KEY,
    organisation TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,               -- active | suspended
    faces_per_hour INTEGER NOT NULL,
    added REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS face_checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    verifier_id TEXT NOT NULL,
    serial TEXT NOT NULL,
    resident_id TEXT                   -- NULL when the serial is not in the issued register
);
CREATE INDEX IF NOT EXISTS face_checks_resident ON face_checks (resident_id);
CREATE TABLE IF NOT EXISTS issued_documents (
    serial TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    resident_id TEXT NOT NULL,
    copy INTEGER NOT NULL,
    state TEXT NOT NULL,               -- issued | printed | not_printed | cancelled | voided
    reason TEXT,
    changed REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS issued_documents_request ON issued_documents (request_id);
CREATE TABLE IF NOT EXISTS rate_windows (
    key TEXT NOT NULL,                 -- kind:subject
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
)
