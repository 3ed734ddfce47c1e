-- Messages a consumer could not handle, set aside with where they came from and why.
CREATE TABLE IF NOT EXISTS bus_dead_letters (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    source_topic     TEXT    NOT NULL,
    source_partition INTEGER NOT NULL,
    source_offset    INTEGER NOT NULL,
    key              TEXT    NOT NULL,
    payload          BLOB    NOT NULL,
    reason           TEXT    NOT NULL,
    dead_at          TEXT    NOT NULL,
    -- A redelivered poison message (crash between dead-lettering and commit) is kept once.
    UNIQUE (source_topic, source_partition, source_offset)
);
