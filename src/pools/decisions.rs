//! Decisions on a pool itself, as minuted: the political level's on its
//! decision rights, the strategic level's on its allocation model and on
//! moving available money between its buckets.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::applications::http::BucketDto;
use crate::db::pools::{self as store, Actor};
use crate::domain::access::Action;
use crate::domain::allocation::Bucket;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::fields::{money, pool_key, pool_not_found as not_found};
use crate::http::{AppState, json, now, utc};
use crate::pools::http::{PoolDto, pool_response};
use crate::pools::policy::{AllocationModelDto, ApprovalPolicyDto};
use crate::pools::service::Reallocation;

/// A decision of the political level on the pool's decision rights, as minuted.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyDecision {
    pub approval_policy: ApprovalPolicyDto,
    #[schema(example = "2022-11-09")]
    pub meeting_date: NaiveDate,
    #[schema(example = "Politisk niveau 09.11.2022, pkt. 3")]
    pub reference: String,
}

/// A decision of the strategic level on the pool's allocation model, as minuted.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelDecision {
    pub allocation_model: AllocationModelDto,
    #[schema(example = "2022-10-20")]
    pub meeting_date: NaiveDate,
    #[schema(example = "Referat 20.10.2022, pkt. 4.2")]
    pub reference: String,
}

pub(crate) fn minuted(
    meeting_date: NaiveDate,
    reference: &str,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> crate::pools::service::Minuted {
    let reference = crate::http::fields::reference(reference, errors);
    let latest = today + chrono::Days::new(crate::domain::dates::MEETING_DAYS_AHEAD);
    if meeting_date > latest {
        errors.push(FieldError::new(
            "meeting_date",
            format!("is more than {} days ahead (at most {latest})", crate::domain::dates::MEETING_DAYS_AHEAD),
        ));
    }
    crate::pools::service::Minuted { meeting_date, reference }
}

/// Saves a minuted decision on the pool `key` in one transaction (under the
/// pool's lock) and answers with the pool as decided: the write the policy,
/// model and criteria decisions share.
pub(crate) async fn record_decision<F>(
    state: web::Data<AppState>,
    caller: Caller,
    key: crate::domain::values::PoolKey,
    at: chrono::NaiveDateTime,
    decide: F,
) -> Result<HttpResponse, ApiError>
where
    F: Fn(&mut crate::db::AnyConnection, &store::StoredPool, Actor<'_>) -> Result<store::StoredPool, crate::pools::service::PoolsError>
        + Send
        + 'static,
{
    let saved = state
        .db
        .write_in_pool(&key.clone(), move |c| {
            let stored = store::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            Ok::<_, ApiError>(decide(c, &stored, who)?)
        })
        .await?;
    Ok(pool_response(&saved, StatusCode::OK))
}

/// Records the political level's decision on who may decide what in this
/// pool (the decision-rights matrix and the co-chairs' e-mail mandate). On a
/// draft or an open pool; audited with the meeting and its reference.
#[utoipa::path(extensions(("x-permission" = json!("record_decisions"))),
    tag = "pools", params(("pool" = String, Path)), request_body = PolicyDecision, security(("api_key" = [])),
    responses((status = 200, description = "The pool with the decision rights as decided", body = PoolDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The pool is closed"), (status = 422, body = Problem)))]
#[post("/pools/{pool}/policy-decisions")]
pub async fn decide_policy(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let key = pool_key(&caller, &path)?;
    let (dto, mut errors) = json::parse_all::<PolicyDecision>(&req, &body)?;
    let at = now();
    let policy = dto.approval_policy.parse(&mut errors);
    let minuted = minuted(dto.meeting_date, &dto.reference, at.date(), &mut errors);
    let (Some(policy), true) = (policy, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    record_decision(state, caller, key, at, move |c, stored, who| {
        crate::pools::service::decide_policy(c, stored, policy.clone(), &minuted, who)
    })
    .await
}

/// Records the strategic level's decision on the allocation model of an
/// open pool (e.g. Vest 2022's "no decision", which meant rolling, or another
/// share than 70/30): what is available is divided anew by the new model,
/// exactly to the øre; money granted or reserved stays where it is.
#[utoipa::path(extensions(("x-permission" = json!("record_decisions"))),
    tag = "pools", params(("pool" = String, Path)), request_body = ModelDecision, security(("api_key" = [])),
    responses((status = 200, description = "The pool under the new model, its available money divided anew", body = PoolDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The pool is not open"), (status = 422, body = Problem)))]
#[post("/pools/{pool}/model-decisions")]
pub async fn decide_model(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let key = pool_key(&caller, &path)?;
    let (dto, mut errors) = json::parse_all::<ModelDecision>(&req, &body)?;
    let at = now();
    let model = dto.allocation_model.parse("allocation_model", &mut errors);
    let minuted = minuted(dto.meeting_date, &dto.reference, at.date(), &mut errors);
    let (Some(model), true) = (model, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    record_decision(state, caller, key, at, move |c, stored, who| crate::pools::service::decide_model(c, stored, model, &minuted, who))
        .await
}

/// A strategic decision to move available money between a pool's buckets.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReallocationRequest {
    pub from_bucket: BucketDto,
    pub to_bucket: BucketDto,
    #[schema(example = "50000.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: String,
    pub meeting_date: NaiveDate,
    #[schema(example = "Referat 01.03.2023, pkt. 2")]
    pub reference: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReallocationDto {
    pub pool: String,
    pub from_bucket: BucketDto,
    pub to_bucket: BucketDto,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: String,
    pub meeting_date: NaiveDate,
    pub reference: String,
    /// The ledger entry that moved the money.
    pub ledger_entry_id: i64,
    pub recorded_at: DateTime<Utc>,
}

/// Moves available money between the buckets of an open pool (e.g. from
/// `ad_hoc` to `upfront` in a 70/30 pool), as the strategic level decided.
#[utoipa::path(operation_id = "reallocate_between_buckets", extensions(("x-permission" = json!("record_decisions"))),
    tag = "pools", params(("pool" = String, Path)), request_body = ReallocationRequest, security(("api_key" = [])),
    responses((status = 201, description = "The reallocation, recorded", body = ReallocationDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Pool not open, or not enough available in the source bucket"), (status = 422, body = Problem)))]
#[post("/pools/{pool}/reallocations")]
pub async fn reallocate(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let key = pool_key(&caller, &path)?;
    let dto: ReallocationRequest = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let amount = money("amount", &dto.amount, &mut errors);
    let reference = crate::http::fields::reference(&dto.reference, &mut errors);
    let (Some(amount), true) = (amount, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let (from, to) = (Bucket::from(dto.from_bucket), Bucket::from(dto.to_bucket));
    let at = now();
    let lock = key.clone();
    let meeting_date = dto.meeting_date;
    let entry_id = state
        .db
        .write_in_pool(&lock, move |c| {
            let pool = store::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            let decision = Reallocation { from, to, amount, meeting_date, reference: reference.clone() };
            let entry_id = crate::pools::service::reallocate(c, &pool, &decision, who)?;
            Ok::<_, ApiError>(entry_id)
        })
        .await?;
    Ok(HttpResponse::Created().json(ReallocationDto {
        pool: lock.to_string(),
        from_bucket: dto.from_bucket,
        to_bucket: dto.to_bucket,
        amount: amount.to_string(),
        meeting_date: dto.meeting_date,
        reference: dto.reference.trim().to_owned(),
        ledger_entry_id: entry_id,
        recorded_at: utc(at),
    }))
}
