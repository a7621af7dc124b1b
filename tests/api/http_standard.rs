//! HTTP the standard way (RFC 9110): HEAD on every GET, compression,
//! conditional requests, content negotiation, a body needs its type; and
//! the access log with its request id.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

use crate::api_test;
use crate::helpers::{Backend, Resp, TestApp, TestDb, logs, spawn_app_on, spawn_configured};

/// One request written by hand (ureq cannot send a header twice), read to
/// the end: the head as text and every byte after it.
fn raw(app: &TestApp, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> (String, Vec<u8>) {
    let port = app.address.rsplit(':').next().unwrap_or_default();
    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}")).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let mut text =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {}\r\n", app.admin_key);
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    text.push_str(body.unwrap_or(""));
    stream.write_all(text.as_bytes()).expect("send");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head") + 4;
    (String::from_utf8_lossy(&answer[..end]).into_owned(), answer[end..].to_vec())
}

fn status_of(head: &str) -> u16 {
    head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// Every value of a header in a raw head, joined by `, `.
fn header_of(head: &str, name: &str) -> Option<String> {
    let values: Vec<&str> = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// The headers a HEAD must repeat: all but those that differ per response.
fn comparable(r: &Resp) -> Vec<(String, String)> {
    let mut h: Vec<(String, String)> =
        r.headers.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.clone())).filter(|(n, _)| n != "date" && n != "x-request-id").collect();
    h.sort();
    h
}

fn vary(r: &Resp) -> Vec<String> {
    r.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("vary"))
        .flat_map(|(_, v)| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .collect()
}

fn demo(backend: Backend) -> Option<TestApp> {
    let db = TestDb::new(backend)?;
    Some(spawn_app_on(db, |db| {
        klyngemidler::demo::load_if_empty(db, klyngemidler::http::now()).expect("demo loads");
    }))
}

/// HEAD on every GET path of the OpenAPI document: the status and headers of the GET, no body.
fn head_on_every_get(backend: Backend) {
    let Some(app) = demo(backend) else { return };
    let spec = app.get("/openapi.json").json();
    let first = |list: &str| app.get(&format!("/api/v1/{list}?limit=1")).json()["items"][0]["id"].as_i64().unwrap_or(1).to_string();
    let (application, grant, user) = (first("applications"), first("grants"), app.get("/api/v1/users").json()[0]["id"].to_string());
    let carry_over = app.get("/api/v1/pools/vest-2022/carry-overs").json()[0]["id"].as_i64().unwrap_or(1).to_string();
    // The key's first use is recorded a moment later: let that settle, so the two reads see the same key list.
    let _ = app.get("/api/v1/keys");
    std::thread::sleep(Duration::from_millis(300));
    let mut checked = 0;
    for (template, item) in spec["paths"].as_object().expect("paths") {
        if item.get("get").is_none() {
            continue;
        }
        let id = if template.starts_with("/api/v1/applications/") {
            &application
        } else if template.starts_with("/api/v1/grants/") {
            &grant
        } else if template.starts_with("/api/v1/users/") {
            &user
        } else {
            &carry_over
        };
        let path = template.replace("{cluster}", "vest").replace("{pool}", "vest-2022").replace("{year}", "2022").replace("{id}", id);
        let path = if template.starts_with("/api/v1/reports/") { format!("{path}?year=2022") } else { path };
        let get = app.get(&path);
        let head = app.request("HEAD", &path).send();
        assert_eq!(head.status, get.status, "HEAD {path}");
        assert!(head.text.is_empty(), "HEAD {path} has no body");
        if template == "/metrics" {
            // Its body counts the requests so far: only its length differs.
            assert_eq!(head.header("content-type"), get.header("content-type"));
        } else {
            assert_eq!(comparable(&head), comparable(&get), "HEAD {path} answers the headers of GET");
        }
        checked += 1;
    }
    assert!(checked >= 30, "every GET path was tried ({checked})");
    // Pages outside the document too, and byte for byte nothing after the head.
    for path in ["/openapi.json", "/dashboard", "/api/v1/exports/ledger", "/api/v1/reports/status?year=2022"] {
        let (head, body) = raw(&app, "HEAD", path, &[("Accept-Encoding", "gzip")], None);
        assert!(matches!(status_of(&head), 200 | 401), "HEAD {path}: {head}");
        assert!(body.is_empty(), "HEAD {path} sent {} body bytes", body.len());
    }
    // HEAD where only POST is allowed: 405 (no body), and the problem names the method sent.
    let refused = app.request("HEAD", "/api/v1/pools/vest-2022/open").send();
    assert_eq!(refused.status, 405);
    assert!(refused.header("allow").is_some_and(|a| a.contains("POST")));
}

