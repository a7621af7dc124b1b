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

/// Words from Rust and serde that no client should read.
const JARGON: [&str; 9] =
    ["i64", "invalid type", "variant", "internally tagged", "invalid characters", "out of range", "serde", "sequence", "expected"];

/// The errors of a 422 as (field, message), checked for jargon.
fn plain_errors(problem: &Value) -> Vec<(String, String)> {
    let errors: Vec<(String, String)> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["field"].as_str().unwrap_or("").to_owned(), e["message"].as_str().unwrap_or("").to_owned()))
        .collect();
    for (field, message) in &errors {
        assert!(!message.is_empty(), "{field} has no message");
        assert!(!JARGON.iter().any(|w| message.contains(w)), "{field}: {message}");
    }
    errors
}

fn message_of<'a>(errors: &'a [(String, String)], field: &str) -> &'a str {
    errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str()).unwrap_or_else(|| panic!("no error for {field}: {errors:?}"))
}

/// Everything an application could have written.
fn applications_footprint(app: &TestApp) -> (Value, Value) {
    (app.get("/api/v1/applications").json()["items"].clone(), app.get("/api/v1/audit-events?limit=500").json()["items"].clone())
}

api_test! {
    /// Issue #13: a charter typed the Danish way is refused once, with every mistake in words a finance officer reads.
    fn an_application_with_five_danish_style_mistakes_gets_one_422_naming_all_five(app) {
        crate::applications::vest_2022(app, json!({}));
        let mut body = crate::applications::charter("150000.00");
        body["requested_amount"] = json!("150.000,00");
        body["starts_on"] = json!("01.09.2024");
        body["expense_kind"] = json!("udvikling");
        body["target_populations"] = json!(["ukendt"]);
        body["budget"] = json!([{"year": "2026", "amount": "1000.00"}]);
        let before = applications_footprint(app);
        let problem = app.post("/api/v1/pools/vest-2022/applications", &body).problem(422);
        let errors = plain_errors(&problem);
        let mut fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["budget[0].year", "expense_kind", "requested_amount", "starts_on", "target_populations[0]"], "{problem}");
        assert_eq!(message_of(&errors, "requested_amount"), "write an amount with a point before the øre and no thousands separator, e.g. 150000.00");
        assert_eq!(message_of(&errors, "starts_on"), "write a date as YYYY-MM-DD, e.g. 2024-09-01");
        assert_eq!(message_of(&errors, "expense_kind"), "must be one of development, operations, secretariat");
        assert_eq!(message_of(&errors, "budget[0].year"), "must be a whole number, e.g. 2026");
        assert!(message_of(&errors, "target_populations[0]").contains("'ukendt'"), "{problem}");
        assert_eq!(applications_footprint(app), before, "nothing was written");

        // An unknown field and a missing one are named with the rest.
        body["ekstra"] = json!(1);
        body.as_object_mut().expect("body").remove("title");
        let errors = plain_errors(&app.post("/api/v1/pools/vest-2022/applications", &body).problem(422));
        assert_eq!(errors.len(), 7, "{errors:?}");
        assert!(message_of(&errors, "ekstra").starts_with("is not a known field; use one of title, applicant_party, "));
        assert_eq!(message_of(&errors, "title"), "is required");
        assert_eq!(applications_footprint(app), before, "nothing was written");
    }
}

