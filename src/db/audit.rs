//! The audit trail: who did what, when, before → after. Written in the same
//! transaction as the change it describes, and tamper-evident: each event
//! carries the SHA-256 of its canonical form, which includes the hash of the
//! event before it. The database refuses UPDATE and DELETE on the table
//! (triggers), and [`verify`] walks the chain and names the first broken event.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_events;
use super::{AnyConnection, StoreError};
use crate::secrets::sha256_hex;

#[derive(Debug, Clone, Queryable)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// One thing that happened, as the handler describes it.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub at: NaiveDateTime,
    pub actor: &'a str,
    pub action: &'a str,
    /// What it happened to: `pool:vest-2022`, `cluster:vest`, `api_key:3`.
    pub subject: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<&'a str>,
}

/// The hashed form of an event: a JSON array of its fields in a fixed order.
#[allow(clippy::too_many_arguments)]
fn event_hash(
    at: NaiveDateTime,
    actor: &str,
    action: &str,
    subject: &str,
    before: Option<&str>,
    after: Option<&str>,
    request_id: Option<&str>,
    prev_hash: &str,
) -> String {
    let canonical =
        serde_json::json!([at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(), actor, action, subject, before, after, request_id, prev_hash]);
    sha256_hex(&canonical.to_string())
}

/// The newest event's hash: the head of the chain ("" before the first).
pub fn head(conn: &mut AnyConnection) -> QueryResult<Option<(i64, String)>> {
    audit_events::table.select((audit_events::id, audit_events::hash)).order(audit_events::id.desc()).first(conn).optional()
}

pub fn record(conn: &mut AnyConnection, event: &AuditEvent<'_>) -> QueryResult<()> {
    let prev_hash = head(conn)?.map(|(_, h)| h).unwrap_or_default();
    let before = event.before.as_ref().map(|v| v.to_string());
    let after = event.after.as_ref().map(|v| v.to_string());
    let hash =
        event_hash(event.at, event.actor, event.action, &event.subject, before.as_deref(), after.as_deref(), event.request_id, &prev_hash);
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::occurred_at.eq(event.at),
            audit_events::actor.eq(event.actor),
            audit_events::action.eq(event.action),
            audit_events::subject.eq(&event.subject),
            audit_events::before_json.eq(before),
            audit_events::after_json.eq(after),
            audit_events::request_id.eq(event.request_id),
            audit_events::prev_hash.eq(&prev_hash),
            audit_events::hash.eq(&hash),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn list(conn: &mut AnyConnection, subject: Option<&str>, after_id: Option<i64>, limit: i64) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_events::table.select(audit_events::all_columns).order(audit_events::id).limit(limit).into_boxed();
    if let Some(subject) = subject {
        query = query.filter(audit_events::subject.eq(subject.to_owned()));
    }
    if let Some(after) = after_id {
        query = query.filter(audit_events::id.gt(after));
    }
    query.load(conn)
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every event links to the one before and matches its hash.
    Intact { events: u64, head: String },
    /// The first event that does not.
    Broken { id: i64, reason: String },
}

/// Walks the whole chain, oldest first. Events written before the chain
/// existed (empty hash) may only come first.
pub fn verify(conn: &mut AnyConnection) -> Result<Verdict, StoreError> {
    let mut expected_prev = String::new();
    let mut chained = false;
    let mut events = 0u64;
    let mut after = None;
    loop {
        let page = list(conn, None, after, 1000)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for row in page {
            events += 1;
            if row.hash.is_empty() && !chained && row.prev_hash.is_empty() {
                continue;
            }
            chained = true;
            if row.prev_hash != expected_prev {
                return Ok(Verdict::Broken { id: row.id, reason: "does not link to the event before it".into() });
            }
            let computed = event_hash(
                row.occurred_at,
                &row.actor,
                &row.action,
                &row.subject,
                row.before_json.as_deref(),
                row.after_json.as_deref(),
                row.request_id.as_deref(),
                &row.prev_hash,
            );
            if computed != row.hash {
                return Ok(Verdict::Broken { id: row.id, reason: "its content does not match its hash".into() });
            }
            expected_prev = row.hash;
        }
    }
    Ok(Verdict::Intact { events, head: expected_prev })
}
