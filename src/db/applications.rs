//! Applications: rows ↔ domain charters and workflow states, and the steps taken.

use crate::db::cached::{CacheStatement, direct};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::charter_rows::CharterRows;
use super::charter_rows::PartyIds;
use super::schema::{application_target_populations, applications, budget_lines, clusters, parties, pools};
use super::{AnyConnection, StoreError};
use crate::domain::access::ClusterScope;
use crate::domain::allocation::Bucket;
use crate::domain::application::{BudgetLine, Charter, Origin};
use crate::domain::eligibility::CriterionAnswer;
use crate::domain::money::Money;
use crate::domain::reference::PartyKind;
use crate::domain::values::{PoolKey, Slug, Year};
use crate::domain::workflow::ApplicationState;

mod state;
use state::{columns_of, state_of};

#[derive(Debug, Clone, Queryable)]
pub struct ApplicationRow {
    pub id: i64,
    pub pool_id: i64,
    pub title: String,
    pub applicant_party_id: i64,
    pub purpose: String,
    pub goals: String,
    pub organisation: String,
    pub evaluation: String,
    pub expense_kind: String,
    pub requested_ore: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub bucket: String,
    pub origin: String,
    pub contact_email: String,
    pub criteria_json: String,
    pub state: String,
    pub recommended_ore: Option<i64>,
    pub reserved_ore: i64,
    pub approved_ore: Option<i64>,
    pub awaiting: Option<String>,
    pub rejected_by: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub received_on: Option<chrono::NaiveDate>,
    pub referred: bool,
    pub criteria_checked_json: String,
}

/// A stored application: identity, pool, charter, state and timestamps.
#[derive(Debug, Clone)]
pub struct StoredApplication {
    pub id: i64,
    pub pool_id: i64,
    pub pool: PoolKey,
    pub applicant_party_id: i64,
    pub charter: Charter,
    pub state: ApplicationState,
    pub version: i64,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When the application was received (back-dated by the secretariat, or the day it was registered).
    pub received_on: chrono::NaiveDate,
    /// Sent on to the political level by the strategic level.
    pub referred: bool,
    /// The kinds of its parties: the applicant's, then each partner's (the sector rules).
    pub party_kinds: Vec<PartyKind>,
}

/// Loads the applications of these rows with their populations, budgets and partners.
fn assemble(conn: &mut AnyConnection, rows: Vec<Joined>) -> Result<Vec<StoredApplication>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|(r, ..)| r.id).collect();
    let rows_of = match ids.as_slice() {
        // One application (every write to one, every answer): its rows in one statement.
        [id] => super::charter_rows::of_one(conn, *id)?,
        _ => rows_of_many(conn, &ids)?,
    };
    build(rows, rows_of)
}

/// The charter rows of several applications, a statement for each kind of row.
fn rows_of_many(conn: &mut AnyConnection, ids: &[i64]) -> Result<CharterRows, StoreError> {
    let populations: Vec<(i64, String)> = direct!(conn, |c| application_target_populations::table
        .filter(application_target_populations::application_id.eq_any(ids))
        .order((application_target_populations::application_id, application_target_populations::position))
        .select((application_target_populations::application_id, application_target_populations::code))
        .cached_if_few(ids.len())
        .load(c))?;
    let budgets: Vec<(i64, i32, i64)> = direct!(conn, |c| budget_lines::table
        .filter(budget_lines::application_id.eq_any(ids))
        .order((budget_lines::application_id, budget_lines::year))
        .select((budget_lines::application_id, budget_lines::year, budget_lines::amount_ore))
        .cached_if_few(ids.len())
        .load(c))?;
    let partners = super::charter_rows::partners_of(conn, ids)?;
    Ok(CharterRows { populations, budgets, partners })
}

