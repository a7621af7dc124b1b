-- Several server processes share one database: a worker claims due mail for a
-- while (a lease) before sending it, so each mail is sent by one worker only.
ALTER TABLE outbox ADD COLUMN leased_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TIMESTAMP;
