//! Small HTTP conventions: ETags, preconditions, pagination.

use actix_web::HttpRequest;
use actix_web::http::header;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::error::{ApiError, FieldError};

/// The ETag of a versioned resource.
pub fn version_etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// An ETag over content (for computed documents like a status).
pub fn content_etag(bytes: &[u8]) -> String {
    format!("\"{}\"", &crate::secrets::hex(&<sha2::Sha256 as sha2::Digest>::digest(bytes))[..32])
}

/// The `If-Match` header of an update, taken at the edge so the check can
/// run inside the write transaction.
#[derive(Debug, Clone)]
pub struct IfMatch(Option<String>);

impl IfMatch {
    pub fn of(req: &HttpRequest) -> IfMatch {
        IfMatch(req.headers().get(header::IF_MATCH).map(|v| v.to_str().unwrap_or("").trim().to_owned()).filter(|v| !v.is_empty()))
    }

    pub fn is_absent(&self) -> bool {
        self.0.is_none()
    }

    /// Does it name this ETag (or `*`)?
    pub fn matches(&self, etag: &str) -> bool {
        self.0.as_deref().is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"))
    }

    /// 428 without the header, 412 when it does not name the current version.
    pub fn check(&self, current_version: i64) -> Result<(), ApiError> {
        let value = self.0.as_deref().ok_or(ApiError::PreconditionRequired)?;
        let current = version_etag(current_version);
        if value.split(',').any(|tag| tag.trim() == current || tag.trim() == "*") {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed { current })
        }
    }
}

/// Does `If-None-Match` already name this ETag?
pub fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"))
}

pub const DEFAULT_LIMIT: i64 = 100;
/// The OpenAPI document's pattern for an id cursor (what [`id_cursor`] accepts).
pub const ID_CURSOR_PATTERN: &str = "^[0-9]{1,18}$";
/// The OpenAPI document's pattern for a pool key `{cluster}-{year}` (what `PoolKey::parse` accepts).
pub const POOL_KEY_PATTERN: &str = "^[a-z](-?[a-z0-9])*-(20[0-9][0-9]|2100)$";
pub const MAX_LIMIT: i64 = 500;

/// Parses `limit` (1-500, default 100).
pub fn limit(raw: Option<&str>, errors: &mut Vec<FieldError>) -> i64 {
    match raw {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                errors.push(FieldError::new("limit", format!("must be a whole number from 1 to {MAX_LIMIT}")));
                DEFAULT_LIMIT
            }
        },
    }
}

/// Parses a `cursor` that is the id of the last item on the previous page.
pub fn id_cursor(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<i64> {
    raw.and_then(|c| c.parse::<i64>().map_err(|_| errors.push(FieldError::new("cursor", "is not a cursor from this list"))).ok())
}

/// A page of a list, with the cursor for the next one.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    /// `rows` holds up to `limit + 1` items: the extra one only tells that
    /// another page exists.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Page<T> {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more { rows.last().map(cursor_of) } else { None };
        Page { items: rows, next_cursor }
    }
}
