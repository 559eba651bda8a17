-- When the kiosk's outcome was recorded at the centre. With several centre processes
-- (--workers, or nodes on one database) one process's sweep cannot see the outcomes another
-- has queued or on their way: it sends again only those recorded long enough ago that
-- their own batch has surely been answered or given up. Outcomes recorded before this
-- column existed have none, and count as old.
ALTER TABLE centre_deliveries ADD COLUMN outcome_at REAL;
