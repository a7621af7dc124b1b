-- Back to the states of 000004: a request ended by closing counts as revoked,
-- a mail given up as sent (it will not be tried again either way).
UPDATE approval_requests SET state = 'revoked' WHERE state = 'pool_closed';
UPDATE outbox SET state = 'sent' WHERE state = 'undeliverable';
ALTER TABLE approval_requests DROP CONSTRAINT approval_requests_state_check;
ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_state_check
    CHECK (state IN ('open', 'approved', 'rejected', 'revoked'));
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check CHECK (state IN ('queued', 'sent'));
