-- A municipal issuing server's own tables (relay.municipal.history): its issuance history
-- (交付履歴), the serial numbers it took per year and every refusal, shared by the nodes of
-- one municipality. Resident data lives here, in the municipality's own database only.
-- The issued answers (the documents) are kept apart, only until the kiosk's outcome, in
-- a table the scrub rewrites (VACUUM FULL) so that no deleted document stays in its files.
CREATE TABLE municipal_issuance (
    request_id text PRIMARY KEY,
    fingerprint text NOT NULL,         -- sha256 of the canonical request
    at double precision NOT NULL,
    session_id text NOT NULL,
    kiosk_id text NOT NULL,
    resident_id text NOT NULL,
    cert_serial text NOT NULL,
    cert_type text NOT NULL,
    copies integer NOT NULL,
    fee integer NOT NULL,
    serials text NOT NULL,             -- JSON list
    document_sha256 text NOT NULL,     -- JSON list
    outcome text,
    outcome_copies integer,
    outcome_amount integer
);
CREATE INDEX municipal_issuance_at ON municipal_issuance (at);
CREATE TABLE municipal_documents (
    request_id text PRIMARY KEY,
    answer text NOT NULL               -- the issued answer, until the outcome
);
CREATE TABLE municipal_series (
    year integer PRIMARY KEY,
    last integer NOT NULL              -- the last number taken (numbers run 1, 2, … without a gap)
);
CREATE TABLE municipal_refusals (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at double precision NOT NULL,
    request_id text,
    session_id text NOT NULL,
    kiosk_id text NOT NULL,
    cert_serial text NOT NULL,
    cert_type text,
    code text NOT NULL
);
