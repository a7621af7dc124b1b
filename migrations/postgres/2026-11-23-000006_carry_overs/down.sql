DELETE FROM approval_links WHERE request_id IN (SELECT id FROM approval_requests WHERE carry_over_id IS NOT NULL);
DELETE FROM approval_requests WHERE carry_over_id IS NOT NULL;
DROP INDEX approval_requests_by_carry_over;
ALTER TABLE approval_requests DROP CONSTRAINT approval_requests_one_subject;
ALTER TABLE approval_requests DROP COLUMN carry_over_id;
ALTER TABLE approval_requests ALTER COLUMN application_id SET NOT NULL;

DROP INDEX ledger_entries_by_carry_over;
ALTER TABLE ledger_entries DROP COLUMN carry_over_id;
DROP INDEX carry_overs_by_source;
DROP INDEX carry_overs_by_target;
DROP INDEX carry_overs_one_open;
DROP TABLE carry_overs;
