//! The audit trail, read-only.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::audit::{self, AuditRow};
use crate::domain::access::Action;
use crate::http::auth::Caller;
use crate::http::conventions::{Page, id_cursor, limit};
use crate::http::error::{ApiError, Problem};
use crate::http::{AppState, utc};

/// Who did what, when: before → after.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventDto {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// The API key's name and id.
    pub actor: String,
    #[schema(example = "pool.created")]
    pub action: String,
    #[schema(example = "pool:vest-2022")]
    pub subject: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    /// The hash of the event before this one in its stream ("" for the first).
    pub prev_hash: String,
    /// SHA-256 over this event's canonical form, including `prev_hash` and `stream`.
    pub hash: String,
    /// The chain this event belongs to: `pool:<key>` for a write that held the
    /// pool's lock, `global` for every other write, "" for events written
    /// before streams (their hash leaves the stream out).
    #[schema(example = "pool:vest-2022")]
    pub stream: String,
}

/// The newest event: anchoring its hash elsewhere makes rewriting history detectable.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainHead {
    pub id: i64,
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEventDto>,
    pub next_cursor: Option<String>,
    pub chain_head: Option<ChainHead>,
}

impl From<AuditRow> for AuditEventDto {
    fn from(r: AuditRow) -> Self {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        AuditEventDto {
            id: r.id,
            occurred_at: utc(r.occurred_at),
            actor: r.actor,
            action: r.action,
            subject: r.subject,
            before: parse(r.before_json),
            after: parse(r.after_json),
            request_id: r.request_id,
            prev_hash: r.prev_hash,
            hash: r.hash,
            stream: r.stream,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only events about this subject, e.g. `pool:vest-2022`.
    pub subject: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// The audit trail, oldest first. Keys limited to some clusters see none
/// (the trail spans all clusters).
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "audit", params(AuditQuery), security(("api_key" = [])),
    responses((status = 200, description = "A page of audit events, with the chain's head", body = AuditPage), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Read)?;
    caller.require_all_clusters(crate::domain::access::Spanning::AuditTrail)?;
    let mut errors = Vec::new();
    let limit = limit(query.limit.as_deref(), &mut errors);
    let after = id_cursor(query.cursor.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let subject = query.subject.clone();
    let (rows, head) =
        state.db.read(move |c| Ok::<_, ApiError>((audit::list(c, subject.as_deref(), after, limit + 1)?, audit::head(c)?))).await?;
    let items = rows.into_iter().map(AuditEventDto::from).collect();
    let page = Page::from_rows(items, limit, |e: &AuditEventDto| e.id.to_string());
    Ok(HttpResponse::Ok().json(AuditPage {
        items: page.items,
        next_cursor: page.next_cursor,
        chain_head: head.map(|(id, hash)| ChainHead { id, hash }),
    }))
}
