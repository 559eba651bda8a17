-- The issuing centre's own tables (relay.centre.store): its kiosk sessions, the delivery log,
-- its events (refusals, unavailable or wrong municipalities, kiosk alerts) and the
-- municipalities it suspended, shared by every centre node. No resident data: card serials
-- and hashes, never a document. Technician events and log exports go to 0001's tables.
CREATE TABLE centre_sessions (
    session_id text PRIMARY KEY,
    kiosk_id text NOT NULL,
    challenge text NOT NULL,
    state text NOT NULL,               -- open | authenticated | closed
    expires double precision NOT NULL,
    municipality text,
    honseki text,                      -- where 戸籍 requests go (NULL: the residence)
    cert_serial text,
    cert_sha256 text
);
CREATE INDEX centre_sessions_expires ON centre_sessions (expires);
CREATE TABLE centre_deliveries (
    request_id text PRIMARY KEY,
    session_id text NOT NULL,
    kiosk_id text NOT NULL,
    municipality text NOT NULL,
    fingerprint text NOT NULL,
    cert_type text NOT NULL,
    copies integer NOT NULL,
    fee integer NOT NULL,
    serials text NOT NULL,             -- JSON list
    document_sha256 text NOT NULL,     -- JSON list
    message_id text NOT NULL,
    at double precision NOT NULL,
    outcome text,
    outcome_copies integer,
    outcome_amount integer,
    outcome_forwarded integer NOT NULL
);
CREATE INDEX centre_deliveries_municipality ON centre_deliveries (municipality, at);
CREATE TABLE centre_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at double precision NOT NULL,
    kind text NOT NULL,
    municipality text,
    kiosk_id text,
    session_id text,
    request_id text,
    code text
);
CREATE TABLE centre_suspensions (
    municipality text PRIMARY KEY,
    at double precision NOT NULL,
    code text NOT NULL
);
