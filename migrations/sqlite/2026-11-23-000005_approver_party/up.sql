-- The party an approver belongs to, so they can step aside on its applications.
ALTER TABLE approvers ADD COLUMN party TEXT NOT NULL DEFAULT '';
