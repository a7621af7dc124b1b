-- Attachments on applications and grants (issue #16): the file's facts in
-- `attachments`, its bytes in chunks of at most 256 KiB so that an upload is
-- written and a download read a piece at a time. A row is `pending` while
-- its chunks come in and becomes `stored` in the transaction that audits
-- the upload; only stored attachments are ever listed or served. Removal
-- keeps the row and the bytes, and records who, when and why.
CREATE TABLE attachments (
    id              BIGSERIAL PRIMARY KEY,
    application_id  BIGINT REFERENCES applications (id),
    grant_id        BIGINT REFERENCES grants (id),
    file_name       TEXT NOT NULL,
    media_type      TEXT NOT NULL,
    size_bytes      BIGINT NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
    sha256          TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'stored')),
    uploaded_by     TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    removed_at      TIMESTAMP,
    removed_by      TEXT,
    removed_reason  TEXT,
    CHECK ((application_id IS NULL) <> (grant_id IS NULL))
);
CREATE INDEX attachments_by_application ON attachments (application_id);
CREATE INDEX attachments_by_grant ON attachments (grant_id);

CREATE TABLE attachment_chunks (
    attachment_id  BIGINT NOT NULL REFERENCES attachments (id),
    seq            INTEGER NOT NULL CHECK (seq >= 0),
    bytes          BYTEA NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);
