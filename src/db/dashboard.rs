//! The few reads the dashboard makes per page instead of loading every
//! application of every pool: how far each pool's ledger has grown, the
//! latest decisions and what waits (a handful of rows each, by index), and
//! the approval requests whose deadline passed.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use super::schema::{application_steps, carry_overs};
use super::{AnyConnection, StoreError};
use crate::domain::approval::RequestState;
use crate::domain::carry_over::CarryOverState;
use crate::domain::money::Money;
use crate::domain::step::StepKind;
use crate::domain::workflow::{ApplicationState, Level};

/// How far a pool's ledger has grown: entries are never changed or removed,
/// so the same count and last id mean the same balances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerMark {
    pub pool_id: i64,
    pub entries: i64,
    pub last_entry: i64,
}

/// The marks of `pool_ids` (a pool without entries is left out): how many
/// postings each pool has and its last entry, from the running balances
/// (`ledger_totals`, a handful of rows per pool), in one query. The count
/// goes with the last id because PostgreSQL hands out ids before commit, so
/// a later id can be visible before an earlier one.
pub fn ledger_marks(conn: &mut AnyConnection, pool_ids: &[i64]) -> Result<Vec<LedgerMark>, StoreError> {
    use diesel::sql_types::BigInt;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        pool_id: i64,
        #[diesel(sql_type = BigInt)]
        postings: i64,
        #[diesel(sql_type = BigInt)]
        last_entry: i64,
    }
    if pool_ids.is_empty() {
        return Ok(Vec::new());
    }
    // Integers only: the list is written into the statement, never text.
    let ids = pool_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT pool_id, CAST(SUM(postings) AS BIGINT) AS postings, CAST(MAX(last_entry) AS BIGINT) AS last_entry \
         FROM ledger_totals WHERE application_id = 0 AND pool_id IN ({ids}) GROUP BY pool_id"
    ))
    .load(conn)?;
    Ok(rows.into_iter().map(|r| LedgerMark { pool_id: r.pool_id, entries: r.postings, last_entry: r.last_entry }).collect())
}

/// An application in a dashboard list.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: i64,
    pub title: String,
    pub state: ApplicationState,
    pub decided_at: Option<NaiveDateTime>,
}

type ListedRow = (i64, String, String, Option<i64>, i64, Option<i64>, Option<String>, Option<String>, Option<NaiveDateTime>);

fn listed((id, title, state, recommended, reserved, approved, awaiting, rejected_by, decided_at): ListedRow) -> Option<Listed> {
    let money = |ore: Option<i64>| ore.and_then(Money::from_ore);
    let state = match state.as_str() {
        "submitted" => ApplicationState::Submitted,
        "recommended" => ApplicationState::Recommended { amount: money(recommended)? },
        "reserved" => ApplicationState::Reserved { amount: Money::from_ore(reserved)?, awaiting: Level::parse(awaiting.as_deref()?)? },
        "approved" => ApplicationState::Approved { amount: money(approved)? },
        "rejected" => ApplicationState::Rejected { by: Level::parse(rejected_by.as_deref()?)? },
        _ => return None,
    };
    Some(Listed { id, title, state, decided_at })
}

#[derive(QueryableByName)]
struct ListedByPool {
    #[diesel(sql_type = BigInt)]
    pool_id: i64,
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    recommended_ore: Option<i64>,
    #[diesel(sql_type = BigInt)]
    reserved_ore: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    approved_ore: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    awaiting: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    rejected_by: Option<String>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    decided_at: Option<NaiveDateTime>,
}

const LISTED_COLUMNS: &str = "pool_id, id, title, state, recommended_ore, reserved_ore, approved_ore, awaiting, rejected_by, decided_at";

