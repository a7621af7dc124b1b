//! `Idempotency-Key` on every POST: a client that times out and retries gets
//! the first answer again instead of a second grant.
//!
//! - same key, same request → the stored status and body (`Idempotent-Replayed: true`);
//! - same key, another request → 422;
//! - same key while the first is still running → 409.
//!
//! The write transaction of the first request marks its record `committed`
//! (see `Db::write*`), so a request whose write landed is never run twice,
//! even if the process dies before the answer is saved. Records are kept at
//! least 24 hours (removed after 48).

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::db::idempotency::{self as store, CLAIM, Claim, RecordState, SavedResponse};
use crate::db::{StoreError, api_keys};
use crate::http::error::{ApiError, FieldError};
use crate::http::{AppState, now};
use crate::secrets::sha256_hex;

pub const HEADER: &str = "idempotency-key";

/// Put in a response's extensions by a handler whose body holds a secret
/// (a new API key): the record keeps no body, and a replay answers 409
/// `key-already-issued` naming what was created, because a secret is shown
/// once and never rests in the database.
#[derive(Debug, Clone)]
pub struct SecretBody {
    /// What a replay says was created, e.g. "API key 12".
    pub created: String,
}

enum Begin {
    Proceed,
    Replay(Box<store::IdempotencyRow>),
}

