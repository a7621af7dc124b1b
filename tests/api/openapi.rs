//! The committed OpenAPI document is what the code generates, and it keeps
//! the rules `http::spec` applies and that REST clients build on (checked by
//! `scripts/contract` with redocly, spectral, openapi-spec-validator and a
//! generated Python client): so that none of them can regress without a test
//! failing here first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = klyngemidler::http::openapi_json();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(&path, &generated).expect("write openapi/openapi.json");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test openapi` (or `cargo run -- openapi > openapi/openapi.json`) and commit it"
    );
}

fn spec() -> Value {
    serde_json::from_str(&klyngemidler::http::openapi_json()).expect("valid JSON")
}

const METHODS: [&str; 6] = ["get", "put", "post", "delete", "patch", "head"];

/// Every operation: (method, path, operation).
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if METHODS.contains(&method.as_str()) {
                out.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    out
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => resolve(spec, &spec["components"]["schemas"][name]),
        None => schema,
    }
}

fn params<'a>(op: &'a Value, place: &str) -> Vec<&'a Value> {
    op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == place).collect()
}

fn header<'a>(op: &'a Value, name: &str) -> Option<&'a Value> {
    params(op, "header").into_iter().find(|p| p["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
}

/// Collects every failure, so that one run names them all.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.0.push(what());
        }
    }

    fn assert_none(self, rule: &str) {
        assert!(self.0.is_empty(), "{rule}: {} violation(s):\n{}", self.0.len(), self.0.join("\n"));
    }
}

#[test]
fn every_api_operation_declares_its_key_and_its_problems() {
    let spec = spec();
    let ops = operations(&spec);
    assert!(ops.len() >= 12, "routes are collected from the route table");
    let mut f = Failures::default();
    for (method, path, op) in &ops {
        let responses = op["responses"].as_object().expect("responses");
        f.check(responses.keys().any(|s| s.starts_with('2')), || format!("{method} {path} has no success response"));
        if path.starts_with("/api/v1/") {
            f.check(op["security"].as_array().is_some_and(|s| !s.is_empty()), || format!("{method} {path} does not declare the API key"));
        } else {
            f.check(op["security"].is_array(), || format!("{method} {path} does not say whether it needs a key (`security: []`)"));
        }
        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        if secured {
            for status in ["401", "429", "503"] {
                f.check(responses.contains_key(status), || format!("{method} {path} does not document {status}"));
            }
            f.check(responses["429"]["headers"]["Retry-After"].is_object(), || format!("{method} {path}: 429 without Retry-After"));
            let permission = op["x-permission"].as_str().and_then(klyngemidler::domain::access::Action::parse);
            f.check(permission.is_some(), || format!("{method} {path} has no known x-permission"));
            if let Some(action) = permission {
                let restricted =
                    klyngemidler::domain::access::Role::ALL.into_iter().any(|r| !klyngemidler::domain::access::permits(r, action));
                f.check(!restricted || responses.contains_key("403"), || format!("{method} {path}: not every role may, but no 403"));
            }
        }
        for (code, response) in responses {
            if code.starts_with('4') || code.starts_with('5') {
                let content = response["content"].as_object();
                f.check(content.is_some_and(|c| c.keys().all(|k| k == "application/problem+json") && !c.is_empty()), || {
                    format!("{method} {path}: {code} is not application/problem+json only")
                });
            }
        }
        if !params(op, "path").is_empty() {
            f.check(responses.contains_key("404"), || format!("{method} {path}: a path parameter, but no 404"));
        }
        if !params(op, "query").is_empty() {
            f.check(responses.contains_key("422"), || format!("{method} {path}: query parameters, but no 422"));
        }
        if let Some(if_match) = header(op, "If-Match") {
            f.check(if_match["required"] == true, || format!("{method} {path}: If-Match is not required"));
            for status in ["412", "428"] {
                f.check(responses.contains_key(status), || format!("{method} {path}: If-Match, but no {status}"));
            }
        }
        if op["requestBody"].is_object() {
            for status in ["400", "413", "415", "422"] {
                f.check(responses.contains_key(status), || format!("{method} {path}: a body, but no {status}"));
            }
        }
    }
    f.assert_none("problems every operation can answer");
}

