-- The issuing centre's own tables (relay.centre.store): its kiosk sessions, the delivery log,
-- its events (refusals, unavailable or wrong municipalities, kiosk alerts) and the
-- municipalities it suspended. No resident data: card serials and hashes, never a document.
-- Technician events and log exports go to the tables of 0001, the rate counts to 0003's.
CREATE TABLE IF NOT EXISTS centre_sessions (
    session_id TEXT PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    challenge TEXT NOT NULL,
    state TEXT NOT NULL,               -- open | authenticated | closed
    expires REAL NOT NULL,
    municipality TEXT,
    honseki TEXT,                      -- where 戸籍 requests go (NULL: the residence)
    cert_serial TEXT,
    cert_sha256 TEXT
);
CREATE INDEX IF NOT EXISTS centre_sessions_expires ON centre_sessions (expires);
CREATE TABLE IF NOT EXISTS centre_deliveries (
    request_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    municipality TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    cert_type TEXT NOT NULL,
    copies INTEGER NOT NULL,
    fee INTEGER NOT NULL,
    serials TEXT NOT NULL,             -- JSON list
    document_sha256 TEXT NOT NULL,     -- JSON list
    message_id TEXT NOT NULL,
    at REAL NOT NULL,
    outcome TEXT,
    outcome_copies INTEGER,
    outcome_amount INTEGER,
    outcome_forwarded INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS centre_deliveries_municipality ON centre_deliveries (municipality, at);
CREATE TABLE IF NOT EXISTS centre_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    municipality TEXT,
    kiosk_id TEXT,
    session_id TEXT,
    request_id TEXT,
    code TEXT
);
CREATE TABLE IF NOT EXISTS centre_suspensions (
    municipality TEXT PRIMARY KEY,
    at REAL NOT NULL,
    code TEXT NOT NULL
);
