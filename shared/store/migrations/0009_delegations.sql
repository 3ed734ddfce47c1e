-- Delegations: a brand owner lets another tenant (an agent or law firm acting for it) call
-- its routes with the agent's own keys. One row per (owner, agent); a revocation stamps
-- `revoked_at`, and granting again makes the row live with the new scopes.
CREATE TABLE delegations (
    owner_id    TEXT NOT NULL REFERENCES tenants (id),
    agent_id    TEXT NOT NULL REFERENCES tenants (id),
    scopes      TEXT NOT NULL,         -- JSON array of scope names (never "keys")
    granted_by  TEXT NOT NULL,         -- the actor who granted it
    granted_at  TEXT NOT NULL,
    revoked_at  TEXT,
    PRIMARY KEY (owner_id, agent_id)
);
CREATE INDEX delegations_agent ON delegations (agent_id);
