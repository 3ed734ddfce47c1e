-- The platform's side: one case per notice id, however often it is delivered.
CREATE TABLE cases (
    case_id     TEXT PRIMARY KEY,
    notice_id   TEXT NOT NULL UNIQUE,
    listing_url TEXT NOT NULL,
    status      TEXT NOT NULL,
    body        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    deliveries  INTEGER NOT NULL DEFAULT 1
);
