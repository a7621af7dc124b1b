//! Reference data and access: clusters and their parties, users and their
//! keys. Each change is saved with its audit event in the caller's
//! transaction.

pub mod keys;

use crate::db::api_keys::{self, UserRow};
use crate::db::audit::{self, AuditEvent};
use crate::db::clusters::{self, ClusterRow};
use crate::db::pools::Actor;
use crate::db::reference::{self, PartyRow};
use crate::db::{AnyConnection, StoreError};

/// Why a change of reference data or access was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Duplicate(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for AdminError {
    fn from(e: diesel::result::Error) -> Self {
        AdminError::Store(e.into())
    }
}

fn record(
    conn: &mut AnyConnection,
    actor: Actor<'_>,
    action: &str,
    subject: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), StoreError> {
    audit::record(conn, &AuditEvent { at: actor.at, actor: actor.name, action, subject, before, after, request_id: actor.request_id })?;
    Ok(())
}

/// A new cluster; its slug must be new.
pub fn create_cluster(conn: &mut AnyConnection, slug: &str, name: &str, region: &str, actor: Actor<'_>) -> Result<ClusterRow, AdminError> {
    if clusters::find(conn, slug)?.is_some() {
        return Err(AdminError::Duplicate(format!("cluster '{slug}' already exists")));
    }
    let row = clusters::insert(conn, slug, name, region, actor.at)?;
    record(
        conn,
        actor,
        "cluster.created",
        format!("cluster:{}", row.slug),
        None,
        Some(serde_json::json!({"name": row.name, "region": row.region})),
    )?;
    Ok(row)
}

/// A cluster's new name or region.
pub fn update_cluster(
    conn: &mut AnyConnection,
    current: &ClusterRow,
    changed: &ClusterRow,
    actor: Actor<'_>,
) -> Result<ClusterRow, AdminError> {
    let row = clusters::update(conn, changed, actor.at)?;
    record(
        conn,
        actor,
        "cluster.updated",
        format!("cluster:{}", row.slug),
        Some(serde_json::json!({"name": current.name, "region": current.region})),
        Some(serde_json::json!({"name": row.name, "region": row.region})),
    )?;
    Ok(row)
}

/// A new party of `cluster`; its slug must be new there.
pub fn create_party(
    conn: &mut AnyConnection,
    cluster: &ClusterRow,
    slug: &str,
    name: &str,
    kind: &str,
    actor: Actor<'_>,
) -> Result<PartyRow, AdminError> {
    if reference::find_party(conn, cluster.id, slug)?.is_some() {
        return Err(AdminError::Duplicate(format!("party '{slug}' already exists in '{}'", cluster.slug)));
    }
    let row = reference::insert_party(conn, cluster.id, slug, name, kind, actor.at)?;
    record(
        conn,
        actor,
        "party.created",
        format!("party:{}/{}", cluster.slug, row.slug),
        None,
        Some(serde_json::json!({"name": row.name, "kind": row.kind})),
    )?;
    Ok(row)
}

/// A new user; the e-mail address must be new.
pub fn create_user(
    conn: &mut AnyConnection,
    name: &str,
    email: &str,
    role: &str,
    clusters: &[String],
    actor: Actor<'_>,
) -> Result<UserRow, AdminError> {
    if api_keys::find_user_by_email(conn, email)?.is_some() {
        return Err(AdminError::Duplicate(format!("a user with e-mail {email} exists")));
    }
    let user = api_keys::insert_user(conn, name, email, role, clusters, actor.at)?;
    record(
        conn,
        actor,
        "user.created",
        format!("user:{}", user.id),
        None,
        Some(serde_json::json!({"email": user.email, "role": user.role, "clusters": clusters})),
    )?;
    Ok(user)
}

fn user_snapshot(u: &UserRow) -> serde_json::Value {
    let clusters: Vec<&str> = u.clusters.split(',').filter(|c| !c.is_empty()).collect();
    serde_json::json!({"name": u.name, "email": u.email, "role": u.role, "clusters": clusters, "disabled": u.disabled_at.is_some()})
}

/// A user's changes (their keys follow); `None` when the user changed meanwhile.
pub fn update_user(conn: &mut AnyConnection, before: &UserRow, after: &UserRow, actor: Actor<'_>) -> Result<Option<UserRow>, AdminError> {
    if after.email != before.email && api_keys::find_user_by_email(conn, &after.email)?.is_some_and(|other| other.id != before.id) {
        return Err(AdminError::Duplicate(format!("a user with e-mail {} exists", after.email)));
    }
    let Some(saved) = api_keys::update_user(conn, before, after)? else { return Ok(None) };
    record(conn, actor, "user.updated", format!("user:{}", before.id), Some(user_snapshot(before)), Some(user_snapshot(&saved)))?;
    Ok(Some(saved))
}

/// Revokes a key at once; `false` when it was revoked already (or is unknown).
pub fn revoke_key(conn: &mut AnyConnection, id: i64, name: Option<&str>, actor: Actor<'_>) -> Result<bool, StoreError> {
    let done = api_keys::revoke(conn, id, actor.at)?;
    if done {
        record(conn, actor, "api_key.revoked", format!("api_key:{id}"), None, name.map(|n| serde_json::json!({"name": n})))?;
    }
    Ok(done)
}
