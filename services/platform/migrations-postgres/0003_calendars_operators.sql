-- Deadlines that could not be computed yet (a year without a Chinese holiday table): a JSON
-- array of {field, period, from, reason}, filled in by the tick once the table is loaded.
ALTER TABLE cases ADD COLUMN pending_windows TEXT NOT NULL DEFAULT '[]';
CREATE INDEX cases_pending_windows ON cases (case_id) WHERE pending_windows <> '[]';

-- Holiday tables imported at run time (`takedown calendar import`), over the built-in ones.
CREATE TABLE calendars (
    region      TEXT COLLATE "C" NOT NULL,
    year        BIGINT NOT NULL,
    source      TEXT NOT NULL,
    body        TEXT NOT NULL,
    imported_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (region, year)
);

-- The desk's operators, each with their own bearer token (`tdo_<id>_<secret>`): only SHA-256
-- of the secret is kept. Revoked tokens stay, so the audit trail's names keep their meaning.
CREATE TABLE operators (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL,
    revoked_at  TEXT COLLATE "C"
);
