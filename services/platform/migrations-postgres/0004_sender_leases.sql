-- Who sent each notice (the owner id in it), in a column of its own.
ALTER TABLE cases ADD COLUMN sender TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX cases_sender ON cases (sender);

-- Work that one desk replica at a time does (the ticker): the holder and until when its
-- lease runs. A replica takes a lease that lapsed; its holder renews it.
CREATE TABLE desk_leases (
    name       TEXT COLLATE "C" PRIMARY KEY,
    holder     TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL
);
