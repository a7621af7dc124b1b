//! Reading JSON bodies and query strings so that every mistake names its field.

use actix_web::HttpRequest;
use actix_web::http::header;
use serde::de::DeserializeOwned;

use super::error::{ApiError, FieldError};

/// Parses a JSON request body into `T`. Syntax errors are 400; a wrong type,
/// a missing or unknown field is 422 naming the field.
pub fn parse<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("");
        let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(ApiError::UnsupportedMediaType(format!("send the body as application/json (got {essence})")));
        }
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::BadRequest(format!("the body is not valid JSON: {inner}"));
        }
        field_error(&path, &inner.to_string())
    })?;
    Ok(value)
}

/// Turns a serde message into a field error. serde reports a missing or
/// unknown field at its parent, so the field name is taken from the message.
pub fn field_error(path: &str, message: &str) -> ApiError {
    let message = message.split(" at line ").next().unwrap_or(message);
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix).and_then(|rest| rest.split('`').next()));
    let field = match (named, path) {
        (Some(name), "." | "") => name.to_owned(),
        // An unknown field's path already ends in its name.
        (Some(name), p) if p == name || p.ends_with(&format!(".{name}")) => p.to_owned(),
        (Some(name), parent) => format!("{parent}.{name}"),
        (None, "." | "") => "body".to_owned(),
        (None, path) => path.to_owned(),
    };
    let message = match named {
        Some(_) if message.starts_with("missing") => "is required".to_owned(),
        Some(_) => match message.split_once(", expected ") {
            Some((_, expected)) => format!("is not a known field; expected {expected}"),
            None => "is not a known field".to_owned(),
        },
        None => message.replace("invalid type: ", "has the wrong type: "),
    };
    ApiError::Validation(vec![FieldError::new(field, message)])
}

/// Query-string errors from actix (`?state=bogus`) as 422 naming the parameter.
/// serde names the field only when it is missing or unknown; for a bad
/// value, the parameter is the one whose value the message quotes.
pub fn query_error(err: actix_web::error::QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    let text = err.to_string();
    let message = text.strip_prefix("Query deserialize error: ").unwrap_or(&text);
    let named = ["missing field `", "unknown field `"].iter().find_map(|p| message.strip_prefix(p).and_then(|rest| rest.split('`').next()));
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
    ApiError::field(field, message).into()
}
