-- Applications (project charters), the steps of their approval, grants and
-- disbursements. Ledger entries name the application whose money they move.
CREATE TABLE applications (
    id                  BIGSERIAL PRIMARY KEY,
    pool_id             BIGINT NOT NULL REFERENCES pools (id),
    title               TEXT NOT NULL,
    applicant_party_id  BIGINT NOT NULL REFERENCES parties (id),
    purpose             TEXT NOT NULL,
    goals               TEXT NOT NULL,
    organisation        TEXT NOT NULL DEFAULT '',
    evaluation          TEXT NOT NULL DEFAULT '',
    expense_kind        TEXT NOT NULL CHECK (expense_kind = 'development'),
    requested_ore       BIGINT NOT NULL CHECK (requested_ore > 0),
    starts_on           DATE NOT NULL,
    ends_on             DATE NOT NULL,
    bucket              TEXT NOT NULL CHECK (bucket IN ('upfront', 'ad_hoc', 'rolling')),
    origin              TEXT NOT NULL CHECK (origin IN ('cluster', 'ssu')),
    contact_email       TEXT NOT NULL DEFAULT '',
    criteria_json       TEXT NOT NULL DEFAULT '[]',
    state               TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'recommended', 'reserved', 'approved', 'rejected', 'withdrawn')),
    recommended_ore     BIGINT,
    reserved_ore        BIGINT NOT NULL DEFAULT 0 CHECK (reserved_ore >= 0),
    approved_ore        BIGINT,
    awaiting            TEXT CHECK (awaiting IS NULL OR awaiting IN ('strategic', 'political')),
    rejected_by         TEXT,
    submitted_at        TIMESTAMP,
    decided_at          TIMESTAMP,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX applications_by_pool ON applications (pool_id, id);

CREATE TABLE application_target_populations (
    application_id  BIGINT NOT NULL REFERENCES applications (id),
    code            TEXT NOT NULL REFERENCES target_populations (code),
    position        INTEGER NOT NULL,
    PRIMARY KEY (application_id, code)
);

CREATE TABLE budget_lines (
    application_id  BIGINT NOT NULL REFERENCES applications (id),
    year            INTEGER NOT NULL,
    amount_ore      BIGINT NOT NULL CHECK (amount_ore > 0),
    PRIMARY KEY (application_id, year)
);

-- Every step taken on an application, in order: the evidence.
CREATE TABLE application_steps (
    id              BIGSERIAL PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES applications (id),
    step            TEXT NOT NULL CHECK (step IN ('submitted', 'recommendation', 'strategic', 'political', 'withdrawn')),
    outcome         TEXT NOT NULL,
    amount_ore      BIGINT,
    meeting_date    DATE,
    reference       TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    actor           TEXT NOT NULL,
    recorded_at     TIMESTAMP NOT NULL
);
CREATE INDEX application_steps_by_application ON application_steps (application_id, id);

CREATE TABLE grants (
    id              BIGSERIAL PRIMARY KEY,
    application_id  BIGINT NOT NULL UNIQUE REFERENCES applications (id),
    pool_id         BIGINT NOT NULL REFERENCES pools (id),
    bucket          TEXT NOT NULL,
    amount_ore      BIGINT NOT NULL CHECK (amount_ore > 0),
    disbursed_ore   BIGINT NOT NULL DEFAULT 0 CHECK (disbursed_ore >= 0),
    released_ore    BIGINT NOT NULL DEFAULT 0 CHECK (released_ore >= 0),
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    CHECK (disbursed_ore + released_ore <= amount_ore)
);
CREATE INDEX grants_by_pool ON grants (pool_id, id);

CREATE TABLE disbursements (
    id          BIGSERIAL PRIMARY KEY,
    grant_id    BIGINT NOT NULL REFERENCES grants (id),
    amount_ore  BIGINT NOT NULL CHECK (amount_ore > 0),
    paid_on     DATE NOT NULL,
    reference   TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

ALTER TABLE ledger_entries ADD COLUMN application_id BIGINT REFERENCES applications (id);
CREATE INDEX ledger_entries_by_application ON ledger_entries (application_id);
