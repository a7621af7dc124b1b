//! Signing in to the dashboard with an API key (a viewer key is enough),
//! kept as a server-side session: the cookie holds only a random id
//! (32 random bytes, hex); the database keeps its SHA-256, the key it belongs
//! to and when it ends (8 hours after sign-in). Every request checks the
//! key again, so revoking it or disabling its user ends the session at once;
//! signing out deletes the session. The cookie is HttpOnly, SameSite=Strict,
//! limited to `/dashboard` and Secure over https.
//! With `PUBLIC_DASHBOARD=true` no key is needed.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use actix_web::{HttpRequest, HttpResponse, post, web};
use askama::Template;
use serde::Deserialize;

use crate::db::api_keys::ApiKeyRow;
use crate::db::{StoreError, api_keys, dashboard_sessions};
use crate::domain::access::{Action, ClusterScope, Role, permits};
use crate::http::{AppState, now};
use crate::secrets::{random_hex, sha256_hex};

pub const COOKIE: &str = "klyngemidler_dashboard";

/// How long a session lasts from sign-in (absolute, not renewed by use).
pub const SESSION_HOURS: i64 = 8;

/// What the viewer may see.
pub enum Access {
    Granted(ClusterScope),
    /// No (live) session: show the sign-in form.
    SignIn,
}

/// The scope of the session's key; everything when the dashboard is public.
pub async fn access(state: &AppState, req: &HttpRequest) -> Result<Access, StoreError> {
    if state.public_dashboard {
        return Ok(Access::Granted(ClusterScope::All));
    }
    let Some(hash) = session_hash(req) else {
        return Ok(Access::SignIn);
    };
    let at = now();
    let key = state.db.read(move |c| dashboard_sessions::live_key(c, &hash, at).map_err(StoreError::from)).await?;
    Ok(match key.and_then(|row| scope_of(&row).map(|scope| (row.id, scope))) {
        Some((key_id, scope)) => {
            crate::http::access_log::record_key(req, key_id);
            Access::Granted(scope)
        }
        None => Access::SignIn,
    })
}

/// The clusters a key may read, if its role may read at all.
fn scope_of(row: &ApiKeyRow) -> Option<ClusterScope> {
    let role = Role::parse(&row.role)?;
    permits(role, Action::Read).then(|| {
        if row.clusters.is_empty() {
            ClusterScope::All
        } else {
            ClusterScope::Only(row.clusters.split(',').map(str::to_owned).collect::<BTreeSet<_>>())
        }
    })
}

pub fn html(status: StatusCode, body: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(body)
}

#[derive(Template)]
#[template(path = "dashboard/sign_in.html")]
struct SignIn<'a> {
    message: Option<&'a str>,
    hours: i64,
}

#[derive(Template)]
#[template(path = "dashboard/message.html")]
struct Message<'a> {
    title: &'a str,
    text: &'a str,
}

/// A short page that says one thing, in Danish.
pub fn message(status: StatusCode, title: &str, text: &str) -> HttpResponse {
    html(status, Message { title, text }.render().unwrap_or_else(|_| text.to_owned()))
}

/// The page when the database cannot answer.
pub fn unavailable() -> HttpResponse {
    message(StatusCode::SERVICE_UNAVAILABLE, "Prøv igen om lidt", "Systemet kunne ikke svare lige nu. Prøv igen om et øjeblik.")
}

/// The sign-in page (401: the dashboard needs a key).
pub fn sign_in_page(message_text: Option<&str>) -> HttpResponse {
    match (SignIn { message: message_text, hours: SESSION_HOURS }).render() {
        Ok(body) => html(StatusCode::UNAUTHORIZED, body),
        Err(_) => unavailable(),
    }
}

pub fn too_many(retry_after: u64) -> HttpResponse {
    let mut res = message(
        StatusCode::TOO_MANY_REQUESTS,
        "For mange forsøg",
        "Der er prøvet for mange ugyldige adgangsnøgler. Vent et minut, og prøv igen.",
    );
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&retry_after.to_string()) {
        res.headers_mut().insert(actix_web::http::header::RETRY_AFTER, v);
    }
    res
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub key: String,
}

