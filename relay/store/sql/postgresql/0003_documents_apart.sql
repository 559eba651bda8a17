-- Document contents move out of requests into a table that holds only the documents not
-- yet deleted, so that the relay's scrub can rewrite it (VACUUM FULL) in a moment and no
-- deleted document stays in its files; requests keeps every row for idempotency and audit.
-- (The old column's bytes stay in requests' files until that table is rewritten once:
-- VACUUM FULL requests after this upgrade, at a quiet hour.)
CREATE TABLE documents (
    request_id text PRIMARY KEY,
    response text NOT NULL             -- the issued answer, until the outcome or the session's end
);
INSERT INTO documents (request_id, response) SELECT request_id, response FROM requests WHERE response IS NOT NULL;
ALTER TABLE requests DROP COLUMN response;
