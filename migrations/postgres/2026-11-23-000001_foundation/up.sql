-- Foundation: reference data, API keys, pools, the ledger and the audit trail.
-- Money is BIGINT øre everywhere; timestamps are UTC without zone.
CREATE TABLE clusters (
    id          BIGSERIAL PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    region      TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE parties (
    id          BIGSERIAL PRIMARY KEY,
    cluster_id  BIGINT NOT NULL REFERENCES clusters (id),
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('municipality', 'region', 'hospital', 'psychiatry', 'general_practice', 'other')),
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (cluster_id, slug)
);

CREATE TABLE target_populations (
    code        TEXT PRIMARY KEY,
    name_da     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    position    INTEGER NOT NULL
);

INSERT INTO target_populations (code, name_da, name_en, position) VALUES
    ('chronic_disease', 'Borgere med kroniske sygdomme', 'Citizens with chronic diseases', 1),
    ('acute_area', 'Akutområdet', 'The acute area', 2),
    ('mental_illness', 'Borgere med psykiske lidelser', 'Citizens with mental illness', 3),
    ('young_mental_distress', 'Unge med mental mistrivsel', 'Young people with mental distress', 4),
    ('vulnerable_elderly', 'De sårbare ældre', 'Vulnerable elderly', 5);

CREATE TABLE api_keys (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'finance', 'secretariat', 'viewer')),
    clusters     TEXT NOT NULL DEFAULT '',
    key_hash     TEXT NOT NULL UNIQUE,
    key_prefix   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP,
    revoked_at   TIMESTAMP
);

CREATE TABLE pools (
    id                      BIGSERIAL PRIMARY KEY,
    cluster_id              BIGINT NOT NULL REFERENCES clusters (id),
    year                    INTEGER NOT NULL,
    amount_ore              BIGINT NOT NULL CHECK (amount_ore >= 0),
    model_kind              TEXT NOT NULL CHECK (model_kind IN ('upfront', 'split', 'rolling')),
    upfront_share_ppm       INTEGER CHECK (upfront_share_ppm IS NULL OR (upfront_share_ppm > 0 AND upfront_share_ppm < 1000000)),
    state                   TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
    recommendation_required BOOLEAN NOT NULL,
    strategic_mode          TEXT NOT NULL CHECK (strategic_mode IN ('meeting', 'co_chairs_email')),
    political_threshold_ore BIGINT NOT NULL CHECK (political_threshold_ore >= 0),
    note                    TEXT NOT NULL DEFAULT '',
    version                 BIGINT NOT NULL DEFAULT 1,
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL,
    UNIQUE (cluster_id, year)
);

-- Double entry: every entry's postings sum to zero, per pool.
CREATE TABLE ledger_entries (
    id          BIGSERIAL PRIMARY KEY,
    pool_id     BIGINT NOT NULL REFERENCES pools (id),
    kind        TEXT NOT NULL,
    memo        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE postings (
    id          BIGSERIAL PRIMARY KEY,
    entry_id    BIGINT NOT NULL REFERENCES ledger_entries (id),
    pool_id     BIGINT NOT NULL REFERENCES pools (id),
    bucket      TEXT NOT NULL CHECK (bucket IN ('upfront', 'ad_hoc', 'rolling')),
    account     TEXT NOT NULL CHECK (account IN ('funding', 'available', 'pending', 'committed', 'disbursed', 'carried_in', 'carried_out')),
    amount_ore  BIGINT NOT NULL
);
CREATE INDEX postings_by_pool ON postings (pool_id, entry_id);

CREATE TABLE audit_events (
    id            BIGSERIAL PRIMARY KEY,
    occurred_at   TIMESTAMP NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    before_json   TEXT,
    after_json    TEXT,
    request_id    TEXT
);
CREATE INDEX audit_events_by_subject ON audit_events (subject, id);
