//! Small HTTP conventions: ETags, preconditions, pagination.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, EntityTag, Header, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
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
/// run inside the write transaction. Every `If-Match` line of the request
/// counts (they combine into one list); the comparison is strong (RFC 9110
/// 13.1.1): `W/"3"` never matches, `*` matches any current version.
#[derive(Debug, Clone)]
pub struct IfMatch(Option<header::IfMatch>);

impl IfMatch {
    pub fn of(req: &HttpRequest) -> IfMatch {
        // An empty list (`If-Match:` with nothing, or nothing that reads as an ETag
        // but `*`) is taken as no header: 428, not a 412 naming a stale ETag.
        let raw_lines = req.headers().get_all(header::IF_MATCH).filter(|v| !v.as_bytes().trim_ascii().is_empty()).count();
        let parsed = match header::IfMatch::parse(req) {
            Ok(header::IfMatch::Items(items)) if items.is_empty() && raw_lines > 0 => Some(header::IfMatch::Items(items)),
            Ok(header::IfMatch::Items(items)) if items.is_empty() => None,
            Ok(value) => Some(value),
            // Not readable (non-ASCII): present, but it names no version.
            Err(_) if raw_lines > 0 => Some(header::IfMatch::Items(Vec::new())),
            Err(_) => None,
        };
        IfMatch(parsed)
    }

    pub fn is_absent(&self) -> bool {
        self.0.is_none()
    }

    /// Does it name this ETag (or `*`)? Strong comparison.
    pub fn matches(&self, etag: &str) -> bool {
        let Ok(current) = etag.parse::<EntityTag>() else { return false };
        match &self.0 {
            None => false,
            Some(header::IfMatch::Any) => true,
            Some(header::IfMatch::Items(tags)) => tags.iter().any(|tag| tag.strong_eq(&current)),
        }
    }

    /// 428 without the header, 412 when it does not name the current version.
    pub fn check(&self, current_version: i64) -> Result<(), ApiError> {
        if self.is_absent() {
            return Err(ApiError::PreconditionRequired);
        }
        let current = version_etag(current_version);
        if self.matches(&current) { Ok(()) } else { Err(ApiError::PreconditionFailed { current }) }
    }
}

/// The `If-None-Match` header of a read, taken at the edge (it can be
/// checked on a database thread). Every line of the header counts, and the
/// comparison is weak (RFC 9110 13.1.2): `W/"x"` names `"x"`.
#[derive(Debug, Clone)]
pub struct IfNoneMatch(Option<header::IfNoneMatch>);

impl IfNoneMatch {
    pub fn of(req: &HttpRequest) -> IfNoneMatch {
        IfNoneMatch(header::IfNoneMatch::parse(req).ok())
    }

    /// Does the request's `If-None-Match` name this ETag? The usual case —
    /// one line that is the ETag itself, as a client echoes it — is compared
    /// as bytes; anything else is parsed as [`IfNoneMatch::matches`] does.
    pub fn names(req: &HttpRequest, etag: &HeaderValue) -> bool {
        let mut lines = req.headers().get_all(header::IF_NONE_MATCH);
        match (lines.next(), lines.next()) {
            (None, _) => false,
            (Some(line), None) if line.as_bytes() == etag.as_bytes() => true,
            _ => etag.to_str().is_ok_and(|etag| IfNoneMatch::of(req).matches(etag)),
        }
    }

    /// Does it name this ETag (or `*`)?
    pub fn matches(&self, etag: &str) -> bool {
        let Ok(current) = etag.parse::<EntityTag>() else { return false };
        match &self.0 {
            None => false,
            Some(header::IfNoneMatch::Any) => true,
            Some(header::IfNoneMatch::Items(tags)) => tags.iter().any(|tag| tag.weak_eq(&current)),
        }
    }
}

/// Does `If-None-Match` already name this ETag? (See [`IfNoneMatch`].)
pub fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    IfNoneMatch::of(req).matches(etag)
}

/// What a cacheable read answers with: its ETag, `Cache-Control: no-cache`
/// (store it, but ask every time), and `Vary` when the body depends on a
/// request header (`Accept`). The 200 and the 304 are built by this one
/// function, so a 304 repeats exactly the validators of the 200 (RFC 9110 15.4.5).
pub fn validated(status: StatusCode, etag: &str, vary: Option<&'static str>) -> HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder.insert_header((header::ETAG, etag.to_owned()));
    with_validators(builder, vary)
}

/// [`validated`] with an ETag already made into a header value (kept in memory, so a
/// response answered from memory copies no text).
pub fn validated_header(status: StatusCode, etag: HeaderValue, vary: Option<&'static str>) -> HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder.insert_header((header::ETAG, etag));
    with_validators(builder, vary)
}

fn with_validators(mut builder: HttpResponseBuilder, vary: Option<&'static str>) -> HttpResponseBuilder {
    builder.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")));
    if let Some(vary) = vary {
        builder.insert_header((header::VARY, HeaderValue::from_static(vary)));
    }
    builder
}

/// The 304 for a read whose ETag the request already has, or `None`.
pub fn if_none_match(req: &HttpRequest, etag: &str, vary: Option<&'static str>) -> Option<HttpResponse> {
    not_modified(req, etag).then(|| validated(StatusCode::NOT_MODIFIED, etag, vary).finish())
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
