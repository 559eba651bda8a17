-- The centre's sweep reads, per municipality, the outcomes it has not told yet, oldest
-- first. Through (municipality, at) it walked every delivery of that municipality ever
-- forwarded to reach them; this index holds only the pending ones, so a sweep reads what
-- is left to send, however long the delivery log has grown.
CREATE INDEX centre_deliveries_outcome_pending ON centre_deliveries (municipality, at)
    WHERE outcome IS NOT NULL AND outcome_forwarded = 0;
