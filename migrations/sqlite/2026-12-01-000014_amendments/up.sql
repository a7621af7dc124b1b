-- Amendments (issue #16): a grant's new total, end date and/or budget lines,
-- with a reason; decided like a grant. The terms before and after are kept,
-- so the history of a grant is its amendments.
CREATE TABLE amendments (
    id                  INTEGER PRIMARY KEY,
    grant_id            BIGINT NOT NULL REFERENCES grants (id),
    state               TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
    -- The level whose decision is awaited while pending.
    awaiting            TEXT CHECK (awaiting IN ('strategic', 'political')),
    -- Whether the political level must sign off (the decision rights for the new total).
    political_required  BOOLEAN NOT NULL,
    amount_before_ore   BIGINT NOT NULL CHECK (amount_before_ore > 0),
    amount_after_ore    BIGINT NOT NULL CHECK (amount_after_ore > 0),
    ends_on_before      DATE NOT NULL,
    ends_on_after       DATE NOT NULL,
    -- JSON arrays of {"year": 2023, "amount_ore": 5000000}.
    budget_before       TEXT NOT NULL,
    budget_after        TEXT NOT NULL,
    reason              TEXT NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    decided_at          TIMESTAMP
);
CREATE INDEX amendments_by_grant ON amendments (grant_id, id);
-- At most one amendment of a grant is pending at a time.
CREATE UNIQUE INDEX amendments_one_pending ON amendments (grant_id) WHERE state = 'pending';

-- Each decision on an amendment, as evidence (the meeting and its minutes).
CREATE TABLE amendment_steps (
    id            INTEGER PRIMARY KEY,
    amendment_id  BIGINT NOT NULL REFERENCES amendments (id),
    level         TEXT NOT NULL CHECK (level IN ('strategic', 'political')),
    outcome       TEXT NOT NULL CHECK (outcome IN ('approved', 'rejected')),
    meeting_date  DATE NOT NULL,
    reference     TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    actor         TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX amendment_steps_by_amendment ON amendment_steps (amendment_id, id);
