//! Answers match the OpenAPI document the server serves (what schemathesis
//! checks in CI, here on the demo's GET routes so a mismatch fails `cargo test`).
//! A small structural check: types, required properties, enums, `$ref`s and
//! the money patterns.

use serde_json::Value;

use crate::helpers::{Backend, TestDb, spawn_app_on};

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => resolve(spec, &spec["components"]["schemas"][name]),
        None => schema,
    }
}

fn type_ok(t: &str, value: &Value) -> bool {
    match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => true,
    }
}

/// Whether `text` matches one of the money patterns of answers (`None`: another pattern).
fn matches_money(pattern: &str, text: &str) -> Option<bool> {
    let unsigned = match pattern {
        r"^[0-9]{1,12}\.[0-9]{2}$" => text,
        r"^-?[0-9]{1,12}\.[0-9]{2}$" => text.strip_prefix('-').unwrap_or(text),
        _ => return None,
    };
    let digits = |s: &str, min: usize, max: usize| (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    Some(unsigned.split_once('.').is_some_and(|(whole, cents)| digits(whole, 1, 12) && digits(cents, 2, 2)))
}

/// The reasons `value` does not match `schema`, each with its path.
fn violations(spec: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array() {
            let fits = options.iter().filter(|o| {
                let mut v = Vec::new();
                violations(spec, o, value, at, &mut v);
                v.is_empty()
            });
            if fits.count() == 0 {
                out.push(format!("{at}: matches none of {key}"));
            }
            return;
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            violations(spec, s, value, at, out);
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() && !types.iter().any(|t| type_ok(t, value)) {
        out.push(format!("{at}: {value} is not {types:?}"));
        return;
    }
    if let (Some(pattern), Some(text)) = (schema["pattern"].as_str(), value.as_str()) {
        if matches_money(pattern, text) == Some(false) {
            out.push(format!("{at}: {text:?} does not match {pattern}"));
        }
    }
    if let Some(options) = schema["enum"].as_array() {
        if !options.contains(value) {
            out.push(format!("{at}: {value} is not one of {options:?}"));
        }
    }
    if let (Some(object), Some(properties)) = (value.as_object(), schema["properties"].as_object()) {
        for required in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !object.contains_key(required) {
                out.push(format!("{at}.{required}: required but missing"));
            }
        }
        for (name, v) in object {
            match properties.get(name) {
                Some(s) => violations(spec, s, v, &format!("{at}.{name}"), out),
                None if schema["additionalProperties"] == Value::Bool(false) => out.push(format!("{at}.{name}: not documented")),
                None => {}
            }
        }
    }
    if let (Some(items), Some(schema)) = (value.as_array(), schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            violations(spec, schema, v, &format!("{at}[{i}]"), out);
        }
    }
}

fn demo_answers_match_the_document(backend: Backend) {
    let Some(db) = TestDb::new(backend) else { return };
    let app = spawn_app_on(db, |db| {
        klyngemidler::demo::load_if_empty(db, klyngemidler::http::now()).expect("demo loads");
    });
    let spec = app.get("/openapi.json").json();
    let grant = app.get("/api/v1/grants?limit=1").json()["items"][0]["id"].as_i64().unwrap_or(1);
    let application = app.get("/api/v1/applications?limit=1").json()["items"][0]["id"].as_i64().unwrap_or(1);
    let paths = [
        ("/api/v1/clusters", "/api/v1/clusters".to_owned()),
        ("/api/v1/clusters/{cluster}", "/api/v1/clusters/vest".to_owned()),
        ("/api/v1/clusters/{cluster}/parties", "/api/v1/clusters/vest/parties".to_owned()),
        ("/api/v1/pools", "/api/v1/pools".to_owned()),
        ("/api/v1/pools/{pool}", "/api/v1/pools/midt-2022".to_owned()),
        ("/api/v1/pools/{pool}/status", "/api/v1/pools/vest-2022/status".to_owned()),
        ("/api/v1/pools/{pool}/status", "/api/v1/pools/midt-2022/status".to_owned()),
        ("/api/v1/pools/{pool}/ledger", "/api/v1/pools/vest-2022/ledger".to_owned()),
        ("/api/v1/applications", "/api/v1/applications".to_owned()),
        ("/api/v1/applications/{id}", format!("/api/v1/applications/{application}")),
        ("/api/v1/grants", "/api/v1/grants".to_owned()),
        ("/api/v1/grants/{id}", format!("/api/v1/grants/{grant}")),
        ("/api/v1/users", "/api/v1/users".to_owned()),
        ("/api/v1/keys", "/api/v1/keys".to_owned()),
        ("/api/v1/audit-events", "/api/v1/audit-events".to_owned()),
        ("/api/v1/approvals", "/api/v1/approvals".to_owned()),
        ("/api/v1/outbox", "/api/v1/outbox".to_owned()),
    ];
    let mut problems = Vec::new();
    for (template, path) in paths {
        let r = app.get(&path);
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        let schema = &spec["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "{template} documents its 200 body");
        violations(&spec, schema, &r.json(), &path, &mut problems);
    }
    let missing = app.get("/api/v1/pools/vest-1999/status");
    let schema = &spec["paths"]["/api/v1/pools/{pool}/status"]["get"]["responses"]["404"]["content"]["application/problem+json"]["schema"];
    assert!(schema.is_object(), "problems are documented as application/problem+json");
    violations(&spec, schema, &missing.json(), "404", &mut problems);
    assert!(problems.is_empty(), "answers that do not match the document:\n{}", problems.join("\n"));
}

#[test]
fn demo_answers_match_the_openapi_document_on_sqlite() {
    demo_answers_match_the_document(Backend::Sqlite);
}

#[test]
fn demo_answers_match_the_openapi_document_on_postgres() {
    demo_answers_match_the_document(Backend::Postgres);
}
