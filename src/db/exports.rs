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
    pub cluster: String,
    pub year: i32,
    pub created_at: NaiveDateTime,
    pub kind: String,
    pub application_id: Option<i64>,
    pub bucket: String,
    pub account: String,
    pub amount_ore: i64,
    pub memo: String,
    pub actor: String,
}

/// Postings after `after_id`, oldest first, within the caller's clusters.
pub fn postings(
    conn: &mut AnyConnection,
    scope: &ClusterScope,
    pool: Option<&PoolKey>,
    after_id: Option<i64>,
    limit: i64,
) -> Result<Vec<PostingLine>, StoreError> {
    let mut query = postings::table
        .inner_join(ledger_entries::table.inner_join(pools::table.inner_join(clusters::table)))
        .select((
            postings::id,
            ledger_entries::id,
            clusters::slug,
            pools::year,
            ledger_entries::created_at,
            ledger_entries::kind,
            ledger_entries::application_id,
            postings::bucket,
            postings::account,
            postings::amount_ore,
            ledger_entries::memo,
            ledger_entries::actor,
        ))
        .order(postings::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after_id {
        query = query.filter(postings::id.gt(after));
    }
    if let Some(pool) = pool {
        query = query.filter(clusters::slug.eq(pool.cluster.to_string())).filter(pools::year.eq(pool.year.get()));
    }
    if let ClusterScope::Only(slugs) = scope {
        query = query.filter(clusters::slug.eq_any(slugs.iter().cloned().collect::<Vec<_>>()));
    }
    Ok(query.load(conn)?)
}
