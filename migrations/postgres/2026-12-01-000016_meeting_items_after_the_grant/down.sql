ALTER TABLE meeting_items DROP COLUMN grant_id;
ALTER TABLE meeting_items DROP COLUMN amendment_id;
DELETE FROM meeting_items WHERE kind NOT IN ('application', 'carry_over', 'model', 'note');
ALTER TABLE meeting_items DROP CONSTRAINT meeting_items_kind_check;
ALTER TABLE meeting_items ADD CONSTRAINT meeting_items_kind_check CHECK (kind IN ('application', 'carry_over', 'model', 'note'));
