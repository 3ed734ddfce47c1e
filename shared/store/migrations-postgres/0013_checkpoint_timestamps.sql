-- RFC 3161 timestamps over checkpoints, PostgreSQL edition of
-- migrations/0013_checkpoint_timestamps.sql (same table, same columns, same meaning).
CREATE TABLE log_timestamps (
    size        BIGINT PRIMARY KEY,
    tsa_url     TEXT NOT NULL,
    query       TEXT COLLATE "C" NOT NULL,
    reply       TEXT COLLATE "C" NOT NULL,
    gen_time    TEXT COLLATE "C" NOT NULL,
    stamped_at  TEXT COLLATE "C" NOT NULL
);
