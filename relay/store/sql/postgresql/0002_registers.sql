-- The registers, shared by every centre node as the state is (on SQLite they are
-- tables of the same file): the kiosk register, the registered verifiers and the faces
-- they recovered, every issued document serial, and the rate counts of the limits
-- (relay/kiosk_register.py, relay/verifier_register.py, relay/issued_register.py,
-- relay/rate_limits.py).
CREATE TABLE kiosks (
    kiosk_id text PRIMARY KEY,
    store text NOT NULL,
    state text NOT NULL,               -- active | suspended | retired
    expected_per_hour integer NOT NULL,
    changed double precision NOT NULL
);
CREATE TABLE kiosk_certificates (
    fingerprint text PRIMARY KEY,      -- SHA-256 of the client certificate (DER), hex
    kiosk_id text NOT NULL REFERENCES kiosks (kiosk_id)
);
CREATE INDEX kiosk_certificates_kiosk ON kiosk_certificates (kiosk_id);

CREATE TABLE verifiers (
    verifier_id text PRIMARY KEY,
    organisation text NOT NULL,
    token_sha256 text NOT NULL UNIQUE,
    state text NOT NULL,               -- active | suspended
    faces_per_hour integer NOT NULL,
    added double precision NOT NULL
);
CREATE TABLE face_checks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at double precision NOT NULL,
    verifier_id text NOT NULL,
    serial text NOT NULL,
    resident_id text                   -- NULL when the serial is not in the issued register
);
CREATE INDEX face_checks_resident ON face_checks (resident_id);

CREATE TABLE issued_documents (
    serial text PRIMARY KEY,
    request_id text NOT NULL,
    kiosk_id text NOT NULL,
    resident_id text NOT NULL,
    copy integer NOT NULL,
    state text NOT NULL,               -- issued | printed | not_printed | cancelled | voided
    reason text,
    changed double precision NOT NULL
);
CREATE INDEX issued_documents_request ON issued_documents (request_id);

CREATE TABLE rate_windows (
    key text NOT NULL,                 -- kind:subject
    window_start bigint NOT NULL,
    count integer NOT NULL,
    PRIMARY KEY (key, window_start)
);