/// The first `limit` applications of each pool in `pool_ids` that `filter`
/// picks, in `order`: one statement for all pools, one arm per pool
/// (`UNION ALL`), so each arm reads only its few rows through the pool's
/// index (a window over every pool's applications would read them all).
/// `filter` and `order` are fixed texts of this module; the ids and the
/// limit are integers written into the statement.
fn first_of_each(
    conn: &mut AnyConnection,
    pool_ids: &[i64],
    filter: &str,
    order: &str,
    limit: i64,
) -> Result<std::collections::HashMap<i64, Vec<Listed>>, StoreError> {
    let mut out: std::collections::HashMap<i64, Vec<Listed>> = pool_ids.iter().map(|id| (*id, Vec::new())).collect();
    if pool_ids.is_empty() {
        return Ok(out);
    }
    let arms: Vec<String> = pool_ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            format!(
                "SELECT {LISTED_COLUMNS} FROM (SELECT {LISTED_COLUMNS} FROM applications WHERE pool_id = {id} AND {filter} \
                 ORDER BY {order} LIMIT {limit}) AS arm{n}"
            )
        })
        .collect();
    // Each pool's rows in its arm's order (a UNION ALL promises none by itself).
    let sql = format!("{} ORDER BY pool_id, {order}", arms.join(" UNION ALL "));
    let rows: Vec<ListedByPool> = diesel::sql_query(sql).load(conn)?;
    for r in rows {
        let row = (r.id, r.title, r.state, r.recommended_ore, r.reserved_ore, r.approved_ore, r.awaiting, r.rejected_by, r.decided_at);
        let listed = listed(row).ok_or_else(|| StoreError::Corrupt(format!("application {}: bad state", r.id)))?;
        out.entry(r.pool_id).or_default().push(listed);
    }
    Ok(out)
}

/// The `limit` latest decisions (approved or rejected) of each pool, newest first.
pub fn latest_decisions(
    conn: &mut AnyConnection,
    pool_ids: &[i64],
    limit: i64,
) -> Result<std::collections::HashMap<i64, Vec<Listed>>, StoreError> {
    first_of_each(conn, pool_ids, "decided_at IS NOT NULL AND state IN ('approved', 'rejected')", "decided_at DESC, id DESC", limit)
}

const WAITING: &str = "state IN ('submitted', 'recommended', 'reserved')";

/// Up to `limit` applications of each pool that wait for a recommendation
/// or a decision, by stage and oldest first, and how many wait in all.
pub fn waiting(
    conn: &mut AnyConnection,
    pool_ids: &[i64],
    limit: i64,
) -> Result<std::collections::HashMap<i64, (Vec<Listed>, i64)>, StoreError> {
    // By stage, then oldest first: the order of the index by (pool, state), so only these rows are read.
    let lists = first_of_each(conn, pool_ids, WAITING, "state, id", limit)?;
    // Counted only where the list is full (elsewhere the list is all of them).
    let full: Vec<String> = lists.iter().filter(|(_, l)| l.len() as i64 >= limit).map(|(id, _)| id.to_string()).collect();
    let mut counts = std::collections::HashMap::new();
    if !full.is_empty() {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            pool_id: i64,
            #[diesel(sql_type = BigInt)]
            waiting: i64,
        }
        let rows: Vec<Count> = diesel::sql_query(format!(
            "SELECT pool_id, CAST(COUNT(*) AS BIGINT) AS waiting FROM applications WHERE pool_id IN ({}) AND {WAITING} GROUP BY pool_id",
            full.join(",")
        ))
        .load(conn)?;
        counts.extend(rows.into_iter().map(|r| (r.pool_id, r.waiting)));
    }
    Ok(lists
        .into_iter()
        .map(|(id, list)| {
            let count = counts.get(&id).copied().unwrap_or(list.len() as i64);
            (id, (list, count))
        })
        .collect())
}

/// When a decision was taken: the meeting's date, or for a decision by
/// e-mail (no meeting) the moment it was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedOn {
    Meeting(NaiveDate),
    Recorded(NaiveDateTime),
}

