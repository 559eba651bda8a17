-- The relay's state on PostgreSQL: the same tables as on SQLite (relay/store/sql/sqlite),
-- shared by every centre node. Times are POSIX seconds from the relays' clocks.
CREATE TABLE sessions (
    session_id text PRIMARY KEY,
    kiosk_id text NOT NULL,
    challenge text NOT NULL,
    state text NOT NULL,               -- open | authenticated | closed
    created double precision NOT NULL,
    expires double precision NOT NULL,
    resident_id text,
    cert_serial text,
    cert_sha256 text
);
CREATE INDEX sessions_live ON sessions (expires) WHERE state <> 'closed';

CREATE TABLE requests (
    request_id text PRIMARY KEY,
    session_id text NOT NULL,
    kiosk_id text NOT NULL,
    fingerprint text NOT NULL,         -- sha256 of the canonical request
    cert_type text NOT NULL,
    copies integer NOT NULL,
    fee integer NOT NULL,
    created double precision NOT NULL,
    response text,                     -- the issued answer; NULL once deleted
    outcome text,
    outcome_copies integer,
    outcome_amount integer,
    municipality text,                 -- the serial numbers serial_first .. + copies - 1 of
    serial_year integer,               -- (municipality, serial_year), kept after the documents go
    serial_first integer
);
CREATE INDEX requests_session ON requests (session_id);
-- a number is given once: no two requests share a first number in a series
CREATE UNIQUE INDEX requests_serials ON requests (municipality, serial_year, serial_first);

CREATE TABLE serials (
    municipality text NOT NULL,
    year integer NOT NULL,
    last integer NOT NULL,             -- the last number given; every number up to it belongs to a request
    PRIMARY KEY (municipality, year)
);

CREATE TABLE audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at double precision NOT NULL,
    kiosk_id text NOT NULL,
    event text NOT NULL,               -- authenticate | refuse | request | outcome | expire | timeout
    code text,
    session_id text,
    resident_id text,
    cert_serial text,
    cert_type text,
    copies integer,
    amount integer,
    request_id text
);
CREATE INDEX audit_at ON audit (at);

CREATE TABLE technician_events (
    kiosk_id text NOT NULL,            -- from the client certificate
    seq bigint NOT NULL,               -- the kiosk's record number: one row per (kiosk, seq)
    at double precision NOT NULL,      -- the event's time on the kiosk
    received double precision NOT NULL,
    t text NOT NULL,                   -- the kiosk's time as it wrote it
    event text NOT NULL,
    fields text NOT NULL,              -- JSON of the allow-listed fields
    PRIMARY KEY (kiosk_id, seq)
);
CREATE INDEX technician_events_at ON technician_events (at);

CREATE TABLE log_exports (
    kiosk_id text NOT NULL,
    export_id text NOT NULL,           -- one technician's export (a UUID)
    n integer NOT NULL,                -- the event's index in that export
    received double precision NOT NULL,
    event text NOT NULL,               -- JSON: a structured, allow-listed log event
    PRIMARY KEY (kiosk_id, export_id, n)
);
