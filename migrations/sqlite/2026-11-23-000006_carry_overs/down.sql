DELETE FROM approval_links WHERE request_id IN (SELECT id FROM approval_requests WHERE carry_over_id IS NOT NULL);
DELETE FROM approval_requests WHERE carry_over_id IS NOT NULL;
CREATE TABLE approval_requests_old (
    id                   INTEGER PRIMARY KEY,
    application_id       BIGINT NOT NULL REFERENCES applications (id),
    level                TEXT NOT NULL CHECK (level IN ('strategic', 'political')),
    state                TEXT NOT NULL CHECK (state IN ('open', 'approved', 'rejected', 'revoked')),
    application_version  BIGINT NOT NULL,
    requested_by         TEXT NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    closed_at            TIMESTAMP
);
INSERT INTO approval_requests_old
    SELECT id, application_id, level, state, application_version, requested_by, created_at, closed_at FROM approval_requests;
CREATE TABLE approval_links_old (
    id              INTEGER PRIMARY KEY,
    request_id      BIGINT NOT NULL REFERENCES approval_requests_old (id),
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
    created_at      TIMESTAMP NOT NULL
);
INSERT INTO approval_links_old SELECT * FROM approval_links;
DROP INDEX approval_links_by_request;
DROP TABLE approval_links;
DROP INDEX approval_requests_by_carry_over;
DROP INDEX approval_requests_by_application;
DROP TABLE approval_requests;
ALTER TABLE approval_requests_old RENAME TO approval_requests;
ALTER TABLE approval_links_old RENAME TO approval_links;
CREATE INDEX approval_requests_by_application ON approval_requests (application_id, id);
CREATE INDEX approval_links_by_request ON approval_links (request_id, id);

DROP INDEX ledger_entries_by_carry_over;
ALTER TABLE ledger_entries DROP COLUMN carry_over_id;
DROP INDEX carry_overs_by_source;
DROP INDEX carry_overs_by_target;
DROP INDEX carry_overs_one_open;
DROP TABLE carry_overs;
