-- Carry-over of what is left to a later year's pool, after political sign-off.
CREATE TABLE carry_overs (
    id                        INTEGER PRIMARY KEY,
    cluster_id                BIGINT NOT NULL REFERENCES clusters (id),
    source_pool_id            BIGINT NOT NULL REFERENCES pools (id),
    to_year                   INTEGER NOT NULL,
    bucket                    TEXT NOT NULL CHECK (bucket IN ('upfront', 'ad_hoc', 'rolling')),
    amount_ore                BIGINT NOT NULL CHECK (amount_ore > 0),
    state                     TEXT NOT NULL CHECK (state IN ('proposed', 'executed', 'rejected')),
    recommendation_reference  TEXT NOT NULL,
    recommendation_date       DATE,
    target_model_kind         TEXT CHECK (target_model_kind IS NULL OR target_model_kind IN ('upfront', 'split', 'rolling')),
    target_upfront_share_ppm  INTEGER,
    note                      TEXT NOT NULL DEFAULT '',
    proposed_by               TEXT NOT NULL,
    proposed_at               TIMESTAMP NOT NULL,
    decided_by                TEXT,
    decided_at                TIMESTAMP,
    decision_channel          TEXT CHECK (decision_channel IS NULL OR decision_channel IN ('meeting', 'email')),
    meeting_date              DATE,
    decision_reference        TEXT NOT NULL DEFAULT '',
    target_pool_id            BIGINT REFERENCES pools (id),
    version                   BIGINT NOT NULL DEFAULT 1
);
-- One open carry-over per (pool, to_year); retries find the open one.
CREATE UNIQUE INDEX carry_overs_one_open ON carry_overs (source_pool_id, to_year) WHERE state = 'proposed';
CREATE INDEX carry_overs_by_target ON carry_overs (cluster_id, to_year, state);
CREATE INDEX carry_overs_by_source ON carry_overs (source_pool_id, id);

-- No REFERENCES here: SQLite cannot drop a column that has one (down.sql).
ALTER TABLE ledger_entries ADD COLUMN carry_over_id BIGINT;
CREATE INDEX ledger_entries_by_carry_over ON ledger_entries (carry_over_id);

-- An approval request is about an application or a carry-over. SQLite cannot
-- relax NOT NULL in place, so the two approval tables are rebuilt.
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
INSERT INTO approval_requests_new (id, application_id, level, state, application_version, requested_by, created_at, closed_at)
    SELECT id, application_id, level, state, application_version, requested_by, created_at, closed_at FROM approval_requests;
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
DROP TABLE approval_requests;
ALTER TABLE approval_requests_new RENAME TO approval_requests;
ALTER TABLE approval_links_new RENAME TO approval_links;
CREATE INDEX approval_requests_by_application ON approval_requests (application_id, id);
CREATE INDEX approval_requests_by_carry_over ON approval_requests (carry_over_id, id);
CREATE INDEX approval_links_by_request ON approval_links (request_id, id);
