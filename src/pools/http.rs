//! Pools: one cluster, one calendar year, an amount and an allocation model.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, http::header, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::clusters;
use crate::db::pools::{self as store, Actor, PoolFilter, StoredPool};
use crate::domain::access::Action;
use crate::domain::pool::{ApprovalPolicy, NewPool, Pool, PoolChanges, PoolState};
use crate::domain::values::{PoolKey, Slug, Year, parse_note};
use crate::http::auth::Caller;
use crate::http::conventions::{IfMatch, Page, limit, version_etag};
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::fields::{money, pool_key, pool_not_found as not_found};
use crate::http::{AppState, json, now, utc};
use crate::pools::criteria::{CriterionDto, parse_criteria};
use crate::pools::policy::{AllocationModelDto, ApprovalPolicyDto};

fn note(text: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    text.and_then(|t| parse_note(t, 2000).map_err(|e| errors.push(FieldError::new("note", e))).ok())
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PoolStateDto {
    Draft,
    Open,
    Closed,
}

impl From<PoolStateDto> for PoolState {
    fn from(s: PoolStateDto) -> Self {
        match s {
            PoolStateDto::Draft => PoolState::Draft,
            PoolStateDto::Open => PoolState::Open,
            PoolStateDto::Closed => PoolState::Closed,
        }
    }
}

impl From<PoolState> for PoolStateDto {
    fn from(s: PoolState) -> Self {
        match s {
            PoolState::Draft => PoolStateDto::Draft,
            PoolState::Open => PoolStateDto::Open,
            PoolState::Closed => PoolStateDto::Closed,
        }
    }
}

/// A pool (pulje): one cluster's funds for one calendar year.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolDto {
    /// `{cluster}-{year}`, used in URLs.
    #[schema(example = "vest-2022")]
    pub id: String,
    #[schema(example = "vest")]
    pub cluster: String,
    #[schema(example = 2022)]
    pub year: i32,
    #[schema(example = "871553.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: String,
    pub allocation_model: AllocationModelDto,
    pub approval_policy: ApprovalPolicyDto,
    /// What projects must meet to get funds; charters answer them by `code`.
    pub criteria: Vec<CriterionDto>,
    pub state: PoolStateDto,
    pub note: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&StoredPool> for PoolDto {
    fn from(s: &StoredPool) -> Self {
        let p = &s.pool;
        PoolDto {
            id: p.key.to_string(),
            cluster: p.key.cluster.to_string(),
            year: p.key.year.get(),
            amount: p.amount.to_string(),
            allocation_model: p.model.into(),
            approval_policy: p.policy.clone().into(),
            criteria: p.criteria.iter().map(CriterionDto::from).collect(),
            state: p.state.into(),
            note: p.note.clone(),
            version: p.version,
            created_at: utc(s.created_at),
            updated_at: utc(s.updated_at),
        }
    }
}

pub(crate) fn pool_response(stored: &StoredPool, status: StatusCode) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, version_etag(stored.pool.version)))
        .insert_header((header::LOCATION, format!("/api/v1/pools/{}", stored.pool.key)))
        .json(PoolDto::from(stored))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePool {
    #[schema(example = "vest")]
    pub cluster: String,
    #[schema(example = 2022)]
    pub year: i64,
    /// DKK as a string with at most two decimals.
    #[schema(example = "871553.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: String,
    pub allocation_model: AllocationModelDto,
    /// Defaults: recommendation required, strategic decision in a meeting, political sign-off from 100000.00.
    pub approval_policy: Option<ApprovalPolicyDto>,
    /// Free text, e.g. the decision that set the amount.
    pub note: Option<String>,
    /// What projects must meet to get funds. Left out: none (or, for pools made by a distribution or a carry-over, last year's).
    pub criteria: Option<Vec<CriterionDto>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchPool {
    #[schema(example = "871553.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: Option<String>,
    pub allocation_model: Option<AllocationModelDto>,
    pub approval_policy: Option<ApprovalPolicyDto>,
    pub note: Option<String>,
    /// A draft's criteria (replacing the list); an open pool's change only by `…/criteria-decisions`.
    pub criteria: Option<Vec<CriterionDto>>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PoolQuery {
    /// Cluster slug.
    pub cluster: Option<String>,
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    pub state: Option<PoolStateDto>,
    /// Page size, 1-500 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    #[param(pattern = "^[a-z](-?[a-z0-9])*-(20[0-9][0-9]|2100)$", max_length = 45)]
    pub cursor: Option<String>,
}

/// Creates a pool as a draft, funded in full: its amount is divided over the
/// model's buckets exactly to the øre, written to the ledger.
#[utoipa::path(extensions(("x-permission" = json!("manage_pools"))),
    tag = "pools", request_body = CreatePool, security(("api_key" = [])),
    responses((status = 201, description = "The pool, created as a draft and funded", body = PoolDto, headers(("ETag" = String), ("Location" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem, description = "The cluster already has a pool for that year"),
        (status = 422, body = Problem)))]
#[post("/pools")]
pub async fn create_pool(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManagePools)?;
    let dto: CreatePool = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let cluster = Slug::parse(&dto.cluster).map_err(|e| errors.push(FieldError::new("cluster", e))).ok();
    let year = Year::new(dto.year).map_err(|e| errors.push(FieldError::new("year", e))).ok();
    let amount = money("amount", &dto.amount, &mut errors);
    let model = dto.allocation_model.parse("allocation_model", &mut errors);
    let policy = match &dto.approval_policy {
        Some(p) => p.parse(&mut errors),
        None => Some(ApprovalPolicy::default()),
    };
    let note = note(dto.note.as_deref(), &mut errors).or_else(|| Some(String::new()));
    let criteria = parse_criteria(dto.criteria.as_deref().unwrap_or_default(), &mut errors);
    let (Some(cluster), Some(year), Some(amount), Some(model), Some(policy), Some(note), Some(criteria), true) =
        (cluster, year, amount, model, policy, note, criteria, errors.is_empty())
    else {
        return Err(ApiError::Validation(errors));
    };
    caller.require_cluster(cluster.as_str())?;
    let (pool, funding) = Pool::create(NewPool { key: PoolKey { cluster, year }, amount, model, policy, note, criteria });
    let at = now();
    let stored = state
        .db
        .write(move |c| {
            let Some(cluster) = clusters::find(c, pool.key.cluster.as_str())? else {
                return Err(ApiError::field("cluster", format!("there is no cluster '{}'", pool.key.cluster)));
            };
            if store::find(c, &pool.key)?.is_some() {
                return Err(ApiError::Conflict {
                    kind: crate::http::error::ConflictKind::Duplicate,
                    detail: format!("cluster '{}' already has a pool for {}", pool.key.cluster, pool.key.year),
                });
            }
            let actor = caller.actor();
            Ok(crate::pools::service::create(
                c,
                cluster.id,
                &pool,
                &funding,
                Actor { name: &actor, request_id: caller.request_id.as_deref(), at },
            )?)
        })
        .await?;
    Ok(pool_response(&stored, StatusCode::CREATED))
}

/// Lists pools, by year then cluster.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "pools", params(PoolQuery), security(("api_key" = [])),
    responses((status = 200, description = "A page of pools, by year then cluster", body = Page<PoolDto>), (status = 401, body = Problem), (status = 422, body = Problem)))]
