-- The evidence transparency log, PostgreSQL edition of migrations/0011_evidence_log.sql
-- (same tables, same columns, same meaning).
CREATE TABLE log_leaves (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT COLLATE "C" NOT NULL,
    ref_id      TEXT COLLATE "C" NOT NULL,
    data        TEXT NOT NULL,
    queued_at   TEXT COLLATE "C" NOT NULL,
    idx         BIGINT UNIQUE,
    UNIQUE (kind, ref_id)
);
CREATE INDEX log_leaves_pending ON log_leaves (seq) WHERE idx IS NULL;

CREATE TABLE log_hashes (
    idx         BIGINT PRIMARY KEY,
    hash        TEXT COLLATE "C" NOT NULL
);

CREATE TABLE log_checkpoints (
    size        BIGINT PRIMARY KEY,
    root        TEXT COLLATE "C" NOT NULL,
    note        TEXT NOT NULL,
    signed_at   TEXT COLLATE "C" NOT NULL
);
