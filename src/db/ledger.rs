//! Ledger entries and their postings. Balances are sums of postings, kept
//! as they are written in `ledger_totals` (the status projection): every
//! posting adds to its running sum in the same statement group, inside the
//! transaction of its cause, so no caller can forget it. `verify` recomputes
//! the sums from the postings.

use crate::db::cached::{CacheStatement, direct, insert_rows};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use std::fmt::Write as _;

use super::schema::{ledger_entries, postings};
use super::{AnyConnection, StoreError};
use crate::domain::allocation::Bucket;
use crate::domain::breakdown::Use;
use crate::domain::ledger::{Account, Balances, Entry, EntryKind};

#[derive(Debug, Clone, Queryable)]
pub struct EntryRow {
    pub id: i64,
    pub pool_id: i64,
    pub kind: String,
    pub memo: String,
    pub actor: String,
    pub created_at: NaiveDateTime,
    pub application_id: Option<i64>,
    pub carry_over_id: Option<i64>,
}

#[derive(Debug, Clone, Queryable)]
pub struct PostingRow {
    pub id: i64,
    pub entry_id: i64,
    pub pool_id: i64,
    pub bucket: String,
    pub account: String,
    pub amount_ore: i64,
}

/// One running sum of the projection: a bucket, account and kind of entry.
#[derive(Debug, QueryableByName)]
pub(crate) struct BalanceRow {
    #[diesel(sql_type = Text)]
    bucket: String,
    #[diesel(sql_type = Text)]
    account: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = BigInt)]
    amount_ore: i64,
}

/// Writes a balanced entry and its postings. Call inside the transaction of
/// the change that caused the movement.
pub fn post(
    conn: &mut AnyConnection,
    pool_id: i64,
    application_id: Option<i64>,
    entry: &Entry,
    actor: &str,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    insert_entry(conn, pool_id, (application_id, None), entry, actor, now)
}

/// Writes an entry of a carry-over (its hold, release or execution).
pub fn post_carry_over(
    conn: &mut AnyConnection,
    pool_id: i64,
    carry_over_id: i64,
    entry: &Entry,
    actor: &str,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    insert_entry(conn, pool_id, (None, Some(carry_over_id)), entry, actor, now)
}

fn insert_entry(
    conn: &mut AnyConnection,
    pool_id: i64,
    (application_id, carry_over_id): (Option<i64>, Option<i64>),
    entry: &Entry,
    actor: &str,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    if !entry.is_balanced() {
        return Err(StoreError::Corrupt(format!("refusing an unbalanced {} entry", entry.kind().as_str())));
    }
    let ids: Vec<i64> = direct!(conn, |c| diesel::insert_into(ledger_entries::table)
        .values((
            ledger_entries::pool_id.eq(pool_id),
            ledger_entries::kind.eq(entry.kind().as_str()),
            ledger_entries::memo.eq(entry.memo()),
            ledger_entries::actor.eq(actor),
            ledger_entries::created_at.eq(now),
            ledger_entries::application_id.eq(application_id),
            ledger_entries::carry_over_id.eq(carry_over_id),
        ))
        .returning(ledger_entries::id)
        .get_results(c))?;
    let entry_id = ids.first().copied().ok_or(diesel::result::Error::NotFound)?;
    // Every posting in one statement on PostgreSQL (`insert_rows!`: the multi backend has no batch insert).
    let rows: Vec<_> = entry
        .postings()
        .iter()
        .map(|p| {
            (
                postings::entry_id.eq(entry_id),
                postings::pool_id.eq(pool_id),
                postings::bucket.eq(p.bucket.as_str()),
                postings::account.eq(p.account.as_str()),
                postings::amount_ore.eq(p.amount_ore),
            )
        })
        .collect();
    insert_rows!(conn, postings::table, &rows, postings::id)?;
    // The pool's own sums (application 0), and the application's beside them.
    let mut sums = sums_of(entry, 0);
    if let Some(application_id) = application_id {
        sums.extend(sums_of(entry, application_id));
    }
    add_to_totals(conn, pool_id, entry, entry_id, &sums)?;
    Ok(entry_id)
}

