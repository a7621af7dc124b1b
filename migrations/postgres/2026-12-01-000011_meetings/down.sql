ALTER TABLE application_steps DROP COLUMN meeting_id;
DROP TABLE meeting_items;
DROP TABLE meetings;