#[test]
fn head_answers_every_get_path_like_get_on_sqlite() {
    head_on_every_get(Backend::Sqlite);
}

#[test]
fn head_answers_every_get_path_like_get_on_postgres() {
    head_on_every_get(Backend::Postgres);
}

api_test! {
    /// gzip on request; the body decodes to the same JSON. Never a body on 304 or HEAD.
    fn responses_are_gzipped_when_asked_and_304_and_head_stay_empty(app) {
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
        let url = format!("{}/openapi.json", app.address);
        let plain = agent.get(&url).call().expect("plain");
        assert!(plain.header("content-encoding").is_none(), "no Accept-Encoding, no compression");
        let plain_len = plain.header("content-length").and_then(|l| l.parse::<usize>().ok()).expect("length");
        let plain: Value = plain.into_json().expect("json");
        let zipped = agent.get(&url).set("accept-encoding", "gzip").call().expect("gzip");
        assert_eq!(zipped.header("content-encoding"), Some("gzip"));
        let mut compressed = Vec::new();
        zipped.into_reader().read_to_end(&mut compressed).expect("read");
        let mut text = String::new();
        flate2::read::GzDecoder::new(&compressed[..]).read_to_string(&mut text).expect("gunzip");
        assert_eq!(serde_json::from_str::<Value>(&text).expect("json"), plain, "the same document");
        eprintln!("openapi.json: {plain_len} bytes, {} gzipped", compressed.len());
        assert!(compressed.len() * 4 < plain_len, "{} of {plain_len}", compressed.len());
        // q=0 refuses gzip: identity.
        let refused = agent.get(&url).set("accept-encoding", "gzip;q=0").call().expect("identity");
        assert!(refused.header("content-encoding").is_none());
        // Every answer names Accept-Encoding in Vary, compressed or not.
        assert!(vary(&app.get("/api/v1/clusters")).contains(&"accept-encoding".to_owned()));

        app.cluster("vest");
        app.pool("vest", 2022, "871553.00", json!({"kind": "rolling"}));
        let status = app.get("/api/v1/pools/vest-2022/status");
        let etag = status.header("etag").expect("etag").to_owned();
        let (head, body) = raw(app, "GET", "/api/v1/pools/vest-2022/status", &[("Accept-Encoding", "gzip"), ("If-None-Match", &etag)], None);
        assert_eq!(status_of(&head), 304, "{head}");
        assert!(body.is_empty() && header_of(&head, "content-encoding").is_none(), "{head}");
        let (head, body) = raw(app, "HEAD", "/api/v1/pools/vest-2022/status", &[("Accept-Encoding", "gzip")], None);
        assert_eq!(status_of(&head), 200, "{head}");
        assert!(body.is_empty(), "{} bytes after a HEAD", body.len());
        // A problem is compressed like any body, and stays a problem.
        let (head, body) = raw(app, "GET", "/api/v1/pools/vest-1999/status", &[("Accept-Encoding", "gzip")], None);
        assert_eq!(status_of(&head), 404);
        assert_eq!(header_of(&head, "content-type").as_deref(), Some("application/problem+json"));
        if header_of(&head, "content-encoding").is_some() {
            let mut text = String::new();
            let chunked = header_of(&head, "transfer-encoding").is_some();
            let bytes = if chunked { dechunk(&body) } else { body };
            flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text).expect("gunzip");
            assert!(text.contains("\"status\":404"), "{text}");
        }
        // An encoding nobody can give (identity refused too): a 406 problem, not bare text.
        let (head, _) = raw(app, "GET", "/api/v1/clusters", &[("Accept-Encoding", "zstd, identity;q=0, *;q=0")], None);
        assert_eq!(status_of(&head), 406, "{head}");
        assert_eq!(header_of(&head, "content-type").as_deref(), Some("application/problem+json"), "{head}");
    }
}

/// The data of a chunked body.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&body[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 2 + size + 2..];
    }
    out
}

