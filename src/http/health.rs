//! Liveness and readiness.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::StoreError;
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process is up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into() })
}

/// The database is reachable.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The database is reachable", body = Health), (status = 503, body = Problem)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = state.db.clone();
    let ping = web::block(move || db.ping()).await.map_err(|_| StoreError::Blocking)?;
    ping.map_err(|e| StoreError::Unavailable(e.to_string()))?;
    Ok(HttpResponse::Ok().json(Health { status: "ready".into() }))
}
