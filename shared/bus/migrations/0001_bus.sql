-- The embedded bus: an append-only log per topic partition and committed offsets per group.
CREATE TABLE IF NOT EXISTS bus_messages (
    topic       TEXT    NOT NULL,
    partition   INTEGER NOT NULL,
    "offset"    INTEGER NOT NULL,
    key         TEXT    NOT NULL,
    payload     BLOB    NOT NULL,
    published_at TEXT   NOT NULL,
    PRIMARY KEY (topic, partition, "offset")
);

CREATE TABLE IF NOT EXISTS bus_offsets (
    grp         TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    partition   INTEGER NOT NULL,
    next_offset INTEGER NOT NULL,
    PRIMARY KEY (grp, topic, partition)
);
