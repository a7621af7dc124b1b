-- Approval by e-mail link: who approves, what was asked, the links sent, and the mail outbox.
ALTER TABLE pools ADD COLUMN political_mode TEXT NOT NULL DEFAULT 'meeting' CHECK (political_mode IN ('meeting', 'email'));

CREATE TABLE approvers (
    id          BIGSERIAL PRIMARY KEY,
    cluster_id  BIGINT NOT NULL REFERENCES clusters (id),
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('strategic', 'political')),
    side        TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL,
    UNIQUE (cluster_id, level, email)
);

CREATE TABLE approval_requests (
    id                   BIGSERIAL PRIMARY KEY,
    application_id       BIGINT NOT NULL REFERENCES applications (id),
    level                TEXT NOT NULL CHECK (level IN ('strategic', 'political')),
    state                TEXT NOT NULL CHECK (state IN ('open', 'approved', 'rejected', 'revoked')),
    application_version  BIGINT NOT NULL,
    requested_by         TEXT NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    closed_at            TIMESTAMP
);
CREATE INDEX approval_requests_by_application ON approval_requests (application_id, id);

CREATE TABLE approval_links (
    id              BIGSERIAL PRIMARY KEY,
    request_id      BIGINT NOT NULL REFERENCES approval_requests (id),
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
CREATE INDEX approval_links_by_request ON approval_links (request_id, id);

CREATE TABLE outbox (
    id               BIGSERIAL PRIMARY KEY,
    to_address       TEXT NOT NULL,
    subject          TEXT NOT NULL,
    text_body        TEXT NOT NULL,
    html_body        TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'sent')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
