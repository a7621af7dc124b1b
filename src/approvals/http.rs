//! Approval by e-mail link, the API side: who approves, asking a level to
//! approve, following, resending and revoking requests, and the outbox.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::applications::decisions::LevelDto;
use crate::applications::http::pool_of;
use crate::approvals::service::{self as approval, ApprovalError};
use crate::db::approvals::{self as store, RequestRow};
use crate::db::pools::Actor;
use crate::db::{AnyConnection, applications, pools};
use crate::domain::access::Action;
use crate::domain::approval::RequestState;
use crate::domain::workflow::Level;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::fields::pool_not_found as not_found;
use crate::http::{AppState, json, now, utc};

impl From<ApprovalError> for ApiError {
    fn from(e: ApprovalError) -> Self {
        match e {
            ApprovalError::Workflow(w) => w.into(),
            ApprovalError::NoMandate | ApprovalError::CoChairs(_) => {
                ApiError::Conflict { kind: crate::http::error::ConflictKind::ApprovalRequest, detail: e.to_string() }
            }
            ApprovalError::Date(d) => ApiError::field("meeting_date", d),
            ApprovalError::Changed => {
                ApiError::Conflict { kind: crate::http::error::ConflictKind::ConcurrentChange, detail: e.to_string() }
            }
            ApprovalError::Store(s) => ApiError::Store(s),
            ApprovalError::Random => ApiError::Store(crate::db::StoreError::Unavailable("no randomness".into())),
            ApprovalError::CarryOver(c) => c.into(),
            ApprovalError::NotByEmail(_) | ApprovalError::NoApprovers(_) | ApprovalError::AllRecused(_) | ApprovalError::AlreadyOpen(_) => {
                ApiError::Conflict { kind: crate::http::error::ConflictKind::ApprovalRequest, detail: e.to_string() }
            }
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkStateDto {
    pub approver_name: String,
    pub approver_email: String,
    /// `pending`, `approved`, `rejected` or `void`.
    pub state: String,
    pub expires_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub comment: String,
}

/// An approval request and where each approver stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalRequestDto {
    pub id: i64,
    /// The application asked about (absent for a carry-over).
    pub application_id: Option<i64>,
    /// The carry-over asked about (absent for an application).
    pub carry_over_id: Option<i64>,
    pub level: String,
    /// `open`, `approved`, `rejected`, `revoked`, `pool_closed` or `expired`
    /// (every link expired with answers missing: the money stays reserved until it is resent or revoked).
    #[schema(value_type = ApprovalStateParam)]
    pub status: String,
    pub requested_by: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub links: Vec<LinkStateDto>,
}

pub(crate) fn request_dto(c: &mut AnyConnection, r: RequestRow) -> Result<ApprovalRequestDto, ApiError> {
    let links = store::links_of(c, r.id)?
        .into_iter()
        .map(|l| LinkStateDto {
            approver_name: l.approver_name,
            approver_email: l.approver_email,
            state: l.state,
            expires_at: utc(l.expires_at),
            decided_at: l.decided_at.map(utc),
            comment: l.comment,
        })
        .collect();
    Ok(ApprovalRequestDto {
        id: r.id,
        application_id: r.application_id,
        carry_over_id: r.carry_over_id,
        level: r.level,
        status: r.state,
        requested_by: r.requested_by,
        created_at: utc(r.created_at),
        closed_at: r.closed_at.map(utc),
        links,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequestBody {
    /// `strategic` (both co-chairs; the money is reserved now) or `political`.
    pub level: LevelDto,
    /// Why this case is asked by e-mail: lets the co-chairs be asked about one
    /// case even when the pool decides in meetings (with the e-mail mandate).
    #[schema(example = "Projektet skal starte før næste møde")]
    pub reason: Option<String>,
}

/// Asks a level to approve by e-mail: every approver of that level gets a
/// personal link. The strategic level's request reserves the money at once.
#[utoipa::path(operation_id = "request_application_approval", tag = "approvals", extensions(("x-permission" = json!("record_decisions"))), params(("id" = i64, Path)), request_body = ApprovalRequestBody,
    security(("api_key" = [])),
    responses((status = 201, description = "The approval request; each approver of the level is mailed a link", body = ApprovalRequestDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not by e-mail in this pool, no approvers, a request already open, not enough money, or not in a state to ask"),
        (status = 422, body = Problem)))]
#[post("/applications/{id}/approval-requests")]
pub async fn request_approval(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let id = path.into_inner();
    let pool = pool_of(&state, &caller, id).await?;
    let dto: ApprovalRequestBody = json::parse(&req, &body)?;
    let level = Level::from(dto.level);
    let reason = match dto.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(text) => Some(crate::domain::values::Name::parse(text, 1000).map_err(|e| ApiError::field("reason", e))?.into_string()),
    };
    let settings = state.links.clone();
    let at = now();
    let out = state
        .db
        .write_in_pool(&pool, move |c| {
            let app = applications::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no application {id}")))?;
            caller.require_not_contact(&app.charter.contact_email)?;
            let stored_pool = pools::find(c, &app.pool)?.ok_or_else(|| not_found(&app.pool))?;
            let actor = caller.actor();
            let request = approval::open_request(
                c,
                &app,
                &stored_pool,
                level,
                reason.as_deref(),
                Actor { name: &actor, request_id: caller.request_id.as_deref(), at },
                &settings,
            )?;
            request_dto(c, request)
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(out))
}

/// Where an approval request stands: its `status`, and the `?status=` filter.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ApprovalStateParam {
    Open,
    Approved,
    Rejected,
    Revoked,
    /// Ended because the pool was closed while it was open.
    PoolClosed,
    /// Every link expired with answers missing; the money stays reserved until it is resent or revoked.
    Expired,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ApprovalQuery {
    /// `open`, `approved`, `rejected`, `revoked`, `pool_closed` or `expired`.
    #[param(value_type = Option<ApprovalStateParam>, inline)]
    pub status: Option<String>,
    pub application: Option<i64>,
}

/// Approval requests, open and finished.
#[utoipa::path(tag = "approvals", extensions(("x-permission" = json!("read"))), params(ApprovalQuery), security(("api_key" = [])),
    responses((status = 200, description = "The approval requests", body = Vec<ApprovalRequestDto>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/approvals")]
pub async fn list_approvals(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ApprovalQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = match query.status.as_deref() {
        None => None,
        Some(text) => Some(RequestState::parse(text).ok_or_else(|| {
            let names: Vec<&str> = RequestState::ALL.iter().map(|s| s.as_str()).collect();
            ApiError::field("status", format!("must be one of {}", names.join(", ")))
        })?),
    };
    let application = query.application;
    let scope = caller.scope.clone();
    let out = state
        .db
        .read(move |c| {
            let mut out = Vec::new();
            for r in store::requests(c, status, application)? {
                let Ok((_, pool)) = approval::Loaded::of(c, &r) else { continue };
                if scope.covers(pool.cluster.as_str()) {
                    out.push(request_dto(c, r)?);
                }
            }
            Ok::<_, ApiError>(out)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

async fn request_pool(state: &AppState, caller: &Caller, id: i64) -> Result<crate::domain::values::PoolKey, ApiError> {
    let key = state
        .db
        .read(move |c| match store::find_request(c, id)? {
            Some(r) => Ok::<_, ApiError>(Some(approval::Loaded::of(c, &r)?.1)),
            None => Ok(None),
        })
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no approval request {id}")))?;
    caller.require_cluster(key.cluster.as_str())?;
    Ok(key)
}

/// New links for the approvers who have not answered; their old links stop
/// working. An expired request is open again.
#[utoipa::path(operation_id = "resend_approval_request", tag = "approvals", extensions(("x-permission" = json!("record_decisions"))), params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The request; approvers who have not answered got new links (the old ones stop working); an expired request is open again", body = ApprovalRequestDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The request is neither open nor expired")))]
#[post("/approvals/{id}/resend")]
pub async fn resend(state: web::Data<AppState>, caller: Caller, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let id = path.into_inner();
    let pool = request_pool(&state, &caller, id).await?;
    let settings = state.links.clone();
    let at = now();
    let out = state
        .db
        .write_in_pool(&pool, move |c| {
            let r = store::find_request(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no approval request {id}")))?;
            if !matches!(r.request_state()?, RequestState::Open | RequestState::Expired) {
                return Err(ApiError::Conflict {
                    kind: crate::http::error::ConflictKind::ApprovalRequest,
                    detail: format!("the request is {}", r.state),
                });
            }
            let actor = caller.actor();
            approval::resend(c, &r, &settings, Actor { name: &actor, request_id: caller.request_id.as_deref(), at })?;
            let r = store::find_request(c, id)?.ok_or_else(|| ApiError::NotFound("request vanished".into()))?;
            request_dto(c, r)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Withdraws an open or expired request: its links stop working; a strategic request's reservation is given back.
#[utoipa::path(operation_id = "revoke_approval_request", tag = "approvals", extensions(("x-permission" = json!("record_decisions"))), params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The request, withdrawn (its links stop working; a strategic reservation is given back)", body = ApprovalRequestDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The request is neither open nor expired")))]
#[post("/approvals/{id}/revoke")]
pub async fn revoke(state: web::Data<AppState>, caller: Caller, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let id = path.into_inner();
    let pool = request_pool(&state, &caller, id).await?;
    let at = now();
    let out = state
        .db
        .write_in_pool(&pool, move |c| {
            let r = store::find_request(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no approval request {id}")))?;
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            if !approval::revoke_request(c, &r, approval::Why::Revoked, who)? {
                return Err(ApiError::Conflict {
                    kind: crate::http::error::ConflictKind::ApprovalRequest,
                    detail: format!("the request is {}", r.state),
                });
            }
            let r = store::find_request(c, id)?.ok_or_else(|| ApiError::NotFound("request vanished".into()))?;
            request_dto(c, r)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// A queued or sent mail.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxDto {
    pub id: i64,
    pub to: String,
    pub subject: String,
    /// `queued` or `sent`.
    pub state: String,
    pub attempts: i32,
    pub last_error: String,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Mail the service has queued and sent, newest first (admin). Bodies are
/// left out: they carry approval links.
#[utoipa::path(operation_id = "list_outbox", tag = "approvals", extensions(("x-permission" = json!("manage_users"))), security(("api_key" = [])),
    responses((status = 200, description = "Queued and sent mail, newest first", body = Vec<OutboxDto>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/outbox")]
pub async fn outbox(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageUsers)?;
    let rows = state.db.read(|c| crate::db::outbox::list(c, 500).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(|m| OutboxDto {
                id: m.id,
                to: m.to_address,
                subject: m.subject,
                state: m.state,
                attempts: m.attempts,
                last_error: m.last_error,
                next_attempt_at: utc(m.next_attempt_at),
                created_at: utc(m.created_at),
                sent_at: m.sent_at.map(utc),
            })
            .collect::<Vec<_>>(),
    ))
}