api_test! {
    /// If-None-Match compares weakly, takes `*` and lists over several lines; a 304 repeats the 200's validators.
    fn if_none_match_is_weak_takes_lists_and_a_304_repeats_the_validators(app) {
        app.cluster("vest");
        app.pool("vest", 2022, "871553.00", json!({"kind": "rolling"}));
        for path in ["/api/v1/pools/vest-2022/status", "/api/v1/reports/status?year=2022", "/api/v1/clusters/vest/approvers"] {
            let ok = app.get(path);
            assert_eq!(ok.status, 200, "{path}: {}", ok.text);
            let etag = ok.header("etag").expect("etag").to_owned();
            assert_eq!(ok.header("cache-control"), Some("no-cache"), "{path}");
            let weak = format!("W/{etag}");
            for value in [etag.as_str(), weak.as_str(), "*", &format!("\"other\", {weak}")] {
                let r = app.request("GET", path).header("if-none-match", value).send();
                assert_eq!(r.status, 304, "{path} If-None-Match: {value}");
                assert!(r.text.is_empty());
                assert_eq!(r.header("etag"), Some(etag.as_str()), "{path}");
                assert_eq!(r.header("cache-control"), ok.header("cache-control"), "{path}: the 304 repeats Cache-Control");
                assert_eq!(vary(&r), vary(&ok), "{path}: the 304 repeats Vary");
            }
            assert_eq!(app.request("GET", path).header("if-none-match", "\"other\"").send().status, 200, "{path}");
            // Two lines are one list.
            let (head, body) = raw(app, "GET", path, &[("If-None-Match", "\"other\""), ("If-None-Match", &weak)], None);
            assert_eq!(status_of(&head), 304, "{path}: {head}");
            assert!(body.is_empty());
        }
        assert!(vary(&app.get("/api/v1/reports/status?year=2022")).contains(&"accept".to_owned()));
    }
}

api_test! {
    /// If-Match compares strongly, takes `*` and lists over several lines.
    fn if_match_is_strong_and_takes_lists_over_lines(app) {
        app.cluster("vest");
        app.pool("vest", 2022, "871553.00", json!({"kind": "rolling"}));
        let etag = app.get("/api/v1/pools/vest-2022").header("etag").expect("etag").to_owned();
        let change = json!({"amount": "871554.00"});
        let path = "/api/v1/pools/vest-2022";
        app.request("PATCH", path).header("if-match", &format!("W/{etag}")).json(&change).problem(412);
        app.request("PATCH", path).header("if-match", "nonsense").json(&change).problem(412);
        let body = change.to_string();
        let (head, _) = raw(app, "PATCH", path, &[("Content-Type", "application/json"), ("If-Match", "\"999\""), ("If-Match", &etag)], Some(&body));
        assert_eq!(status_of(&head), 200, "two If-Match lines are one list: {head}");
        let etag = header_of(&head, "etag").expect("new etag");
        let (head, _) = raw(app, "PATCH", path, &[("Content-Type", "application/json"), ("If-Match", &format!("\"1\", {etag}"))], Some(&json!({"amount": "871555.00"}).to_string()));
        assert_eq!(status_of(&head), 200, "{head}");
        assert_eq!(app.request("PATCH", path).header("if-match", "*").json(&json!({"amount": "871553.00"})).status, 200);
    }
}

api_test! {
    /// Accept with q-values, case-insensitive types and ranges; 406 when nothing offered is acceptable.
    fn accept_is_negotiated_with_qualities(app) {
        app.cluster("vest");
        app.pool("vest", 2022, "871553.00", json!({"kind": "rolling"}));
        let csv = |r: &Resp| r.header("content-type").is_some_and(|t| t.starts_with("text/csv"));
        let json_type = |r: &Resp| r.header("content-type").is_some_and(|t| t.starts_with("application/json"));
        for path in ["/api/v1/reports/status?year=2022", "/api/v1/reports/model-evaluation?year=2022", "/api/v1/pools/vest-2022/ledger"] {
            let with = |accept: &str| app.request("GET", path).header("accept", accept).send();
            let r = with("text/csv;q=0");
            assert!(r.status == 200 && json_type(&r), "{path}: text/csv;q=0 is JSON: {:?}", r.header("content-type"));
            assert!(csv(&with("TEXT/CSV")), "{path}: media types are case-insensitive");
            assert!(csv(&with("text/*")), "{path}");
            assert!(csv(&with("application/json;q=0.5, text/csv")), "{path}");
            assert!(json_type(&with("application/json, text/csv;q=0.9")), "{path}");
            assert!(json_type(&with("*/*")), "{path}");
            let r = with("text/csv");
            assert!(csv(&r), "{path}: {}", r.text);
            assert!(vary(&r).contains(&"accept".to_owned()), "{path}: Vary: Accept");
            assert!(vary(&with("application/json")).contains(&"accept".to_owned()), "{path}: Vary: Accept on JSON too");
            let refused = with("application/xml");
            let problem = refused.problem(406);
            assert_eq!(problem["type"], "urn:klyngemidler:problem:not-acceptable");
            assert!(vary(&refused).contains(&"accept".to_owned()));
        }
        let ledger = app.request("GET", "/api/v1/pools/vest-2022/ledger").header("accept", "text/csv").send();
        assert!(ledger.text.lines().count() >= 3 && ledger.text.contains("vest-2022"), "{}", ledger.text);
        app.request("GET", "/api/v1/pools/vest-1999/ledger").header("accept", "text/csv").send().problem(404);
        // An export is CSV only.
        app.request("GET", "/api/v1/exports/grants").header("accept", "application/json").send().problem(406);
        assert_eq!(app.request("GET", "/api/v1/exports/grants").header("accept", "application/json, text/csv;q=0.1").send().status, 200);
    }
}

