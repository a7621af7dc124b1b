//! Bearer API keys → the caller, and the checks every handler asks for.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use super::AppState;
use super::error::ApiError;
use crate::db::api_keys;
use crate::domain::access::{Action, ClusterScope, Role, permits};
use crate::secrets::sha256_hex;

/// Who is calling, from a valid API key.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: i64,
    pub name: String,
    pub role: Role,
    pub scope: ClusterScope,
    pub request_id: Option<String>,
}

impl Caller {
    /// The name written into the ledger and the audit trail.
    pub fn actor(&self) -> String {
        format!("{} (key {})", self.name, self.key_id)
    }

    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        if permits(self.role, action) { Ok(()) } else { Err(ApiError::Forbidden(format!("a {} key may not do this", self.role.as_str()))) }
    }

    pub fn require_cluster(&self, cluster_slug: &str) -> Result<(), ApiError> {
        if self.scope.covers(cluster_slug) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("this key does not cover cluster '{cluster_slug}'")))
        }
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim().to_owned())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let request_id = req.extensions().get::<tracing_actix_web::RequestId>().map(|id| id.to_string());
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else {
                return Err(ApiError::Unauthorized);
            };
            let hash = sha256_hex(&token);
            let now = super::now();
            let row = state.db.read(move |conn| api_keys::find_live(conn, &hash, now).map_err(ApiError::from)).await?;
            let row = row.ok_or(ApiError::Unauthorized)?;
            let role = Role::parse(&row.role).ok_or(ApiError::Unauthorized)?;
            let scope = if row.clusters.is_empty() {
                ClusterScope::All
            } else {
                ClusterScope::Only(row.clusters.split(',').map(str::to_owned).collect::<BTreeSet<_>>())
            };
            Ok(Caller { key_id: row.id, name: row.name, role, scope, request_id })
        })
    }
}
