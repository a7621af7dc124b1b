-- Eligibility (issue #20): criteria set by the strategic level, and projects across sectors.
-- The pool's criteria: a JSON array of {code, text_da, kind, options?, required}.
ALTER TABLE pools ADD COLUMN criteria_json TEXT NOT NULL DEFAULT '[]';
-- Applicant and partners must span at least two sectors to be recommended or granted.
ALTER TABLE pools ADD COLUMN cross_sector_required BOOLEAN NOT NULL DEFAULT TRUE;
-- The criteria a charter's answers were checked against when it was registered (a later decision applies to later charters).
ALTER TABLE applications ADD COLUMN criteria_checked_json TEXT NOT NULL DEFAULT '[]';
-- The parties a project is run with, beside its applicant.
CREATE TABLE application_partners (
    application_id  BIGINT NOT NULL REFERENCES applications (id),
    party_id        BIGINT NOT NULL REFERENCES parties (id),
    position        INTEGER NOT NULL,
    PRIMARY KEY (application_id, party_id)
);
