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
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Development,
        Operations,
        Secretariat,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Line {
        year: i64,
        amount: String,
    }

    #[allow(dead_code)] // only read
    #[derive(Debug, Deserialize)]
    #[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
    enum Model {
        Upfront,
        Split { upfront_share: String },
        Rolling,
    }

    #[allow(dead_code)] // only read
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Charter {
        title: String,
        target_populations: Vec<String>,
        expense_kind: Kind,
        requested_amount: String,
        budget: Option<Vec<Line>>,
        starts_on: NaiveDate,
        bucket: Option<Kind>,
        public: Option<bool>,
        small: Option<u8>,
        model: Option<Model>,
    }

    fn good() -> Value {
        json!({"title": "Tryg udskrivelse", "target_populations": ["vulnerable_elderly"], "expense_kind": "development",
            "requested_amount": "150000.00", "starts_on": "2024-09-01"})
    }

    const JARGON: [&str; 16] = [
        "i64",
        "u8",
        "invalid type",
        "invalid value",
        "variant",
        "internally tagged",
        "invalid characters",
        "out of range",
        "serde",
        "sequence",
        "map",
        "expected",
        "struct",
        "enum",
        "premature",
        "trailing",
    ];

    /// The fields and messages, each message checked for Rust's and serde's words.
    fn all<T: DeserializeOwned>(value: Value) -> Vec<(String, String)> {
        let errors = match from_value_all::<T>(value) {
            Ok((_, errors)) | Err(errors) => errors,
        };
        for e in &errors {
            assert!(!JARGON.iter().any(|w| e.message.contains(w)), "jargon in {}: {}", e.field, e.message);
        }
        errors.into_iter().map(|e| (e.field, e.message)).collect()
    }

    fn with(changes: Value) -> Value {
        let mut body = good();
        for (k, v) in changes.as_object().expect("changes") {
            if v.is_null() {
                body.as_object_mut().expect("body").remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    }

    fn one(changes: Value) -> (String, String) {
        let errors = all::<Charter>(with(changes.clone()));
        assert_eq!(errors.len(), 1, "{changes}: {errors:?}");
        errors.into_iter().next().expect("one")
    }

    fn pair(field: &str, message: &str) -> (String, String) {
        (field.to_owned(), message.to_owned())
    }

    #[test]
    fn a_good_body_reads_with_no_errors() {
        let (charter, errors) = from_value_all::<Charter>(good()).expect("reads");
        assert!(errors.is_empty());
        assert_eq!(charter.title, "Tryg udskrivelse");
    }

    #[test]
    fn a_date_that_is_not_yyyy_mm_dd_says_how_to_write_one() {
        for bad in [
            json!("01.09.2024"),
            json!("2024-09"),
            json!("2024-13-01"),
            json!("2024-02-30"),
            json!("2024-09-01x"),
            json!(""),
            json!(20240901),
        ] {
            assert_eq!(one(json!({"starts_on": bad})), pair("starts_on", "write a date as YYYY-MM-DD, e.g. 2024-09-01"), "{bad}");
        }
    }

    #[test]
    fn a_name_not_in_the_list_names_the_list() {
        let must = "must be one of development, operations, secretariat";
        assert_eq!(one(json!({"expense_kind": "udvikling"})), pair("expense_kind", must));
        assert_eq!(one(json!({"expense_kind": 5})), pair("expense_kind", must));
        assert_eq!(one(json!({"expense_kind": {"development": 1}})), pair("expense_kind", must));
        assert_eq!(one(json!({"bucket": "x"})), pair("bucket", must), "optional: left out, then read on");
        assert_eq!(
            one(json!({"expense_kind": null})),
            pair("expense_kind", "is required; use one of development, operations, secretariat")
        );
    }

    #[test]
    fn numbers_text_lists_and_yes_no_are_asked_for_by_name() {
        let whole = "must be a whole number, e.g. 2026";
        for bad in [json!("2026"), json!(2026.5), json!(u64::MAX), json!(true)] {
            let body = with(json!({"budget": [{"year": 2025, "amount": "1.00"}, {"year": bad, "amount": "2.00"}]}));
            assert_eq!(all::<Charter>(body), [pair("budget[1].year", whole)], "{bad}");
        }
        assert_eq!(one(json!({"small": 300})), pair("small", "must be a whole number from 0 to 255"));
        assert_eq!(one(json!({"requested_amount": 150000})), pair("requested_amount", "must be text in quotes, e.g. \"150000\""));
        assert_eq!(one(json!({"requested_amount": 12.5})), pair("requested_amount", "must be text in quotes, e.g. \"12.5\""));
        assert_eq!(one(json!({"title": true})), pair("title", "must be text in quotes, e.g. \"…\""));
        assert_eq!(one(json!({"title": {"da": "x"}})), pair("title", "must be text in quotes, e.g. \"…\""));
        assert_eq!(one(json!({"title": ["x"]})), pair("title", "must be text in quotes, e.g. \"…\""));
        assert_eq!(
            one(json!({"target_populations": "vulnerable_elderly"})),
            pair("target_populations", "must be a list, e.g. [\"vulnerable_elderly\"]")
        );
        assert_eq!(one(json!({"target_populations": {"a": 1}})), pair("target_populations", "must be a list, e.g. [...]"));
        assert_eq!(one(json!({"target_populations": ["a", 7]})), pair("target_populations[1]", "must be text in quotes, e.g. \"7\""));
        assert_eq!(one(json!({"public": "yes"})), pair("public", "must be true or false"));
        assert_eq!(one(json!({"budget": "2026:1000.00"})), pair("budget", "must be a list, e.g. [\"2026:1000.00\"]"));
        assert_eq!(one(json!({"budget": ["2026:1000.00"]})), pair("budget[0]", "must be an object with the fields year, amount"));
    }

    #[test]
    fn missing_and_unknown_fields_are_named_at_their_full_path() {
        assert_eq!(one(json!({"title": null})), pair("title", "is required"));
        assert_eq!(one(json!({"budget": [{"year": 2026}]})), pair("budget[0].amount", "is required"));
        let (field, message) = one(json!({"titel": "x"}));
        assert_eq!(field, "titel");
        assert!(message.starts_with("is not a known field; use one of title, target_populations, expense_kind"), "{message}");
        assert_eq!(
            one(json!({"budget": [{"year": 2026, "amount": "1.00", "note": "x"}]})),
            pair("budget[0].note", "is not a known field; use one of year, amount")
        );
    }

    #[test]
    fn the_allocation_model_is_read_inside_its_tag() {
        assert_eq!(one(json!({"model": {"kind": "lottery"}})), pair("model.kind", "must be one of upfront, split, rolling"));
        assert_eq!(one(json!({"model": {"kind": "split"}})), pair("model.upfront_share", "is required"));
        assert_eq!(
            one(json!({"model": {"kind": "split", "upfront_share": 0.7}})),
            pair("model.upfront_share", "must be text in quotes, e.g. \"0.7\"")
        );
        assert_eq!(
            one(json!({"model": {"kind": "split", "upfront_share": {"x": 1}}})),
            pair("model.upfront_share", "must be text in quotes, e.g. \"…\"")
        );
        assert_eq!(
            one(json!({"model": {"kind": "split", "upfront_share": "0.7", "share": "0.7"}})),
            pair("model.share", "is not a known field; use one of upfront_share")
        );
        assert_eq!(one(json!({"model": {}})), pair("model.kind", "is required; use one of upfront, split, rolling"));
        assert_eq!(one(json!({"model": "split"})), pair("model", "must be an object with the field kind (one of upfront, split, rolling)"));
        // A wrong tag makes the fields that came with it moot: only the tag is named.
        assert_eq!(
            one(json!({"model": {"kind": "splt", "upfront_share": 0.7}})),
            pair("model.kind", "must be one of upfront, split, rolling")
        );
    }

    #[test]
    fn unknown_missing_and_wrong_fields_are_all_named_at_once_in_the_order_sent() {
        let body = br#"{"title": "Tryg udskrivelse", "target_populations": "vulnerable_elderly", "expense_kind": "udvikling",
            "budget": [{"year": "2026", "amount": 1000}, {"year": 2027}], "starts_on": "01.09.2024", "ekstra": 1}"#;
        let (_, errors) = parse_all::<Charter>(&request(), body).expect("a value");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "target_populations",
                "expense_kind",
                "budget[0].year",
                "budget[0].amount",
                "budget[1].amount",
                "starts_on",
                "ekstra",
                "requested_amount"
            ],
            "{errors:?}"
        );
        assert!(errors.contains(&FieldError::new("requested_amount", "is required")));
        assert!(errors.contains(&FieldError::new("budget[1].amount", "is required")));
        assert!(errors.contains(&FieldError::new("budget[0].amount", "must be text in quotes, e.g. \"1000\"")));
        let ekstra = errors.iter().find(|e| e.field == "ekstra").expect("ekstra");
        assert!(ekstra.message.starts_with("is not a known field; use one of title, "), "{}", ekstra.message);
        for e in &errors {
            assert!(!JARGON.iter().any(|w| e.message.contains(w)), "jargon in {}: {}", e.field, e.message);
        }
    }

    #[test]
    fn the_value_comes_back_with_placeholders_where_fields_were_bad() {
        let body = with(json!({"bucket": "x", "expense_kind": "udvikling", "budget": [{"year": "2026", "amount": "1.00"}]}));
        let (charter, errors) = from_value_all::<Charter>(body).expect("a value");
        assert_eq!(errors.len(), 3);
        assert!(charter.bucket.is_none(), "an optional field is left out");
        assert!(matches!(charter.expense_kind, Kind::Development), "the first name in the list");
        let budget = charter.budget.expect("budget");
        assert_eq!((budget[0].year, budget[0].amount.as_str()), (0, "1.00"), "only the bad field is replaced");
        assert_eq!(charter.title, "Tryg udskrivelse", "the good fields are as sent");
    }

    #[test]
    fn a_body_that_is_not_an_object_says_what_it_should_be() {
        let errors = all::<Line>(json!([1, 2]));
        assert_eq!(errors, [pair("body", "must be an object with the fields year, amount")]);
        let errors = all::<Line>(json!("x"));
        assert_eq!(errors, [pair("body", "must be an object with the fields year, amount")]);
        assert_eq!(all::<Vec<Line>>(json!({"year": 1})), [pair("body", "must be a list, e.g. [...]")]);
        assert_eq!(all::<Vec<Line>>(json!([{"year": 1, "amount": 2}])), [pair("[0].amount", "must be text in quotes, e.g. \"2\"")]);
    }

    #[test]
    fn a_pathological_body_stops_after_a_bounded_number_of_rounds() {
        // A thousand bad lines: the first ones are named, and reading stops.
        let lines: Vec<Value> = (0..1000).map(|_| json!({"year": "x", "amount": 1})).collect();
        let started = std::time::Instant::now();
        let result = from_value_all::<Charter>(with(json!({"budget": lines})));
        let errors = match result {
            Ok((_, errors)) | Err(errors) => errors,
        };
        assert!(!errors.is_empty() && errors.len() <= repair::MAX_ROUNDS, "{}", errors.len());
        assert_eq!(errors[0], FieldError::new("budget[0].amount", "must be text in quotes, e.g. \"1\""));
        assert_eq!(errors[1], FieldError::new("budget[0].year", "must be a whole number, e.g. 2026"));
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
        // A thousand unknown fields: as many rounds as the bound allows, no more.
        let mut body = good();
        for i in 0..1000 {
            body[format!("x{i:04}")] = json!(i);
        }
        let errors = match from_value_all::<Charter>(body) {
            Ok((_, errors)) | Err(errors) => errors,
        };
        assert_eq!(errors.len(), repair::MAX_ROUNDS);
        assert!(errors.iter().all(|e| e.message.starts_with("is not a known field")));
    }

    #[allow(dead_code)] // only read
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Node {
        name: String,
        child: Option<Box<Node>>,
    }

    #[test]
    fn twenty_levels_deep() {
        let mut deep = json!({"name": 5});
        for _ in 0..19 {
            deep = json!({"name": "n", "child": deep});
        }
        let field = format!("{}name", "child.".repeat(19));
        assert_eq!(all::<Node>(deep), [pair(&field, "must be text in quotes, e.g. \"5\"")]);
        // Twenty levels where text belongs, or in a field that does not exist: one error each.
        let mut nested = json!({"a": 1});
        for _ in 0..19 {
            nested = json!({"a": nested});
        }
        assert_eq!(one(json!({"title": nested.clone()})), pair("title", "must be text in quotes, e.g. \"…\""));
        assert_eq!(one(json!({"ekstra": nested})).0, "ekstra");
    }

    fn request() -> HttpRequest {
        actix_web::test::TestRequest::default().insert_header(("content-type", "application/json")).to_http_request()
    }

    #[test]
    fn parse_is_strict_and_names_everything() {
        let body = br#"{"year": "2026", "amount": 5, "x": 1}"#;
        let Err(ApiError::Validation(errors)) = parse::<Line>(&request(), body) else { panic!("a 422") };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["year", "amount", "x"], "in the order sent");
        assert!(parse::<Line>(&request(), br#"{"year": 2026, "amount": "5.00"}"#).is_ok());
        assert!(matches!(parse::<Line>(&request(), br#"{"year": 2026"#), Err(ApiError::BadRequest(_))));
        assert!(matches!(parse::<Line>(&request(), br#"{"year": 2026, "amount": "5.00"} x"#), Err(ApiError::BadRequest(_))));
        let form = actix_web::test::TestRequest::default().insert_header(("content-type", "text/plain")).to_http_request();
        assert!(matches!(parse::<Line>(&form, b"{}"), Err(ApiError::UnsupportedMediaType(_))));
    }

    #[test]
    fn a_key_sent_twice_is_named() {
        let body = br#"{"year": 2026, "amount": "5.00", "amount": "6.00", "x": {"y": 1, "y": 2}}"#;
        let (_, errors) = parse_all::<Option<Value>>(&request(), body).expect("reads");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["amount", "x.y"]);
        assert!(errors.iter().all(|e| e.message == "appears more than once; send each field once"));
        let Err(ApiError::Validation(errors)) = parse::<Line>(&request(), br#"{"year": 2026, "amount": "5.00", "year": 2027}"#) else {
            panic!("a 422")
        };
        assert_eq!(errors, [FieldError::new("year", "appears more than once; send each field once")]);
    }

    #[test]
    fn a_field_name_is_shown_without_control_characters_and_cut_when_long() {
        let long = "x".repeat(100);
        let errors = all::<Line>(json!({"year": 1, "amount": "1.00", "\u{1}": 1, "a\u{0}b": 2, long.clone(): 3}));
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["?", "ab", &format!("{}…", &long[..64])]);
    }

    #[test]
    fn single_messages_and_query_strings_are_said_plainly() {
        let plain = |m: &str| words::plainly(&words::read(m), "parameter");
        assert_eq!(plain("unknown variant `bogus`, expected one of `draft`, `open`, `closed`"), "must be one of draft, open, closed");
        assert_eq!(plain("invalid digit found in string"), "must be a whole number, e.g. 2026");
        assert_eq!(plain("provided string was not `true` or `false`"), "must be true or false");
        assert_eq!(plain("input contains invalid characters"), "write a date as YYYY-MM-DD, e.g. 2024-09-01");
        assert_eq!(plain("missing field `year`"), "is required");
        assert_eq!(plain("unknown field `x`, expected `cluster` or `year`"), "is not a known parameter; use one of cluster, year");
        assert_eq!(plain("something odd: expected i64"), "has a value this field cannot take");
        assert_eq!(plain("is empty"), "is empty");
        // A client's name cannot smuggle names into the list.
        assert_eq!(plain("unknown variant `a`, expected `evil`, expected `draft` or `open`"), "must be one of draft, open");
        let ApiError::Validation(errors) = field_error("budget[0]", "missing field `amount` at line 1 column 9") else { panic!() };
        assert_eq!(errors, [FieldError::new("budget[0].amount", "is required")]);
    }

    #[test]
    fn a_nul_or_line_break_in_a_parameter_is_named() {
        assert_eq!(parameter_with_control_character("subject=pool%3Avest-2022&limit=5"), None);
        assert_eq!(parameter_with_control_character("limit=5&subject=a%00b").as_deref(), Some("subject"));
        assert_eq!(parameter_with_control_character("subject=a%0d%0Ab").as_deref(), Some("subject"));
        assert_eq!(parameter_with_control_character("%00=1").as_deref(), Some("query"));
        assert_eq!(parameter_with_control_character("title=%C3%86ldre%20%E2%80%AE"), None);
    }
}
