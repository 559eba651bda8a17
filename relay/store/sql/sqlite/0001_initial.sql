-- The relay's state as the first SQLite schema had it (IF NOT EXISTS: a database made
-- before migrations were numbered takes this step without change).
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    challenge TEXT NOT NULL,
    state TEXT NOT NULL,               -- open | authenticated | closed
    created REAL NOT NULL,
    expires REAL NOT NULL,
    resident_id TEXT,
    cert_serial TEXT,
    cert_sha256 TEXT
);
CREATE TABLE IF NOT EXISTS requests (
    request_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,         -- sha256 of the canonical request
    cert_type TEXT NOT NULL,
    copies INTEGER NOT NULL,
    fee INTEGER NOT NULL,
    created REAL NOT NULL,
    response TEXT,                     -- the issued answer; NULL once deleted
    outcome TEXT,
    outcome_copies INTEGER,
    outcome_amount INTEGER
);
CREATE INDEX IF NOT EXISTS sessions_live ON sessions (expires) WHERE state != 'closed';
CREATE INDEX IF NOT EXISTS requests_session ON requests (session_id);
CREATE TABLE IF NOT EXISTS serials (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    kiosk_id TEXT NOT NULL,
    event TEXT NOT NULL,               -- authenticate | refuse | request | outcome | expire | timeout
    code TEXT,
    session_id TEXT,
    resident_id TEXT,
    cert_serial TEXT,
    cert_type TEXT,
    copies INTEGER,
    amount INTEGER,
    request_id TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE TABLE IF NOT EXISTS technician_events (
    kiosk_id TEXT NOT NULL,            -- from the client certificate
    seq INTEGER NOT NULL,              -- the kiosk's record number: one row per (kiosk, seq)
    at REAL NOT NULL,                  -- the event's time on the kiosk
    received REAL NOT NULL,            -- the relay's time when it was first stored
    t TEXT NOT NULL,                   -- the kiosk's time as it wrote it
    event TEXT NOT NULL,
    fields TEXT NOT NULL,              -- JSON of the allow-listed fields
    PRIMARY KEY (kiosk_id, seq)
);
CREATE INDEX IF NOT EXISTS technician_events_at ON technician_events (at);
CREATE TABLE IF NOT EXISTS log_exports (
    kiosk_id TEXT NOT NULL,            -- from the client certificate
    export_id TEXT NOT NULL,           -- one technician's export (a UUID)
    n INTEGER NOT NULL,                -- the event's index in that export
    received REAL NOT NULL,
    event TEXT NOT NULL,               -- JSON: a structured, allow-listed log event
    PRIMARY KEY (kiosk_id, export_id, n)
);
