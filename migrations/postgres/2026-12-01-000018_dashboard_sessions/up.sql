-- Dashboard sign-in (issue #17): a server-side session per sign-in. The
-- cookie holds a random id; only its SHA-256 is stored, with the key it
-- belongs to. A revoked key or a disabled user ends its sessions at once
-- (checked on every request through the key); sign-out deletes the row.
CREATE TABLE dashboard_sessions (
    id            BIGSERIAL PRIMARY KEY,
    session_hash  TEXT NOT NULL UNIQUE,
    api_key_id    BIGINT NOT NULL REFERENCES api_keys (id),
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL
);
CREATE INDEX dashboard_sessions_by_expiry ON dashboard_sessions (expires_at);

-- The dashboard's lists per pool read a few rows through these instead of
-- every application of the pool: the latest decisions, and what waits.
CREATE INDEX applications_by_pool_decided ON applications (pool_id, decided_at);
CREATE INDEX applications_by_pool_state ON applications (pool_id, state, id);