/// The SHA-256 of the session id in the `Cookie` header (read by hand:
/// actix's cookie feature would add crates). Anything but 64 hex digits is no session.
fn session_hash(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(actix_web::http::header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .find(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(sha256_hex)
}

/// Whether the visitor came over https (directly, or as the public address says).
fn https(state: &AppState, req: &HttpRequest) -> bool {
    state.links.public_base_url.starts_with("https://") || req.connection_info().scheme() == "https"
}

/// `Set-Cookie` for a session id (hex, so the value needs no quoting).
fn set_cookie(state: &AppState, req: &HttpRequest, value: &str, max_age_seconds: i64) -> String {
    let secure = if https(state, req) { "; Secure" } else { "" };
    format!("{COOKIE}={value}; Path=/dashboard; Max-Age={max_age_seconds}; HttpOnly; SameSite=Strict{secure}")
}

/// Whether a sign-in or sign-out form came from our own pages. A browser
/// sends `Origin` (and `Sec-Fetch-Site`) with every form POST; another site's
/// form must not sign a visitor in to a key of the attacker's choosing, nor
/// out. A request without either header is not from a browser, and passes.
fn same_origin(state: &AppState, req: &HttpRequest) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    match header("sec-fetch-site") {
        Some("cross-site" | "same-site") => return false,
        // Attested by the browser; its `Origin` is "null" under `Referrer-Policy: no-referrer`.
        Some("same-origin") => return true,
        _ => {}
    }
    let Some(origin) = header("origin") else { return true };
    let ours = state.links.public_base_url.trim_end_matches('/');
    let host = req.connection_info().host().to_owned();
    origin == ours || origin == format!("http://{host}") || origin == format!("https://{host}")
}

fn foreign_origin() -> HttpResponse {
    tracing::warn!("dashboard sign-in or sign-out from another site refused");
    message(StatusCode::FORBIDDEN, "Ikke tilladt", "Log ind og ud skal ske fra selve oversigten. Åbn oversigten, og prøv igen.")
}

/// The live key with this text that may read, if any.
async fn reading_key(state: &AppState, key: &str) -> Result<Option<i64>, StoreError> {
    let hash = sha256_hex(key);
    let at = now();
    let found = state.db.read(move |c| api_keys::find_live(c, &hash, at).map_err(StoreError::from)).await?;
    Ok(found.and_then(|(row, _)| scope_of(&row).map(|_| row.id)))
}

/// Checks the key, starts a session (and deletes expired ones); 303 back to the dashboard.
#[post("/dashboard/login")]
pub async fn login(state: web::Data<AppState>, req: HttpRequest, form: web::Form<LoginForm>) -> HttpResponse {
    if !same_origin(&state, &req) {
        return foreign_origin();
    }
    let ip = state.proxies.client_ip(&req);
    let key = form.key.trim();
    let plausible = !key.is_empty() && key.len() <= 200 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let found = if plausible { reading_key(&state, key).await } else { Ok(None) };
    let key_id = match found {
        Ok(Some(id)) => id,
        Ok(None) => {
            tracing::warn!(client = ?ip, "dashboard sign-in with an unknown key");
            if let Some(retry) = state.auth_limiter.failed_and_slowed(ip).await {
                return too_many(retry);
            }
            return sign_in_page(Some(
                "Nøglen blev ikke genkendt. Kontrollér, at du har indsat hele nøglen (den begynder med kmk_), og prøv igen.",
            ));
        }
        Err(e) => {
            tracing::error!(error = %e, "dashboard sign-in failed");
            return unavailable();
        }
    };
    let Ok(session) = random_hex(32) else { return unavailable() };
    let hash = sha256_hex(&session);
    let at = now();
    let until = at + chrono::Duration::hours(SESSION_HOURS);
    let started = state
        .db
        .write(move |c| {
            dashboard_sessions::delete_expired(c, at)?;
            dashboard_sessions::insert(c, &hash, key_id, at, until)?;
            Ok::<_, StoreError>(())
        })
        .await;
    if let Err(e) = started {
        tracing::error!(error = %e, "dashboard session could not be stored");
        return unavailable();
    }
    crate::http::access_log::record_key(&req, key_id);
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/dashboard"))
        .insert_header((SET_COOKIE, set_cookie(&state, &req, &session, SESSION_HOURS * 3600)))
        .finish()
}

/// Ends the session on the server and forgets the cookie.
#[post("/dashboard/logout")]
pub async fn logout(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if !same_origin(&state, &req) {
        return foreign_origin();
    }
    if let Some(hash) = session_hash(&req) {
        let ended = state.db.write(move |c| dashboard_sessions::delete(c, &hash).map_err(StoreError::from)).await;
        if let Err(e) = ended {
            tracing::error!(error = %e, "dashboard session could not be ended");
            return unavailable();
        }
    }
    HttpResponse::SeeOther().insert_header((LOCATION, "/dashboard")).insert_header((SET_COOKIE, set_cookie(&state, &req, "", 0))).finish()
}
