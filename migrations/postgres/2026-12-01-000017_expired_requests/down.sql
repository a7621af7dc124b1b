-- Back to the states of 000009: an expired request is open again (its links stay expired).
UPDATE approval_requests SET state = 'open' WHERE state = 'expired';
ALTER TABLE approval_requests DROP CONSTRAINT approval_requests_state_check;
ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_state_check
    CHECK (state IN ('open', 'approved', 'rejected', 'revoked', 'pool_closed'));