api_test! {
    /// A body without Content-Type is refused (415), not guessed to be JSON; one title per problem type.
    fn a_body_without_content_type_is_415_and_problem_titles_are_one_per_type(app) {
        let body = json!({"slug": "vest", "name": "Sundhedsklynge Vest", "region": "Region Nordjylland"}).to_string();
        let (head, text) = raw(app, "POST", "/api/v1/clusters", &[], Some(&body));
        assert_eq!(status_of(&head), 415, "{head}");
        let problem: Value = serde_json::from_slice(&text).expect("problem");
        assert_eq!(problem["type"], "urn:klyngemidler:problem:unsupported-media-type");
        assert_eq!(app.get("/api/v1/clusters/vest").status, 404, "nothing was written");
        // A POST without a body needs no Content-Type (it is refused for what it is, not for that).
        let (head, _) = raw(app, "POST", "/api/v1/pools/vest-2022/open", &[], Some(""));
        assert_ne!(status_of(&head), 415, "{head}");
        let from_actix = app.get("/api/v1/nothing-here").problem(404);
        let from_handler = app.get("/api/v1/pools/vest-2022").problem(404);
        assert_eq!(from_actix["title"], from_handler["title"]);
        assert_eq!(from_actix["type"], from_handler["type"]);
    }
}

fn access_lines(id: &str) -> Vec<String> {
    logs().lines().filter(|l| l.contains(" access: ") && l.contains(&format!("request_id={id} "))).map(str::to_owned).collect()
}

api_test! {
    /// One access line per request at info: method, route pattern, status, latency, bytes, request id, client, key id.
    fn each_request_leaves_one_access_line_with_a_request_id(app) {
        app.cluster("vest");
        app.pool("vest", 2022, "871553.00", json!({"kind": "rolling"}));
        let r = app.request("GET", "/api/v1/pools/vest-2022/status").header("x-request-id", "from-the-client").send();
        assert_eq!(r.status, 200);
        let id = r.header("x-request-id").expect("a request id comes back").to_owned();
        assert_ne!(id, "from-the-client", "not from a trusted proxy: the id is ours");
        assert_eq!(id.len(), 32);
        std::thread::sleep(Duration::from_millis(100));
        let lines = access_lines(&id);
        assert_eq!(lines.len(), 1, "one line: {lines:?}");
        let line = &lines[0];
        assert!(line.contains(" INFO "), "{line}");
        for field in ["method=GET", "route=/api/v1/pools/{pool}/status", "status=200", "latency_ms=", "bytes=", "client=127.0.0.1", "key_id="] {
            assert!(line.contains(field), "{field} in {line}");
        }
        assert!(!line.contains("vest-2022") && !line.contains(&app.admin_key), "the pattern, never the path or the key: {line}");
        let bytes: usize = line.split("bytes=").nth(1).and_then(|b| b.split(' ').next()).and_then(|b| b.parse().ok()).expect("bytes");
        assert_eq!(bytes, r.text.len());
        // Problems carry the id too; a token in the path never reaches the line.
        let token = "a".repeat(64);
        let missing = app.request("GET", &format!("/approvals/{token}")).key(None).send();
        let id = missing.header("x-request-id").expect("id on a problem").to_owned();
        std::thread::sleep(Duration::from_millis(100));
        let lines = access_lines(&id);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("route=/approvals/{token}") && !lines[0].contains(&token), "{}", lines[0]);
        assert!(!lines[0].contains("key_id="), "no key, no key id");
        assert!(app.get("/api/v1/nothing").header("x-request-id").is_some());
    }
}

