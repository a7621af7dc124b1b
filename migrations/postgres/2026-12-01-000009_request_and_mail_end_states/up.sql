-- A request can end because its pool was closed (pool_closed), and a mail that
-- can never be sent is given up (undeliverable).
ALTER TABLE approval_requests DROP CONSTRAINT approval_requests_state_check;
ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_state_check
    CHECK (state IN ('open', 'approved', 'rejected', 'revoked', 'pool_closed'));
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check CHECK (state IN ('queued', 'sent', 'undeliverable'));
