//! One error type for handlers, rendered as RFC 9457 problem+json.
//!
//! Each variant maps to one status and one problem `type`. A 500 says
//! nothing to the client; the cause goes to the log.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{StoreError, TxError};
use crate::domain::ledger::FundsError;

mod conflict;
mod conversions;

pub use conflict::ConflictKind;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that was wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Dotted path of the field in the request, e.g. `allocation_model.upfront_share`.
    pub field: String,
    pub message: String,
    /// With CSV imports: the data row (1 = the first line after the header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// With CSV imports: the column, as named in the header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl std::fmt::Display) -> FieldError {
        FieldError { field: field.into(), message: message.to_string(), row: None, column: None }
    }

    /// A bad cell of an uploaded CSV file: `rows[3].requested_amount`.
    pub fn in_row(row: usize, column: &str, message: impl std::fmt::Display) -> FieldError {
        FieldError { field: format!("rows[{row}].{column}"), message: message.to_string(), row: Some(row), column: Some(column.to_owned()) }
    }
}

/// The first error about each field. A structural error (the body did not
/// fit) comes first, and a rule checked afterwards on the placeholder that
/// stood in for the field must not speak too. CSV errors (with a row) are
/// kept as they are: several cells' errors can share a column's field, and
/// the import keeps one per cell itself.
fn first_per_field(errors: &[FieldError]) -> Vec<&FieldError> {
    let mut seen = std::collections::HashSet::new();
    errors.iter().filter(|e| e.row.is_some() || seen.insert(e.field.as_str())).collect()
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URN naming the kind of problem, e.g. `urn:klyngemidler:problem:validation`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// With `insufficient-funds`: the bucket that cannot pay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// With `insufficient-funds`: what the bucket has available.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "99999.99", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub available: Option<String>,
    /// With `insufficient-funds`: what was needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "150000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub needed: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    NotAcceptable(String),
    #[error("a valid API key is required")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// It existed and was removed (an attachment): 410.
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{detail}")]
    Conflict { kind: ConflictKind, detail: String },
    #[error("this update needs an If-Match header with the resource's current ETag")]
    PreconditionRequired,
    #[error("the resource has changed since it was read (ETag {current}); read it again and retry")]
    PreconditionFailed { current: String },
    #[error("{0}")]
    InsufficientFunds(FundsError),
    /// Outcomes of a sitting that cannot be recorded (409): each named, nothing saved.
    #[error("outcomes of the sitting cannot be recorded")]
    Sitting(Vec<FieldError>),
    #[error("too many failed attempts from this address; retry in {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

impl ApiError {
    pub fn field(field: impl Into<String>, message: impl std::fmt::Display) -> ApiError {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    fn kind_and_title(&self) -> (&'static str, &'static str) {
        let kind = match self {
            ApiError::Validation(_) => "validation",
            ApiError::BadRequest(_) => "malformed-request",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::NotAcceptable(_) => "not-acceptable",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not-found",
            ApiError::Gone(_) => "gone",
            ApiError::PayloadTooLarge(_) => "payload-too-large",
            ApiError::Conflict { kind, .. } => return (kind.as_str(), kind.title()),
            ApiError::InsufficientFunds(_) => "insufficient-funds",
            ApiError::Sitting(_) => "sitting-refused",
            ApiError::TooManyRequests { .. } => "too-many-requests",
            ApiError::PreconditionRequired => "precondition-required",
            ApiError::PreconditionFailed { .. } => "precondition-failed",
            ApiError::Store(e) if e.is_transient() => "unavailable",
            ApiError::Store(_) => "internal",
        };
        (kind, title(kind))
    }

    pub fn problem(&self) -> Problem {
        let (kind, title) = self.kind_and_title();
        let status = self.status_code();
        let detail = match self {
            ApiError::Store(e) if e.is_transient() => "The database is busy; retry shortly.".to_owned(),
            ApiError::Store(_) => "Something went wrong on our side. It has been logged.".to_owned(),
            ApiError::Validation(errors) => {
                let mut fields: Vec<&str> = first_per_field(errors).into_iter().map(|e| e.field.as_str()).collect();
                fields.dedup();
                format!("Invalid field(s): {}. Nothing was saved.", fields.join(", "))
            }
            ApiError::Sitting(errors) => format!(
                "{} of the outcomes cannot be recorded: {}. Nothing was saved; correct them and send the whole sitting again.",
                errors.len(),
                errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ")
            ),
            other => other.to_string(),
        };
        let errors = match self {
            ApiError::Validation(errors) => first_per_field(errors).into_iter().cloned().collect(),
            ApiError::Sitting(errors) => errors.clone(),
            _ => Vec::new(),
        };
        let (bucket, available, needed) = match self {
            ApiError::InsufficientFunds(f) => {
                (Some(f.bucket.as_str().to_owned()), Some(f.available.to_string()), Some(f.needed.to_string()))
            }
            _ => (None, None, None),
        };
        Problem {
            kind: format!("urn:klyngemidler:problem:{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors,
            bucket,
            available,
            needed,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Conflict { .. } | ApiError::InsufficientFunds(_) | ApiError::Sitting(_) => StatusCode::CONFLICT,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::Store(e) if e.is_transient() => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Store(e) = self {
            tracing::error!(error = %crate::telemetry::chain(e), "request failed in storage");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        match self {
            ApiError::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            ApiError::Store(e) if e.is_transient() => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
            }
            ApiError::TooManyRequests { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::NotAcceptable(_) => {
                response.insert_header((header::VARY, crate::http::negotiate::VARY));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl TxError for ApiError {
    fn is_retryable(&self) -> bool {
        matches!(self, ApiError::Store(e) if e.is_serialization_failure())
    }
}

impl From<diesel::result::Error> for ApiError {
    /// Database errors are the store's: never the client's fault.
    fn from(e: diesel::result::Error) -> Self {
        ApiError::Store(StoreError::Query(e))
    }
}

/// The title of each problem `type` (the part after `urn:klyngemidler:problem:`),
/// one per type wherever the problem is made: by [`ApiError`], or for a
/// response actix produced itself ([`problem_for_status`]). Conflicts have
/// theirs in [`ConflictKind::title`].
pub const TITLES: [(&str, &str); 19] = [
    ("validation", "The request has invalid fields"),
    ("malformed-request", "The request could not be read"),
    ("unsupported-media-type", "Unsupported media type"),
    ("not-acceptable", "No acceptable representation"),
    ("unauthorized", "Authentication required"),
    ("forbidden", "Not allowed"),
    ("not-found", "Not found"),
    ("gone", "Removed"),
    ("method-not-allowed", "Method not allowed"),
    ("payload-too-large", "Request body too large"),
    ("insufficient-funds", "Not enough money available"),
    ("sitting-refused", "The sitting's outcomes cannot all be recorded"),
    ("too-many-requests", "Too many requests"),
    ("precondition-required", "If-Match required"),
    ("precondition-failed", "Stale ETag"),
    ("unavailable", "Temporarily unavailable"),
    ("internal", "Internal error"),
    ("request-timeout", "Request timeout"),
    ("error", "The request failed"),
];

/// The title of a problem type (see [`TITLES`]).
pub fn title(kind: &str) -> &'static str {
    TITLES.iter().find(|(k, _)| *k == kind).map_or("The request failed", |(_, t)| t)
}

/// A generic problem for responses actix produced itself (404, 405, 413 …).
pub fn problem_for_status(status: StatusCode, detail: &str) -> Problem {
    let kind = match status {
        StatusCode::BAD_REQUEST => "malformed-request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::GONE => "gone",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::NOT_ACCEPTABLE => "not-acceptable",
        StatusCode::REQUEST_TIMEOUT => "request-timeout",
        StatusCode::PRECONDITION_FAILED => "precondition-failed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        StatusCode::UNPROCESSABLE_ENTITY => "validation",
        StatusCode::PRECONDITION_REQUIRED => "precondition-required",
        StatusCode::TOO_MANY_REQUESTS => "too-many-requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        s if s.is_client_error() => "malformed-request",
        _ => "error",
    };
    Problem {
        kind: format!("urn:klyngemidler:problem:{kind}"),
        title: title(kind).to_owned(),
        status: status.as_u16(),
        detail: detail.to_owned(),
        errors: Vec::new(),
        bucket: None,
        available: None,
        needed: None,
    }
}

#[cfg(test)]
mod tests;
