DROP TABLE application_partners;
ALTER TABLE applications DROP COLUMN criteria_checked_json;
ALTER TABLE pools DROP COLUMN cross_sector_required;
ALTER TABLE pools DROP COLUMN criteria_json;
