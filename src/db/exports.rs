//! Flat rows for the CSV exports, a page at a time in id order (keyset), so
//! an export of any size holds one page in memory.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{clusters, ledger_entries, pools, postings};
use super::{AnyConnection, StoreError};
use crate::domain::access::ClusterScope;
use crate::domain::values::PoolKey;

/// One posting with its entry, as the ledger export lists it.
#[derive(Debug, Clone, Queryable)]
pub struct PostingLine {
    pub posting_id: i64,
    pub entry_id: i64,
    pub pool_id: i64,
    pub created_at: NaiveDateTime,
    pub kind: String,
    pub application_id: Option<i64>,
    pub bucket: String,
    pub account: String,
    pub amount_ore: i64,
    pub memo: String,
    pub actor: String,
}

/// The ids and keys (`vest-2022`) of the pools the caller may see, or just `pool`.
pub fn pool_keys(conn: &mut AnyConnection, scope: &ClusterScope, pool: Option<&PoolKey>) -> Result<Vec<(i64, String)>, StoreError> {
    let mut query = pools::table.inner_join(clusters::table).select((pools::id, clusters::slug, pools::year)).order(pools::id).into_boxed();
    if let Some(pool) = pool {
        query = query.filter(clusters::slug.eq(pool.cluster.to_string())).filter(pools::year.eq(pool.year.get()));
    }
    if let ClusterScope::Only(slugs) = scope {
        query = query.filter(clusters::slug.eq_any(slugs.iter().cloned().collect::<Vec<_>>()));
    }
    let rows: Vec<(i64, String, i32)> = query.load(conn)?;
    Ok(rows.into_iter().map(|(id, slug, year)| (id, format!("{slug}-{year}"))).collect())
}

/// Postings of `pool_ids` after `after_id`, oldest first. Filtered on the
/// posting's own pool column and walked along its primary key, so the plan
/// stays an index walk whatever the planner's statistics say.
pub fn postings(conn: &mut AnyConnection, pool_ids: &[i64], after_id: Option<i64>, limit: i64) -> Result<Vec<PostingLine>, StoreError> {
    let mut query = postings::table
        .inner_join(ledger_entries::table)
        .select((
            postings::id,
            ledger_entries::id,
            postings::pool_id,
            ledger_entries::created_at,
            ledger_entries::kind,
            ledger_entries::application_id,
            postings::bucket,
            postings::account,
            postings::amount_ore,
            ledger_entries::memo,
            ledger_entries::actor,
        ))
        .filter(postings::pool_id.eq_any(pool_ids.to_vec()))
        .order(postings::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after_id {
        query = query.filter(postings::id.gt(after));
    }
    Ok(query.load(conn)?)
}
