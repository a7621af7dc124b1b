DROP TABLE audit_events;
DROP TABLE postings;
DROP TABLE ledger_entries;
DROP TABLE pools;
DROP TABLE api_keys;
DROP TABLE target_populations;
DROP TABLE parties;
DROP TABLE clusters;