#[get("/pools")]
pub async fn list_pools(state: web::Data<AppState>, caller: Caller, query: web::Query<PoolQuery>) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let limit = limit(query.limit.as_deref(), &mut errors);
    let year = query.year.as_deref().and_then(|y| {
        y.parse::<i64>().ok().and_then(|y| Year::new(y).ok()).map(Year::get).or_else(|| {
            errors.push(FieldError::new("year", format!("must be a year between {} and {}", Year::FIRST, Year::LAST)));
            None
        })
    });
    let after = query.cursor.as_deref().and_then(|c| match PoolKey::parse(c) {
        Ok(key) => Some((key.year.get(), key.cluster.to_string())),
        Err(_) => {
            errors.push(FieldError::new("cursor", "is not a cursor from this list"));
            None
        }
    });
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let filter =
        PoolFilter { cluster: query.cluster.clone(), year, state: query.state.map(|s| PoolState::from(s).as_str().to_owned()), after };
    let scope = caller.scope.clone();
    let rows = state.db.read(move |c| store::list(c, &scope, &filter, limit + 1).map_err(ApiError::from)).await?;
    let page = Page::from_rows(rows.iter().map(PoolDto::from).collect(), limit, |p| p.id.clone());
    Ok(HttpResponse::Ok().json(page))
}

