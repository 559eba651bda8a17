-- A municipal issuing server's own tables (relay.municipal.history): its issuance history
-- (交付履歴), the serial numbers it took per year and every refusal. The issued answers
-- (the documents) are kept apart, only until the kiosk's outcome.
CREATE TABLE IF NOT EXISTS municipal_issuance (
    request_id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,         -- sha256 of the canonical request
    at REAL NOT NULL,
    session_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    resident_id TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    cert_type TEXT NOT NULL,
    copies INTEGER NOT NULL,
    fee INTEGER NOT NULL,
    serials TEXT NOT NULL,             -- JSON list
    document_sha256 TEXT NOT NULL,     -- JSON list
    outcome TEXT,
    outcome_copies INTEGER,
    outcome_amount INTEGER
);
CREATE INDEX IF NOT EXISTS municipal_issuance_at ON municipal_issuance (at);
CREATE TABLE IF NOT EXISTS municipal_documents (
    request_id TEXT PRIMARY KEY,
    answer TEXT NOT NULL               -- the issued answer, until the outcome
);
CREATE TABLE IF NOT EXISTS municipal_series (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL              -- the last number taken (numbers run 1, 2, … without a gap)
);
CREATE TABLE IF NOT EXISTS municipal_refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    request_id TEXT,
    session_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    cert_type TEXT,
    code TEXT NOT NULL
);
-- A history file written before these tables (issuance, series, refusals, unnumbered):
-- its rows move over, then the old tables go (in a new file they are made empty first).
CREATE TABLE IF NOT EXISTS issuance (request_id TEXT PRIMARY KEY, fingerprint TEXT, at REAL, session_id TEXT,
    kiosk_id TEXT, resident_id TEXT, cert_serial TEXT, cert_type TEXT, copies INTEGER, fee INTEGER, serials TEXT,
    document_sha256 TEXT, answer TEXT, outcome TEXT, outcome_copies INTEGER, outcome_amount INTEGER);
CREATE TABLE IF NOT EXISTS series (year INTEGER PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS refusals (at REAL, request_id TEXT, session_id TEXT, kiosk_id TEXT, cert_serial TEXT,
    cert_type TEXT, code TEXT);
INSERT INTO municipal_issuance SELECT request_id, fingerprint, at, session_id, kiosk_id, resident_id, cert_serial,
    cert_type, copies, fee, serials, document_sha256, outcome, outcome_copies, outcome_amount FROM issuance;
INSERT INTO municipal_documents SELECT request_id, answer FROM issuance WHERE answer IS NOT NULL;
INSERT INTO municipal_series SELECT year, last FROM series;
INSERT INTO municipal_refusals (at, request_id, session_id, kiosk_id, cert_serial, cert_type, code)
    SELECT at, request_id, session_id, kiosk_id, cert_serial, cert_type, code FROM refusals ORDER BY at;
DROP TABLE issuance;
DROP TABLE series;
DROP TABLE refusals;
