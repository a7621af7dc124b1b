//! Pools: load rows into domain pools, save domain changes.

use crate::db::cached::direct;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{clusters, pools};
use super::{AnyConnection, StoreError};
use crate::domain::access::ClusterScope;
use crate::domain::allocation::AllocationModel;
use crate::domain::money::Money;
use crate::domain::pool::{ApprovalPolicy, PoliticalMode, Pool, PoolState, StrategicMode};
use crate::domain::share::Share;
use crate::domain::values::{PoolKey, Slug, Year};

#[derive(Debug, Clone, Queryable)]
pub struct PoolRow {
    pub id: i64,
    pub cluster_id: i64,
    pub year: i32,
    pub amount_ore: i64,
    pub model_kind: String,
    pub upfront_share_ppm: Option<i32>,
    pub state: String,
    pub recommendation_required: bool,
    pub strategic_mode: String,
    pub political_threshold_ore: i64,
    pub note: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub political_mode: String,
    pub operations_forum_limit_ore: Option<i64>,
    pub email_mandate_reference: String,
    pub criteria_json: String,
    pub cross_sector_required: bool,
}

/// A stored pool: its row identity and timestamps, and the domain value.
#[derive(Debug, Clone)]
pub struct StoredPool {
    pub id: i64,
    pub cluster_id: i64,
    pub pool: Pool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

fn to_domain(row: PoolRow, cluster_slug: String) -> Result<StoredPool, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("pool {}: bad {what}", row.id));
    let model = match (row.model_kind.as_str(), row.upfront_share_ppm) {
        ("upfront", None) => AllocationModel::Upfront,
        ("rolling", None) => AllocationModel::Rolling,
        ("split", Some(ppm)) => {
            AllocationModel::Split { upfront_share: u32::try_from(ppm).ok().and_then(Share::from_ppm).ok_or_else(|| corrupt("share"))? }
        }
        _ => return Err(corrupt("allocation model")),
    };
    let pool = Pool {
        key: PoolKey {
            cluster: Slug::parse(&cluster_slug).map_err(|_| corrupt("cluster slug"))?,
            year: Year::new(i64::from(row.year)).map_err(|_| corrupt("year"))?,
        },
        amount: Money::from_ore(row.amount_ore).ok_or_else(|| corrupt("amount"))?,
        model,
        policy: ApprovalPolicy {
            recommendation_required: row.recommendation_required,
            strategic: StrategicMode::parse(&row.strategic_mode).ok_or_else(|| corrupt("strategic mode"))?,
            political_threshold: Money::from_ore(row.political_threshold_ore).ok_or_else(|| corrupt("threshold"))?,
            political: PoliticalMode::parse(&row.political_mode).ok_or_else(|| corrupt("political mode"))?,
            operations_forum_limit: match row.operations_forum_limit_ore {
                Some(ore) => Some(Money::from_ore(ore).ok_or_else(|| corrupt("operations forum limit"))?),
                None => None,
            },
            email_mandate_reference: Some(row.email_mandate_reference).filter(|r| !r.is_empty()),
            cross_sector_required: row.cross_sector_required,
        },
        criteria: serde_json::from_str(&row.criteria_json).map_err(|_| corrupt("criteria"))?,
        state: PoolState::parse(&row.state).ok_or_else(|| corrupt("state"))?,
        note: row.note,
        version: row.version,
    };
    Ok(StoredPool { id: row.id, cluster_id: row.cluster_id, pool, created_at: row.created_at, updated_at: row.updated_at })
}

fn share_ppm(model: AllocationModel) -> Option<i32> {
    match model {
        AllocationModel::Split { upfront_share } => i32::try_from(upfront_share.ppm()).ok(),
        _ => None,
    }
}

fn criteria_json(pool: &Pool) -> String {
    serde_json::to_string(&pool.criteria).unwrap_or_else(|_| "[]".into())
}

pub fn find(conn: &mut AnyConnection, key: &PoolKey) -> Result<Option<StoredPool>, StoreError> {
    let row: Option<(PoolRow, String)> = direct!(conn, |c| pools::table
        .inner_join(clusters::table)
        .filter(clusters::slug.eq(key.cluster.as_str()))
        .filter(pools::year.eq(key.year.get()))
        .select((pools::all_columns, clusters::slug))
        .first(c))
    .optional()?;
    row.map(|(row, slug)| to_domain(row, slug)).transpose()
}

pub fn find_by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<StoredPool>, StoreError> {
    let row: Option<(PoolRow, String)> = direct!(conn, |c| pools::table
        .inner_join(clusters::table)
        .filter(pools::id.eq(id))
        .select((pools::all_columns, clusters::slug))
        .first(c))
    .optional()?;
    row.map(|(row, slug)| to_domain(row, slug)).transpose()
}

#[derive(Debug, Clone, Default)]
pub struct PoolFilter {
    pub cluster: Option<String>,
    pub year: Option<i32>,
    pub state: Option<String>,
    /// Keyset cursor: the last (year, cluster slug) of the previous page.
    pub after: Option<(i32, String)>,
}

