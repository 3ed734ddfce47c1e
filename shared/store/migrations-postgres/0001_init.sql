-- Owner-side state, PostgreSQL edition of migrations/0001_init.sql (same tables, same
-- columns, same meaning). Bodies are the model's JSON, kept as text exactly as written.
-- Text is COLLATE "C" so ORDER BY and the comparisons of RFC 3339 timestamp text are
-- byte-wise, as on SQLite, whatever the server's locale. Integers are BIGINT (i64).

CREATE TABLE tenants (
    id          TEXT COLLATE "C" PRIMARY KEY,
    kind        TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL
);

CREATE TABLE rights (
    id          TEXT COLLATE "C" PRIMARY KEY,
    owner_id    TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    kind        TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX rights_owner ON rights (owner_id);

CREATE TABLE authorized_sellers (
    owner_id    TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    platform    TEXT COLLATE "C" NOT NULL,
    seller      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (owner_id, platform, seller)
);

-- Every fetch kept as evidence.
CREATE TABLE captures (
    id          TEXT COLLATE "C" PRIMARY KEY,
    url         TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL,
    fetched_at  TEXT COLLATE "C" NOT NULL
);

-- The crawl frontier: resumable after a crash, de-duplicated per source.
CREATE TABLE frontier (
    source_id   TEXT COLLATE "C" NOT NULL,
    url         TEXT COLLATE "C" NOT NULL,
    depth       BIGINT NOT NULL,
    state       TEXT COLLATE "C" NOT NULL,   -- pending | done | failed
    detail      TEXT COLLATE "C",
    seq         BIGINT NOT NULL,             -- discovery order
    PRIMARY KEY (source_id, url)
);
CREATE INDEX frontier_pending ON frontier (source_id, state, seq);

CREATE TABLE listings (
    id          TEXT COLLATE "C" PRIMARY KEY,
    source_id   TEXT COLLATE "C" NOT NULL,
    url         TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX listings_source ON listings (source_id);

CREATE TABLE exhibitors (
    id          TEXT COLLATE "C" PRIMARY KEY,
    fair        TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL
);

CREATE TABLE matches (
    id          TEXT COLLATE "C" PRIMARY KEY,
    listing_id  TEXT COLLATE "C" NOT NULL,
    right_id    TEXT COLLATE "C" NOT NULL,
    owner_id    TEXT COLLATE "C" NOT NULL,
    decision    TEXT COLLATE "C" NOT NULL,   -- auto_file | review
    body        TEXT NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX matches_owner ON matches (owner_id);

CREATE TABLE notices (
    id          TEXT COLLATE "C" PRIMARY KEY,
    match_id    TEXT COLLATE "C" NOT NULL UNIQUE,
    owner_id    TEXT COLLATE "C" NOT NULL,
    platform    TEXT COLLATE "C" NOT NULL,
    status      TEXT COLLATE "C" NOT NULL,
    case_id     TEXT COLLATE "C",
    body        TEXT NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);

-- Events back from the platform; (notice, kind, case) is unique so redelivery is a no-op.
CREATE TABLE notice_events (
    notice_id   TEXT COLLATE "C" NOT NULL REFERENCES notices (id),
    kind        TEXT COLLATE "C" NOT NULL,
    case_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    at          TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (notice_id, kind, case_id)
);

-- The notifier's outbox: one row per notice, drained with retries.
CREATE TABLE deliveries (
    notice_id   TEXT COLLATE "C" PRIMARY KEY,
    platform    TEXT COLLATE "C" NOT NULL,
    state       TEXT COLLATE "C" NOT NULL,   -- pending | delivered | rejected
    attempts    BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT COLLATE "C" NOT NULL,
    last_error  TEXT,
    case_id     TEXT COLLATE "C",
    payload     TEXT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
