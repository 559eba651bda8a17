-- Whose database this is: the issuing centre's, or one municipality's issuance history,
-- and since when. Every relay database has every table, so an empty one could not be told
-- from another: audit and reconcile took a new database or another relay's for an empty
-- centre or history. The first node to open it records it (relay/store/identity.py); one
-- row, never changed. A database from before this migration has none until a node starts.
CREATE TABLE relay_identity (
    id integer PRIMARY KEY CHECK (id = 1),
    role text NOT NULL CHECK (role IN ('centre', 'municipality')),
    code text,                         -- the municipality's code (NULL: the centre)
    created double precision NOT NULL  -- when it was recorded (Unix seconds)
);
