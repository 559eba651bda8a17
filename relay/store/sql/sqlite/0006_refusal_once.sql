-- A municipal refusal is recorded once per request id. A node that recorded a refusal and
-- died before its answer left sees the centre send the same request to the next node
-- (relay/centre/remote.py), which refuses it again: the second record is not kept. A
-- history that already holds such a pair keeps its first record. Refusals with no request
-- id (a malformed call) are each kept: NULLs never collide in a unique index.
DELETE FROM municipal_refusals WHERE request_id IS NOT NULL AND id NOT IN
    (SELECT min(id) FROM municipal_refusals WHERE request_id IS NOT NULL GROUP BY request_id);
CREATE UNIQUE INDEX IF NOT EXISTS municipal_refusals_request ON municipal_refusals (request_id);
