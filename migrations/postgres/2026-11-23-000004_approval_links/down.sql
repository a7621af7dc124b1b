DROP INDEX outbox_due;
DROP TABLE outbox;
DROP INDEX approval_links_by_request;
DROP TABLE approval_links;
DROP INDEX approval_requests_by_application;
DROP TABLE approval_requests;
DROP TABLE approvers;
ALTER TABLE pools DROP COLUMN political_mode;
