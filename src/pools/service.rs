//! Pools: creating and changing them, closing them at year end, moving
//! money between their buckets, and sharing an amount out to clusters. The
//! only code that posts a pool's own ledger entries (funding, revisions,
//! reallocations) and writes their audit events.

use chrono::NaiveDate;

use crate::db::audit::{self, AuditEvent};
use crate::db::pools::{Actor, StoredPool, insert, snapshot, update};
use crate::db::{AnyConnection, StoreError, clusters, ledger};
use crate::domain::allocation::{AllocationModel, Bucket};
use crate::domain::eligibility::Criterion;
use crate::domain::ledger::Entry;
use crate::domain::money::Money;
use crate::domain::pool::{ApprovalPolicy, NewPool, Pool, PoolError, ReallocationError};
use crate::domain::values::{PoolKey, Slug, Year};

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

/// Why a change to pools was refused.
#[derive(Debug, thiserror::Error)]
pub enum PoolsError {
    #[error(transparent)]
    Pool(#[from] PoolError),
    #[error(transparent)]
    Reallocation(#[from] ReallocationError),
    /// `populations[index].cluster` names no cluster.
    #[error("there is no cluster '{slug}'")]
    UnknownCluster { index: usize, slug: String },
    #[error("{0}")]
    Duplicate(String),
    #[error(transparent)]
    Approval(Box<crate::approvals::service::ApprovalError>),
    #[error("the pool changed meanwhile; retry")]
    Changed,
    #[error("money is reserved for application(s) {}: decide or withdraw them first, or close with {{\"undecided\": \"move\", \"to_pool\": …}} to move them to the next year's pool", .0.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", "))]
    MoneyReserved(Vec<i64>),
    /// `to_pool` is not an open pool of the same cluster and a later year.
    #[error("'{0}' is not an open pool of the same cluster and a later year")]
    NoTarget(String),
    #[error(transparent)]
    CarryOver(Box<crate::year_end::service::CarryOverFailure>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for PoolsError {
    fn from(e: diesel::result::Error) -> Self {
        PoolsError::Store(e.into())
    }
}

/// What happens to applications still in the workflow when a pool closes.
#[derive(Debug, Clone)]
pub enum Undecided {
    /// Refuse to close while money is reserved for any of them.
    Refuse,
    /// Move them, with their steps and reservations, to this (open) pool of a later year.
    Move(PoolKey),
}

/// Closes an open pool at year end. Every open e-mail approval request about
/// it ends with it, in the same transaction (a strategic reservation goes back);
/// undecided applications move to the next pool or, when money is reserved
/// for them and they may not move, the pool stays open.
pub fn close(conn: &mut AnyConnection, stored: &StoredPool, undecided: &Undecided, actor: Actor<'_>) -> Result<StoredPool, PoolsError> {
    let changed = stored.pool.close()?;
    crate::approvals::service::revoke_requests_of_closing_pool(conn, stored, actor).map_err(|e| PoolsError::Approval(Box::new(e)))?;
    let open: Vec<_> = crate::db::applications::of_pool(conn, &stored.pool.key)?
        .into_iter()
        .filter(|a| crate::domain::workflow::undecided(a.state))
        .collect();
    match undecided {
        Undecided::Refuse => {
            let holding: Vec<i64> = open.iter().filter(|a| !a.state.reserved().is_zero()).map(|a| a.id).collect();
            if !holding.is_empty() {
                return Err(PoolsError::MoneyReserved(holding));
            }
        }
        Undecided::Move(to) => {
            let target = crate::db::pools::find(conn, to)?.ok_or_else(|| PoolsError::NoTarget(to.to_string()))?;
            if target.pool.state != crate::domain::pool::PoolState::Open
                || target.cluster_id != stored.cluster_id
                || target.pool.key.year <= stored.pool.key.year
            {
                return Err(PoolsError::NoTarget(to.to_string()));
            }
            for app in &open {
                let bucket = if target.pool.model.has_bucket(app.charter.bucket) {
                    app.charter.bucket
                } else {
                    crate::domain::carry_over::default_bucket(target.pool.model)
                };
                let available = ledger::balances(conn, target.id)?.available(bucket);
                if let Some((out, into)) = crate::domain::workflow::moved_reservation(app.state, app.charter.bucket, bucket, available)
                    .map_err(|f| PoolsError::Reallocation(ReallocationError::Funds(f)))?
                {
                    ledger::post(conn, stored.id, Some(app.id), &out, actor.name, actor.at)?;
                    ledger::post(conn, target.id, Some(app.id), &into, actor.name, actor.at)?;
                }
                if !crate::db::applications::move_to_pool(conn, app, target.id, bucket, actor.at)? {
                    return Err(PoolsError::Changed);
                }
                audit::record(
                    conn,
                    &AuditEvent {
                        at: actor.at,
                        actor: actor.name,
                        action: "application.moved",
                        subject: format!("application:{}", app.id),
                        before: Some(serde_json::json!({"pool": stored.pool.key.to_string(), "bucket": app.charter.bucket.as_str()})),
                        after: Some(
                            serde_json::json!({"pool": target.pool.key.to_string(), "bucket": bucket.as_str(), "status": app.state.name()}),
                        ),
                        request_id: actor.request_id,
                    },
                )?;
            }
        }
    }
    let stored = crate::db::pools::find(conn, &stored.pool.key)?.ok_or(PoolsError::Changed)?;
    let closed = change(conn, &stored, &changed, None, "pool.closed", actor)?.ok_or(PoolsError::Changed)?;
    // A carry-over agreed before year end takes what is left now, in this transaction.
    crate::year_end::service::execute_at_closing(conn, &closed, actor).map_err(|e| PoolsError::CarryOver(Box::new(e)))?;
    Ok(closed)
}

/// A strategic decision to move available money between the buckets of an open pool.
#[derive(Debug, Clone)]
pub struct Reallocation {
    pub from: Bucket,
    pub to: Bucket,
    pub amount: Money,
    pub meeting_date: NaiveDate,
    pub reference: String,
}

/// Moves the money as the decision says; returns the ledger entry's id.
pub fn reallocate(conn: &mut AnyConnection, pool: &StoredPool, decision: &Reallocation, actor: Actor<'_>) -> Result<i64, PoolsError> {
    let Reallocation { from, to, amount, meeting_date, reference } = decision.clone();
    let balances = ledger::balances(conn, pool.id)?;
    let entry = pool.pool.reallocate(from, to, amount, balances.available(from))?;
    let entry = entry.clone().with_memo(format!("{} ({reference}, {meeting_date})", entry.memo()));
    let entry_id = ledger::post(conn, pool.id, None, &entry, actor.name, actor.at)?;
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "pool.reallocated",
            subject: format!("pool:{}", pool.pool.key),
            before: None,
            after: Some(
                serde_json::json!({"from_bucket": from.as_str(), "to_bucket": to.as_str(), "amount": amount.to_string(), "meeting_date": meeting_date, "reference": reference}),
            ),
            request_id: actor.request_id,
        },
    )?;
    Ok(entry_id)
}

/// One cluster's part of a distribution.
#[derive(Debug, Clone)]
pub struct Part {
    pub cluster: Slug,
    pub population: i64,
    pub amount: Money,
}

/// Sharing `amount` of `year` out to clusters: the parts (already split to
/// the øre) are recorded, and with `create_pools` each cluster's pool of the
/// year is created from its part (all or none). Returns the pools created.
pub fn distribute(
    conn: &mut AnyConnection,
    year: Year,
    amount: Money,
    parts: &[Part],
    create_pools: Option<(AllocationModel, ApprovalPolicy)>,
    actor: Actor<'_>,
) -> Result<Vec<String>, PoolsError> {
    let mut ids = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let Some(cluster) = clusters::find(conn, part.cluster.as_str())? else {
            return Err(PoolsError::UnknownCluster { index, slug: part.cluster.to_string() });
        };
        ids.push(cluster.id);
    }
    let total: i64 = parts.iter().map(|p| p.population).sum();
    let mut created = Vec::new();
    if let Some((model, policy)) = create_pools {
        for (part, cluster_id) in parts.iter().zip(&ids) {
            let key = PoolKey { cluster: part.cluster.clone(), year };
            if crate::db::pools::find(conn, &key)?.is_some() {
                return Err(PoolsError::Duplicate(format!("cluster '{}' already has a pool for {year}", part.cluster)));
            }
            let note = format!("Fordelt efter befolkningstal: {} af i alt {total} indbyggere.", part.population);
            // Last year's criteria stand until the strategic level decides others.
            let last_year = Year::new(i64::from(year.get()) - 1).ok().map(|y| PoolKey { cluster: part.cluster.clone(), year: y });
            let criteria = match last_year {
                Some(k) => crate::db::pools::find(conn, &k)?.map(|p| p.pool.criteria).unwrap_or_default(),
                None => Vec::new(),
            };
            let (pool, funding) =
                Pool::create(NewPool { key: key.clone(), amount: part.amount, model, policy: policy.clone(), note, criteria });
            create(conn, *cluster_id, &pool, &funding, actor)?;
            created.push(key.to_string());
        }
    }
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "distribution.made",
            subject: format!("distribution:{year}"),
            before: None,
            after: Some(serde_json::json!({
                "amount": amount.to_string(),
                "key": "population",
                "parts": parts.iter().map(|p| serde_json::json!({"cluster": p.cluster.as_str(), "amount": p.amount.to_string()})).collect::<Vec<_>>(),
                "pools_created": created,
            })),
            request_id: actor.request_id,
        },
    )?;
    Ok(created)
}

