-- Back to the states of 000006/000004: a request ended by closing counts as
-- revoked, a mail given up as sent (it will not be tried again either way).
CREATE TABLE approval_requests_new (
    id                   INTEGER PRIMARY KEY,
    application_id       BIGINT REFERENCES applications (id),
    level                TEXT NOT NULL CHECK (level IN ('strategic', 'political')),
    state                TEXT NOT NULL CHECK (state IN ('open', 'approved', 'rejected', 'revoked')),
    application_version  BIGINT NOT NULL,
    requested_by         TEXT NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    closed_at            TIMESTAMP,
    carry_over_id        BIGINT REFERENCES carry_overs (id),
    CHECK ((application_id IS NULL) <> (carry_over_id IS NULL))
);
UPDATE approval_requests SET state = 'revoked' WHERE state = 'pool_closed';
INSERT INTO approval_requests_new SELECT * FROM approval_requests;
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
    created_at      TIMESTAMP NOT NULL
);
INSERT INTO approval_links_new SELECT * FROM approval_links;
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

CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY,
    to_address       TEXT NOT NULL,
    subject          TEXT NOT NULL,
    text_body        TEXT NOT NULL,
    html_body        TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'sent')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP,
    leased_by        TEXT,
    lease_until      TIMESTAMP
);
UPDATE outbox SET state = 'sent' WHERE state = 'undeliverable';
INSERT INTO outbox_new SELECT * FROM outbox;
DROP INDEX outbox_due;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
