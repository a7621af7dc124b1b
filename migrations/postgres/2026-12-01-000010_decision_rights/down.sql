ALTER TABLE approval_links DROP COLUMN seat;
ALTER TABLE approval_requests DROP COLUMN reason;
ALTER TABLE approvers DROP COLUMN deputy_for;
ALTER TABLE approvers DROP COLUMN role;
ALTER TABLE applications DROP COLUMN referred;
ALTER TABLE applications DROP COLUMN received_on;
ALTER TABLE pools DROP COLUMN email_mandate_reference;
ALTER TABLE pools DROP COLUMN operations_forum_limit_ore;