/// Applications from their rows and their charters' rows.
fn build(rows: Vec<Joined>, charter_rows: CharterRows) -> Result<Vec<StoredApplication>, StoreError> {
    let CharterRows { populations, budgets, partners } = charter_rows;
    rows.into_iter()
        .map(|(row, cluster, year, _, applicant, applicant_kind)| {
            let corrupt = |what: &str| StoreError::Corrupt(format!("application {}: bad {what}", row.id));
            let pool = PoolKey {
                cluster: Slug::parse(&cluster).map_err(|_| corrupt("cluster"))?,
                year: Year::new(i64::from(year)).map_err(|_| corrupt("year"))?,
            };
            let budget = budgets
                .iter()
                .filter(|(id, ..)| *id == row.id)
                .map(|(_, y, ore)| {
                    Ok(BudgetLine {
                        year: Year::new(i64::from(*y)).map_err(|_| corrupt("budget year"))?,
                        amount: Money::from_ore(*ore).ok_or_else(|| corrupt("budget amount"))?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            let criteria: Vec<CriterionAnswer> = serde_json::from_str(&row.criteria_json).map_err(|_| corrupt("criteria"))?;
            let charter = Charter {
                title: row.title.clone(),
                applicant_party: applicant,
                target_populations: populations.iter().filter(|(id, _)| *id == row.id).map(|(_, c)| c.clone()).collect(),
                purpose: row.purpose.clone(),
                goals: row.goals.clone(),
                organisation: row.organisation.clone(),
                evaluation: row.evaluation.clone(),
                requested: Money::from_ore(row.requested_ore).ok_or_else(|| corrupt("requested amount"))?,
                budget,
                starts_on: row.starts_on,
                ends_on: row.ends_on,
                bucket: Bucket::parse(&row.bucket).ok_or_else(|| corrupt("bucket"))?,
                origin: Origin::parse(&row.origin).ok_or_else(|| corrupt("origin"))?,
                contact_email: row.contact_email.clone(),
                criteria,
                partner_parties: partners.iter().filter(|(id, ..)| *id == row.id).map(|(_, s, _)| s.clone()).collect(),
                checked_against: serde_json::from_str(&row.criteria_checked_json).map_err(|_| corrupt("criteria checked"))?,
            };
            let state = state_of(&row).ok_or_else(|| corrupt("state"))?;
            Ok(StoredApplication {
                id: row.id,
                pool_id: row.pool_id,
                pool,
                applicant_party_id: row.applicant_party_id,
                charter,
                state,
                version: row.version,
                submitted_at: row.submitted_at,
                decided_at: row.decided_at,
                created_at: row.created_at,
                updated_at: row.updated_at,
                received_on: row.received_on.unwrap_or(row.created_at.date()),
                referred: row.referred,
                party_kinds: std::iter::once(&applicant_kind)
                    .chain(partners.iter().filter(|(id, ..)| *id == row.id).map(|(.., k)| k))
                    .map(|k| PartyKind::parse(k).ok_or_else(|| corrupt("party kind")))
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect()
}

/// An application row with its cluster's slug, its pool's year and state, and its applicant's slug and kind.
type Joined = (ApplicationRow, String, i32, String, String, String);

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<StoredApplication>, StoreError> {
    let rows: Vec<Joined> = direct!(conn, |c| applications::table
        .inner_join(pools::table.inner_join(clusters::table))
        .inner_join(parties::table)
        .filter(applications::id.eq(id))
        .select((applications::all_columns, clusters::slug, pools::year, pools::state, parties::slug, parties::kind))
        .load(c))?;
    Ok(assemble(conn, rows)?.pop())
}

/// The pool an application belongs to (never changes), to lock it before writing.
pub fn pool_of(conn: &mut AnyConnection, id: i64) -> Result<Option<PoolKey>, StoreError> {
    let row: Option<(String, i32)> = direct!(conn, |c| applications::table
        .inner_join(pools::table.inner_join(clusters::table))
        .filter(applications::id.eq(id))
        .select((clusters::slug, pools::year))
        .first(c))
    .optional()?;
    Ok(row.and_then(|(slug, year)| Some(PoolKey { cluster: Slug::parse(&slug).ok()?, year: Year::new(i64::from(year)).ok()? })))
}

#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub pool: Option<PoolKey>,
    pub state: Option<String>,
    pub after_id: Option<i64>,
}

pub fn list(
    conn: &mut AnyConnection,
    scope: &ClusterScope,
    filter: &ApplicationFilter,
    limit: i64,
) -> Result<Vec<StoredApplication>, StoreError> {
    let mut query = applications::table
        .inner_join(pools::table.inner_join(clusters::table))
        .inner_join(parties::table)
        .select((applications::all_columns, clusters::slug, pools::year, pools::state, parties::slug, parties::kind))
        .order(applications::id)
        .limit(limit)
        .into_boxed();
    if let Some(pool) = &filter.pool {
        query = query.filter(clusters::slug.eq(pool.cluster.to_string())).filter(pools::year.eq(pool.year.get()));
    }
    if let Some(state) = &filter.state {
        query = query.filter(applications::state.eq(state.clone()));
    }
    if let Some(after) = filter.after_id {
        query = query.filter(applications::id.gt(after));
    }
    if let ClusterScope::Only(slugs) = scope {
        query = query.filter(clusters::slug.eq_any(slugs.iter().cloned().collect::<Vec<_>>()));
    }
    let rows: Vec<Joined> = query.load(conn)?;
    assemble(conn, rows)
}

fn criteria_json(charter: &Charter) -> (String, String) {
    let json = |v: serde_json::Result<String>| v.unwrap_or_else(|_| "[]".into());
    (json(serde_json::to_string(&charter.criteria)), json(serde_json::to_string(&charter.checked_against)))
}

pub fn insert(
    conn: &mut AnyConnection,
    pool_id: i64,
    parties: &PartyIds,
    charter: &Charter,
    received_on: chrono::NaiveDate,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    let ids: Vec<i64> = direct!(conn, |c| diesel::insert_into(applications::table)
        .values((
            applications::pool_id.eq(pool_id),
            applications::title.eq(&charter.title),
            applications::applicant_party_id.eq(parties.applicant),
            applications::purpose.eq(&charter.purpose),
            applications::goals.eq(&charter.goals),
            applications::organisation.eq(&charter.organisation),
            applications::evaluation.eq(&charter.evaluation),
            applications::expense_kind.eq("development"),
            applications::requested_ore.eq(charter.requested.ore()),
            applications::starts_on.eq(charter.starts_on),
            applications::ends_on.eq(charter.ends_on),
            applications::bucket.eq(charter.bucket.as_str()),
            applications::origin.eq(charter.origin.as_str()),
            applications::contact_email.eq(&charter.contact_email),
            applications::criteria_json.eq(criteria_json(charter).0),
            applications::criteria_checked_json.eq(criteria_json(charter).1),
            applications::state.eq("draft"),
            applications::version.eq(1),
            applications::created_at.eq(now),
            applications::updated_at.eq(now),
            applications::received_on.eq(Some(received_on)),
        ))
        .returning(applications::id)
        .get_results(c))?;
    let id = ids.first().copied().ok_or(diesel::result::Error::NotFound)?;
    super::charter_rows::write_new(conn, id, parties, charter)?;
    Ok(id)
}

/// Replaces a draft's charter; `false` when the version moved on.
pub fn update_charter(
    conn: &mut AnyConnection,
    stored: &StoredApplication,
    parties: &PartyIds,
    charter: &Charter,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = direct!(conn, |c| diesel::update(
        applications::table.filter(applications::id.eq(stored.id)).filter(applications::version.eq(stored.version))
    )
    .set((
        applications::title.eq(&charter.title),
        applications::applicant_party_id.eq(parties.applicant),
        applications::purpose.eq(&charter.purpose),
        applications::goals.eq(&charter.goals),
        applications::organisation.eq(&charter.organisation),
        applications::evaluation.eq(&charter.evaluation),
        applications::requested_ore.eq(charter.requested.ore()),
        applications::starts_on.eq(charter.starts_on),
        applications::ends_on.eq(charter.ends_on),
        applications::bucket.eq(charter.bucket.as_str()),
        applications::origin.eq(charter.origin.as_str()),
        applications::contact_email.eq(&charter.contact_email),
        applications::criteria_json.eq(criteria_json(charter).0),
        applications::criteria_checked_json.eq(criteria_json(charter).1),
        applications::version.eq(stored.version + 1),
        applications::updated_at.eq(now),
    ))
    .execute(c))?;
    if n == 1 {
        super::charter_rows::replace(conn, stored.id, parties, charter)?;
    }
    Ok(n == 1)
}

/// Saves a new workflow state and gives the application back as saved;
/// `None` when its version moved on since it was read.
pub fn update_state(
    conn: &mut AnyConnection,
    stored: &StoredApplication,
    state: ApplicationState,
    now: NaiveDateTime,
) -> Result<Option<StoredApplication>, StoreError> {
    let recommended_before = match stored.state {
        ApplicationState::Recommended { amount } => Some(amount.ore()),
        _ => None,
    };
    let c = columns_of(state, recommended_before);
    let submitted_at = if state == ApplicationState::Submitted { Some(now) } else { stored.submitted_at };
    let decided =
        matches!(state, ApplicationState::Approved { .. } | ApplicationState::Rejected { .. } | ApplicationState::Reserved { .. });
    let decided_at = if decided && stored.decided_at.is_none() { Some(now) } else { stored.decided_at };
    let updated: Vec<i64> = direct!(conn, |db| diesel::update(
        applications::table.filter(applications::id.eq(stored.id)).filter(applications::version.eq(stored.version))
    )
    .set((
        applications::state.eq(c.state),
        applications::recommended_ore.eq(c.recommended_ore),
        applications::reserved_ore.eq(c.reserved_ore),
        applications::approved_ore.eq(c.approved_ore),
        applications::awaiting.eq(c.awaiting),
        applications::rejected_by.eq(c.rejected_by),
        applications::submitted_at.eq(submitted_at),
        applications::decided_at.eq(decided_at),
        applications::version.eq(stored.version + 1),
        applications::updated_at.eq(now),
    ))
    // RETURNING makes it a query whose kept statement is used (see db::cached).
    .returning(applications::id)
    .cached()
    .load(db))?;
    if updated.len() != 1 {
        return Ok(None);
    }
    // The row as saved, without reading it back: only these columns changed.
    Ok(Some(StoredApplication { state, submitted_at, decided_at, version: stored.version + 1, updated_at: now, ..stored.clone() }))
}

/// Marks a case as sent on to the political level by the strategic level.
pub fn mark_referred(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    diesel::update(applications::table.filter(applications::id.eq(id))).set(applications::referred.eq(true)).execute(conn)?;
    Ok(())
}

/// The applications of a pool (every state), in order.
pub fn of_pool(conn: &mut AnyConnection, pool: &PoolKey) -> Result<Vec<StoredApplication>, StoreError> {
    let filter = ApplicationFilter { pool: Some(pool.clone()), state: None, after_id: None };
    list(conn, &ClusterScope::All, &filter, i64::MAX)
}

/// Moves an application, with its steps, to another pool (and bucket); `false` when it changed meanwhile.
pub fn move_to_pool(
    conn: &mut AnyConnection,
    stored: &StoredApplication,
    pool_id: i64,
    bucket: Bucket,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(applications::table.filter(applications::id.eq(stored.id)).filter(applications::version.eq(stored.version)))
        .set((
            applications::pool_id.eq(pool_id),
            applications::bucket.eq(bucket.as_str()),
            applications::version.eq(stored.version + 1),
            applications::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}
