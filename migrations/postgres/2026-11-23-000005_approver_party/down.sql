ALTER TABLE approvers DROP COLUMN party;
