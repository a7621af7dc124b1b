-- The status projection (issue #19): running sums of the postings per pool,
-- bucket, account and kind of entry (application_id 0: the whole pool), and
-- the same per application (application_id > 0), with how many postings each
-- sum holds and the last entry in it. Written by
-- `ledger::post` in the same transaction as the postings; derived data, so
-- `klyngemidler ledger verify` recomputes it from the postings.
CREATE TABLE ledger_totals (
    pool_id         BIGINT NOT NULL REFERENCES pools (id),
    application_id  BIGINT NOT NULL DEFAULT 0,
    bucket          TEXT NOT NULL,
    account         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    amount_ore      BIGINT NOT NULL,
    postings        BIGINT NOT NULL,
    last_entry      BIGINT NOT NULL,
    PRIMARY KEY (pool_id, application_id, bucket, account, kind)
);

INSERT INTO ledger_totals (pool_id, application_id, bucket, account, kind, amount_ore, postings, last_entry)
SELECT p.pool_id, 0, p.bucket, p.account, e.kind, SUM(p.amount_ore), COUNT(*), MAX(p.entry_id)
FROM postings p JOIN ledger_entries e ON e.id = p.entry_id
GROUP BY p.pool_id, p.bucket, p.account, e.kind;

INSERT INTO ledger_totals (pool_id, application_id, bucket, account, kind, amount_ore, postings, last_entry)
SELECT p.pool_id, e.application_id, p.bucket, p.account, e.kind, SUM(p.amount_ore), COUNT(*), MAX(p.entry_id)
FROM postings p JOIN ledger_entries e ON e.id = p.entry_id
WHERE e.application_id IS NOT NULL
GROUP BY p.pool_id, e.application_id, p.bucket, p.account, e.kind;
