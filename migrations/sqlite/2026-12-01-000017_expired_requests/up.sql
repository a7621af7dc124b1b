-- An approval request whose links have all expired with answers missing
-- becomes `expired` (its money stays reserved until it is resent or revoked).
-- SQLite cannot change a CHECK in place: the tables are rebuilt as in 000009
-- (the links with them: they refer to requests).
CREATE TABLE approval_requests_new (
    id                   INTEGER PRIMARY KEY,
    application_id       BIGINT REFERENCES applications (id),
    level                TEXT NOT NULL CHECK (level IN ('strategic', 'political')),
    state                TEXT NOT NULL CHECK (state IN ('open', 'approved', 'rejected', 'revoked', 'pool_closed', 'expired')),
    application_version  BIGINT NOT NULL,
    requested_by         TEXT NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    closed_at            TIMESTAMP,
    carry_over_id        BIGINT REFERENCES carry_overs (id),
    reason               TEXT NOT NULL DEFAULT '',
    CHECK ((application_id IS NULL) <> (carry_over_id IS NULL))
);
INSERT INTO approval_requests_new (id, application_id, level, state, application_version, requested_by, created_at, closed_at, carry_over_id, reason)
    SELECT id, application_id, level, state, application_version, requested_by, created_at, closed_at, carry_over_id, reason FROM approval_requests;
CREATE TABLE approval_links_new (
    id              INTEGER PRIMARY KEY,
    request_id      BIGINT NOT NULL REFERENCES approval_requests_new (id),
    approver_name   TEXT NOT NULL,
    approver_email  TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    nonce           TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'void')),
    expires_at      TIMESTAMP NOT NULL,
    reminded_at     TIMESTAMP,
    decided_at      TIMESTAMP,
    comment         TEXT NOT NULL DEFAULT '',
    client_ip       TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    seat            TEXT NOT NULL DEFAULT ''
);
INSERT INTO approval_links_new (id, request_id, approver_name, approver_email, token_hash, nonce, state, expires_at, reminded_at, decided_at, comment, client_ip, user_agent, created_at, seat)
    SELECT id, request_id, approver_name, approver_email, token_hash, nonce, state, expires_at, reminded_at, decided_at, comment, client_ip, user_agent, created_at, seat FROM approval_links;
DROP INDEX approval_links_by_request;
DROP TABLE approval_links;
DROP INDEX approval_requests_by_application;
DROP INDEX approval_requests_by_carry_over;
DROP TABLE approval_requests;
ALTER TABLE approval_requests_new RENAME TO approval_requests;
ALTER TABLE approval_links_new RENAME TO approval_links;
CREATE INDEX approval_requests_by_application ON approval_requests (application_id, id);
CREATE INDEX approval_requests_by_carry_over ON approval_requests (carry_over_id, id);
CREATE INDEX approval_links_by_request ON approval_links (request_id, id);
