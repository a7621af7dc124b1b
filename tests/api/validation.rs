//! Bad input gets a 422 naming the field, and writes nothing.

use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::TestApp;

/// Sends only the headers of a POST announcing `length` bytes, and returns
/// the raw response (a real client would be sending the body meanwhile).
fn announce_body(app: &TestApp, path: &str, length: usize) -> String {
    use std::io::{Read, Write};
    let addr = app.address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(20))).expect("timeout");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n",
        app.admin_key
    );
    stream.write_all(head.as_bytes()).expect("send headers");
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn good_pool() -> Value {
    json!({"cluster": "vest", "year": 2022, "amount": "871553.00", "allocation_model": {"kind": "split", "upfront_share": "0.70"}})
}

/// Everything a refusal could have written.
fn footprint(app: &TestApp) -> (Value, Value) {
    (app.get("/api/v1/pools").json()["items"].clone(), app.get("/api/v1/audit-events?limit=500").json()["items"].clone())
}

fn refused(app: &TestApp, change: (&str, Value), field: &str) {
    let mut body = good_pool();
    let (path, value) = change;
    let mut target = &mut body;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        target = &mut target[*part];
    }
    target[parts[parts.len() - 1]] = value.clone();
    let before = footprint(app);
    let resp = app.post("/api/v1/pools", &body);
    let fields = resp.invalid_fields();
    assert_eq!(fields, [field], "{path} = {value}: {}", resp.text);
    assert_eq!(footprint(app), before, "a refused request wrote something");
}

api_test! {
    fn each_bad_field_is_refused_with_422_naming_it_and_nothing_is_written(app) {
        app.cluster("vest");
        refused(app, ("amount", json!("12.345")), "amount");
        refused(app, ("amount", json!(12.34)), "amount");
        refused(app, ("amount", json!("-1.00")), "amount");
        refused(app, ("amount", json!("1e3")), "amount");
        refused(app, ("amount", json!("1000000000000.00")), "amount");
        refused(app, ("amount", json!("1 000,00")), "amount");
        refused(app, ("year", json!(1800)), "year");
        refused(app, ("year", json!("2022")), "year");
        refused(app, ("cluster", json!("atlantis")), "cluster");
        refused(app, ("allocation_model.upfront_share", json!("1.5")), "allocation_model.upfront_share");
        refused(app, ("allocation_model.upfront_share", json!("0")), "allocation_model.upfront_share");
        refused(app, ("approval_policy", json!({"political_threshold": "-5"})), "approval_policy.political_threshold");
    }
}

api_test! {
    fn messages_say_what_is_wrong(app) {
        app.cluster("vest");
        let mut body = good_pool();
        body["amount"] = json!("12.345");
        body["year"] = json!(1800);
        let problem = app.post("/api/v1/pools", &body).problem(422);
        let errors = problem["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 2, "all fields are reported at once: {problem}");
        assert!(errors.iter().any(|e| e["field"] == "amount" && e["message"].as_str().unwrap_or("").contains("two decimals")));
        assert!(errors.iter().any(|e| e["field"] == "year" && e["message"].as_str().unwrap_or("").contains("2000")));
    }
}

api_test! {
    fn missing_and_unknown_fields_are_named(app) {
        app.cluster("vest");
        let missing = app.post("/api/v1/pools", &json!({"cluster": "vest", "year": 2022, "allocation_model": {"kind": "rolling"}}));
        assert_eq!(missing.invalid_fields(), ["amount"]);
        let mut typo = good_pool();
        typo["ammount"] = json!("1.00");
        assert_eq!(app.post("/api/v1/pools", &typo).invalid_fields(), ["ammount"]);
        let mut unknown_model = good_pool();
        unknown_model["allocation_model"] = json!({"kind": "lottery"});
        assert_eq!(app.post("/api/v1/pools", &unknown_model).invalid_fields(), ["allocation_model.kind"]);
        assert!(app.get("/api/v1/pools").json()["items"].as_array().is_some_and(Vec::is_empty));
    }
}

api_test! {
    fn unreadable_bodies_get_problems_not_text(app) {
        let broken = app.request("POST", "/api/v1/pools").header("content-type", "application/json").send_raw(Some(b"{\"cluster\": "));
        broken.problem(400);
        let form = app.request("POST", "/api/v1/pools").header("content-type", "application/x-www-form-urlencoded").send_raw(Some(b"a=b"));
        form.problem(415);
        // A client that announces a body over the limit is stopped before it sends it.
        let too_big = announce_body(app, "/api/v1/pools", 200 * 1024);
        assert!(too_big.starts_with("HTTP/1.1 413"), "{too_big}");
        assert!(too_big.to_ascii_lowercase().contains("content-type: application/problem+json"), "{too_big}");
        let not_object = app.request("POST", "/api/v1/pools").header("content-type", "application/json").send_raw(Some(b"[1,2]"));
        not_object.problem(422);
    }
}

api_test! {
    fn a_bad_query_parameter_is_a_422_naming_it(app) {
        let bad = app.get("/api/v1/pools?state=bogus");
        assert_eq!(bad.invalid_fields(), ["state"]);
        assert!(bad.json()["errors"][0]["message"].as_str().unwrap_or("").contains("draft"), "the allowed values are named");
        assert_eq!(app.get("/api/v1/keys?user=abc").invalid_fields(), ["user"]);
    }
}

api_test! {
    /// The document allows `null` as the optional note body of submit and withdraw (found by schemathesis).
    fn a_null_body_is_no_note_for_submit_and_withdraw(app) {
        crate::applications::vest_2022(app, json!({}));
        let created = app.post("/api/v1/pools/vest-2022/applications", &crate::applications::charter("1000.00"));
        assert_eq!(created.status, 201, "{}", created.text);
        let id = created.json()["id"].as_i64().expect("id");
        let r = app.request("POST", &format!("/api/v1/applications/{id}/submit")).json(&Value::Null);
        assert_eq!(r.status, 200, "{}", r.text);
        let r = app.request("POST", &format!("/api/v1/applications/{id}/withdraw")).json(&Value::Null);
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

api_test! {
    /// An empty If-Match is no If-Match: 428, not a 412 naming a stale ETag (found by schemathesis).
    fn an_empty_if_match_is_a_missing_if_match(app) {
        app.cluster("vest");
        let r = app.request("PATCH", "/api/v1/clusters/vest").header("if-match", "").json(&json!({"name": "Sundhedsklynge Vest"}));
        r.problem(428);
        let r = app.request("PATCH", "/api/v1/clusters/vest").header("if-match", "*").json(&json!({"name": "Sundhedsklynge Vest"}));
        assert_eq!(r.status, 200, "{}", r.text);
    }
}