/// An entry's postings summed per bucket and account, for the running sums
/// of `application_id` (0: the pool's own): (application, bucket, account, øre, postings).
fn sums_of(entry: &Entry, application_id: i64) -> Vec<(i64, Bucket, Account, i64, i64)> {
    let mut sums: Vec<(i64, Bucket, Account, i64, i64)> = Vec::new();
    for p in entry.postings() {
        match sums.iter_mut().find(|(_, b, a, ..)| *b == p.bucket && *a == p.account) {
            Some(sum) => {
                sum.3 += p.amount_ore;
                sum.4 += 1;
            }
            None => sums.push((application_id, p.bucket, p.account, p.amount_ore, 1)),
        }
    }
    sums
}

/// Adds an entry's sums to the running sums, in one statement. One row per
/// pool (or application), bucket, account and kind; the pool's lock (held by
/// every writer of the pool) keeps two writers off the same row, and no two
/// of `sums` share a row (each statement may change a row only once).
fn add_to_totals(
    conn: &mut AnyConnection,
    pool_id: i64,
    entry: &Entry,
    entry_id: i64,
    sums: &[(i64, Bucket, Account, i64, i64)],
) -> Result<(), StoreError> {
    if sums.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "INSERT INTO ledger_totals (pool_id, application_id, bucket, account, kind, amount_ore, postings, last_entry) VALUES ",
    );
    for i in 0..sums.len() {
        let n = i * 8;
        let _ = write!(
            sql,
            "{}(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
            if i == 0 { "" } else { ", " },
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 6,
            n + 7,
            n + 8
        );
    }
    sql.push_str(
        " ON CONFLICT (pool_id, application_id, bucket, account, kind) DO UPDATE SET \
         amount_ore = ledger_totals.amount_ore + excluded.amount_ore, \
         postings = ledger_totals.postings + excluded.postings, \
         last_entry = CASE WHEN excluded.last_entry > ledger_totals.last_entry THEN excluded.last_entry ELSE ledger_totals.last_entry END \
         RETURNING postings",
    );
    let kind = entry.kind().as_str();
    // RETURNING makes it a query whose kept statement is used (see db::cached);
    // an entry has few shapes of sums, so few texts are kept.
    let _: Vec<Kept> = direct!(conn, |c| {
        let mut query = diesel::sql_query(sql.as_str()).into_boxed();
        for (application_id, bucket, account, amount_ore, count) in sums {
            query = query
                .bind::<BigInt, _>(pool_id)
                .bind::<BigInt, _>(*application_id)
                .bind::<Text, _>(bucket.as_str())
                .bind::<Text, _>(account.as_str())
                .bind::<Text, _>(kind)
                .bind::<BigInt, _>(*amount_ore)
                .bind::<BigInt, _>(*count)
                .bind::<BigInt, _>(entry_id);
        }
        query.cached().load::<Kept>(c)
    })?;
    Ok(())
}

/// What the running sums' upsert answers (its `RETURNING`).
#[derive(Debug, QueryableByName)]
struct Kept {
    #[diesel(sql_type = BigInt)]
    #[allow(dead_code)]
    postings: i64,
}

#[derive(Debug, QueryableByName)]
struct MarkRow {
    #[diesel(sql_type = BigInt)]
    postings: i64,
    #[diesel(sql_type = BigInt)]
    last_entry: i64,
}

