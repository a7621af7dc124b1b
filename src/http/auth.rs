//! Bearer API keys → the caller, the checks every handler asks for, and a
//! limit on failed attempts per client address.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::db::api_keys;
use crate::domain::access::{Action, ClusterScope, Role, Spanning, may_span, permits};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::secrets::sha256_hex;

/// Who is calling, from a valid API key.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: i64,
    pub user_id: Option<i64>,
    pub name: String,
    pub email: Option<String>,
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
        if !permits(self.role, action) {
            return Err(ApiError::Forbidden(format!("a {} key may not {}", self.role.as_str(), action.describe())));
        }
        if action.needs_all_clusters() {
            self.require_all_clusters(Spanning::Users)?;
        }
        Ok(())
    }

    /// For what spans every cluster (users, the audit trail, a new cluster).
    pub fn require_all_clusters(&self, what: Spanning) -> Result<(), ApiError> {
        if may_span(&self.scope, what) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("{} needs a key that covers all clusters", what.describe())))
        }
    }

    pub fn require_cluster(&self, cluster_slug: &str) -> Result<(), ApiError> {
        if self.scope.covers(cluster_slug) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("this key does not cover cluster '{cluster_slug}'")))
        }
    }

    /// Separation of duties: nobody decides on an application they are the contact of.
    pub fn require_not_contact(&self, contact_email: &str) -> Result<(), ApiError> {
        match &self.email {
            Some(mine) if !contact_email.is_empty() && mine.eq_ignore_ascii_case(contact_email) => {
                Err(ApiError::Forbidden("you are this application's contact and cannot record or give its decisions".into()))
            }
            _ => Ok(()),
        }
    }
}

/// Counts failed look-ups (API keys, approval links, dashboard sign-ins) per
/// client address in a sliding minute. It only ever answers a *failed*
/// attempt: a valid key or link is checked first and always passes, so
/// someone else's guessing from the same address (or from behind the same
/// proxy) never locks anybody out. Beyond the limit a failure is answered
/// 429 with `Retry-After`, after a short pause that slows a guesser down.
pub struct AuthLimiter {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

/// How long a failed attempt beyond the limit waits before its 429.
pub const SLOWDOWN: Duration = Duration::from_millis(250);

impl AuthLimiter {
    pub fn new(max_failures_per_minute: u32) -> AuthLimiter {
        AuthLimiter { max_failures: max_failures_per_minute, window: Duration::from_secs(60), failures: Mutex::new(HashMap::new()) }
    }

    /// Records a failed attempt from `ip` (when known). Returns the seconds
    /// to wait when this address has now failed more often than allowed.
    pub fn failed(&self, ip: Option<IpAddr>) -> Option<u64> {
        let ip = ip?;
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() < self.window);
        }
        let entry = map.entry(ip).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, Instant::now());
        }
        entry.0 = entry.0.saturating_add(1);
        let elapsed = entry.1.elapsed();
        (entry.0 > self.max_failures).then(|| (self.window.saturating_sub(elapsed)).as_secs().max(1))
    }

    /// Records a failure and, beyond the limit, waits [`SLOWDOWN`] and
    /// returns the `Retry-After` seconds for a 429.
    pub async fn failed_and_slowed(&self, ip: Option<IpAddr>) -> Option<u64> {
        let retry = self.failed(ip)?;
        actix_web::rt::time::sleep(SLOWDOWN).await;
        Some(retry)
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
        let presented = req.headers().contains_key(header::AUTHORIZATION);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let request_id = crate::http::access_log::request_id(req);
        let request = req.clone();
        let ip = state.as_ref().and_then(|s| s.proxies.client_ip(req));
        Box::pin(async move {
            let Some(state) = state else { return Err(ApiError::Unauthorized) };
            let fail = async |why: &str| {
                if presented {
                    tracing::warn!(client = ?ip, reason = why, "authentication failed");
                    if let Some(retry_after) = state.auth_limiter.failed_and_slowed(ip).await {
                        return ApiError::TooManyRequests { retry_after };
                    }
                }
                ApiError::Unauthorized
            };
            let Some(token) = token else { return Err(fail("no bearer token").await) };
            let hash = sha256_hex(&token);
            let now = crate::http::now();
            let found = match state.credentials.find(&hash, now) {
                Some(found) => Some(found),
                None => {
                    let generation = state.credentials.generation();
                    let lookup = hash.clone();
                    let found = state.db.read(move |conn| api_keys::find_live(conn, &lookup, now).map_err(ApiError::from)).await?;
                    if let Some((key, user)) = &found {
                        state.credentials.keep(hash.clone(), generation, key.clone(), user.clone());
                    }
                    found
                }
            };
            let Some((key, user)) = found else { return Err(fail("unknown, revoked or expired key").await) };
            let role = Role::parse(&key.role).ok_or(ApiError::Unauthorized)?;
            let scope = if key.clusters.is_empty() {
                ClusterScope::All
            } else {
                ClusterScope::Only(key.clusters.split(',').map(str::to_owned).collect::<BTreeSet<_>>())
            };
            if key.last_used_at.is_none_or(|t| now - t > chrono::Duration::seconds(60)) {
                state.credentials.used(&hash, now);
                let db = state.db.clone();
                let key_id = key.id;
                actix_web::rt::spawn(async move {
                    let touched = db.write(move |c| api_keys::touch(c, key_id, now).map_err(crate::db::StoreError::from)).await;
                    if let Err(e) = touched {
                        tracing::debug!(error = %e, "could not record key use");
                    }
                });
            }
            crate::http::access_log::record_key(&request, key.id);
            Ok(Caller {
                key_id: key.id,
                user_id: user.as_ref().map(|u| u.id),
                name: user.as_ref().map_or(key.name.clone(), |u| u.name.clone()),
                email: user.map(|u| u.email),
                role,
                scope,
                request_id,
            })
        })
    }
}