#[test]
fn every_response_has_a_description_and_every_success_says_what_it_is() {
    let spec = spec();
    let mut f = Failures::default();
    for (method, path, op) in operations(&spec) {
        for (code, response) in op["responses"].as_object().expect("responses") {
            let description = response["description"].as_str().unwrap_or("").trim();
            f.check(!description.is_empty(), || format!("{method} {path}: {code} has no description (required in OpenAPI 3.1)"));
            // The rules' fallback is the status's reason phrase; a success is described by its handler.
            let generic = ["OK", "Created", "Accepted", "No Content"].contains(&description);
            f.check(!code.starts_with('2') || !generic, || format!("{method} {path}: {code} says only {description:?}"));
        }
        f.check(op["summary"].as_str().is_some_and(|s| !s.is_empty() && !s.contains('\n')), || {
            format!("{method} {path}: the summary is not one line: {:?}", op["summary"])
        });
        f.check(op["description"].as_str().is_some_and(|d| !d.is_empty()), || format!("{method} {path} has no description"));
    }
    f.assert_none("descriptions");
}

#[test]
fn operation_ids_are_unique_and_snake_case() {
    let spec = spec();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut f = Failures::default();
    for (method, path, op) in operations(&spec) {
        let id = op["operationId"].as_str().unwrap_or("").to_owned();
        let snake = !id.is_empty()
            && id.starts_with(|c: char| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        f.check(snake, || format!("{method} {path}: operationId {id:?} is not snake_case"));
        // One word says too little once there are several of its kind (`decide`, `list`, `revoke`).
        f.check(id.contains('_') || ["healthz", "readyz", "metrics"].contains(&id.as_str()), || {
            format!("{method} {path}: operationId {id:?} names no object")
        });
        if let Some(other) = seen.insert(id.clone(), format!("{method} {path}")) {
            f.0.push(format!("operationId {id:?} is used by {other} and by {method} {path}"));
        }
    }
    f.assert_none("operationIds");
}

#[test]
fn every_post_takes_an_optional_idempotency_key() {
    let spec = spec();
    let mut f = Failures::default();
    let mut posts = 0;
    for (method, path, op) in operations(&spec) {
        if method != "post" {
            f.check(header(&op, "Idempotency-Key").is_none(), || format!("{method} {path}: Idempotency-Key is read on POST only"));
            continue;
        }
        posts += 1;
        let Some(key) = header(&op, "Idempotency-Key") else {
            f.0.push(format!("POST {path} does not declare Idempotency-Key"));
            continue;
        };
        f.check(key["required"] != true, || format!("POST {path}: Idempotency-Key must be optional"));
        f.check(key["schema"]["maxLength"] == 255, || format!("POST {path}: Idempotency-Key has no length limit"));
        let responses = op["responses"].as_object().expect("responses");
        for status in ["409", "422"] {
            f.check(responses[status]["description"].as_str().is_some_and(|d| d.contains("Idempotency-Key")), || {
                format!("POST {path}: {status} does not say what a reused Idempotency-Key answers")
            });
        }
        for (code, response) in responses.iter().filter(|(c, _)| c.starts_with('2')) {
            f.check(response["headers"]["Idempotent-Replayed"].is_object(), || format!("POST {path}: {code} without Idempotent-Replayed"));
        }
    }
    assert!(posts >= 25, "only {posts} POSTs");
    f.assert_none("Idempotency-Key");
}

#[test]
fn a_parameter_name_has_one_type_everywhere_and_csv_choices_are_enums() {
    let spec = spec();
    let mut schemas: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut f = Failures::default();
    for (method, path, op) in operations(&spec) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap_or("").to_ascii_lowercase();
            let schema = &p["schema"];
            // The type a client writes for the name (patterns and enums may narrow it per list:
            // a cursor of pools is a pool, of grants an id; applications and approvals have their own states).
            let resolved = resolve(&spec, schema);
            schemas.entry(name.clone()).or_default().insert(format!("{} {}", resolved["type"], resolved["format"]));
            if p["in"] == "query" || p["in"] == "header" {
                let nullable = schema["type"].as_array().is_some_and(|t| t.contains(&Value::from("null")))
                    || schema["oneOf"].as_array().is_some_and(|o| o.iter().any(|s| s["type"] == "null"));
                f.check(!nullable, || format!("{method} {path}: parameter {name} allows null, which a query or header cannot carry"));
            }
            if ["format", "dialect"].contains(&name.as_str()) {
                f.check(resolve(&spec, schema)["enum"].is_array(), || format!("{method} {path}: {name} is not an enum"));
            }
        }
    }
    for (name, seen) in &schemas {
        f.check(seen.len() == 1, || {
            format!("parameter {name} has {} types: {}", seen.len(), seen.iter().cloned().collect::<Vec<_>>().join(" | "))
        });
    }
    assert_eq!(schemas.get("year").and_then(|s| s.iter().next()).map(String::as_str), Some("\"integer\" \"int32\""), "year is an integer");
    f.assert_none("parameters");
}

