//! Closing a pool at year end, and what becomes of the applications still in the workflow.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db::pools::{self as store, Actor};
use crate::domain::access::Action;
use crate::domain::values::PoolKey;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::fields::{pool_key, pool_not_found as not_found};
use crate::http::{AppState, json, now};
use crate::pools::http::{PoolDto, pool_response};
use actix_web::http::StatusCode;

/// What to do with applications still in the workflow when the pool closes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UndecidedDto {
    /// Refuse to close while money is reserved for any of them (the problem names them).
    #[default]
    Refuse,
    /// Move them, with their steps and reservations, to `to_pool`.
    Move,
}

/// How to close: what becomes of applications still in the workflow.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosePool {
    #[serde(default)]
    pub undecided: UndecidedDto,
    /// With `move`: an open pool of the same cluster and a later year, e.g. "vest-2023".
    #[schema(example = "vest-2023")]
    pub to_pool: Option<String>,
}

/// Closes an open pool at year end: no new applications or decisions. Open
/// e-mail approval requests about it (and carry-over requests into it) end
/// with it: their links show "Puljen er lukket", and a strategic
/// reservation made for such a request is given back. A carry-over agreed
/// before year end takes what is left now. Applications still in the
/// workflow move to `to_pool` with `{"undecided": "move"}`; otherwise the
/// pool does not close while money is reserved for them.
#[utoipa::path(extensions(("x-permission" = json!("manage_pools"))),
    tag = "pools", params(("pool" = String, Path)),
    request_body(content = Option<ClosePool>, description = "Optional: no body, an empty one or `null` close only when nothing is reserved for undecided applications"),
    security(("api_key" = [])),
    responses((status = 200, description = "The pool, closed", body = PoolDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The pool is not open, or money is reserved for undecided applications"),
        (status = 422, body = Problem)))]
#[post("/pools/{pool}/close")]
pub async fn close_pool(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManagePools)?;
    let key = pool_key(&caller, &path.into_inner())?;
    let how: ClosePool = json::parse_optional_body(&req, &body)?;
    let undecided = match (how.undecided, how.to_pool.as_deref()) {
        (UndecidedDto::Refuse, None) => crate::pools::service::Undecided::Refuse,
        (UndecidedDto::Refuse, Some(_)) => return Err(ApiError::field("to_pool", "is only for \"undecided\": \"move\"")),
        (UndecidedDto::Move, None) => return Err(ApiError::field("to_pool", "is required with \"undecided\": \"move\"")),
        (UndecidedDto::Move, Some(text)) => {
            crate::pools::service::Undecided::Move(PoolKey::parse(text).map_err(|e| ApiError::field("to_pool", e))?)
        }
    };
    let at = now();
    // Under the pool's lock: ending a strategic e-mail request gives its reservation back;
    // and under the target's too when undecided applications take their reservations there.
    let mut locks = vec![key.clone()];
    if let crate::pools::service::Undecided::Move(to) = &undecided {
        locks.push(to.clone());
    }
    let saved = state
        .db
        .write_in_pools(&locks, move |c| {
            let stored = store::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            Ok::<_, ApiError>(crate::pools::service::close(c, &stored, &undecided, who)?)
        })
        .await?;
    Ok(pool_response(&saved, StatusCode::OK))
}
