//! The reporting plan of a grant (GET, PUT with If-Match), reports by the
//! secretariat, and what is overdue.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{OverdueDto, PlanEntryRequest, ReportRequest, ReportingPlanDto};
use super::service::{self, Submission};
use crate::db::grants;
use crate::db::pools::Actor;
use crate::domain::access::Action;
use crate::domain::follow_up::{self as rules, PlanEntry};
use crate::domain::values::{Slug, parse_note};
use crate::http::auth::Caller;
use crate::http::conventions::{IfMatch, version_etag};
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::{AppState, json, now};

/// The grant's cluster is the caller's, or 403; 404 when there is no such grant.
async fn check_grant(state: &AppState, caller: &Caller, id: i64) -> Result<(), ApiError> {
    let found = state.db.read(move |c| grants::find(c, id).map_err(ApiError::from)).await?;
    let grant = found.ok_or_else(|| ApiError::NotFound(format!("no grant {id}")))?;
    caller.require_cluster(grant.pool.cluster.as_str())
}

fn answer(status: actix_web::http::StatusCode, view: &service::PlanView) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, version_etag(view.version))).json(ReportingPlanDto::from(view))
}

/// The grant's reporting plan, each entry's state today (`due`, `submitted`,
/// `overdue`) and the reports. Until the secretariat sets one, the plan
/// suggested from the project period (`suggested: true`, ETag `"0"`): a status
/// report every 6 months after `starts_on` while before `ends_on`, and the
/// final report 3 months after `ends_on`.
#[utoipa::path(operation_id = "get_reporting_plan", extensions(("x-permission" = json!("read"))),
    tag = "grants", params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The plan and its reports", body = ReportingPlanDto, headers(("ETag" = String))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/grants/{id}/reporting-plan")]
pub async fn get_plan(state: web::Data<AppState>, caller: Caller, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_grant(&state, &caller, id).await?;
    let today = state.follow_up.clock.today();
    let view =
        state.db.read(move |c| service::plan_view(c, id, today)?.ok_or_else(|| ApiError::NotFound(format!("no grant {id}")))).await?;
    Ok(answer(actix_web::http::StatusCode::OK, &view))
}

/// Sets the grant's reporting plan as a whole: exactly one `final` report,
/// due last. Needs `If-Match` (`"0"` over the suggestion). An entry a report
/// was submitted for must stay.
#[utoipa::path(operation_id = "put_reporting_plan", extensions(("x-permission" = json!("manage_applications"))),
    tag = "grants", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = Vec<PlanEntryRequest>, security(("api_key" = [])),
    responses((status = 200, description = "The plan as set", body = ReportingPlanDto, headers(("ETag" = String))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "A submitted report would be dropped from the plan"),
        (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
#[put("/grants/{id}/reporting-plan")]
pub async fn put_plan(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageApplications)?;
    let id = path.into_inner();
    check_grant(&state, &caller, id).await?;
    let (dto, errors) = json::parse_all::<Vec<PlanEntryRequest>>(&req, &body)?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let entries: Vec<PlanEntry> = dto.iter().map(PlanEntry::from).collect();
    let plan = rules::check_plan(&entries).map_err(|e| ApiError::field("plan", e))?;
    let if_match = IfMatch::of(&req);
    if if_match.is_absent() {
        return Err(ApiError::PreconditionRequired);
    }
    let today = state.follow_up.clock.today();
    let at = now();
    let view = state
        .db
        .write(move |c| {
            let view = service::plan_view(c, id, today)?.ok_or_else(|| ApiError::NotFound(format!("no grant {id}")))?;
            if_match.check(view.version)?;
            let actor = caller.actor();
            service::set_plan(c, &view, &plan, Actor { name: &actor, request_id: caller.request_id.as_deref(), at })?;
            service::plan_view(c, id, today)?.ok_or_else(|| ApiError::NotFound(format!("no grant {id}")))
        })
        .await?;
    Ok(answer(actix_web::http::StatusCode::OK, &view))
}

/// A progress report by the secretariat: it fulfils the earliest open
/// entry of its kind. A `final` report closes the follow-up; `stopped`
/// sends the secretariat a prompt to consider a release.
#[utoipa::path(operation_id = "submit_report", extensions(("x-permission" = json!("manage_applications"))),
    tag = "grants", params(("id" = i64, Path)), request_body = ReportRequest, security(("api_key" = [])),
    responses((status = 201, description = "The plan with the report", body = ReportingPlanDto, headers(("ETag" = String))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The follow-up is closed, or the plan has no open report of this kind"),
        (status = 422, body = Problem)))]
