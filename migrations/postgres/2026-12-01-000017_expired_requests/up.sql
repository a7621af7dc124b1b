-- An approval request whose links have all expired with answers missing
-- becomes `expired` (its money stays reserved until it is resent or revoked).
ALTER TABLE approval_requests DROP CONSTRAINT approval_requests_state_check;
ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_state_check
    CHECK (state IN ('open', 'approved', 'rejected', 'revoked', 'pool_closed', 'expired'));