/// `X-Request-Id` is taken from a trusted proxy (when sane) and recorded with audit events.
fn request_id_from_a_trusted_proxy(backend: Backend) {
    let Some(db) = TestDb::new(backend) else { return };
    let app = spawn_configured(
        db,
        |_| (),
        |c| c.trusted_proxies = klyngemidler::http::client::TrustedProxies::parse("127.0.0.1").expect("proxies"),
    );
    let id = format!("lb-{}-{}", std::process::id(), crate::helpers::unique());
    let created = app
        .request("POST", "/api/v1/clusters")
        .header("x-request-id", &id)
        .header("x-forwarded-for", "198.51.100.7")
        .json(&json!({"slug": "vest", "name": "Sundhedsklynge Vest", "region": "Region Nordjylland"}));
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.header("x-request-id"), Some(id.as_str()), "the proxy's id comes back");
    std::thread::sleep(Duration::from_millis(100));
    let lines = access_lines(&id);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("client=198.51.100.7") && lines[0].contains("route=/api/v1/clusters"), "{}", lines[0]);
    let audit = app.get("/api/v1/audit-events?subject=cluster:vest").json();
    assert!(audit["items"].as_array().expect("items").iter().any(|e| e["request_id"] == id.as_str()), "{audit}");
    for insane in ["a".repeat(101), "two words".to_owned()] {
        let r = app.request("GET", "/api/v1/clusters").header("x-request-id", &insane).send();
        let got = r.header("x-request-id").expect("id");
        assert_ne!(got, insane, "an id that is too long or has spaces is replaced");
        assert_eq!(got.len(), 32);
    }
}

#[test]
fn a_request_id_is_taken_from_a_trusted_proxy_only_on_sqlite() {
    request_id_from_a_trusted_proxy(Backend::Sqlite);
}

#[test]
fn a_request_id_is_taken_from_a_trusted_proxy_only_on_postgres() {
    request_id_from_a_trusted_proxy(Backend::Postgres);
}

/// With `LOG_FORMAT=json` at the default level, the access line is one JSON object with the same fields.
#[test]
fn the_access_line_is_json_with_log_format_json() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = std::env::temp_dir().join(format!("klyngemidler-json-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_klyngemidler"))
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .current_dir(&dir)
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env("LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let (tx, rx) = std::sync::mpsc::channel();
    let (out, err) = (child.stdout.take().expect("stdout"), child.stderr.take().expect("stderr"));
    let tx2 = tx.clone();
    std::thread::spawn(move || BufReader::new(out).lines().map_while(Result::ok).for_each(|l| drop(tx.send(l))));
    std::thread::spawn(move || BufReader::new(err).lines().map_while(Result::ok).for_each(|l| drop(tx2.send(l))));
    let result = std::panic::catch_unwind(|| {
        let started = std::time::Instant::now();
        let mut key = None;
        let mut listening = false;
        while started.elapsed() < Duration::from_secs(60) && !(listening && key.is_some()) {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
                if line.starts_with("kmk_") {
                    key = Some(line.clone());
                }
                listening |= line.starts_with("Klyngemidler on http://");
            }
        }
        let key = key.expect("a key is printed");
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
        let r = agent
            .get(&format!("http://127.0.0.1:{port}/api/v1/pools/vest-2022/status"))
            .set("authorization", &format!("Bearer {key}"))
            .call()
            .expect("status");
        let id = r.header("x-request-id").expect("id").to_owned();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let line = loop {
            let line = rx.recv_timeout(Duration::from_millis(500)).unwrap_or_default();
            if line.contains(&id) && line.contains("\"access\"") {
                break line;
            }
            assert!(std::time::Instant::now() < deadline, "no JSON access line for {id}");
        };
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["level"], "INFO", "{v}");
        assert_eq!(v["target"], "access", "{v}");
        assert_eq!(v["method"], "GET");
        assert_eq!(v["route"], "/api/v1/pools/{pool}/status");
        assert_eq!(v["status"], 200);
        assert_eq!(v["request_id"], id.as_str());
        assert_eq!(v["client"], "127.0.0.1");
        assert!(v["latency_ms"].is_number() && v["bytes"].is_number() && v["key_id"].is_number(), "{v}");
    });
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