/// How far a pool's ledger has grown: (number of postings, last entry id).
/// Entries are never changed or removed, so equal marks mean equal balances;
/// the count catches an entry committed after a later id (PostgreSQL
/// sequences do not promise commit order). Read from the projection: a
/// handful of rows, however long the ledger.
pub fn mark(conn: &mut AnyConnection, pool_id: i64) -> Result<(i64, i64), StoreError> {
    let row: MarkRow = diesel::sql_query(
        "SELECT CAST(COALESCE(SUM(postings), 0) AS BIGINT) AS postings, CAST(COALESCE(MAX(last_entry), 0) AS BIGINT) AS last_entry \
         FROM ledger_totals WHERE pool_id = $1 AND application_id = 0",
    )
    .bind::<BigInt, _>(pool_id)
    .get_result(conn)?;
    Ok((row.postings, row.last_entry))
}

/// The pool's balances per bucket, account and kind of entry.
pub fn balances(conn: &mut AnyConnection, pool_id: i64) -> Result<Balances, StoreError> {
    // SUM over BIGINT is NUMERIC to diesel; the cast keeps it an integer of øre.
    let rows: Vec<BalanceRow> = direct!(conn, |c| diesel::sql_query(
        "SELECT bucket, account, kind, CAST(SUM(amount_ore) AS BIGINT) AS amount_ore \
         FROM ledger_totals WHERE pool_id = $1 AND application_id = 0 GROUP BY bucket, account, kind",
    )
    .bind::<BigInt, _>(pool_id)
    .cached()
    .load(c))?;
    let mut balances = Balances::default();
    for row in rows {
        row.add_to(&mut balances)?;
    }
    Ok(balances)
}

impl BalanceRow {
    /// Adds this sum to `balances`; a bucket, account or kind not known is corrupt data.
    pub(crate) fn add_to(self, balances: &mut Balances) -> Result<(), StoreError> {
        let BalanceRow { bucket, account, kind, amount_ore } = self;
        let parsed = (Bucket::parse(&bucket), Account::parse(&account), EntryKind::parse(&kind));
        let (Some(bucket), Some(account), Some(kind)) = parsed else {
            return Err(StoreError::Corrupt(format!("unknown posting {bucket}/{account}/{kind}")));
        };
        balances.add(bucket, account, kind, amount_ore);
        Ok(())
    }
}

/// Entries of a pool in order, with their postings, after `after_id`.
pub fn entries(conn: &mut AnyConnection, pool_id: i64, after_id: Option<i64>, limit: i64) -> QueryResult<Vec<(EntryRow, Vec<PostingRow>)>> {
    let mut query = ledger_entries::table
        .select(ledger_entries::all_columns)
        .filter(ledger_entries::pool_id.eq(pool_id))
        .order(ledger_entries::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after_id {
        query = query.filter(ledger_entries::id.gt(after));
    }
    let entries: Vec<EntryRow> = query.load(conn)?;
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let mut lines: Vec<PostingRow> =
        postings::table.select(postings::all_columns).filter(postings::entry_id.eq_any(ids)).order(postings::id).load(conn)?;
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let (mine, rest): (Vec<_>, Vec<_>) = lines.into_iter().partition(|p| p.entry_id == entry.id);
        lines = rest;
        out.push((entry, mine));
    }
    Ok(out)
}

#[derive(Debug, QueryableByName)]
struct ApplicationBalanceRow {
    #[diesel(sql_type = BigInt)]
    application_id: i64,
    #[diesel(sql_type = Text)]
    bucket: String,
    #[diesel(sql_type = Text)]
    account: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = BigInt)]
    amount_ore: i64,
}