/// One pool, with its ETag.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "pools", params(("pool" = String, Path, description = "`{cluster}-{year}`, e.g. `vest-2022`")), security(("api_key" = [])),
    responses((status = 200, description = "The pool; its `ETag` goes in `If-Match` to change it", body = PoolDto, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/pools/{pool}")]
pub async fn get_pool(state: web::Data<AppState>, caller: Caller, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let key = pool_key(&caller, &path)?;
    let stored = state.db.read(move |c| store::find(c, &key)?.ok_or_else(|| not_found(&key))).await?;
    Ok(pool_response(&stored, StatusCode::OK))
}

/// Changes a draft pool: amount, model, approval policy, note. Needs
/// `If-Match`. A change of amount or model reverses the old funding in the
/// ledger and posts the new.
#[utoipa::path(extensions(("x-permission" = json!("manage_pools"))),
    tag = "pools", params(("pool" = String, Path), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = PatchPool, security(("api_key" = [])),
    responses((status = 200, description = "The pool as changed", body = PoolDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The pool is no longer a draft"), (status = 412, body = Problem),
        (status = 422, body = Problem), (status = 428, body = Problem)))]
#[patch("/pools/{pool}")]
pub async fn patch_pool(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManagePools)?;
    let key = pool_key(&caller, &path)?;
    let dto: PatchPool = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let changes = PoolChanges {
        amount: dto.amount.as_deref().and_then(|a| money("amount", a, &mut errors)),
        model: dto.allocation_model.as_ref().and_then(|m| m.parse("allocation_model", &mut errors)),
        policy: dto.approval_policy.as_ref().and_then(|p| p.parse(&mut errors)),
        note: note(dto.note.as_deref(), &mut errors),
        criteria: dto.criteria.as_deref().and_then(|c| parse_criteria(c, &mut errors)),
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let at = now();
    let if_match = IfMatch::of(&req);
    // Under the pool's lock: a changed amount moves the pool's money (see `Db::write_in_pool`).
    let lock = key.clone();
    let saved = state
        .db
        .write_in_pool(&lock, move |c| {
            let stored = store::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            if_match.check(stored.pool.version)?;
            let balances = crate::db::ledger::balances(c, stored.id)?;
            let (changed, entry) = stored.pool.revise(changes.clone(), &balances)?;
            let actor = caller.actor();
            let actor = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            crate::pools::service::change(c, &stored, &changed, entry.as_ref(), "pool.updated", actor)?
                .ok_or_else(|| ApiError::PreconditionFailed { current: version_etag(stored.pool.version + 1) })
        })
        .await?;
    Ok(pool_response(&saved, StatusCode::OK))
}

async fn transition(
    state: web::Data<AppState>,
    caller: Caller,
    raw: String,
    action: &'static str,
    decide: fn(&Pool) -> Result<Pool, crate::domain::pool::PoolError>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManagePools)?;
    let key = pool_key(&caller, &raw)?;
    let at = now();
    let saved = state
        .db
        .write(move |c| {
            let stored = store::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            let changed = decide(&stored.pool)?;
            let actor = caller.actor();
            let actor = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            crate::pools::service::change(c, &stored, &changed, None, action, actor)?.ok_or_else(|| ApiError::Conflict {
                kind: crate::http::error::ConflictKind::ConcurrentChange,
                detail: "the pool changed meanwhile; retry".into(),
            })
        })
        .await?;
    Ok(pool_response(&saved, StatusCode::OK))
}

/// Opens a draft pool for applications. Its amount and model are then fixed.
#[utoipa::path(extensions(("x-permission" = json!("manage_pools"))),
    tag = "pools", params(("pool" = String, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The pool, open", body = PoolDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The pool is not a draft")))]
#[post("/pools/{pool}/open")]
pub async fn open_pool(state: web::Data<AppState>, caller: Caller, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    transition(state, caller, path.into_inner(), "pool.opened", Pool::open).await
}
