-- The platform's side: one case per notice id, however often it is delivered. (The SQLite
-- set's 0001 in PostgreSQL's dialect: text columns are COLLATE "C", so the fixed-width
-- timestamps order and compare byte-wise as on SQLite, whatever the server's locale.)
CREATE TABLE cases (
    case_id     TEXT COLLATE "C" PRIMARY KEY,
    notice_id   TEXT COLLATE "C" NOT NULL UNIQUE,
    listing_url TEXT COLLATE "C" NOT NULL,
    status      TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL,
    received_at TEXT COLLATE "C" NOT NULL,
    deliveries  BIGINT NOT NULL DEFAULT 1
);