fn problem(e: ApiError) -> HttpResponse {
    actix_web::ResponseError::error_response(&e)
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req.headers().get(HEADER).map(|v| v.to_str().map(str::to_owned));
    let (true, Some(key)) = (req.method() == Method::POST, key) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let key = match key {
        Ok(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| (0x21..0x7f).contains(&b)) => k,
        _ => {
            let e = ApiError::Validation(vec![FieldError::new("Idempotency-Key", "must be 1-255 visible ASCII characters")]);
            return Ok(req.into_response(problem(e)));
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    // The owner is the key's user; requests without a valid key get their 401 from the handler.
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .map(|(_, t)| sha256_hex(t.trim()));
    let Some(token_hash) = token else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let at = now();
    let found = state.db.read(move |c| api_keys::find_live(c, &token_hash, at).map_err(StoreError::from)).await;
    // The owner is the user *with the permissions of this key*: a replay never
    // answers a caller whose key has another role or other clusters than the
    // one that made the first request (that caller goes to the handler, which
    // checks its permission afresh).
    let owner = match found {
        Ok(Some((k, user))) => {
            let who = user.map_or(format!("key:{}", k.id), |u| format!("user:{}", u.id));
            format!("{who}:{}:{}", k.role, k.clusters)
        }
        Ok(None) => return next.call(req).await.map(ServiceResponse::map_into_boxed_body),
        Err(e) => return Ok(req.into_response(problem(e.into()))),
    };

    // An attachment's body is streamed, never held: it is fingerprinted by the headers that describe it.
    let streamed = crate::attachments::upload::is_streamed_upload(req.method(), req.path());
    let body_print = if streamed {
        sha256_hex(&crate::attachments::upload::fingerprint(req.headers()))
    } else {
        let bytes = req.extract::<web::Bytes>().await?;
        req.set_payload(actix_web::dev::Payload::from(bytes.clone()));
        sha256_hex(&String::from_utf8_lossy(&bytes))
    };
    let fingerprint = sha256_hex(&format!("{} {}?{}\n{}", req.method(), req.path(), req.query_string(), body_print));

    let claim = Claim { owner: owner.clone(), key: key.clone() };
    let begin = {
        let (owner, key, fingerprint) = (owner.clone(), key.clone(), fingerprint.clone());
        state
            .db
            .write(move |c| {
                store::expire(c, at - chrono::Duration::hours(48))?;
                match store::find(c, &owner, &key)? {
                    None => {
                        store::start(c, &owner, &key, &fingerprint, at)?;
                        Ok(Begin::Proceed)
                    }
                    Some(row) if row.fingerprint != fingerprint => Err(ApiError::Validation(vec![FieldError::new(
                        "Idempotency-Key",
                        "was used before with a different request; use a new key for a new request",
                    )])),
                    Some(row) if RecordState::parse(&row.state) == Some(RecordState::Done) => Ok(Begin::Replay(Box::new(row))),
                    // Started long ago and never committed: the first attempt died before writing.
                    Some(row) if RecordState::parse(&row.state) == Some(RecordState::Started) && at - row.updated_at > chrono::Duration::seconds(120) => {
                        store::start(c, &owner, &key, &fingerprint, at)?;
                        Ok(Begin::Proceed)
                    }
                    Some(row) if RecordState::parse(&row.state) == Some(RecordState::Committed) => Err(ApiError::Conflict {
                        kind: crate::http::error::ConflictKind::IdempotencyInProgress,
                        detail: "the first request with this Idempotency-Key was saved but its answer is not ready; retry shortly or read the resource".into(),
                    }),
                    Some(_) => Err(ApiError::Conflict {
                        kind: crate::http::error::ConflictKind::IdempotencyInProgress,
                        detail: "a request with this Idempotency-Key is still being processed; retry shortly".into(),
                    }),
                }
            })
            .await
    };
    let answer = match begin {
        Ok(Begin::Proceed) => None,
        Ok(Begin::Replay(row)) => Some(replay(&row)),
        Err(e) => Some(problem(e)),
    };
    if let Some(answer) = answer {
        if streamed {
            // Read (and drop) the file the handler will not read, so that the client hears the answer.
            crate::attachments::upload::drain(&mut actix_web::HttpMessage::take_payload(&mut req)).await;
        }
        return Ok(req.into_response(answer));
    }

    let response = CLAIM.scope(claim, next.call(req)).await?;
    let (req, res) = response.into_parts();
    let status = res.status();
    let headers = res.headers().clone();
    let secret = res.extensions().get::<SecretBody>().cloned();
    let body = body::to_bytes(res.into_body()).await.unwrap_or_default();
    let text = match &secret {
        Some(s) => serde_json::to_string(&already_issued(&s.created)).unwrap_or_default(),
        None => String::from_utf8_lossy(&body).into_owned(),
    };
    let header_text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (content_type, location, etag) = (header_text(header::CONTENT_TYPE), header_text(header::LOCATION), header_text(header::ETAG));
    let saved = {
        let (owner, key, text, content_type, location, etag) = (owner, key, text, content_type, location, etag);
        state
            .db
            .write(move |c| {
                if status.is_server_error() {
                    store::forget(c, &owner, &key)?;
                } else if secret.is_some() {
                    let response = SavedResponse {
                        status: StatusCode::CONFLICT.as_u16(),
                        content_type: Some(crate::http::error::PROBLEM_JSON),
                        location: location.as_deref(),
                        etag: None,
                        body: &text,
                    };
                    store::finish(c, &owner, &key, &response, at)?;
                } else {
                    let response = SavedResponse {
                        status: status.as_u16(),
                        content_type: content_type.as_deref(),
                        location: location.as_deref(),
                        etag: etag.as_deref(),
                        body: &text,
                    };
                    store::finish(c, &owner, &key, &response, at)?;
                }
                Ok::<_, StoreError>(())
            })
            .await
    };
    if let Err(e) = saved {
        tracing::error!(error = %e, "could not save the idempotent response");
    }
    let mut rebuilt = HttpResponse::build(status);
    for (name, value) in headers.iter() {
        rebuilt.insert_header((name.clone(), value.clone()));
    }
    Ok(ServiceResponse::new(req, rebuilt.body(body)))
}

/// What a replay of a request that created a secret answers (the stored body).
fn already_issued(created: &str) -> crate::http::error::Problem {
    let e = ApiError::Conflict {
        kind: crate::http::error::ConflictKind::KeyAlreadyIssued,
        detail: format!(
            "this Idempotency-Key already created {created}; its secret is shown only once and is not kept. \
             If it was lost, revoke that key and create a new one"
        ),
    };
    e.problem()
}

fn replay(row: &store::IdempotencyRow) -> HttpResponse {
    let status = row.status.and_then(|s| u16::try_from(s).ok()).and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    response.insert_header(("Idempotent-Replayed", "true"));
    if let Some(ct) = &row.content_type {
        response.insert_header((header::CONTENT_TYPE, ct.as_str()));
    }
    if let Some(l) = &row.location {
        response.insert_header((header::LOCATION, l.as_str()));
    }
    if let Some(e) = &row.etag {
        response.insert_header((header::ETAG, e.as_str()));
    }
    response.body(row.body.clone().unwrap_or_default())
}
