//! Carry-overs and the money they hold. The held parts are read back from
//! the ledger (the hold entry's `pending` postings), never stored twice.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::schema::{carry_overs, ledger_entries, postings};
use super::{AnyConnection, StoreError};
use crate::domain::allocation::{AllocationModel, Bucket};
use crate::domain::carry_over::CarryOverState;
use crate::domain::ledger::{Account, EntryKind};
use crate::domain::money::Money;
use crate::domain::share::Share;

#[derive(Debug, Clone, Queryable)]
pub struct CarryOverRow {
    pub id: i64,
    pub cluster_id: i64,
    pub source_pool_id: i64,
    pub to_year: i32,
    pub bucket: String,
    pub amount_ore: i64,
    pub state: String,
    pub recommendation_reference: String,
    pub recommendation_date: Option<NaiveDate>,
    pub target_model_kind: Option<String>,
    pub target_upfront_share_ppm: Option<i32>,
    pub note: String,
    pub proposed_by: String,
    pub proposed_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_channel: Option<String>,
    pub meeting_date: Option<NaiveDate>,
    pub decision_reference: String,
    pub target_pool_id: Option<i64>,
    pub version: i64,
    /// Proposed before year end: the amount is fixed when the pool closes.
    pub at_closing: bool,
    /// Approved by the political level before the pool closed: executes at closing.
    pub approved_before_closing: bool,
    /// Proposed before year end: the amount asked (`None`: everything left at closing).
    pub asked_ore: Option<i64>,
}

impl CarryOverRow {
    pub fn state(&self) -> Result<CarryOverState, StoreError> {
        CarryOverState::parse(&self.state).ok_or_else(|| StoreError::Corrupt(format!("carry-over state {}", self.state)))
    }

    pub fn bucket(&self) -> Result<Bucket, StoreError> {
        Bucket::parse(&self.bucket).ok_or_else(|| StoreError::Corrupt(format!("carry-over bucket {}", self.bucket)))
    }

    pub fn amount(&self) -> Result<Money, StoreError> {
        Money::from_ore(self.amount_ore).ok_or_else(|| StoreError::Corrupt("negative carry-over".into()))
    }

    /// The model a target pool created by this carry-over gets, when stated.
    pub fn target_model(&self) -> Result<Option<AllocationModel>, StoreError> {
        let share = self.target_upfront_share_ppm.and_then(|p| u32::try_from(p).ok()).and_then(Share::from_ppm);
        match (self.target_model_kind.as_deref(), share) {
            (None, _) => Ok(None),
            (Some("upfront"), _) => Ok(Some(AllocationModel::Upfront)),
            (Some("rolling"), _) => Ok(Some(AllocationModel::Rolling)),
            (Some("split"), Some(upfront_share)) => Ok(Some(AllocationModel::Split { upfront_share })),
            (Some(other), _) => Err(StoreError::Corrupt(format!("carry-over target model {other}"))),
        }
    }
}

pub struct NewCarryOver<'a> {
    pub cluster_id: i64,
    pub source_pool_id: i64,
    pub to_year: i32,
    pub bucket: Bucket,
    pub amount: Money,
    pub recommendation_reference: &'a str,
    pub recommendation_date: Option<NaiveDate>,
    pub target_model: Option<AllocationModel>,
    pub note: &'a str,
    pub proposed_by: &'a str,
    pub proposed_at: NaiveDateTime,
    /// Proposed before year end: `amount` is what is available now (an estimate) until the pool closes.
    pub at_closing: bool,
    /// With `at_closing`: the amount asked (`None`: everything left at closing).
    pub asked: Option<Money>,
}

