DROP TABLE ledger_totals;
