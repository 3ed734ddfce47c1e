-- Owner-side state. Bodies are the model's JSON; columns beside them are what we query by.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL
);

CREATE TABLE rights (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES tenants (id),
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX rights_owner ON rights (owner_id);

CREATE TABLE authorized_sellers (
    owner_id    TEXT NOT NULL REFERENCES tenants (id),
    platform    TEXT NOT NULL,
    seller      TEXT NOT NULL,
    PRIMARY KEY (owner_id, platform, seller)
);

-- Every fetch kept as evidence.
CREATE TABLE captures (
    id          TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    body        TEXT NOT NULL,
    fetched_at  TEXT NOT NULL
);

-- The crawl frontier: resumable after a crash, de-duplicated per source.
CREATE TABLE frontier (
    source_id   TEXT NOT NULL,
    url         TEXT NOT NULL,
    depth       INTEGER NOT NULL,
    state       TEXT NOT NULL,         -- pending | done | failed
    detail      TEXT,
    seq         INTEGER NOT NULL,      -- discovery order
    PRIMARY KEY (source_id, url)
);
CREATE INDEX frontier_pending ON frontier (source_id, state, seq);

CREATE TABLE listings (
    id          TEXT PRIMARY KEY,
    source_id   TEXT NOT NULL,
    url         TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX listings_source ON listings (source_id);

CREATE TABLE exhibitors (
    id          TEXT PRIMARY KEY,
    fair        TEXT NOT NULL,
    body        TEXT NOT NULL
);

CREATE TABLE matches (
    id          TEXT PRIMARY KEY,
    listing_id  TEXT NOT NULL,
    right_id    TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    decision    TEXT NOT NULL,         -- auto_file | review
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX matches_owner ON matches (owner_id);

CREATE TABLE notices (
    id          TEXT PRIMARY KEY,
    match_id    TEXT NOT NULL UNIQUE,
    owner_id    TEXT NOT NULL,
    platform    TEXT NOT NULL,
    status      TEXT NOT NULL,
    case_id     TEXT,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Events back from the platform; (notice, kind, case) is unique so redelivery is a no-op.
CREATE TABLE notice_events (
    notice_id   TEXT NOT NULL REFERENCES notices (id),
    kind        TEXT NOT NULL,
    case_id     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (notice_id, kind, case_id)
);

-- The notifier's outbox: one row per notice, drained with retries.
CREATE TABLE deliveries (
    notice_id   TEXT PRIMARY KEY,
    platform    TEXT NOT NULL,
    state       TEXT NOT NULL,         -- pending | delivered | rejected
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error  TEXT,
    case_id     TEXT,
    payload     TEXT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