pub fn insert(conn: &mut AnyConnection, new: &NewCarryOver<'_>) -> Result<CarryOverRow, StoreError> {
    let (kind, ppm) = match new.target_model {
        None => (None, None),
        Some(AllocationModel::Split { upfront_share }) => (Some("split"), i32::try_from(upfront_share.ppm()).ok()),
        Some(m) => (Some(m.kind()), None),
    };
    let mut rows: Vec<CarryOverRow> = diesel::insert_into(carry_overs::table)
        .values((
            carry_overs::cluster_id.eq(new.cluster_id),
            carry_overs::source_pool_id.eq(new.source_pool_id),
            carry_overs::to_year.eq(new.to_year),
            carry_overs::bucket.eq(new.bucket.as_str()),
            carry_overs::amount_ore.eq(new.amount.ore()),
            carry_overs::state.eq(CarryOverState::Proposed.as_str()),
            carry_overs::recommendation_reference.eq(new.recommendation_reference),
            carry_overs::recommendation_date.eq(new.recommendation_date),
            carry_overs::target_model_kind.eq(kind),
            carry_overs::target_upfront_share_ppm.eq(ppm),
            carry_overs::note.eq(new.note),
            carry_overs::proposed_by.eq(new.proposed_by),
            carry_overs::proposed_at.eq(new.proposed_at),
            carry_overs::at_closing.eq(new.at_closing),
            carry_overs::asked_ore.eq(new.asked.map(Money::ore)),
        ))
        .returning(carry_overs::all_columns)
        .get_results(conn)?;
    rows.pop().ok_or_else(|| StoreError::Corrupt("insert returned no carry-over".into()))
}

pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<CarryOverRow>> {
    carry_overs::table.select(carry_overs::all_columns).filter(carry_overs::id.eq(id)).first(conn).optional()
}

/// The open (proposed) carry-over of a pool to a year, if any.
pub fn open_of(conn: &mut AnyConnection, source_pool_id: i64, to_year: i32) -> QueryResult<Option<CarryOverRow>> {
    carry_overs::table
        .select(carry_overs::all_columns)
        .filter(carry_overs::source_pool_id.eq(source_pool_id))
        .filter(carry_overs::to_year.eq(to_year))
        .filter(carry_overs::state.eq(CarryOverState::Proposed.as_str()))
        .first(conn)
        .optional()
}

/// A pool's carry-overs, oldest first.
pub fn of_pool(conn: &mut AnyConnection, source_pool_id: i64) -> QueryResult<Vec<CarryOverRow>> {
    carry_overs::table
        .select(carry_overs::all_columns)
        .filter(carry_overs::source_pool_id.eq(source_pool_id))
        .order(carry_overs::id)
        .load(conn)
}

/// Proposed carry-overs into a cluster's year: `carried_in_pending` on that pool.
pub fn pending_into(conn: &mut AnyConnection, cluster_id: i64, year: i32) -> Result<Money, StoreError> {
    #[derive(QueryableByName)]
    struct Sum {
        #[diesel(sql_type = BigInt)]
        amount_ore: i64,
    }
    let rows: Vec<Sum> = diesel::sql_query(
        "SELECT CAST(COALESCE(SUM(amount_ore), 0) AS BIGINT) AS amount_ore FROM carry_overs \
         WHERE cluster_id = $1 AND to_year = $2 AND state = $3",
    )
    .bind::<BigInt, _>(cluster_id)
    .bind::<Integer, _>(year)
    .bind::<Text, _>(CarryOverState::Proposed.as_str())
    .load(conn)?;
    let ore = rows.first().map_or(0, |r| r.amount_ore);
    Money::from_ore(ore).ok_or_else(|| StoreError::Corrupt("negative carried_in_pending".into()))
}

/// What the carry-over holds on its source pool, per bucket (from the ledger).
pub fn held(conn: &mut AnyConnection, carry_over_id: i64) -> Result<Vec<(Bucket, Money)>, StoreError> {
    let rows: Vec<(String, i64)> = postings::table
        .inner_join(ledger_entries::table)
        .filter(ledger_entries::carry_over_id.eq(carry_over_id))
        .filter(ledger_entries::kind.eq(EntryKind::CarryOverHold.as_str()))
        .filter(postings::account.eq(Account::Pending.as_str()))
        .select((postings::bucket, postings::amount_ore))
        .order(postings::id)
        .load(conn)?;
    let mut parts: Vec<(Bucket, Money)> = Vec::new();
    for (bucket, ore) in rows {
        let bucket = Bucket::parse(&bucket).ok_or_else(|| StoreError::Corrupt(format!("bucket {bucket}")))?;
        let money = Money::from_ore(ore).ok_or_else(|| StoreError::Corrupt("negative hold".into()))?;
        match parts.iter_mut().find(|(b, _)| *b == bucket) {
            Some((_, sum)) => *sum = sum.checked_add(money).ok_or_else(|| StoreError::Corrupt("hold overflow".into()))?,
            None => parts.push((bucket, money)),
        }
    }
    Ok(parts)
}

