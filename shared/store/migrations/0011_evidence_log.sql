-- The evidence transparency log (shared/tlog, issue 20): a Merkle tree hashed as RFC 9162
-- over every capture and every notice sent, with signed checkpoints.
--
-- A writer queues a leaf in the same transaction as the row it describes (one leaf per
-- kind and id, so a repeated write queues nothing); integration gives queued leaves their
-- place in the tree in queue order and stores the tree's hashes. Leaves are never updated
-- or deleted once placed: a changed or missing row is what verification detects.
CREATE TABLE log_leaves (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,   -- queue order
    kind        TEXT NOT NULL,                       -- capture | notice
    ref_id      TEXT NOT NULL,                       -- the capture's or notice's id
    data        TEXT NOT NULL,                       -- the leaf's bytes (UTF-8), hashed as SHA-256(0x00 || data)
    queued_at   TEXT NOT NULL,
    idx         INTEGER UNIQUE,                      -- place in the tree; NULL until integrated
    UNIQUE (kind, ref_id)
);
CREATE INDEX log_leaves_pending ON log_leaves (seq) WHERE idx IS NULL;

-- Every leaf hash and every complete subtree's hash, at its stored hash index (the layout of
-- Go's sumdb/tlog: about two per leaf; a root or a proof reads O(log n) of them).
CREATE TABLE log_hashes (
    idx         INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL                        -- lower-case hex
);

-- Signed checkpoints: C2SP signed notes over (origin, size, root).
CREATE TABLE log_checkpoints (
    size        INTEGER PRIMARY KEY,
    root        TEXT NOT NULL,                       -- base64, as in the note
    note        TEXT NOT NULL,
    signed_at   TEXT NOT NULL
);
