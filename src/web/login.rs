//! Signing in to the dashboard with an API key (a viewer key is enough).
//! The key goes into an HttpOnly, SameSite=Strict cookie limited to
//! `/dashboard`, so no script can read it and no other site can send it.
//! With `PUBLIC_DASHBOARD=true` no key is needed.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;

use super::page;
use crate::db::{StoreError, api_keys};
use crate::domain::access::{Action, ClusterScope, Role, permits};
use crate::http::{AppState, now};
use crate::mail::esc;
use crate::secrets::sha256_hex;

pub const COOKIE: &str = "klyngemidler_dashboard";

/// What the viewer may see.
pub enum Access {
    Granted(ClusterScope),
    /// No (valid) cookie: show the sign-in form.
    SignIn,
}

/// The scope of the key in the cookie; everything when the dashboard is public.
pub async fn access(state: &AppState, req: &HttpRequest) -> Result<Access, StoreError> {
    if state.public_dashboard {
        return Ok(Access::Granted(ClusterScope::All));
    }
    let Some(key) = cookie_value(req) else {
        return Ok(Access::SignIn);
    };
    Ok(match scope_of_key(state, &key).await? {
        Some((key_id, scope)) => {
            crate::http::access_log::record_key(req, key_id);
            Access::Granted(scope)
        }
        None => Access::SignIn,
    })
}

async fn scope_of_key(state: &AppState, key: &str) -> Result<Option<(i64, ClusterScope)>, StoreError> {
    let hash = sha256_hex(key);
    let at = now();
    let found = state.db.read(move |c| api_keys::find_live(c, &hash, at).map_err(StoreError::from)).await?;
    Ok(found.and_then(|(row, _)| {
        let role = Role::parse(&row.role)?;
        permits(role, Action::Read).then(|| {
            let scope = if row.clusters.is_empty() {
                ClusterScope::All
            } else {
                ClusterScope::Only(row.clusters.split(',').map(str::to_owned).collect::<BTreeSet<_>>())
            };
            (row.id, scope)
        })
    }))
}

pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(body)
}

/// The sign-in page (401: the dashboard needs a key).
pub fn sign_in_page(message: Option<&str>) -> HttpResponse {
    let note = message.map(|m| format!("<p class=\"note\" role=\"alert\">{}</p>", esc(m))).unwrap_or_default();
    let body = format!(
        "{note}<p>Overblikket over klyngemidlerne kræver en API-nøgle. En nøgle med læseadgang (viewer) er nok.</p>\
         <form method=\"post\" action=\"/dashboard/login\"><label for=\"key\">API-nøgle</label>\
         <input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"current-password\" required>\
         <div class=\"buttons\"><button class=\"approve\" type=\"submit\">Log ind</button></div></form>"
    );
    html(StatusCode::UNAUTHORIZED, page("Log ind", &body))
}

pub fn too_many(retry_after: u64) -> HttpResponse {
    let mut res =
        html(StatusCode::TOO_MANY_REQUESTS, page("For mange forsøg", "<p>Der er prøvet for mange ugyldige nøgler. Vent et minut.</p>"));
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&retry_after.to_string()) {
        res.headers_mut().insert(actix_web::http::header::RETRY_AFTER, v);
    }
    res
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub key: String,
}

/// The key from the `Cookie` header (read by hand: actix's cookie feature would add crates).
fn cookie_value(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(actix_web::http::header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` for the key. Keys are `kmk_` and URL-safe characters, so the value needs no quoting;
/// anything else is refused before it gets here.
fn set_cookie(state: &AppState, value: &str, max_age_seconds: u32) -> String {
    let secure = if state.links.public_base_url.starts_with("https://") { "; Secure" } else { "" };
    format!("{COOKIE}={value}; Path=/dashboard; Max-Age={max_age_seconds}; HttpOnly; SameSite=Strict{secure}")
}

/// Whether a sign-in or sign-out form came from our own pages. A browser
/// sends `Origin` (and `Sec-Fetch-Site`) with every form POST; another site's
/// form must not sign a visitor in to a key of the attacker's choosing, nor
/// out. A request without either header is not from a browser, and passes.
fn same_origin(state: &AppState, req: &HttpRequest) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if header("sec-fetch-site").is_some_and(|site| site == "cross-site" || site == "same-site") {
        return false;
    }
    let Some(origin) = header("origin") else { return true };
    let ours = state.links.public_base_url.trim_end_matches('/');
    let host = req.connection_info().host().to_owned();
    origin == ours || origin == format!("http://{host}") || origin == format!("https://{host}")
}

fn foreign_origin() -> HttpResponse {
    tracing::warn!("dashboard sign-in or sign-out from another site refused");
    html(StatusCode::FORBIDDEN, page("Ikke tilladt", "<p>Log ind og ud skal ske fra selve oversigten. Åbn oversigten og prøv igen.</p>"))
}

/// Checks the key and sets the cookie; 303 back to the dashboard.
#[post("/dashboard/login")]
pub async fn login(state: web::Data<AppState>, req: HttpRequest, form: web::Form<LoginForm>) -> HttpResponse {
    if !same_origin(&state, &req) {
        return foreign_origin();
    }
    let ip = state.proxies.client_ip(&req);
    let key = form.key.trim();
    let plausible = !key.is_empty() && key.len() <= 200 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let found = if plausible { scope_of_key(&state, key).await } else { Ok(None) };
    match found {
        Ok(Some((key_id, _))) => {
            crate::http::access_log::record_key(&req, key_id);
            HttpResponse::SeeOther()
                .insert_header((LOCATION, "/dashboard"))
                .insert_header((SET_COOKIE, set_cookie(&state, key, 8 * 3600)))
                .finish()
        }
        Ok(None) => {
            tracing::warn!(client = ?ip, "dashboard sign-in with an unknown key");
            if let Some(retry) = state.auth_limiter.failed_and_slowed(ip).await {
                return too_many(retry);
            }
            sign_in_page(Some("Nøglen blev ikke genkendt. Kontrollér den, og prøv igen."))
        }
        Err(e) => {
            tracing::error!(error = %e, "dashboard sign-in failed");
            html(StatusCode::SERVICE_UNAVAILABLE, page("Prøv igen om lidt", "<p>Systemet kunne ikke svare lige nu.</p>"))
        }
    }
}

/// Forgets the cookie.
#[post("/dashboard/logout")]
pub async fn logout(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if !same_origin(&state, &req) {
        return foreign_origin();
    }
    HttpResponse::SeeOther().insert_header((LOCATION, "/dashboard")).insert_header((SET_COOKIE, set_cookie(&state, "", 0))).finish()
}
