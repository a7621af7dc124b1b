DROP INDEX ledger_entries_by_application;
ALTER TABLE ledger_entries DROP COLUMN application_id;
DROP TABLE disbursements;
DROP TABLE grants;
DROP TABLE application_steps;
DROP TABLE budget_lines;
DROP TABLE application_target_populations;
DROP TABLE applications;
