-- Follow-up after the grant (issue #16): the reporting plan, the progress
-- reports, the personal report links (stored as SHA-256) and the reminders
-- sent (one row per plan entry and kind of reminder, so each goes once).
CREATE TABLE reporting_plans (
    grant_id    BIGINT PRIMARY KEY REFERENCES grants (id),
    version     BIGINT NOT NULL DEFAULT 1,
    set_by      TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE reporting_plan_entries (
    id        BIGSERIAL PRIMARY KEY,
    grant_id  BIGINT NOT NULL REFERENCES reporting_plans (grant_id),
    due_on    DATE NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('status', 'final')),
    UNIQUE (grant_id, due_on, kind)
);

CREATE TABLE progress_reports (
    id            BIGSERIAL PRIMARY KEY,
    grant_id      BIGINT NOT NULL REFERENCES grants (id),
    -- The plan entry the report fulfils.
    due_on        DATE NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('status', 'final')),
    progress      TEXT NOT NULL CHECK (progress IN ('on_track', 'delayed', 'stopped')),
    body          TEXT NOT NULL,
    -- A JSON array of attachment ids (TEXT: portable).
    attachments   TEXT NOT NULL DEFAULT '[]',
    submitted_by  TEXT NOT NULL,
    channel       TEXT NOT NULL CHECK (channel IN ('api', 'link')),
    submitted_at  TIMESTAMP NOT NULL,
    UNIQUE (grant_id, due_on, kind)
);

CREATE TABLE report_links (
    id          BIGSERIAL PRIMARY KEY,
    grant_id    BIGINT NOT NULL REFERENCES grants (id),
    due_on      DATE NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('status', 'final')),
    email       TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    nonce       TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'used')),
    expires_at  TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP
);

CREATE TABLE follow_up_reminders (
    grant_id  BIGINT NOT NULL REFERENCES grants (id),
    due_on    DATE NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('status', 'final')),
    reminder  TEXT NOT NULL CHECK (reminder IN ('before', 'after')),
    sent_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (grant_id, due_on, kind, reminder)
);
