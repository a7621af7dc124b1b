-- Several server processes share one database: a worker claims due mail for a
-- while (a lease) before sending it, so each mail is sent by one worker only.
ALTER TABLE outbox ADD COLUMN leased_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TIMESTAMP;

-- The ledger of one pool, in order (GET …/ledger reads it by pool; without
-- this a full database scans every entry).
CREATE INDEX ledger_entries_by_pool ON ledger_entries (pool_id, id);
