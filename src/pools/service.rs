//! Pools: creating and changing them, closing them at year end, moving
//! money between their buckets, and sharing an amount out to clusters. The
//! only code that posts a pool's own ledger entries (funding, revisions,
//! reallocations) and writes their audit events.

use crate::db::audit::{self, AuditEvent};
use crate::db::pools::{Actor, StoredPool, insert, snapshot, update};
use crate::db::{AnyConnection, StoreError, ledger};
use crate::domain::ledger::Entry;
use crate::domain::pool::Pool;

/// Saves a new pool with its funding entry and audit event. Call inside a
/// write transaction.
pub fn create(conn: &mut AnyConnection, cluster_id: i64, pool: &Pool, funding: &Entry, actor: Actor<'_>) -> Result<StoredPool, StoreError> {
    let stored = insert(conn, cluster_id, pool, actor.at)?;
    ledger::post(conn, stored.id, None, funding, actor.name, actor.at)?;
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "pool.created",
            subject: format!("pool:{}", pool.key),
            before: None,
            after: Some(snapshot(pool)),
            request_id: actor.request_id,
        },
    )?;
    Ok(stored)
}

/// Saves a changed pool (and the money its change moved) with an audit
/// event. `Ok(None)` when the stored version moved on meanwhile.
pub fn change(
    conn: &mut AnyConnection,
    stored: &StoredPool,
    changed: &Pool,
    entry: Option<&Entry>,
    action: &str,
    actor: Actor<'_>,
) -> Result<Option<StoredPool>, StoreError> {
    let Some(saved) = update(conn, stored, changed, actor.at)? else {
        return Ok(None);
    };
    if let Some(entry) = entry {
        ledger::post(conn, stored.id, None, entry, actor.name, actor.at)?;
    }
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action,
            subject: format!("pool:{}", changed.key),
            before: Some(snapshot(&stored.pool)),
            after: Some(snapshot(changed)),
            request_id: actor.request_id,
        },
    )?;
    Ok(Some(saved))
}
