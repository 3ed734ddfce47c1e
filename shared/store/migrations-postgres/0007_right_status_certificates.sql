-- Rights' registration status and their certificates (issue 6).

-- A right's registration status, changed only through the API's transition rules.
-- A right without a row here is registered (every right stored before statuses existed was
-- imported as a registration).
CREATE TABLE right_status (
    right_id    TEXT COLLATE "C" PRIMARY KEY,
    owner_id    TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    status      TEXT COLLATE "C" NOT NULL, -- pending | registered | lapsed | cancelled | invalidated
    changed_at  TEXT COLLATE "C" NOT NULL,
    changed_by  TEXT COLLATE "C" NOT NULL  -- key id, or "cli"
);
CREATE INDEX right_status_owner ON right_status (owner_id);

-- A right's registration certificate: the bytes are a blob (content-addressed by digest),
-- this row is what the owner uploaded and when.
CREATE TABLE right_certificates (
    right_id    TEXT COLLATE "C" PRIMARY KEY,
    owner_id    TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    digest      TEXT COLLATE "C" NOT NULL, -- hex SHA-256 of the bytes, the blob's name
    size        BIGINT NOT NULL,
    media_type  TEXT COLLATE "C" NOT NULL, -- as sniffed: application/pdf | image/png | image/jpeg
    uploaded_at TEXT COLLATE "C" NOT NULL,
    uploaded_by TEXT COLLATE "C" NOT NULL
);
CREATE INDEX right_certificates_owner ON right_certificates (owner_id);
