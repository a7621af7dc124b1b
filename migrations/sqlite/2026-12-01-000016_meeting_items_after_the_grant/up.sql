-- Meetings after the grant (issues #15 and #16): an amendment decided in a
-- meeting, and a grant's status as a standing agenda item. SQLite cannot
-- change a CHECK constraint, so the table is rebuilt (the self-references
-- follow the rename).
CREATE TABLE meeting_items_new (
    id                  INTEGER PRIMARY KEY,
    meeting_id          BIGINT NOT NULL REFERENCES meetings (id),
    number              INTEGER NOT NULL CHECK (number > 0),
    kind                TEXT NOT NULL CHECK (kind IN ('application', 'carry_over', 'model', 'note', 'amendment', 'grant_status')),
    application_id      BIGINT REFERENCES applications (id),
    carry_over_id       BIGINT REFERENCES carry_overs (id),
    pool_id             BIGINT REFERENCES pools (id),
    model_kind          TEXT CHECK (model_kind IS NULL OR model_kind IN ('upfront', 'split', 'rolling')),
    model_share_ppm     INTEGER,
    title               TEXT NOT NULL,
    case_text           TEXT NOT NULL,
    proposals           TEXT NOT NULL,
    edited              BOOLEAN NOT NULL DEFAULT FALSE,
    outcome             TEXT CHECK (outcome IS NULL OR outcome IN ('approved', 'rejected', 'postponed', 'referred', 'noted')),
    outcome_amount_ore  BIGINT CHECK (outcome_amount_ore IS NULL OR outcome_amount_ore >= 0),
    outcome_note        TEXT NOT NULL DEFAULT '',
    postponed_from      BIGINT REFERENCES meeting_items_new (id),
    carried_to          BIGINT REFERENCES meeting_items_new (id),
    version             BIGINT NOT NULL DEFAULT 1,
    -- An amendment of a grant to decide, or a grant whose status is a standing item.
    amendment_id        BIGINT REFERENCES amendments (id),
    grant_id            BIGINT REFERENCES grants (id),
    UNIQUE (meeting_id, number)
);
INSERT INTO meeting_items_new (id, meeting_id, number, kind, application_id, carry_over_id, pool_id, model_kind, model_share_ppm, title, case_text, proposals, edited, outcome, outcome_amount_ore, outcome_note, postponed_from, carried_to, version) SELECT id, meeting_id, number, kind, application_id, carry_over_id, pool_id, model_kind, model_share_ppm, title, case_text, proposals, edited, outcome, outcome_amount_ore, outcome_note, postponed_from, carried_to, version FROM meeting_items;
DROP TABLE meeting_items;
ALTER TABLE meeting_items_new RENAME TO meeting_items;
CREATE INDEX meeting_items_by_application ON meeting_items (application_id);
