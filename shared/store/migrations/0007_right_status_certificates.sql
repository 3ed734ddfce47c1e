-- Rights' registration status and their certificates (issue 6).

-- A right's registration status, changed only through the API's transition rules.
-- A right without a row here is registered (every right stored before statuses existed was
-- imported as a registration).
CREATE TABLE right_status (
    right_id    TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES tenants (id),
    status      TEXT NOT NULL,         -- pending | registered | lapsed | cancelled | invalidated
    changed_at  TEXT NOT NULL,
    changed_by  TEXT NOT NULL          -- key id, or "cli"
);
CREATE INDEX right_status_owner ON right_status (owner_id);

-- A right's registration certificate: the bytes are a blob (content-addressed by digest),
-- this row is what the owner uploaded and when.
CREATE TABLE right_certificates (
    right_id    TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES tenants (id),
    digest      TEXT NOT NULL,         -- hex SHA-256 of the bytes, the blob's name
    size        INTEGER NOT NULL,
    media_type  TEXT NOT NULL,         -- as sniffed from the bytes: application/pdf | image/png | image/jpeg
    uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE INDEX right_certificates_owner ON right_certificates (owner_id);
