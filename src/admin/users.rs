//! Users and their API keys (admin only). A key is shown once, when made.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, http::header, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::admin::service;
use crate::admin::service::keys::{KeyError, issue_for};
use crate::db::api_keys::{self as store, ApiKeyRow, UserRow, split_clusters};
use crate::db::pools::Actor;
use crate::db::{AnyConnection, clusters};
use crate::domain::access::{Action, Role};
use crate::domain::values::{EmailAddress, Name, Slug};
use crate::http::auth::Caller;
use crate::http::conventions::{IfMatch, version_etag};
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::{AppState, json, now, utc};

#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    #[schema(example = "Økonomimedarbejder, Vest")]
    pub name: String,
    #[schema(example = "oekonomi.vest@example.org")]
    pub email: String,
    #[schema(example = "finance")]
    pub role: String,
    /// Empty: every cluster.
    pub clusters: Vec<String>,
    pub disabled: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for UserDto {
    fn from(u: UserRow) -> Self {
        UserDto {
            clusters: u.cluster_list(),
            id: u.id,
            name: u.name,
            email: u.email,
            role: u.role,
            disabled: u.disabled_at.is_some(),
            version: u.version,
            created_at: utc(u.created_at),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    Admin,
    Finance,
    Secretariat,
    Viewer,
}

impl RoleDto {
    fn role(self) -> Role {
        match self {
            RoleDto::Admin => Role::Admin,
            RoleDto::Finance => Role::Finance,
            RoleDto::Secretariat => Role::Secretariat,
            RoleDto::Viewer => Role::Viewer,
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub name: String,
    #[schema(example = "oekonomi.vest@example.org")]
    pub email: String,
    pub role: RoleDto,
    /// Limit the user to these clusters; empty or left out: every cluster.
    pub clusters: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<RoleDto>,
    pub clusters: Option<Vec<String>>,
    /// A disabled user's keys stop working.
    pub disabled: Option<bool>,
}

fn user_response(u: UserRow, status: StatusCode) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, version_etag(u.version))).json(UserDto::from(u))
}

fn check_fields(name: Option<&str>, email: Option<&str>, clusters: Option<&[String]>, c: &mut AnyConnection) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if let Some(name) = name {
        if let Err(e) = Name::parse(name, 200) {
            errors.push(FieldError::new("name", e));
        }
    }
    if let Some(email) = email {
        if let Err(e) = EmailAddress::parse(email) {
            errors.push(FieldError::new("email", e));
        }
    }
    for (i, slug) in clusters.unwrap_or_default().iter().enumerate() {
        if Slug::parse(slug).is_err() || clusters::find(c, slug)?.is_none() {
            errors.push(FieldError::new(format!("clusters[{i}]"), format!("there is no cluster '{slug}'")));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

/// Lists users.
#[utoipa::path(tag = "users", extensions(("x-permission" = json!("manage_users"))), security(("api_key" = [])),
    responses((status = 200, description = "Every user", body = Vec<UserDto>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/users")]
pub async fn list_users(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageUsers)?;
    let users = state.db.read(|c| store::users(c).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(users.into_iter().map(UserDto::from).collect::<Vec<_>>()))
}

/// Creates a user: a named person or system with a role and optionally a list of clusters.
#[utoipa::path(tag = "users", extensions(("x-permission" = json!("manage_users"))), request_body = CreateUser, security(("api_key" = [])),
    responses((status = 201, description = "The user, created", body = UserDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/users")]
pub async fn create_user(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageUsers)?;
    let dto: CreateUser = json::parse(&req, &body)?;
    let at = now();
    let user = state
        .db
        .write(move |c| {
            let clusters = dto.clusters.clone().unwrap_or_default();
            check_fields(Some(&dto.name), Some(&dto.email), Some(&clusters), c)?;
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            Ok::<_, ApiError>(service::create_user(c, dto.name.trim(), dto.email.trim(), dto.role.role().as_str(), &clusters, who)?)
        })
        .await?;
    Ok(user_response(user, StatusCode::CREATED))
}

/// One user, with its ETag.
#[utoipa::path(tag = "users", extensions(("x-permission" = json!("manage_users"))), params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The user; its `ETag` goes in `If-Match` to change it", body = UserDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/users/{id}")]
pub async fn get_user(state: web::Data<AppState>, caller: Caller, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageUsers)?;
    let id = path.into_inner();
    let user = state.db.read(move |c| store::find_user(c, id).map_err(ApiError::from)).await?;
    Ok(user_response(user.ok_or_else(|| ApiError::NotFound(format!("no user {id}")))?, StatusCode::OK))
}

/// Changes a user (role, clusters, disabled …); their keys follow. Needs `If-Match`.
#[utoipa::path(tag = "users", extensions(("x-permission" = json!("manage_users"))), params(("id" = i64, Path), ("If-Match" = String, Header)),
    request_body = PatchUser, security(("api_key" = [])),
    responses((status = 200, description = "The user as changed", body = UserDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Another user has this e-mail"), (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
#[patch("/users/{id}")]
pub async fn patch_user(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageUsers)?;
    let id = path.into_inner();
    let dto: PatchUser = json::parse(&req, &body)?;
    let if_match = IfMatch::of(&req);
    let at = now();
    let user = state
        .db
        .write(move |c| {
            let before = store::find_user(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no user {id}")))?;
            if_match.check(before.version)?;
            check_fields(dto.name.as_deref(), dto.email.as_deref(), dto.clusters.as_deref(), c)?;
            let mut after = before.clone();
            after.name = dto.name.clone().map_or(after.name, |n| n.trim().to_owned());
            after.email = dto.email.clone().map_or(after.email, |e| e.trim().to_lowercase());
            after.role = dto.role.map_or(after.role, |r| r.role().as_str().to_owned());
            after.clusters = dto.clusters.clone().map_or(after.clusters, |c| c.join(","));
            after.disabled_at = match dto.disabled {
                Some(true) => before.disabled_at.or(Some(at)),
                Some(false) => None,
                None => before.disabled_at,
            };
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            let saved = service::update_user(c, &before, &after, who)?
                .ok_or_else(|| ApiError::PreconditionFailed { current: version_etag(before.version + 1) })?;
            Ok::<_, ApiError>(saved)
        })
        .await?;
    // Committed: this node forgets its verified keys at once (the others hear it by NOTIFY).
    state.credentials.forget_all();
    Ok(user_response(user, StatusCode::OK))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyDto {
    pub id: i64,
    pub name: String,
    pub user_id: Option<i64>,
    pub role: String,
    pub clusters: Vec<String>,
    /// The first characters of the key, to recognise it.
    #[schema(example = "kmk_3f9a0c1d")]
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRow> for KeyDto {
    fn from(k: ApiKeyRow) -> Self {
        KeyDto {
            clusters: split_clusters(&k.clusters),
            id: k.id,
            name: k.name,
            user_id: k.user_id,
            role: k.role,
            prefix: k.key_prefix,
            created_at: utc(k.created_at),
            expires_at: k.expires_at.map(utc),
            revoked_at: k.revoked_at.map(utc),
            last_used_at: k.last_used_at.map(utc),
        }
    }
}

/// A new key: `key` is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewKeyDto {
    #[schema(example = "kmk_3f9a0c1d…")]
    pub key: String,
    #[serde(flatten)]
    pub details: KeyDto,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct KeyQuery {
    /// Only this user's keys.
    pub user: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    pub user_id: i64,
    /// What the key is for, e.g. "Dashboard i mødelokalet".
    pub name: String,
    /// Let the key expire after this many days (1-3650).
    pub expires_in_days: Option<i64>,
}

/// Lists keys (never the keys themselves).
#[utoipa::path(tag = "users", extensions(("x-permission" = json!("manage_users"))), params(KeyQuery), security(("api_key" = [])),
    responses((status = 200, description = "The keys (never the secrets themselves)", body = Vec<KeyDto>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/keys")]
pub async fn list_keys(state: web::Data<AppState>, caller: Caller, query: web::Query<KeyQuery>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageUsers)?;
    let user = query.user;
    let keys = state.db.read(move |c| store::keys(c, user).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(keys.into_iter().map(KeyDto::from).collect::<Vec<_>>()))
}

/// Issues a key to a user. The key is in this response only: a retry with the
/// same `Idempotency-Key` answers 409 `key-already-issued` naming the key, not the key.
#[utoipa::path(tag = "users", extensions(("x-permission" = json!("manage_users"))), request_body = CreateKey, security(("api_key" = [])),
    responses((status = 201, description = "The key, with its secret shown this once", body = NewKeyDto), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "A retry of a request that already issued its key (Idempotency-Key)"),
        (status = 422, body = Problem)))]
#[post("/keys")]
pub async fn create_key(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageUsers)?;
    let dto: CreateKey = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let name = Name::parse(&dto.name, 200).map_err(|e| errors.push(FieldError::new("name", e))).map(Name::into_string).unwrap_or_default();
    if dto.expires_in_days.is_some_and(|d| !(1..=3650).contains(&d)) {
        errors.push(FieldError::new("expires_in_days", "must be from 1 to 3650"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let at = now();
    let expires = dto.expires_in_days.map(|d| at + chrono::Duration::days(d));
    let (row, key) = state
        .db
        .write(move |c| {
            let user =
                store::find_user(c, dto.user_id)?.ok_or_else(|| ApiError::field("user_id", format!("there is no user {}", dto.user_id)))?;
            let (id, key) = issue_for(c, &user, &name, expires, &caller.actor(), at).map_err(|e| match e {
                KeyError::Store(s) => ApiError::Store(s),
                other => ApiError::field("user_id", other),
            })?;
            let row = store::find_key(c, id)?.ok_or_else(|| ApiError::NotFound("key vanished".into()))?;
            Ok::<_, ApiError>((row, key))
        })
        .await?;
    let created = format!("API key {}", row.id);
    let mut res = HttpResponse::Created().json(NewKeyDto { key, details: row.into() });
    res.extensions_mut().insert(crate::http::idempotency::SecretBody { created });
    Ok(res)
}

/// Revokes a key at once.
#[utoipa::path(tag = "users", extensions(("x-permission" = json!("manage_users"))), params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The key, revoked", body = KeyDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[post("/keys/{id}/revoke")]
pub async fn revoke_key(state: web::Data<AppState>, caller: Caller, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageUsers)?;
    let id = path.into_inner();
    let at = now();
    let row = state
        .db
        .write(move |c| {
            let before = store::find_key(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no key {id}")))?;
            let actor = caller.actor();
            service::revoke_key(c, id, Some(&before.name), Actor { name: &actor, request_id: caller.request_id.as_deref(), at })?;
            store::find_key(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no key {id}")))
        })
        .await?;
    // Committed: this node forgets the key at once (the others hear it by NOTIFY).
    state.credentials.forget_all();
    Ok(HttpResponse::Ok().json(KeyDto::from(row)))
}
