-- Meetings after the grant (issues #15 and #16): an amendment decided in a
-- meeting, and a grant's status as a standing agenda item.
ALTER TABLE meeting_items DROP CONSTRAINT meeting_items_kind_check;
ALTER TABLE meeting_items ADD CONSTRAINT meeting_items_kind_check CHECK (kind IN ('application', 'carry_over', 'model', 'note', 'amendment', 'grant_status'));
ALTER TABLE meeting_items ADD COLUMN amendment_id BIGINT REFERENCES amendments (id);
ALTER TABLE meeting_items ADD COLUMN grant_id BIGINT REFERENCES grants (id);
