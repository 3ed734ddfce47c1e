-- The web console's sessions: an API key exchanged for a session cookie. Only the SHA-256 of
-- the session token is kept, so a copy of this table signs nobody in. The session names the
-- key it was opened with, and every request resolves the key again (a revoked key ends its
-- sessions). `csrf_token` is the synchronizer token every form of the session carries.
CREATE TABLE console_sessions (
    token_hash    TEXT COLLATE "C" PRIMARY KEY,  -- hex SHA-256 of the cookie's token
    key_id        TEXT COLLATE "C" NOT NULL,     -- the API key that signed in
    csrf_token    TEXT COLLATE "C" NOT NULL,
    created_at    TEXT COLLATE "C" NOT NULL,
    last_seen_at  TEXT COLLATE "C" NOT NULL,     -- for the idle expiry
    expires_at    TEXT COLLATE "C" NOT NULL      -- the absolute expiry
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