#[post("/grants/{id}/reports")]
pub async fn submit_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageApplications)?;
    let id = path.into_inner();
    check_grant(&state, &caller, id).await?;
    let (dto, mut errors) = json::parse_all::<ReportRequest>(&req, &body)?;
    let text = parse_note(&dto.text, 10_000).map_err(|e| errors.push(FieldError::new("text", e))).unwrap_or_default();
    if text.trim().is_empty() && errors.iter().all(|e| e.field != "text") {
        errors.push(FieldError::new("text", "write what the project reports"));
    }
    let attachments = dto.attachments.clone().unwrap_or_default();
    if attachments.len() > 50 {
        errors.push(FieldError::new("attachments", "at most 50 attachments"));
    }
    if let Some(i) = attachments.iter().position(|a| *a < 1) {
        errors.push(FieldError::new(format!("attachments[{i}]"), "an attachment id is a whole number from 1"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let today = state.follow_up.clock.today();
    let settings = state.follow_up.clone();
    let at = now();
    let view = state
        .db
        .write(move |c| {
            let view = service::plan_view(c, id, today)?.ok_or_else(|| ApiError::NotFound(format!("no grant {id}")))?;
            let actor = caller.actor();
            let report = Submission { progress: dto.progress.into(), text: &text, attachments: &attachments, channel: "api" };
            let actor = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            service::submit_report(c, &view, dto.kind.into(), None, &report, &settings, actor)?;
            service::plan_view(c, id, today)?.ok_or_else(|| ApiError::NotFound(format!("no grant {id}")))
        })
        .await?;
    Ok(answer(actix_web::http::StatusCode::CREATED, &view))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OverdueQuery {
    /// Only this cluster's grants.
    #[param(pattern = "^[a-z](-?[a-z0-9])*$", max_length = 40)]
    pub cluster: Option<String>,
}

/// Reports past their due date in the clusters the key covers, most overdue
/// first. Only plans the secretariat has set (or that have a report) count.
#[utoipa::path(operation_id = "overdue_reports", extensions(("x-permission" = json!("read"))),
    tag = "grants", params(OverdueQuery), security(("api_key" = [])),
    responses((status = 200, description = "Overdue reports", body = Vec<OverdueDto>),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/reports/overdue")]
pub async fn overdue(state: web::Data<AppState>, caller: Caller, query: web::Query<OverdueQuery>) -> Result<HttpResponse, ApiError> {
    let cluster = match query.cluster.as_deref() {
        Some(c) => Some(Slug::parse(c).map_err(|e| ApiError::field("cluster", e))?.to_string()),
        None => None,
    };
    if let Some(c) = &cluster {
        caller.require_cluster(c)?;
    }
    let today = state.follow_up.clock.today();
    let scope = caller.scope.clone();
    let rows = state.db.read(move |c| service::overdue(c, &scope, cluster.as_deref(), today).map_err(ApiError::from)).await?;
    let items: Vec<OverdueDto> = rows
        .into_iter()
        .map(|o| OverdueDto {
            grant_id: o.grant_id,
            application_id: o.application_id,
            application_title: o.application_title,
            pool: o.pool,
            due_on: o.entry.due_on,
            kind: o.entry.kind.into(),
            days_overdue: o.days_overdue,
        })
        .collect();
    Ok(HttpResponse::Ok().json(items))
}
