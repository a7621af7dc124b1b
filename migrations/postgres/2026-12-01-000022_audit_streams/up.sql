-- Audit streams: every event belongs to one chain (stream). Writes locked to a
-- pool chain in that pool's stream (`pool:<key>`), everything else in `global`,
-- so writers to different pools never read or extend the same chain head.
-- Events written before this migration keep stream '' and stay verifiable as
-- the legacy chain (their hash does not cover the stream).
ALTER TABLE audit_events ADD COLUMN stream TEXT NOT NULL DEFAULT '';
-- A stream's head: its newest event (index scan, so on PostgreSQL a writer's
-- SERIALIZABLE read covers only its own stream's tail).
CREATE INDEX audit_events_by_stream ON audit_events (stream, id);
-- A chain cannot fork: no two events of one stream follow the same event.
CREATE UNIQUE INDEX audit_events_one_successor ON audit_events (stream, prev_hash) WHERE stream <> '';