/// Where a decision on a pool was taken.
#[derive(Debug, Clone)]
pub struct Minuted {
    pub meeting_date: NaiveDate,
    pub reference: String,
}

fn save_decision(
    conn: &mut AnyConnection,
    stored: &StoredPool,
    changed: &Pool,
    entry: Option<&Entry>,
    action: &str,
    minuted: &Minuted,
    actor: Actor<'_>,
) -> Result<StoredPool, PoolsError> {
    let saved = update(conn, stored, changed, actor.at)?.ok_or(PoolsError::Changed)?;
    if let Some(entry) = entry {
        ledger::post(conn, stored.id, None, entry, actor.name, actor.at)?;
    }
    let mut after = snapshot(changed);
    if let Some(a) = after.as_object_mut() {
        a.insert("meeting_date".into(), serde_json::json!(minuted.meeting_date));
        a.insert("reference".into(), serde_json::json!(minuted.reference));
    }
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action,
            subject: format!("pool:{}", changed.key),
            before: Some(snapshot(&stored.pool)),
            after: Some(after),
            request_id: actor.request_id,
        },
    )?;
    Ok(saved)
}

/// The political level's decision on the pool's decision rights (who may
/// decide what, the co-chairs' e-mail mandate), recorded with its meeting.
pub fn decide_policy(
    conn: &mut AnyConnection,
    stored: &StoredPool,
    policy: ApprovalPolicy,
    minuted: &Minuted,
    actor: Actor<'_>,
) -> Result<StoredPool, PoolsError> {
    let changed = stored.pool.decide_policy(policy)?;
    save_decision(conn, stored, &changed, None, "pool.policy_decided", minuted, actor)
}

/// The strategic level's decision on the pool's criteria, recorded with its
/// meeting; charters registered before keep the criteria they were checked against.
pub fn decide_criteria(
    conn: &mut AnyConnection,
    stored: &StoredPool,
    criteria: Vec<Criterion>,
    minuted: &Minuted,
    actor: Actor<'_>,
) -> Result<StoredPool, PoolsError> {
    let changed = stored.pool.decide_criteria(criteria)?;
    save_decision(conn, stored, &changed, None, "pool.criteria_decided", minuted, actor)
}

/// The strategic level's decision on the allocation model of an open pool:
/// what is available is divided anew, to the øre.
pub fn decide_model(
    conn: &mut AnyConnection,
    stored: &StoredPool,
    model: AllocationModel,
    minuted: &Minuted,
    actor: Actor<'_>,
) -> Result<StoredPool, PoolsError> {
    let balances = ledger::balances(conn, stored.id)?;
    let (changed, entry) = stored.pool.decide_model(model, &balances)?;
    let entry = entry.clone().with_memo(format!("{} ({}, {})", entry.memo(), minuted.reference, minuted.meeting_date));
    save_decision(conn, stored, &changed, Some(&entry), "pool.model_decided", minuted, actor)
}
