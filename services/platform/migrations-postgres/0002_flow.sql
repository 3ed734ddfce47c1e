-- The statutory flow: which law a case runs under, its window, the moments that start the
-- windows, and an audit trail of every transition. Times are UTC RFC 3339 with milliseconds
-- and a 'Z' (fixed width), so text order is time order. (No backfill: PostgreSQL case
-- databases start at this schema's version 0004.)
ALTER TABLE cases ADD COLUMN platform TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN seller TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN regime TEXT COLLATE "C" NOT NULL DEFAULT 'eu_dsa';
-- When the current state's window ends (seller_notified, counter_forwarded); NULL otherwise.
ALTER TABLE cases ADD COLUMN deadline TEXT COLLATE "C";
ALTER TABLE cases ADD COLUMN measures_at TEXT COLLATE "C";
ALTER TABLE cases ADD COLUMN counter_at TEXT COLLATE "C";
ALTER TABLE cases ADD COLUMN restore_by TEXT COLLATE "C";
ALTER TABLE cases ADD COLUMN complaint_until TEXT COLLATE "C";
ALTER TABLE cases ADD COLUMN statement_of_reasons TEXT;

CREATE INDEX cases_deadline ON cases (deadline) WHERE deadline IS NOT NULL;
CREATE INDEX cases_status ON cases (status);
CREATE INDEX cases_platform_seller ON cases (platform, seller, status);

-- Every transition: who, what, when, from → to, with the event's data. `seq` orders the
-- whole handler's history, so a reader can follow it with "after seq N" (the case store
-- numbers events in commit order: see `CaseStore::record`).
CREATE TABLE case_events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    TEXT COLLATE "C" NOT NULL REFERENCES cases (case_id),
    event      TEXT COLLATE "C" NOT NULL,
    from_state TEXT COLLATE "C",
    to_state   TEXT COLLATE "C" NOT NULL,
    actor      TEXT COLLATE "C" NOT NULL,
    at         TEXT COLLATE "C" NOT NULL,
    detail     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case ON case_events (case_id, seq);

-- A seller flagged as a repeat infringer may appeal; the flag stays, the appeal is shown.
CREATE TABLE repeat_appeals (
    platform    TEXT COLLATE "C" NOT NULL,
    seller      TEXT COLLATE "C" NOT NULL,
    reason      TEXT NOT NULL,
    appealed_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (platform, seller)
);
