//! The audit trail: who did what, when, before → after. Written in the same
//! transaction as the change it describes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::audit_events;

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

pub fn record(conn: &mut AnyConnection, event: &AuditEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::occurred_at.eq(event.at),
            audit_events::actor.eq(event.actor),
            audit_events::action.eq(event.action),
            audit_events::subject.eq(&event.subject),
            audit_events::before_json.eq(event.before.as_ref().map(|v| v.to_string())),
            audit_events::after_json.eq(event.after.as_ref().map(|v| v.to_string())),
            audit_events::request_id.eq(event.request_id),
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