/// How a proposed carry-over was decided.
pub struct Decision<'a> {
    pub state: CarryOverState,
    pub by: &'a str,
    pub at: NaiveDateTime,
    pub channel: &'a str,
    pub meeting_date: Option<NaiveDate>,
    pub reference: &'a str,
    pub target_pool_id: Option<i64>,
}

/// Records the decision if the carry-over is still proposed at `version`;
/// `Ok(None)` when someone decided it first.
pub fn decide(conn: &mut AnyConnection, row: &CarryOverRow, d: &Decision<'_>) -> Result<Option<CarryOverRow>, StoreError> {
    let mut rows: Vec<CarryOverRow> = diesel::update(
        carry_overs::table
            .filter(carry_overs::id.eq(row.id))
            .filter(carry_overs::version.eq(row.version))
            .filter(carry_overs::state.eq(CarryOverState::Proposed.as_str())),
    )
    .set((
        carry_overs::state.eq(d.state.as_str()),
        carry_overs::decided_by.eq(d.by),
        carry_overs::decided_at.eq(d.at),
        carry_overs::decision_channel.eq(d.channel),
        carry_overs::meeting_date.eq(d.meeting_date),
        carry_overs::decision_reference.eq(d.reference),
        carry_overs::target_pool_id.eq(d.target_pool_id),
        carry_overs::version.eq(row.version + 1),
    ))
    .returning(carry_overs::all_columns)
    .get_results(conn)?;
    Ok(rows.pop())
}

/// The pool key of a carry-over's source pool, for locking and access checks.
pub fn source_key(conn: &mut AnyConnection, id: i64) -> Result<Option<crate::domain::values::PoolKey>, StoreError> {
    use super::schema::{clusters, pools};
    use crate::domain::values::{PoolKey, Slug, Year};
    let row: Option<(String, i32)> = carry_overs::table
        .inner_join(pools::table.on(pools::id.eq(carry_overs::source_pool_id)))
        .inner_join(clusters::table.on(clusters::id.eq(pools::cluster_id)))
        .filter(carry_overs::id.eq(id))
        .select((clusters::slug, pools::year))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(slug, year)| Some(PoolKey { cluster: Slug::parse(&slug).ok()?, year: Year::new(i64::from(year)).ok()? })))
}

/// Records the political approval of a carry-over proposed before year end:
/// it stays proposed (nothing is held yet) and executes when the pool closes.
pub fn approve_before_closing(conn: &mut AnyConnection, row: &CarryOverRow, d: &Decision<'_>) -> Result<Option<CarryOverRow>, StoreError> {
    let mut rows: Vec<CarryOverRow> = diesel::update(
        carry_overs::table
            .filter(carry_overs::id.eq(row.id))
            .filter(carry_overs::version.eq(row.version))
            .filter(carry_overs::state.eq(CarryOverState::Proposed.as_str()))
            .filter(carry_overs::approved_before_closing.eq(false)),
    )
    .set((
        carry_overs::approved_before_closing.eq(true),
        carry_overs::decided_by.eq(d.by),
        carry_overs::decided_at.eq(d.at),
        carry_overs::decision_channel.eq(d.channel),
        carry_overs::meeting_date.eq(d.meeting_date),
        carry_overs::decision_reference.eq(d.reference),
        carry_overs::version.eq(row.version + 1),
    ))
    .returning(carry_overs::all_columns)
    .get_results(conn)?;
    Ok(rows.pop())
}

/// The amount of a carry-over proposed before year end, fixed at closing.
pub fn fix_amount(conn: &mut AnyConnection, id: i64, amount: Money) -> Result<CarryOverRow, StoreError> {
    let mut rows: Vec<CarryOverRow> = diesel::update(carry_overs::table.filter(carry_overs::id.eq(id)))
        .set((carry_overs::amount_ore.eq(amount.ore()), carry_overs::version.eq(carry_overs::version + 1)))
        .returning(carry_overs::all_columns)
        .get_results(conn)?;
    rows.pop().ok_or_else(|| StoreError::Corrupt("carry-over vanished".into()))
}