/// The decision step (the last strategic or political step) of each application.
pub fn decision_dates(conn: &mut AnyConnection, application_ids: &[i64]) -> Result<Vec<(i64, DecidedOn)>, StoreError> {
    if application_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, Option<NaiveDate>, NaiveDateTime)> = application_steps::table
        .select((application_steps::application_id, application_steps::meeting_date, application_steps::recorded_at))
        .filter(application_steps::application_id.eq_any(application_ids))
        .filter(application_steps::step.eq_any([StepKind::Strategic.as_str(), StepKind::Political.as_str()]))
        .order(application_steps::id)
        .load(conn)?;
    let mut out: Vec<(i64, DecidedOn)> = Vec::new();
    for (application_id, meeting, recorded) in rows {
        let on = meeting.map_or(DecidedOn::Recorded(recorded), DecidedOn::Meeting);
        match out.iter_mut().find(|(id, _)| *id == application_id) {
            Some(slot) => slot.1 = on,
            None => out.push((application_id, on)),
        }
    }
    Ok(out)
}

/// An approval request whose deadline passed with answers missing.
#[derive(Debug, Clone, QueryableByName)]
pub struct ExpiredRequest {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// The pool the money is reserved in (the application's, or the carry-over's source).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub pool_id: Option<i64>,
    /// The application's title; none for a carry-over.
    #[diesel(sql_type = Nullable<Text>)]
    pub title: Option<String>,
    /// The year a carry-over goes to; none for an application.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub to_year: Option<i64>,
    #[diesel(sql_type = Timestamp)]
    pub created_at: NaiveDateTime,
}

/// Every expired approval request (few: the secretariat resends or revokes them).
pub fn expired_requests(conn: &mut AnyConnection) -> Result<Vec<ExpiredRequest>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT r.id, COALESCE(a.pool_id, c.source_pool_id) AS pool_id, a.title, CAST(c.to_year AS BIGINT) AS to_year, r.created_at \
         FROM approval_requests r LEFT JOIN applications a ON a.id = r.application_id \
         LEFT JOIN carry_overs c ON c.id = r.carry_over_id WHERE r.state = $1 ORDER BY r.id",
    )
    .bind::<Text, _>(RequestState::Expired.as_str())
    .load(conn)?)
}

/// Proposed carry-overs awaiting sign-off: out of each of `pool_ids`
/// (source pool, to year, amount), oldest first.
pub fn proposed_carry_overs(conn: &mut AnyConnection, pool_ids: &[i64]) -> Result<Vec<(i64, i32, Money)>, StoreError> {
    let rows: Vec<(i64, i32, i64)> = carry_overs::table
        .select((carry_overs::source_pool_id, carry_overs::to_year, carry_overs::amount_ore))
        .filter(carry_overs::source_pool_id.eq_any(pool_ids))
        .filter(carry_overs::state.eq(CarryOverState::Proposed.as_str()))
        .order(carry_overs::id)
        .load(conn)?;
    rows.into_iter()
        .map(|(pool, year, ore)| {
            Money::from_ore(ore).map(|m| (pool, year, m)).ok_or_else(|| StoreError::Corrupt(format!("carry-over amount {ore}")))
        })
        .collect()
}

#[derive(QueryableByName)]
struct Incoming {
    #[diesel(sql_type = BigInt)]
    cluster_id: i64,
    #[diesel(sql_type = BigInt)]
    amount_ore: i64,
}

/// Proposed carry-overs into each cluster's `year` (`carried_in_pending` of
/// its pool, as `carry_overs::pending_into` sums it), for every cluster that has some.
pub fn pending_into_year(conn: &mut AnyConnection, year: i32) -> Result<Vec<(i64, Money)>, StoreError> {
    let rows: Vec<Incoming> = diesel::sql_query(
        "SELECT cluster_id, CAST(COALESCE(SUM(amount_ore), 0) AS BIGINT) AS amount_ore FROM carry_overs \
         WHERE to_year = $1 AND state = $2 GROUP BY cluster_id",
    )
    .bind::<Integer, _>(year)
    .bind::<Text, _>(CarryOverState::Proposed.as_str())
    .load(conn)?;
    rows.into_iter()
        .map(|r| Money::from_ore(r.amount_ore).map(|m| (r.cluster_id, m)).ok_or_else(|| StoreError::Corrupt("carry-over sum".into())))
        .collect()
}
