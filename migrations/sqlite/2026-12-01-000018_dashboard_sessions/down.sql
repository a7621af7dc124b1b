DROP INDEX applications_by_pool_state;
DROP INDEX applications_by_pool_decided;
DROP INDEX dashboard_sessions_by_expiry;
DROP TABLE dashboard_sessions;
