-- Whose database this is: the issuing centre's, or one municipality's issuance history,
-- and since when. Every relay database has every table, so an empty one could not be told
-- from another: audit and reconcile took a new file, a mistyped name or another relay's
-- database for an empty centre or history. The server records it the first time it opens
-- its database (relay/store/identity.py); one row, never changed. A database from before
-- this migration has none until its server next starts.
CREATE TABLE IF NOT EXISTS relay_identity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    role TEXT NOT NULL CHECK (role IN ('centre', 'municipality')),
    code TEXT,                         -- the municipality's code (NULL: the centre)
    created REAL NOT NULL              -- when it was recorded (Unix seconds)
);