api_test! {
    /// The same for a draft's PATCH: everything at once, and the draft is unchanged.
    fn a_patch_with_several_mistakes_names_them_all_and_changes_nothing(app) {
        crate::applications::vest_2022(app, json!({}));
        let created = app.post("/api/v1/pools/vest-2022/applications", &crate::applications::charter("150000.00"));
        assert_eq!(created.status, 201, "{}", created.text);
        let id = created.json()["id"].as_i64().expect("id");
        let etag = created.header("etag").expect("etag").to_owned();
        let path = format!("/api/v1/applications/{id}");
        let stored = app.get(&path).text;
        let patch = json!({"requested_amount": "150.000,00", "ends_on": "31.12.2023", "bucket": "løbende", "target_populations": ["ukendt"], "titel": "x"});
        let problem = app.request("PATCH", &path).header("if-match", &etag).json(&patch).problem(422);
        let errors = plain_errors(&problem);
        let mut fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["bucket", "ends_on", "requested_amount", "target_populations[0]", "titel"], "{problem}");
        assert_eq!(message_of(&errors, "bucket"), "must be one of upfront, ad_hoc, rolling");
        // The body's errors come before If-Match, as before.
        app.request("PATCH", &path).json(&patch).problem(422);
        assert_eq!(app.get(&path).text, stored, "the draft is unchanged");
        let changed = app.request("PATCH", &path).header("if-match", &etag).json(&json!({"title": "Ny titel"}));
        assert_eq!(changed.status, 200, "the ETag still holds: {}", changed.text);
    }
}

api_test! {
    /// A CSV row is read as the body of `POST …/applications`: every bad cell of it, with row and column.
    fn an_imported_row_with_three_bad_cells_gets_three_errors(app) {
        crate::applications::vest_2022(app, json!({}));
        let csv = "title;applicant_party;target_populations;purpose;goals;expense_kind;requested_amount;starts_on;ends_on\r\n\
            Tryg udskrivelse;thisted-kommune;vulnerable_elderly;Fælles forløb;Færre genindlæggelser;development;1000,00;2022-09-01;2023-06-30\r\n\
            Tidlig opsporing;thisted-kommune;vulnerable_elderly;Fælles opsporing;Færre indlæggelser;udvikling;150.000,00;01.09.2022;2023-06-30\r\n";
        let before = applications_footprint(app);
        let r = app.request("POST", "/api/v1/pools/vest-2022/applications/import").header("content-type", "text/csv").send_raw(Some(csv.as_bytes()));
        let problem = r.problem(422);
        let cells: Vec<(u64, &str)> =
            problem["errors"].as_array().expect("errors").iter().map(|e| (e["row"].as_u64().unwrap_or(0), e["column"].as_str().unwrap_or(""))).collect();
        assert_eq!(cells, [(2, "expense_kind"), (2, "requested_amount"), (2, "starts_on")], "{problem}");
        let errors = plain_errors(&problem);
        assert_eq!(message_of(&errors, "rows[2].expense_kind"), "must be one of development, operations, secretariat");
        assert_eq!(message_of(&errors, "rows[2].requested_amount"), "write an amount with a point before the øre and no thousands separator, e.g. 150000.00");
        assert_eq!(message_of(&errors, "rows[2].starts_on"), "write a date as YYYY-MM-DD, e.g. 2024-09-01");
        assert_eq!(applications_footprint(app), before, "nothing was written");
    }
}

api_test! {
    /// The allocation model's tag and a share sent as a number, in words.
    fn a_pool_with_a_bad_model_and_year_says_both_plainly(app) {
        app.cluster("vest");
        let mut body = good_pool();
        body["year"] = json!("2022");
        body["allocation_model"] = json!({"kind": "delt", "upfront_share": "0.70"});
        let errors = plain_errors(&app.post("/api/v1/pools", &body).problem(422));
        assert_eq!(
            errors,
            [
                ("allocation_model.kind".to_owned(), "must be one of upfront, split, rolling".to_owned()),
                ("year".to_owned(), "must be a whole number, e.g. 2026".to_owned())
            ],
            "in the order sent (the test client sorts keys)"
        );
        body["year"] = json!(2022);
        body["allocation_model"] = json!({"kind": "split", "upfront_share": 0.7});
        let errors = plain_errors(&app.post("/api/v1/pools", &body).problem(422));
        assert_eq!(errors, [("allocation_model.upfront_share".to_owned(), "must be text in quotes, e.g. \"0.7\"".to_owned())]);
        let bad = app.get("/api/v1/pools?state=bogus");
        assert_eq!(plain_errors(&bad.problem(422)), [("state".to_owned(), "must be one of draft, open, closed".to_owned())]);
        assert!(app.get("/api/v1/pools").json()["items"].as_array().is_some_and(Vec::is_empty));
    }
}
