-- Who sent each notice (the owner id in it), in a column of its own: the inbox filters on
-- it with SQL both backends speak, where it used to read the body's JSON.
ALTER TABLE cases ADD COLUMN sender TEXT NOT NULL DEFAULT '';
UPDATE cases SET sender = COALESCE(json_extract(body, '$.data.owner_id'), '');
CREATE INDEX cases_sender ON cases (sender);

-- Work that one desk replica at a time does (the ticker): the holder and until when its
-- lease runs. A replica takes a lease that lapsed; its holder renews it.
CREATE TABLE desk_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
