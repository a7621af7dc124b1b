-- Meetings (issue #15): a forum's sittings, their numbered agenda items with
-- the drafted indstilling, and the outcome of each item once held.
CREATE TABLE meetings (
    id            BIGSERIAL PRIMARY KEY,
    cluster_id    BIGINT NOT NULL REFERENCES clusters (id),
    forum         TEXT NOT NULL CHECK (forum IN ('operations_forum', 'strategic', 'political')),
    meeting_date  DATE NOT NULL,
    title         TEXT NOT NULL,
    location      TEXT NOT NULL DEFAULT '',
    -- JSON arrays of role titles (no names needed).
    attendees     TEXT NOT NULL DEFAULT '[]',
    apologies     TEXT NOT NULL DEFAULT '[]',
    state         TEXT NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'held')),
    -- The reference the decisions carry ("Referat 13.10.2022"), once held.
    reference     TEXT NOT NULL DEFAULT '',
    held_at       TIMESTAMP,
    version       BIGINT NOT NULL DEFAULT 1,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX meetings_by_forum ON meetings (cluster_id, forum, meeting_date);

CREATE TABLE meeting_items (
    id                  BIGSERIAL PRIMARY KEY,
    meeting_id          BIGINT NOT NULL REFERENCES meetings (id),
    number              INTEGER NOT NULL CHECK (number > 0),
    kind                TEXT NOT NULL CHECK (kind IN ('application', 'carry_over', 'model', 'note')),
    application_id      BIGINT REFERENCES applications (id),
    carry_over_id       BIGINT REFERENCES carry_overs (id),
    pool_id             BIGINT REFERENCES pools (id),
    -- A model item's proposal (NULL: the forum is asked to decide one).
    model_kind          TEXT CHECK (model_kind IS NULL OR model_kind IN ('upfront', 'split', 'rolling')),
    model_share_ppm     INTEGER,
    title               TEXT NOT NULL,
    -- Paragraphs separated by a blank line; proposals a JSON array of texts.
    case_text           TEXT NOT NULL,
    proposals           TEXT NOT NULL,
    edited              BOOLEAN NOT NULL DEFAULT FALSE,
    outcome             TEXT CHECK (outcome IS NULL OR outcome IN ('approved', 'rejected', 'postponed', 'referred', 'noted')),
    outcome_amount_ore  BIGINT CHECK (outcome_amount_ore IS NULL OR outcome_amount_ore >= 0),
    outcome_note        TEXT NOT NULL DEFAULT '',
    -- A postponed item and the item it became on the forum's next meeting.
    postponed_from      BIGINT REFERENCES meeting_items (id),
    carried_to          BIGINT REFERENCES meeting_items (id),
    version             BIGINT NOT NULL DEFAULT 1,
    UNIQUE (meeting_id, number)
);
CREATE INDEX meeting_items_by_application ON meeting_items (application_id);

-- The step a meeting's outcome took points at the meeting.
ALTER TABLE application_steps ADD COLUMN meeting_id BIGINT REFERENCES meetings (id);