#[test]
fn operations_that_serve_csv_document_it_in_their_one_success_answer() {
    let spec = spec();
    let mut f = Failures::default();
    let mut csv = 0;
    for (method, path, op) in operations(&spec) {
        let reads_format = params(&op, "query").iter().any(|p| p["name"] == "format" || p["name"] == "dialect");
        let ok = &op["responses"]["200"]["content"];
        if reads_format {
            csv += 1;
            f.check(ok["text/csv"].is_object(), || format!("{method} {path} serves CSV but its 200 does not say text/csv"));
        }
        if params(&op, "query").iter().any(|p| p["name"] == "format") {
            f.check(ok["application/json"]["schema"].is_object(), || format!("{method} {path}: ?format=json, but no JSON in its 200"));
        }
    }
    assert!(csv >= 6, "only {csv} operations serve CSV");
    f.assert_none("CSV");
}

#[test]
fn optional_bodies_and_lists_are_written_for_generators() {
    let spec = spec();
    let mut f = Failures::default();
    for (method, path, op) in operations(&spec) {
        let body = &op["requestBody"];
        if body.is_object() && body["required"] != true {
            f.check(body["description"].as_str().is_some_and(|d| d.contains("no body")), || {
                format!("{method} {path}: the optional body does not say what leaving it out means")
            });
            for (ct, content) in body["content"].as_object().into_iter().flatten() {
                let schema = &content["schema"];
                let nullable = schema["oneOf"].is_array() || schema["anyOf"].is_array() || schema["type"].is_array();
                f.check(!nullable, || format!("{method} {path}: the optional {ct} body is a union; leaving it out already means none"));
            }
        }
    }
    for (name, schema) in spec["components"]["schemas"].as_object().expect("schemas") {
        if name.starts_with("Page_") {
            let items = &schema["properties"]["items"]["items"];
            f.check(items["$ref"].is_string(), || format!("{name}: its items are written out instead of referenced"));
        }
    }
    let servers = spec["servers"].as_array().map(Vec::len).unwrap_or(0);
    f.check(servers > 0, || "the document names no server".into());
    f.assert_none("generator-friendly shapes");
}

/// Names of money fields: a string with exactly two decimals.
fn is_money(name: &str) -> bool {
    name.ends_with("amount")
        || name.ends_with("threshold")
        || name.ends_with("_limit")
        || [
            "total",
            "committed",
            "pending",
            "disbursed",
            "released",
            "available",
            "carried_in",
            "carried_out",
            "carried_in_pending",
            "carried_over",
            "committed_after_year",
            "remaining",
            "funded",
            "unfunded",
            "needed",
        ]
        .contains(&name)
}

#[test]
fn every_money_field_states_its_pattern() {
    let spec = spec();
    let mut f = Failures::default();
    let mut money = 0;
    fn walk(at: &str, schema: &Value, f: &mut Failures, money: &mut usize) {
        for (name, s) in schema["properties"].as_object().into_iter().flatten() {
            let is_string = s["type"] == "string" || s["type"].as_array().is_some_and(|t| t.contains(&Value::from("string")));
            if is_string && is_money(name) {
                *money += 1;
                let pattern = s["pattern"].as_str().unwrap_or("");
                f.check(pattern.contains(r"\.[0-9]{") && pattern.starts_with('^') && pattern.ends_with('$'), || {
                    format!("{at}.{name} is money without its pattern")
                });
            }
            walk(&format!("{at}.{name}"), s, f, money);
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for s in schema[key].as_array().into_iter().flatten() {
                walk(at, s, f, money);
            }
        }
        if schema["items"].is_object() {
            walk(&format!("{at}[]"), &schema["items"], f, money);
        }
    }
    for (name, schema) in spec["components"]["schemas"].as_object().expect("schemas") {
        walk(name, schema, &mut f, &mut money);
    }
    assert!(money >= 50, "only {money} money fields found");
    f.assert_none("money patterns");
}
