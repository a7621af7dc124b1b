-- Carry-over of what is left to a later year's pool, after political sign-off.
CREATE TABLE carry_overs (
    id                        BIGSERIAL PRIMARY KEY,
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

ALTER TABLE ledger_entries ADD COLUMN carry_over_id BIGINT REFERENCES carry_overs (id);
CREATE INDEX ledger_entries_by_carry_over ON ledger_entries (carry_over_id);

-- An approval request is about an application or a carry-over.
ALTER TABLE approval_requests ALTER COLUMN application_id DROP NOT NULL;
ALTER TABLE approval_requests ADD COLUMN carry_over_id BIGINT REFERENCES carry_overs (id);
ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_one_subject CHECK ((application_id IS NULL) <> (carry_over_id IS NULL));
CREATE INDEX approval_requests_by_carry_over ON approval_requests (carry_over_id, id);
