-- The multi-tenant API: keys, the audit log, review decisions, tenant-owned documents.

-- API keys. Only the SHA-256 of the secret part is kept; the key is shown once at creation.
CREATE TABLE api_keys (
    id          TEXT COLLATE "C" PRIMARY KEY, -- the public part of the key, used to find the row
    tenant_id   TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    secret_hash TEXT NOT NULL,                -- hex SHA-256 of the secret part
    scopes      TEXT NOT NULL,                -- JSON array of scope names
    label       TEXT NOT NULL DEFAULT '',
    created_at  TEXT COLLATE "C" NOT NULL,
    revoked_at  TEXT COLLATE "C"
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

-- Every change made through the API or the tenant CLI: who, what, when, before/after.
-- The sequence is assigned by the database (SQLite's AUTOINCREMENT, here an identity).
CREATE TABLE audit_log (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   TEXT COLLATE "C" NOT NULL,
    actor       TEXT COLLATE "C" NOT NULL,    -- key id, or "cli"
    action      TEXT COLLATE "C" NOT NULL,    -- create | update | delete | revoke | approve | reject | import
    object_kind TEXT COLLATE "C" NOT NULL,
    object_id   TEXT COLLATE "C" NOT NULL,
    before      TEXT,                         -- JSON, absent for a create
    after       TEXT,                         -- JSON, absent for a delete
    at          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);

-- A brand owner's decision on a match held for review.
CREATE TABLE review_decisions (
    match_id    TEXT COLLATE "C" PRIMARY KEY,
    owner_id    TEXT COLLATE "C" NOT NULL,
    approved    BOOLEAN NOT NULL,
    reason      TEXT NOT NULL,
    actor       TEXT COLLATE "C" NOT NULL,
    decided_at  TEXT COLLATE "C" NOT NULL
);

-- Objects a tenant owns that the pipeline does not query by column (fairs, exhibitors,
-- screening runs, policies, platform endpoints): JSON bodies keyed by tenant, kind, id.
-- The tenant is part of the key, so a lookup can only ever find the caller's own rows.
CREATE TABLE tenant_docs (
    tenant_id   TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    kind        TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    parent_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, kind, id)
);
CREATE INDEX tenant_docs_parent ON tenant_docs (tenant_id, kind, parent_id);
