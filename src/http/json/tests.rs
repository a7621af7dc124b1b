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
    for bad in
        [json!("01.09.2024"), json!("2024-09"), json!("2024-13-01"), json!("2024-02-30"), json!("2024-09-01x"), json!(""), json!(20240901)]
    {
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
    assert_eq!(one(json!({"expense_kind": null})), pair("expense_kind", "is required; use one of development, operations, secretariat"));
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
    assert_eq!(one(json!({"model": {"kind": "splt", "upfront_share": 0.7}})), pair("model.kind", "must be one of upfront, split, rolling"));
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
