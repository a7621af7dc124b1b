//! Reading JSON bodies and query strings so that every mistake names its field.

use actix_web::HttpRequest;
use actix_web::http::header;
use serde::de::{DeserializeOwned, DeserializeSeed};
use serde_json::Value;

use crate::http::error::{ApiError, FieldError};

mod repair;
mod words;

/// Parses a JSON request body into `T`, strictly. Syntax errors are 400; a
/// wrong type, a missing or unknown field is 422 naming the field, and every
/// such field is named at once, in plain words.
pub fn parse<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    let (value, errors) = parse_all::<T>(req, body)?;
    if errors.is_empty() { Ok(value) } else { Err(ApiError::Validation(errors)) }
}

/// A body that may be left out, empty or `null` (an optional step note, how
/// to close a pool): each of those means `T::default()`.
pub fn parse_optional_body<T: DeserializeOwned + Default>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    Ok(parse::<Option<T>>(req, body)?.unwrap_or_default())
}

/// Like [`parse`], but the value comes back even when fields were bad,
/// together with every structural error, so the handler can check the rest
/// and answer one 422.
///
/// `Err`: 415 (not JSON), 400 (not readable as JSON), or 422 when the body
/// is so far from `T` that no value could be made of it.
pub fn parse_all<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<(T, Vec<FieldError>), ApiError> {
    match req.headers().get(header::CONTENT_TYPE) {
        Some(ct) => {
            let ct = ct.to_str().unwrap_or("");
            let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if essence != "application/json" && !essence.ends_with("+json") {
                return Err(ApiError::UnsupportedMediaType(format!("send the body as application/json (got {essence})")));
            }
        }
        // A body must say what it is (see `refuse_body_without_content_type`).
        None if !body.is_empty() => return Err(no_content_type()),
        None => {}
    }
    let (value, twice) = read_value(body)?;
    repair::read_all::<T>(value, twice, Some(body)).map_err(ApiError::Validation)
}

/// As [`parse_all`], for a value built by the service (a CSV row read as a
/// JSON body). `Err`: the errors, when no value could be made.
pub fn from_value_all<T: DeserializeOwned>(value: Value) -> Result<(T, Vec<FieldError>), Vec<FieldError>> {
    repair::read_all::<T>(value, Vec::new(), None)
}

/// The body as one JSON value, and where a key was sent twice in one object.
fn read_value(body: &[u8]) -> Result<(Value, Vec<repair::Loc>), ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let (mut at, mut twice) = (Vec::new(), Vec::new());
    let value = repair::Reader { at: &mut at, twice: &mut twice }
        .deserialize(&mut de)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    // Nothing may follow the JSON value but whitespace: `{…}xyz` is not a body we understand.
    de.end().map_err(|_| ApiError::BadRequest("the body has text after the JSON value; send exactly one JSON object".into()))?;
    Ok((value, twice))
}

/// Turns one serde message about `path` (as serde_path_to_error prints it)
/// into a field error in plain words. serde reports a missing or unknown
/// field at its parent, so the field name is taken from the message.
/// Prefer [`parse_all`], which finds every field and says more.
pub fn field_error(path: &str, message: &str) -> ApiError {
    let message = message.rsplit_once(" at line ").map_or(message, |(m, _)| m);
    let said = words::read(message);
    let named = match &said {
        words::Said::Missing(name) | words::Said::UnknownField { name, .. } => Some(name.as_str()),
        _ => None,
    };
    let field = match (named, path) {
        (Some(name), "." | "") => name.to_owned(),
        // An unknown field's path already ends in its name.
        (Some(name), p) if p == name || p.ends_with(&format!(".{name}")) => p.to_owned(),
        (Some(name), parent) => format!("{parent}.{name}"),
        (None, "." | "") => "body".to_owned(),
        (None, path) => path.to_owned(),
    };
    ApiError::Validation(vec![FieldError::new(field, words::plainly(&said, "field"))])
}

