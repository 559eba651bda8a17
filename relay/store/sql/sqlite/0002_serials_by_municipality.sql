-- Serial numbers count per municipality and year (one centre, several municipalities).
-- A year's count from before keeps the municipality '' until the first serial of that
-- year is taken: then it is carried on under the issuing municipality (one municipality
-- per relay before this step), so no number is given twice.
ALTER TABLE serials RENAME TO serials_by_year;
CREATE TABLE serials (
    municipality TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,             -- the last number given; every number up to it belongs to a request
    PRIMARY KEY (municipality, year)
);
INSERT INTO serials (municipality, year, last) SELECT '', year, last FROM serials_by_year;
DROP TABLE serials_by_year;
-- Each request keeps the numbers it was given, after its documents are deleted, so that
-- an audit can show every number of a year belongs to exactly one request.
ALTER TABLE requests ADD COLUMN municipality TEXT;
ALTER TABLE requests ADD COLUMN serial_year INTEGER;
ALTER TABLE requests ADD COLUMN serial_first INTEGER;
CREATE UNIQUE INDEX requests_serials ON requests (municipality, serial_year, serial_first);
