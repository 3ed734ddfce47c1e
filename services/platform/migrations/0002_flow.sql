-- The statutory flow: which law a case runs under, its window, the moments that start the
-- windows, and an audit trail of every transition. Times are UTC RFC 3339 with milliseconds
-- and a 'Z' (fixed width), so text order is time order.
ALTER TABLE cases ADD COLUMN platform TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN seller TEXT NOT NULL DEFAULT '';
-- Cases opened before this migration run under the handler's former default, the DSA.
ALTER TABLE cases ADD COLUMN regime TEXT NOT NULL DEFAULT 'eu_dsa';
-- When the current state's window ends (seller_notified, counter_forwarded); NULL otherwise.
ALTER TABLE cases ADD COLUMN deadline TEXT;
ALTER TABLE cases ADD COLUMN measures_at TEXT;
ALTER TABLE cases ADD COLUMN counter_at TEXT;
ALTER TABLE cases ADD COLUMN restore_by TEXT;
ALTER TABLE cases ADD COLUMN complaint_until TEXT;
ALTER TABLE cases ADD COLUMN statement_of_reasons TEXT;

UPDATE cases SET
    platform = COALESCE(json_extract(body, '$.data.platform'), ''),
    seller = COALESCE(json_extract(body, '$.data.seller'), '');

CREATE INDEX cases_deadline ON cases (deadline) WHERE deadline IS NOT NULL;
CREATE INDEX cases_status ON cases (status);
CREATE INDEX cases_platform_seller ON cases (platform, seller, status);

-- Every transition: who, what, when, from → to, with the event's data. `seq` orders the
-- whole handler's history, so a reader can follow it with "after seq N".
CREATE TABLE case_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    TEXT NOT NULL REFERENCES cases (case_id),
    event      TEXT NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case ON case_events (case_id, seq);

INSERT INTO case_events (case_id, event, from_state, to_state, actor, at)
SELECT case_id, 'received', NULL, status, 'notifier', received_at
FROM cases ORDER BY received_at, case_id;

-- A seller flagged as a repeat infringer may appeal; the flag stays, the appeal is shown.
CREATE TABLE repeat_appeals (
    platform    TEXT NOT NULL,
    seller      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    appealed_at TEXT NOT NULL,
    PRIMARY KEY (platform, seller)
);