/// Query-string errors from actix (`?state=bogus`) as 422 naming the parameter.
/// serde names the field only when it is missing or unknown; for a bad
/// value, the parameter is the one whose value the message quotes.
pub fn query_error(err: actix_web::error::QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    let text = err.to_string();
    let message = text.strip_prefix("Query deserialize error: ").unwrap_or(&text);
    let said = words::read(message);
    let named = match &said {
        words::Said::Missing(name) | words::Said::UnknownField { name, .. } | words::Said::Twice(name) => Some(name.as_str()),
        _ => None,
    };
    let by_value = || {
        req.query_string()
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(_, value)| !value.is_empty() && message.contains(&format!("`{value}`")))
            .map(|(key, _)| key)
    };
    // With a single parameter there is no doubt which one it was.
    let only = || {
        let mut pairs = req.query_string().split('&').filter(|p| !p.is_empty());
        match (pairs.next(), pairs.next()) {
            (Some(pair), None) => pair.split('=').next(),
            _ => None,
        }
    };
    let field = named.or_else(by_value).or_else(only).unwrap_or("query");
    ApiError::field(field, words::plainly(&said, "parameter")).into()
}

/// Middleware: a path or query string holding a control character (`%00`
/// to `%1F`, `%7F`) is refused before any handler reads it: a path with one
/// names nothing (404), a query parameter with one is a 422 naming the
/// parameter. No identifier or parameter of ours needs one, and PostgreSQL
/// cannot take a NUL even in a filter.
pub async fn refuse_control_characters_in_url(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if parameter_with_control_character(req.uri().path()).is_some() {
        let e = ApiError::NotFound("there is nothing at an address with control characters in it".into());
        return Ok(req.into_response(actix_web::ResponseError::error_response(&e)));
    }
    if let Some(name) = parameter_with_control_character(req.query_string()) {
        let e = ApiError::field(name, "must not contain control characters (such as NUL or line breaks)");
        return Ok(req.into_response(actix_web::ResponseError::error_response(&e)));
    }
    next.call(req).await.map(actix_web::dev::ServiceResponse::map_into_boxed_body)
}

fn no_content_type() -> ApiError {
    ApiError::UnsupportedMediaType(
        "the request has a body but no Content-Type; send JSON as application/json (CSV imports as text/csv)".into(),
    )
}

/// Middleware: a POST, PUT or PATCH that carries a body (`Content-Length`
/// above 0, or chunked) must say what the body is. Without `Content-Type`
/// it is a 415 before any handler guesses (a body is never taken for JSON
/// unasked). A request without a body (`POST …/open`) needs none.
pub async fn refuse_body_without_content_type(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::http::Method;
    let headers = req.headers();
    let writes = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH);
    let length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    let has_body = length.is_some_and(|n| n > 0) || headers.contains_key(header::TRANSFER_ENCODING);
    if writes && has_body && !headers.contains_key(header::CONTENT_TYPE) {
        return Ok(req.into_response(actix_web::ResponseError::error_response(&no_content_type())));
    }
    next.call(req).await.map(actix_web::dev::ServiceResponse::map_into_boxed_body)
}

/// The name of the first parameter whose name or value has a percent-encoded control character.
fn parameter_with_control_character(query: &str) -> Option<String> {
    let has_control = |text: &str| {
        let bytes = text.as_bytes();
        bytes.iter().any(|b| b.is_ascii_control())
            || bytes.windows(3).any(|w| {
                w[0] == b'%' && {
                    let hex = |b: u8| (b as char).to_digit(16);
                    matches!((hex(w[1]), hex(w[2])), (Some(h), Some(l)) if h * 16 + l < 0x20 || h * 16 + l == 0x7f)
                }
            })
    };
    query.split('&').find(|pair| has_control(pair)).map(|pair| {
        let name = pair.split('=').next().unwrap_or("query");
        if has_control(name) || name.is_empty() { "query".to_owned() } else { name.chars().take(40).collect() }
    })
}

#[cfg(test)]
mod tests;