/// Each application's money in a pool (the rules that turn postings into
/// figures are the domain's: `Balances::application_use`).
pub fn use_by_application(conn: &mut AnyConnection, pool_id: i64) -> Result<Vec<(i64, Use)>, StoreError> {
    let rows: Vec<ApplicationBalanceRow> = diesel::sql_query(
        "SELECT application_id, bucket, account, kind, amount_ore FROM ledger_totals WHERE pool_id = $1 AND application_id <> 0",
    )
    .bind::<BigInt, _>(pool_id)
    .load(conn)?;
    let mut by_app: std::collections::BTreeMap<i64, Balances> = std::collections::BTreeMap::new();
    for ApplicationBalanceRow { application_id, bucket, account, kind, amount_ore } in rows {
        let parsed = (Bucket::parse(&bucket), Account::parse(&account), EntryKind::parse(&kind));
        let (Some(bucket), Some(account), Some(kind)) = parsed else {
            return Err(StoreError::Corrupt(format!("unknown posting {bucket}/{account}/{kind}")));
        };
        by_app.entry(application_id).or_default().add(bucket, account, kind, amount_ore);
    }
    by_app
        .into_iter()
        .map(|(id, balances)| {
            let used = balances.application_use().map_err(|e| StoreError::Corrupt(format!("application {id}: {e}")))?;
            Ok((id, used))
        })
        .collect()
}

#[derive(Debug, QueryableByName, PartialEq, Eq, Clone)]
pub struct TotalRow {
    #[diesel(sql_type = BigInt)]
    pub pool_id: i64,
    #[diesel(sql_type = BigInt)]
    pub application_id: i64,
    #[diesel(sql_type = Text)]
    pub bucket: String,
    #[diesel(sql_type = Text)]
    pub account: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub amount_ore: i64,
    #[diesel(sql_type = BigInt)]
    pub postings: i64,
    #[diesel(sql_type = BigInt)]
    pub last_entry: i64,
}

/// Where the projection and the postings disagree: the row as kept and as
/// recomputed (`None` where one side has no such row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    pub kept: Option<TotalRow>,
    pub recomputed: Option<TotalRow>,
}

/// Recomputes every running sum from the postings and compares, to the øre
/// and the posting. Empty when the projection is true.
pub fn verify(conn: &mut AnyConnection) -> Result<Vec<Disagreement>, StoreError> {
    let order = " ORDER BY pool_id, application_id, bucket, account, kind";
    let kept: Vec<TotalRow> = diesel::sql_query(format!(
        "SELECT pool_id, application_id, bucket, account, kind, amount_ore, postings, last_entry FROM ledger_totals{order}"
    ))
    .load(conn)?;
    // The pool's sums over every posting, then each application's.
    let select = "CAST(SUM(p.amount_ore) AS BIGINT) AS amount_ore, CAST(COUNT(*) AS BIGINT) AS postings, \
                  CAST(MAX(p.entry_id) AS BIGINT) AS last_entry FROM postings p JOIN ledger_entries e ON e.id = p.entry_id";
    let mut recomputed: Vec<TotalRow> = diesel::sql_query(format!(
        "SELECT p.pool_id AS pool_id, CAST(0 AS BIGINT) AS application_id, p.bucket AS bucket, p.account AS account, e.kind AS kind, \
         {select} GROUP BY p.pool_id, p.bucket, p.account, e.kind"
    ))
    .load(conn)?;
    let per_application: Vec<TotalRow> = diesel::sql_query(format!(
        "SELECT p.pool_id AS pool_id, e.application_id AS application_id, p.bucket AS bucket, p.account AS account, e.kind AS kind, \
         {select} WHERE e.application_id IS NOT NULL GROUP BY p.pool_id, e.application_id, p.bucket, p.account, e.kind"
    ))
    .load(conn)?;
    recomputed.extend(per_application);
    let key = |r: &TotalRow| (r.pool_id, r.application_id, r.bucket.clone(), r.account.clone(), r.kind.clone());
    let mut kept: std::collections::BTreeMap<_, _> = kept.into_iter().map(|r| (key(&r), r)).collect();
    let mut out = Vec::new();
    for r in recomputed {
        match kept.remove(&key(&r)) {
            Some(k) if k == r => {}
            Some(k) => out.push(Disagreement { kept: Some(k), recomputed: Some(r) }),
            None => out.push(Disagreement { kept: None, recomputed: Some(r) }),
        }
    }
    out.extend(kept.into_values().map(|k| Disagreement { kept: Some(k), recomputed: None }));
    Ok(out)
}
