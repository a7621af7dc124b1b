//! Reference data: clusters, their parties, and the target populations.

use actix_web::{HttpRequest, HttpResponse, get, http::header, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::admin::service;
use crate::db::clusters::{self as store, ClusterRow};
use crate::db::pools::Actor;
use crate::db::reference::{self, PartyRow, TargetPopulationRow};
use crate::domain::access::Action;
use crate::domain::reference::PartyKind;
use crate::domain::values::{Name, Slug};
use crate::http::auth::Caller;
use crate::http::conventions::{IfMatch, Page, limit, version_etag};
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::{AppState, json, now, utc};

/// A health cluster (sundhedsklynge).
#[derive(Debug, Serialize, ToSchema)]
pub struct Cluster {
    #[schema(example = "vest")]
    pub slug: String,
    #[schema(example = "Sundhedsklynge Vest")]
    pub name: String,
    #[schema(example = "Region Nordjylland")]
    pub region: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ClusterRow> for Cluster {
    fn from(r: ClusterRow) -> Self {
        Cluster {
            slug: r.slug,
            name: r.name,
            region: r.region,
            version: r.version,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCluster {
    /// Lower-case letters, digits and '-', e.g. `vest`. Cannot change later.
    #[schema(example = "vest")]
    pub slug: String,
    #[schema(example = "Sundhedsklynge Vest")]
    pub name: String,
    #[schema(example = "Region Nordjylland")]
    pub region: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchCluster {
    pub name: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Page size, 1-500 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

fn text(field: &str, value: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    match Name::parse(value, max) {
        Ok(name) => name.into_string(),
        Err(e) => {
            errors.push(FieldError::new(field, e));
            String::new()
        }
    }
}

fn cluster_response(row: ClusterRow, status: actix_web::http::StatusCode) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, version_etag(row.version))).json(Cluster::from(row))
}

/// Lists the clusters this key covers.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "reference", params(ListQuery), security(("api_key" = [])),
    responses((status = 200, description = "A page of clusters, by slug", body = Page<Cluster>), (status = 401, body = Problem), (status = 422, body = Problem)))]
#[get("/clusters")]
pub async fn list_clusters(state: web::Data<AppState>, caller: Caller, query: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let limit = limit(query.limit.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let after = query.cursor.clone();
    let scope = caller.scope.clone();
    let rows = state.db.read(move |c| store::list(c, &scope, after.as_deref(), limit + 1).map_err(ApiError::from)).await?;
    let page = Page::from_rows(rows.into_iter().map(Cluster::from).collect(), limit, |c| c.slug.clone());
    Ok(HttpResponse::Ok().json(page))
}

/// Registers a cluster.
#[utoipa::path(extensions(("x-permission" = json!("manage_reference"))),
    tag = "reference", request_body = CreateCluster, security(("api_key" = [])),
    responses((status = 201, description = "The cluster, created", body = Cluster), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/clusters")]
pub async fn create_cluster(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageReference)?;
    caller.require_all_clusters(crate::domain::access::Spanning::NewCluster)?;
    let dto: CreateCluster = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let slug = Slug::parse(&dto.slug).map_err(|e| errors.push(FieldError::new("slug", e))).ok();
    let name = text("name", &dto.name, 200, &mut errors);
    let region = text("region", &dto.region, 200, &mut errors);
    let Some(slug) = slug.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let at = now();
    let row = state
        .db
        .write(move |c| {
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            Ok::<_, ApiError>(service::create_cluster(c, slug.as_str(), &name, &region, who)?)
        })
        .await?;
    Ok(cluster_response(row, actix_web::http::StatusCode::CREATED))
}

async fn load_cluster(state: &AppState, caller: &Caller, slug: String) -> Result<ClusterRow, ApiError> {
    caller.require_cluster(&slug)?;
    let found = state.db.read(move |c| store::find(c, &slug).map_err(ApiError::from)).await?;
    found.ok_or_else(|| ApiError::NotFound("no such cluster".into()))
}

/// One cluster, with its ETag.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "reference", params(("cluster" = String, Path, description = "Cluster slug")), security(("api_key" = [])),
    responses((status = 200, description = "The cluster; its `ETag` goes in `If-Match` to change it", body = Cluster, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/clusters/{cluster}")]
pub async fn get_cluster(state: web::Data<AppState>, caller: Caller, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let row = load_cluster(&state, &caller, path.into_inner()).await?;
    Ok(cluster_response(row, actix_web::http::StatusCode::OK))
}

/// Renames a cluster. Needs `If-Match` with the current ETag.
#[utoipa::path(extensions(("x-permission" = json!("manage_reference"))),
    tag = "reference", params(("cluster" = String, Path), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = PatchCluster, security(("api_key" = [])),
    responses((status = 200, description = "The cluster as changed", body = Cluster), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
#[patch("/clusters/{cluster}")]
pub async fn patch_cluster(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageReference)?;
    let slug = path.into_inner();
    caller.require_cluster(&slug)?;
    let dto: PatchCluster = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let name = dto.name.map(|n| text("name", &n, 200, &mut errors));
    let region = dto.region.map(|r| text("region", &r, 200, &mut errors));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let at = now();
    let if_match = IfMatch::of(&req);
    let row = state
        .db
        .write(move |c| {
            let current = store::find(c, &slug)?.ok_or_else(|| ApiError::NotFound("no such cluster".into()))?;
            if_match.check(current.version)?;
            let mut changed = current.clone();
            changed.name = name.clone().unwrap_or(changed.name);
            changed.region = region.clone().unwrap_or(changed.region);
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            Ok::<_, ApiError>(service::update_cluster(c, &current, &changed, who)?)
        })
        .await?;
    Ok(cluster_response(row, actix_web::http::StatusCode::OK))
}

/// A party of a cluster: a municipality, the region, a hospital, psychiatry or general practice.
#[derive(Debug, Serialize, ToSchema)]
pub struct Party {
    #[schema(example = "thisted-kommune")]
    pub slug: String,
    #[schema(example = "Thisted Kommune")]
    pub name: String,
    pub kind: PartyKindDto,
    #[schema(example = "vest")]
    pub cluster: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyKindDto {
    Municipality,
    Region,
    Hospital,
    Psychiatry,
    GeneralPractice,
    Other,
}

impl From<PartyKindDto> for PartyKind {
    fn from(k: PartyKindDto) -> Self {
        match k {
            PartyKindDto::Municipality => PartyKind::Municipality,
            PartyKindDto::Region => PartyKind::Region,
            PartyKindDto::Hospital => PartyKind::Hospital,
            PartyKindDto::Psychiatry => PartyKind::Psychiatry,
            PartyKindDto::GeneralPractice => PartyKind::GeneralPractice,
            PartyKindDto::Other => PartyKind::Other,
        }
    }
}

fn party_kind_dto(text: &str) -> PartyKindDto {
    match PartyKind::parse(text).unwrap_or(PartyKind::Other) {
        PartyKind::Municipality => PartyKindDto::Municipality,
        PartyKind::Region => PartyKindDto::Region,
        PartyKind::Hospital => PartyKindDto::Hospital,
        PartyKind::Psychiatry => PartyKindDto::Psychiatry,
        PartyKind::GeneralPractice => PartyKindDto::GeneralPractice,
        PartyKind::Other => PartyKindDto::Other,
    }
}

fn party(row: PartyRow, cluster: &str) -> Party {
    Party { slug: row.slug, name: row.name, kind: party_kind_dto(&row.kind), cluster: cluster.to_owned(), created_at: utc(row.created_at) }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateParty {
    #[schema(example = "thisted-kommune")]
    pub slug: String,
    #[schema(example = "Thisted Kommune")]
    pub name: String,
    pub kind: PartyKindDto,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PartyQuery {
    /// Only parties of this kind.
    pub kind: Option<PartyKindDto>,
}

/// The parties of a cluster.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "reference", params(("cluster" = String, Path), PartyQuery), security(("api_key" = [])),
    responses((status = 200, description = "The cluster's parties", body = Vec<Party>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/clusters/{cluster}/parties")]
pub async fn list_parties(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<PartyQuery>,
) -> Result<HttpResponse, ApiError> {
    let cluster = load_cluster(&state, &caller, path.into_inner()).await?;
    let kind = query.kind.map(|k| PartyKind::from(k).as_str());
    let cluster_id = cluster.id;
    let rows = state.db.read(move |c| reference::parties_of(c, cluster_id, kind).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(|r| party(r, &cluster.slug)).collect::<Vec<_>>()))
}

/// Adds a party to a cluster.
#[utoipa::path(extensions(("x-permission" = json!("manage_reference"))),
    tag = "reference", params(("cluster" = String, Path)), request_body = CreateParty, security(("api_key" = [])),
    responses((status = 201, description = "The party, created", body = Party), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/clusters/{cluster}/parties")]
pub async fn create_party(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageReference)?;
    let cluster_slug = path.into_inner();
    caller.require_cluster(&cluster_slug)?;
    let dto: CreateParty = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let slug = Slug::parse(&dto.slug).map_err(|e| errors.push(FieldError::new("slug", e))).ok();
    let name = text("name", &dto.name, 200, &mut errors);
    let Some(slug) = slug.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let kind = PartyKind::from(dto.kind).as_str();
    let at = now();
    let cluster_for_tx = cluster_slug.clone();
    let row = state
        .db
        .write(move |c| {
            let cluster = store::find(c, &cluster_for_tx)?.ok_or_else(|| ApiError::NotFound("no such cluster".into()))?;
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            Ok::<_, ApiError>(service::create_party(c, &cluster, slug.as_str(), &name, kind, who)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(party(row, &cluster_slug)))
}

/// A target population (målgruppe) that projects can serve.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetPopulation {
    #[schema(example = "vulnerable_elderly")]
    pub code: String,
    #[schema(example = "De sårbare ældre")]
    pub name_da: String,
    #[schema(example = "Vulnerable elderly")]
    pub name_en: String,
}

impl From<TargetPopulationRow> for TargetPopulation {
    fn from(r: TargetPopulationRow) -> Self {
        TargetPopulation { code: r.code, name_da: r.name_da, name_en: r.name_en }
    }
}

/// The named target populations, in their usual order.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "reference", security(("api_key" = [])),
    responses((status = 200, description = "The target populations", body = Vec<TargetPopulation>), (status = 401, body = Problem)))]
#[get("/target-populations")]
pub async fn list_target_populations(state: web::Data<AppState>, _caller: Caller) -> Result<HttpResponse, ApiError> {
    let rows = state.db.read(|c| reference::target_populations(c).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(TargetPopulation::from).collect::<Vec<_>>()))
}
