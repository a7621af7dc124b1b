//! Reading JSON bodies and query strings so that every mistake names its field.

use actix_web::HttpRequest;
use actix_web::http::header;
use serde::de::DeserializeOwned;

use crate::http::error::{ApiError, FieldError};

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
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::BadRequest(format!("the body is not valid JSON: {inner}"));
        }
        field_error(&path, &inner.to_string())
    })?;
    // Nothing may follow the JSON value but whitespace: `{…}xyz` is not a body we understand.
    de.end().map_err(|_| ApiError::BadRequest("the body has text after the JSON value; send exactly one JSON object".into()))?;
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
mod tests {
    use super::*;

    #[test]
    fn a_nul_or_line_break_in_a_parameter_is_named() {
        assert_eq!(parameter_with_control_character("subject=pool%3Avest-2022&limit=5"), None);
        assert_eq!(parameter_with_control_character("limit=5&subject=a%00b").as_deref(), Some("subject"));
        assert_eq!(parameter_with_control_character("subject=a%0d%0Ab").as_deref(), Some("subject"));
        assert_eq!(parameter_with_control_character("%00=1").as_deref(), Some("query"));
        assert_eq!(parameter_with_control_character("title=%C3%86ldre%20%E2%80%AE"), None);
    }
}
