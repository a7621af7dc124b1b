//! Grants: what was committed to a project, paid out and released.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::applications::http::BucketDto;
use crate::db::AnyConnection;
use crate::db::grants::{self as store, StoredGrant};
use crate::db::pools::Actor;
use crate::domain::access::Action;
use crate::domain::values::{Name, PoolKey};
use crate::grants::service::{self, Movement};
use crate::http::auth::Caller;
use crate::http::conventions::{Page, id_cursor, limit};
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::fields::money;
use crate::http::{AppState, json, now, utc};

#[derive(Debug, Serialize, ToSchema)]
pub struct DisbursementDto {
    pub id: i64,
    #[schema(example = "50000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: String,
    pub paid_on: NaiveDate,
    pub reference: String,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

/// A grant (bevilling).
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantDto {
    pub id: i64,
    pub application_id: i64,
    pub application_title: String,
    #[schema(example = "vest-2022")]
    pub pool: String,
    pub bucket: BucketDto,
    /// Granted.
    #[schema(example = "140000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: String,
    #[schema(example = "50000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub disbursed: String,
    #[schema(example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub released: String,
    /// Neither paid out nor released.
    #[schema(example = "90000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub remaining: String,
    pub disbursements: Vec<DisbursementDto>,
    /// Per year: what the budget lines say and what was paid out in that year.
    pub budget: Vec<crate::amendments::dto::BudgetYearDto>,
    /// Every amendment of the grant, oldest first.
    pub amendments: Vec<crate::amendments::dto::AmendmentDto>,
    /// Files attached to the grant (reports, minutes extracts), oldest first; removed ones flagged.
    pub attachments: Vec<crate::attachments::dto::AttachmentDto>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn to_dto(conn: &mut AnyConnection, g: StoredGrant) -> Result<GrantDto, ApiError> {
    let rows = store::disbursements_of(conn, g.id)?;
    let budget = crate::amendments::budget::of_grant(conn, &g, &rows)?;
    let amendments = crate::amendments::dto::of_grant(conn, g.id)?;
    let disbursements = rows
        .into_iter()
        .map(|d| DisbursementDto {
            id: d.id,
            amount: crate::domain::money::Money::from_ore(d.amount_ore).map(|m| m.to_string()).unwrap_or_default(),
            paid_on: d.paid_on,
            reference: d.reference,
            actor: d.actor,
            created_at: utc(d.created_at),
        })
        .collect();
    Ok(GrantDto {
        id: g.id,
        application_id: g.application_id,
        application_title: g.application_title,
        pool: g.pool.to_string(),
        bucket: g.grant.bucket.into(),
        amount: g.grant.amount.to_string(),
        disbursed: g.grant.disbursed.to_string(),
        released: g.grant.released.to_string(),
        remaining: g.grant.remaining().to_string(),
        disbursements,
        budget,
        amendments,
        attachments: crate::attachments::dto::listed(conn, crate::domain::attachment::Parent::Grant(g.id))?,
        version: g.version,
        created_at: utc(g.created_at),
        updated_at: utc(g.updated_at),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct GrantQuery {
    /// `{cluster}-{year}`.
    #[param(pattern = "^[a-z](-?[a-z0-9])*-(20[0-9][0-9]|2100)$", max_length = 45)]
    pub pool: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// Lists grants, oldest first.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "grants", params(GrantQuery), security(("api_key" = [])),
    responses((status = 200, description = "A page of grants", body = Page<GrantDto>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/grants")]
pub async fn list_grants(state: web::Data<AppState>, caller: Caller, query: web::Query<GrantQuery>) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let limit = limit(query.limit.as_deref(), &mut errors);
    let pool = query.pool.as_deref().and_then(|p| PoolKey::parse(p).map_err(|e| errors.push(FieldError::new("pool", e))).ok());
    let after = id_cursor(query.cursor.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some(pool) = &pool {
        caller.require_cluster(pool.cluster.as_str())?;
    }
    let scope = caller.scope.clone();
    let items = state
        .db
        .read(move |c| {
            let rows = store::list(c, &scope, pool.as_ref(), after, limit + 1)?;
            rows.into_iter().map(|g| to_dto(c, g)).collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(items, limit, |g| g.id.to_string())))
}

async fn pool_of(state: &AppState, caller: &Caller, id: i64) -> Result<PoolKey, ApiError> {
    let found = state.db.read(move |c| store::find(c, id).map_err(ApiError::from)).await?;
    let grant = found.ok_or_else(|| ApiError::NotFound(format!("no grant {id}")))?;
    caller.require_cluster(grant.pool.cluster.as_str())?;
    Ok(grant.pool)
}

/// One grant with its disbursements.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "grants", params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The grant, with its budget, disbursements and releases; its `ETag` is its version", body = GrantDto, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/grants/{id}")]
pub async fn get_grant(state: web::Data<AppState>, caller: Caller, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    pool_of(&state, &caller, id).await?;
    let dto = state
        .db
        .read(move |c| {
            let g = store::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no grant {id}")))?;
            to_dto(c, g)
        })
        .await?;
    // The version changes with every disbursement, release and approved amendment.
    Ok(HttpResponse::Ok().insert_header((actix_web::http::header::ETAG, crate::http::conventions::version_etag(dto.version))).json(dto))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisbursementRequest {
    #[schema(example = "50000.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: String,
    #[schema(example = "2023-01-15")]
    pub paid_on: NaiveDate,
    /// E.g. the voucher number in the finance system.
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// Default: everything neither paid out nor released yet.
    #[schema(example = "20000.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: Option<String>,
    /// Why the money is not used; required.
    #[schema(example = "Projektet blev afsluttet under budget")]
    pub reason: String,
}

async fn move_money(
    state: web::Data<AppState>,
    caller: Caller,
    id: i64,
    pool: PoolKey,
    movement: Movement,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let at = now();
    let dto = state
        .db
        .write_in_pool(&pool, move |c| {
            let stored = store::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no grant {id}")))?;
            let actor = caller.actor();
            service::move_money(c, &stored, &movement, Actor { name: &actor, request_id: caller.request_id.as_deref(), at })?;
            let reloaded = store::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no grant {id}")))?;
            to_dto(c, reloaded)
        })
        .await?;
    Ok(HttpResponse::build(status).json(dto))
}

/// Pays out of a grant: never more than granted in total.
#[utoipa::path(operation_id = "disburse_grant", extensions(("x-permission" = json!("manage_grants"))),
    tag = "grants", params(("id" = i64, Path)), request_body = DisbursementRequest, security(("api_key" = [])),
    responses((status = 201, description = "The grant after the disbursement", body = GrantDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "More than the grant has left"), (status = 422, body = Problem)))]
#[post("/grants/{id}/disbursements")]
pub async fn disburse(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageGrants)?;
    let id = path.into_inner();
    let pool = pool_of(&state, &caller, id).await?;
    let dto: DisbursementRequest = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let amount = money("amount", &dto.amount, &mut errors);
    let reference = crate::domain::values::parse_note(dto.reference.as_deref().unwrap_or(""), 500)
        .map_err(|e| errors.push(FieldError::new("reference", e)))
        .unwrap_or_default();
    let (Some(amount), true) = (amount, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let movement = Movement::Disburse { amount, paid_on: dto.paid_on, reference };
    move_money(state, caller, id, pool, movement, StatusCode::CREATED).await
}

/// Releases unused money from a grant back to its pool's available figure.
#[utoipa::path(operation_id = "release_grant", extensions(("x-permission" = json!("manage_grants"))),
    tag = "grants", params(("id" = i64, Path)), request_body = ReleaseRequest, security(("api_key" = [])),
    responses((status = 200, description = "The grant after the release", body = GrantDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "More than the grant has left"), (status = 422, body = Problem)))]
#[post("/grants/{id}/release")]
pub async fn release(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageGrants)?;
    let id = path.into_inner();
    let pool = pool_of(&state, &caller, id).await?;
    let dto: ReleaseRequest = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let amount = dto.amount.as_deref().map(|a| money("amount", a, &mut errors));
    let reason =
        Name::parse(&dto.reason, 1000).map_err(|e| errors.push(FieldError::new("reason", e))).map(Name::into_string).unwrap_or_default();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let movement = Movement::Release { amount: amount.flatten(), reason };
    move_money(state, caller, id, pool, movement, StatusCode::OK).await
}
