DROP INDEX audit_events_one_successor;
DROP INDEX audit_events_by_stream;
ALTER TABLE audit_events DROP COLUMN stream;
