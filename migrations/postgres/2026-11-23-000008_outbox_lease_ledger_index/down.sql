DROP INDEX ledger_entries_by_pool;
ALTER TABLE outbox DROP COLUMN lease_until;
ALTER TABLE outbox DROP COLUMN leased_by;
