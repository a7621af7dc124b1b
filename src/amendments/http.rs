//! Amendments over HTTP: propose one for a grant, read it, record the
//! decisions of the levels the decision rights name for the new total.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use super::dto::{AmendmentDecisionRequest, AmendmentDto, AmendmentRequest, amendment_dto};
use super::service::{self, Decision};
use crate::applications::decisions::OutcomeDto;
use crate::db::amendments as store;
use crate::db::grants;
use crate::db::pools::Actor;
use crate::domain::access::Action;
use crate::domain::amendment::Proposal;
use crate::domain::values::{Name, PoolKey};
use crate::domain::workflow::{Level, Outcome};
use crate::http::auth::Caller;
use crate::http::conventions::version_etag;
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::fields::money;
use crate::http::{AppState, json, now};

/// The grant's pool, after checking the caller's key covers its cluster.
async fn grant_pool(state: &AppState, caller: &Caller, id: i64) -> Result<PoolKey, ApiError> {
    let found = state.db.read(move |c| grants::find(c, id).map_err(ApiError::from)).await?;
    let grant = found.ok_or_else(|| ApiError::NotFound(format!("no grant {id}")))?;
    caller.require_cluster(grant.pool.cluster.as_str())?;
    Ok(grant.pool)
}

/// The amendment's pool, after checking the caller's key covers its cluster.
async fn amendment_pool(state: &AppState, caller: &Caller, id: i64) -> Result<PoolKey, ApiError> {
    let found = state
        .db
        .read(move |c| {
            let Some(a) = store::find(c, id)? else { return Ok(None) };
            Ok::<_, ApiError>(grants::find(c, a.grant_id)?.map(|g| g.pool))
        })
        .await?;
    let pool = found.ok_or_else(|| ApiError::NotFound(format!("no amendment {id}")))?;
    caller.require_cluster(pool.cluster.as_str())?;
    Ok(pool)
}

fn load(c: &mut crate::db::AnyConnection, id: i64) -> Result<AmendmentDto, ApiError> {
    let s = store::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no amendment {id}")))?;
    amendment_dto(c, s)
}

fn answer(d: AmendmentDto, status: actix_web::http::StatusCode) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, version_etag(d.version)))
        .insert_header((header::LOCATION, format!("/api/v1/amendments/{}", d.id)))
        .json(d)
}

/// Proposes an amendment of a grant: a new total, end date and/or budget
/// lines, with a reason. An increase reserves the extra at once (409 when
/// the bucket cannot pay it); a decrease holds nothing until approved.
#[utoipa::path(operation_id = "propose_amendment", extensions(("x-permission" = json!("manage_applications"))),
    tag = "grants", params(("id" = i64, Path)), request_body = AmendmentRequest, security(("api_key" = [])),
    responses((status = 201, description = "The amendment, pending", body = AmendmentDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Another amendment is pending, the pool is not open for an increase, the bucket cannot pay it (the problem says how much is available), or the new total is below what is paid out"),
        (status = 422, body = Problem)))]
#[post("/grants/{id}/amendments")]
pub async fn propose_amendment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageApplications)?;
    let id = path.into_inner();
    let pool = grant_pool(&state, &caller, id).await?;
    let (dto, mut errors): (AmendmentRequest, Vec<FieldError>) = json::parse_all(&req, &body)?;
    let amount = money("amount", &dto.amount, &mut errors);
    let budget: Option<Vec<(i64, crate::domain::money::Money)>> = dto.budget.as_ref().map(|lines| {
        lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| money(&format!("budget[{i}].amount"), &l.amount, &mut errors).map(|m| (l.year, m)))
            .collect()
    });
    let reason =
        Name::parse(&dto.reason, 1000).map_err(|e| errors.push(FieldError::new("reason", e))).map(Name::into_string).unwrap_or_default();
    let (Some(amount), true) = (amount, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let proposal = Proposal { amount, ends_on: dto.ends_on, budget };
    let at = now();
    let dto = state
        .db
        .write_in_pool(&pool, move |c| {
            let g = grants::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no grant {id}")))?;
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            let new_id = service::propose(c, &g, &proposal, &reason, who)?;
            load(c, new_id)
        })
        .await?;
    Ok(answer(dto, actix_web::http::StatusCode::CREATED))
}

/// One amendment with its terms before and after and its decisions.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "grants", params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The amendment", body = AmendmentDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/amendments/{id}")]
pub async fn get_amendment(state: web::Data<AppState>, caller: Caller, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    amendment_pool(&state, &caller, id).await?;
    let dto = state.db.read(move |c| load(c, id)).await?;
    Ok(answer(dto, actix_web::http::StatusCode::OK))
}

/// Records a decision on an amendment. The strategic level decides first;
/// when the new total needs the political level (the pool's decision
/// rights), its sign-off is final. The final approval changes the grant;
/// a rejection gives a held increase back.
#[utoipa::path(operation_id = "decide_amendment", extensions(("x-permission" = json!("record_decisions"))),
    tag = "grants", params(("id" = i64, Path)), request_body = AmendmentDecisionRequest, security(("api_key" = [])),
    responses((status = 200, description = "The amendment after the decision", body = AmendmentDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Decided already, awaiting another level, or the new total is below what is paid out by now"),
        (status = 422, body = Problem)))]
#[post("/amendments/{id}/decision")]
pub async fn decide_amendment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let id = path.into_inner();
    let pool = amendment_pool(&state, &caller, id).await?;
    let (dto, mut errors): (AmendmentDecisionRequest, Vec<FieldError>) = json::parse_all(&req, &body)?;
    let reference = crate::http::fields::reference(&dto.reference, &mut errors);
    let note = crate::http::fields::note(dto.note.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let decision = Decision {
        level: Level::from(dto.level),
        outcome: match dto.outcome {
            OutcomeDto::Approved => Outcome::Approved,
            OutcomeDto::Rejected => Outcome::Rejected,
        },
        meeting_date: dto.meeting_date,
        reference,
        note,
    };
    let at = now();
    let dto = state
        .db
        .write_in_pool(&pool, move |c| {
            let stored = store::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no amendment {id}")))?;
            // Separation of duties, as for the grant: the project's contact decides none of its amendments.
            let g = grants::find(c, stored.grant_id)?.ok_or_else(|| ApiError::NotFound(format!("no amendment {id}")))?;
            if let Some(project) = crate::db::applications::find(c, g.application_id)? {
                caller.require_not_contact(&project.charter.contact_email)?;
            }
            let actor = caller.actor();
            service::decide(c, &stored, &decision, Actor { name: &actor, request_id: caller.request_id.as_deref(), at })?;
            load(c, id)
        })
        .await?;
    Ok(answer(dto, actix_web::http::StatusCode::OK))
}