/// Pools ordered by year, then cluster.
pub fn list(conn: &mut AnyConnection, scope: &ClusterScope, filter: &PoolFilter, limit: i64) -> Result<Vec<StoredPool>, StoreError> {
    let mut query = pools::table
        .inner_join(clusters::table)
        .select((pools::all_columns, clusters::slug))
        .order((pools::year, clusters::slug))
        .limit(limit)
        .into_boxed();
    if let Some(cluster) = &filter.cluster {
        query = query.filter(clusters::slug.eq(cluster.clone()));
    }
    if let Some(year) = filter.year {
        query = query.filter(pools::year.eq(year));
    }
    if let Some(state) = &filter.state {
        query = query.filter(pools::state.eq(state.clone()));
    }
    if let Some((year, slug)) = &filter.after {
        query = query.filter(pools::year.gt(*year).or(pools::year.eq(*year).and(clusters::slug.gt(slug.clone()))));
    }
    if let ClusterScope::Only(slugs) = scope {
        query = query.filter(clusters::slug.eq_any(slugs.iter().cloned().collect::<Vec<_>>()));
    }
    let rows: Vec<(PoolRow, String)> = query.load(conn)?;
    rows.into_iter().map(|(row, slug)| to_domain(row, slug)).collect()
}

pub fn insert(conn: &mut AnyConnection, cluster_id: i64, pool: &Pool, now: NaiveDateTime) -> Result<StoredPool, StoreError> {
    let mut rows: Vec<PoolRow> = diesel::insert_into(pools::table)
        .values((
            pools::cluster_id.eq(cluster_id),
            pools::year.eq(pool.key.year.get()),
            pools::amount_ore.eq(pool.amount.ore()),
            pools::model_kind.eq(pool.model.kind()),
            pools::upfront_share_ppm.eq(share_ppm(pool.model)),
            pools::state.eq(pool.state.as_str()),
            pools::recommendation_required.eq(pool.policy.recommendation_required),
            pools::strategic_mode.eq(pool.policy.strategic.as_str()),
            pools::political_threshold_ore.eq(pool.policy.political_threshold.ore()),
            pools::note.eq(&pool.note),
            pools::version.eq(pool.version),
            pools::created_at.eq(now),
            pools::updated_at.eq(now),
            pools::political_mode.eq(pool.policy.political.as_str()),
            pools::operations_forum_limit_ore.eq(pool.policy.operations_forum_limit.map(Money::ore)),
            pools::email_mandate_reference.eq(pool.policy.email_mandate_reference.as_deref().unwrap_or("")),
            pools::criteria_json.eq(criteria_json(pool)),
            pools::cross_sector_required.eq(pool.policy.cross_sector_required),
        ))
        .returning(pools::all_columns)
        .get_results(conn)?;
    let row = rows.pop().ok_or(diesel::result::Error::NotFound)?;
    to_domain(row, pool.key.cluster.to_string())
}

/// Saves a changed pool, but only over the version it was loaded at
/// (optimistic concurrency): `Ok(None)` when someone else saved first.
pub fn update(conn: &mut AnyConnection, stored: &StoredPool, changed: &Pool, now: NaiveDateTime) -> Result<Option<StoredPool>, StoreError> {
    let mut rows: Vec<PoolRow> =
        diesel::update(pools::table.filter(pools::id.eq(stored.id)).filter(pools::version.eq(stored.pool.version)))
            .set((
                pools::amount_ore.eq(changed.amount.ore()),
                pools::model_kind.eq(changed.model.kind()),
                pools::upfront_share_ppm.eq(share_ppm(changed.model)),
                pools::state.eq(changed.state.as_str()),
                pools::recommendation_required.eq(changed.policy.recommendation_required),
                pools::strategic_mode.eq(changed.policy.strategic.as_str()),
                pools::political_threshold_ore.eq(changed.policy.political_threshold.ore()),
                pools::note.eq(&changed.note),
                pools::version.eq(changed.version),
                pools::updated_at.eq(now),
                pools::political_mode.eq(changed.policy.political.as_str()),
                pools::operations_forum_limit_ore.eq(changed.policy.operations_forum_limit.map(Money::ore)),
                pools::email_mandate_reference.eq(changed.policy.email_mandate_reference.as_deref().unwrap_or("")),
                pools::criteria_json.eq(criteria_json(changed)),
                pools::cross_sector_required.eq(changed.policy.cross_sector_required),
            ))
            .returning(pools::all_columns)
            .get_results(conn)?;
    rows.pop().map(|row| to_domain(row, changed.key.cluster.to_string())).transpose()
}

/// How a pool is described in the audit trail.
pub fn snapshot(pool: &Pool) -> serde_json::Value {
    let share = match pool.model {
        AllocationModel::Split { upfront_share } => Some(upfront_share.to_string()),
        _ => None,
    };
    serde_json::json!({
        "amount": pool.amount.to_string(),
        "allocation_model": pool.model.kind(),
        "upfront_share": share,
        "state": pool.state.as_str(),
        "recommendation_required": pool.policy.recommendation_required,
        "strategic": pool.policy.strategic.as_str(),
        "political_threshold": pool.policy.political_threshold.to_string(),
        "political": pool.policy.political.as_str(),
        "cross_sector_required": pool.policy.cross_sector_required,
        "criteria": pool.criteria,
        "note": pool.note,
        "version": pool.version,
    })
}

/// Who is saving, for the ledger and the audit trail.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub name: &'a str,
    pub request_id: Option<&'a str>,
    pub at: NaiveDateTime,
}
