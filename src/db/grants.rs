//! Grants and their disbursements.

use crate::db::cached::direct;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{applications, clusters, disbursements, grants, pools};
use super::{AnyConnection, StoreError};
use crate::domain::access::ClusterScope;
use crate::domain::allocation::Bucket;
use crate::domain::grant::Grant;
use crate::domain::money::Money;
use crate::domain::values::{PoolKey, Slug, Year};

#[derive(Debug, Clone, Queryable)]
pub struct GrantRow {
    pub id: i64,
    pub application_id: i64,
    pub pool_id: i64,
    pub bucket: String,
    pub amount_ore: i64,
    pub disbursed_ore: i64,
    pub released_ore: i64,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct StoredGrant {
    pub id: i64,
    pub application_id: i64,
    pub application_title: String,
    pub pool_id: i64,
    pub pool: PoolKey,
    pub grant: Grant,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

type Joined = (GrantRow, String, String, i32);

fn to_domain((row, title, cluster, year): Joined) -> Result<StoredGrant, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("grant {}: bad {what}", row.id));
    let money = |ore: i64, what: &str| Money::from_ore(ore).ok_or_else(|| corrupt(what));
    Ok(StoredGrant {
        id: row.id,
        application_id: row.application_id,
        application_title: title,
        pool_id: row.pool_id,
        pool: PoolKey {
            cluster: Slug::parse(&cluster).map_err(|_| corrupt("cluster"))?,
            year: Year::new(i64::from(year)).map_err(|_| corrupt("year"))?,
        },
        grant: Grant {
            bucket: Bucket::parse(&row.bucket).ok_or_else(|| corrupt("bucket"))?,
            amount: money(row.amount_ore, "amount")?,
            disbursed: money(row.disbursed_ore, "disbursed")?,
            released: money(row.released_ore, "released")?,
        },
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub fn insert(conn: &mut AnyConnection, application_id: i64, pool_id: i64, grant: &Grant, now: NaiveDateTime) -> Result<i64, StoreError> {
    let ids: Vec<i64> = direct!(conn, |c| diesel::insert_into(grants::table)
        .values((
            grants::application_id.eq(application_id),
            grants::pool_id.eq(pool_id),
            grants::bucket.eq(grant.bucket.as_str()),
            grants::amount_ore.eq(grant.amount.ore()),
            grants::disbursed_ore.eq(0),
            grants::released_ore.eq(0),
            grants::version.eq(1),
            grants::created_at.eq(now),
            grants::updated_at.eq(now),
        ))
        .returning(grants::id)
        .get_results(c))?;
    ids.first().copied().ok_or_else(|| diesel::result::Error::NotFound.into())
}

/// Grants with their application's title and their pool's key.
macro_rules! joined {
    () => {
        grants::table.inner_join(applications::table.inner_join(pools::table.inner_join(clusters::table))).select((
            grants::all_columns,
            applications::title,
            clusters::slug,
            pools::year,
        ))
    };
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<StoredGrant>, StoreError> {
    let row: Option<Joined> = joined!().filter(grants::id.eq(id)).first(conn).optional()?;
    row.map(to_domain).transpose()
}

pub fn for_application(conn: &mut AnyConnection, application_id: i64) -> Result<Option<StoredGrant>, StoreError> {
    let row: Option<Joined> = direct!(conn, |c| joined!().filter(grants::application_id.eq(application_id)).first(c)).optional()?;
    row.map(to_domain).transpose()
}

pub fn list(
    conn: &mut AnyConnection,
    scope: &ClusterScope,
    pool: Option<&PoolKey>,
    after_id: Option<i64>,
    limit: i64,
) -> Result<Vec<StoredGrant>, StoreError> {
    let mut query = joined!().order(grants::id).limit(limit).into_boxed();
    if let Some(pool) = pool {
        query = query.filter(clusters::slug.eq(pool.cluster.to_string())).filter(pools::year.eq(pool.year.get()));
    }
    if let Some(after) = after_id {
        query = query.filter(grants::id.gt(after));
    }
    if let ClusterScope::Only(slugs) = scope {
        query = query.filter(clusters::slug.eq_any(slugs.iter().cloned().collect::<Vec<_>>()));
    }
    let rows: Vec<Joined> = query.load(conn)?;
    rows.into_iter().map(to_domain).collect()
}

/// (application id, grant id) for those of `application_ids` that have a grant.
pub fn ids_by_application(conn: &mut AnyConnection, application_ids: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(grants::table.filter(grants::application_id.eq_any(application_ids)).select((grants::application_id, grants::id)).load(conn)?)
}

/// Saves a grant's new figures; `false` when the version moved on.
pub fn update(conn: &mut AnyConnection, stored: &StoredGrant, grant: &Grant, now: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(grants::table.filter(grants::id.eq(stored.id)).filter(grants::version.eq(stored.version)))
        .set((
            grants::disbursed_ore.eq(grant.disbursed.ore()),
            grants::released_ore.eq(grant.released.ore()),
            grants::version.eq(stored.version + 1),
            grants::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_disbursement(
    conn: &mut AnyConnection,
    grant_id: i64,
    amount: Money,
    paid_on: NaiveDate,
    reference: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    let ids: Vec<i64> = diesel::insert_into(disbursements::table)
        .values((
            disbursements::grant_id.eq(grant_id),
            disbursements::amount_ore.eq(amount.ore()),
            disbursements::paid_on.eq(paid_on),
            disbursements::reference.eq(reference),
            disbursements::actor.eq(actor),
            disbursements::created_at.eq(now),
        ))
        .returning(disbursements::id)
        .get_results(conn)?;
    ids.first().copied().ok_or_else(|| diesel::result::Error::NotFound.into())
}

#[derive(Debug, Clone, Queryable)]
pub struct DisbursementRow {
    pub id: i64,
    pub grant_id: i64,
    pub amount_ore: i64,
    pub paid_on: NaiveDate,
    pub reference: String,
    pub actor: String,
    pub created_at: NaiveDateTime,
}

pub fn disbursements_of(conn: &mut AnyConnection, grant_id: i64) -> Result<Vec<DisbursementRow>, StoreError> {
    Ok(disbursements::table
        .filter(disbursements::grant_id.eq(grant_id))
        .order(disbursements::id)
        .select(disbursements::all_columns)
        .load(conn)?)
}
