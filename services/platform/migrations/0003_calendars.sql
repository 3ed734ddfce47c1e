-- Deadlines that could not be computed yet (a year without a Chinese holiday table): a JSON
-- array of {field, period, from, reason}, filled in by the tick once the table is loaded.
ALTER TABLE cases ADD COLUMN pending_windows TEXT NOT NULL DEFAULT '[]';
CREATE INDEX cases_pending_windows ON cases (case_id) WHERE pending_windows <> '[]';

-- Holiday tables imported at run time (`takedown calendar import`), over the built-in ones.
CREATE TABLE calendars (
    region      TEXT NOT NULL,
    year        INTEGER NOT NULL,
    source      TEXT NOT NULL,
    body        TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (region, year)
);
