//! The hostile-input test of issue #12 (Hardening), generated from the
//! committed OpenAPI document (`openapi/openapi.json`): every operation, every
//! string field of its body (recursively, arrays and nested objects too) and
//! every query, header and path parameter, fed values that break naive
//! parsers, databases, spreadsheets and log readers — 30,000 `-` then a
//! digit, long strings, NUL, lone surrogates escaped in the JSON text, an RTL
//! override, CR/LF, spreadsheet formulas, `-0`, numbers, `true`, `null` and a
//! 20-level nested object where a string goes, trailing garbage after the
//! JSON — plus the CSV imports, the approval page, the dashboard sign-in and
//! `/metrics` under made-up HTTP methods. On SQLite and on PostgreSQL.
//!
//! The server is the real binary (`serve --demo`, so real ids exist) in its
//! own process: a crash is seen as a crash, and its memory is read from
//! `/proc/PID/status` after every request.
//!
//! It passes only if every answer is a 2xx, a 304, a redirect from a page for
//! people, or a 4xx, every 4xx of an API route is `application/problem+json`,
//! nothing is a 5xx, the process never dies, `/healthz` answers at the end,
//! the peak RSS (VmHWM) stays under 200 MB and `/metrics` stops growing under
//! invented methods. What is not valid input at all must be refused with a
//! 4xx: a wrong JSON type, a lone surrogate, bytes that are not UTF-8, data
//! after the JSON value, a body over the limit, a hostile key, and a value
//! the document itself rules out for the field (its `pattern`, `enum` or
//! `format: date`). Everything stored is read back at the end, in every format.
//!
//! Values go everywhere they can be written: a NUL or CR/LF cannot be part of
//! a header field, and values over 40 kB are not put into URLs or headers
//! (actix answers an oversized or malformed request head itself, before the
//! application, with an empty 431/400 that no handler can shape).
//!
//! The run does not stop at the first failure: when the process dies, the
//! request that killed it is recorded, the server is started again on the
//! same database, and the run goes on. The test fails once, at the end, with
//! every violation grouped by cause.
//!
//! Requests are written by hand over a kept-alive TCP connection rather than
//! with ureq: ureq (rightly) refuses the header values, methods and raw bytes
//! this test has to send, and a crash must be told apart from a refusal.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{Backend, TestDb};
use crate::smtp::{SmtpServer, links};

/// Peak resident memory allowed (VmHWM), in kB.
const RSS_LIMIT_KB: u64 = 200 * 1024;
/// A string under the server's body limit (256 KiB), so that it reaches the handlers.
const LONG: usize = 200_000;
/// Over the body limit: must be a 413 problem.
const ONE_MB: usize = 1024 * 1024;
/// Values longer than this are not put into URLs or header fields (the request head limit is 128 KiB).
const URL_MAX: usize = 40_000;
const RANDOM_METHODS: usize = 2_000;
/// How much `/metrics` may grow over the second 1,000 requests with made-up methods.
const METRICS_GROWTH_LIMIT: usize = 16 * 1024;
/// The run stops generating requests after this long (and fails): CI must stay bounded.
const BUDGET: Duration = Duration::from_secs(150);

// ---- hostile values ------------------------------------------------------

/// One hostile value in the encodings of the places it goes.
struct Hostile {
    name: String,
    /// The text itself as bytes (lone surrogates as their CESU-8 bytes, which are not UTF-8);
    /// `None` for values that only exist in JSON (a number, `true`, an object).
    raw: Option<Vec<u8>>,
    /// The JSON text that replaces a string value.
    json: Vec<u8>,
    /// Not a string at all, or not text: a JSON body with it must be refused (4xx).
    refuse: bool,
}

fn text(name: &str, value: &str) -> Hostile {
    Hostile {
        name: name.to_owned(),
        raw: Some(value.as_bytes().to_vec()),
        json: serde_json::to_vec(value).expect("a string serialises"),
        refuse: false,
    }
}

fn raw(name: &str, bytes: &[u8], json_text: &[u8]) -> Hostile {
    Hostile { name: name.to_owned(), raw: Some(bytes.to_vec()), json: json_text.to_vec(), refuse: true }
}

fn json_only(name: &str, json_text: &str, refuse: bool) -> Hostile {
    Hostile { name: name.to_owned(), raw: None, json: json_text.as_bytes().to_vec(), refuse }
}

/// `{"a":{"a":…1…}}`, `depth` objects deep.
fn nested(depth: usize) -> String {
    format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

fn hostiles() -> Vec<Hostile> {
    vec![
        text("30,000 '-' then a digit", &format!("{}1", "-".repeat(30_000))),
        text("200 KB string", &"a".repeat(LONG)),
        text("NUL", "\0"),
        text("a NUL b", "a\0b"),
        // serde_json cannot write these: the JSON text is written by hand.
        raw("lone surrogate \\ud800", b"\xed\xa0\x80", br#""\ud800""#),
        raw("lone surrogate x\\udc00y", b"x\xed\xb0\x80y", br#""x\udc00y""#),
        raw("bytes that are not UTF-8", b"\xff\xfeA", b"\"\xff\xfeA\""),
        text("RTL override", "\u{202e}fdp.exe"),
        text("CR/LF", "line1\r\nGodkend her: http://evil.example.org"),
        text("=cmd formula", "=cmd|' /C calc'!A0"),
        text("-1+cmd formula", "-1+cmd|' /C calc'!A0"),
        text("@ formula", "@SUM(1+1)*cmd|' /C calc'!A0"),
        text("-0", "-0"),
        text("--0", "--0"),
        text("empty", ""),
        text("blank", " \t "),
        text("markup", "<script>alert(1)</script>&amp;\"'"),
        text("29-digit number", "99999999999999999999999999.99"),
        json_only("number 12345", "12345", true),
        json_only("number 1e400", "1e400", true),
        json_only("true", "true", true),
        json_only("null", "null", false),
        json_only("20-level nested object", &nested(20), true),
        json_only("array", "[\"x\"]", true),
    ]
}

/// What replaces a number or boolean in a JSON body (refused where it is not a number at all).
fn hostile_numbers() -> Vec<Hostile> {
    vec![
        json_only("number as a string", "\"2023\"", true),
        json_only("-1", "-1", false),
        json_only("30-digit integer", "999999999999999999999999999999", true),
        json_only("fraction 2.5", "2.5", true),
        json_only("20-level nested object", &nested(20), true),
        json_only("null", "null", false),
    ]
}

/// Percent-encodes every byte but the unreserved ones (for paths, queries and forms).
fn percent(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Whether the bytes can be sent as a header field value at all (no control characters).
fn header_safe(bytes: &[u8]) -> bool {
    bytes.len() <= URL_MAX && bytes.iter().all(|&b| b == b'\t' || b >= 0x20 && b != 0x7f)
}

/// A CSV cell: quoted when it has a separator, a quote or a line break.
fn csv_cell(bytes: &[u8]) -> Vec<u8> {
    if bytes.iter().any(|b| b",;\"\r\n".contains(b)) {
        let mut out = vec![b'"'];
        for &b in bytes {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
        out
    } else {
        bytes.to_vec()
    }
}

// ---- HTTP by hand --------------------------------------------------------

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

enum Failure {
    /// Nothing came back on a connection that had been idle: worth one retry on a new one.
    Early(String),
    Late(String),
}

/// One kept-alive connection to the server.
struct Client {
    addr: SocketAddr,
    conn: Option<BufReader<TcpStream>>,
}

impl Client {
    fn new(addr: SocketAddr) -> Client {
        Client { addr, conn: None }
    }

    fn exchange(&mut self, request: &[u8], head: bool) -> Result<Answer, String> {
        let reused = self.conn.is_some();
        match self.once(request, head) {
            Ok(a) => Ok(a),
            Err(Failure::Early(_)) if reused => self.once(request, head).map_err(|f| match f {
                Failure::Early(e) | Failure::Late(e) => e,
            }),
            Err(Failure::Early(e) | Failure::Late(e)) => Err(e),
        }
    }

    fn once(&mut self, request: &[u8], head: bool) -> Result<Answer, Failure> {
        if self.conn.is_none() {
            let stream =
                TcpStream::connect_timeout(&self.addr, Duration::from_secs(5)).map_err(|e| Failure::Late(format!("connect: {e}")))?;
            let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
            let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
            let _ = stream.set_nodelay(true);
            self.conn = Some(BufReader::with_capacity(64 * 1024, stream));
        }
        let Some(conn) = self.conn.as_mut() else { return Err(Failure::Late("no connection".into())) };
        // A server may answer a body it will not read (413) before it has all of it: read the answer even if the write failed.
        let wrote = conn.get_mut().write_all(request);
        let result = read_answer(conn, head);
        match result {
            Ok((answer, keep)) => {
                if !keep {
                    self.conn = None;
                }
                Ok(answer)
            }
            Err((e, started)) => {
                self.conn = None;
                let e = match wrote {
                    Err(w) => format!("write: {w}; read: {e}"),
                    Ok(()) => e,
                };
                Err(if started { Failure::Late(e) } else { Failure::Early(e) })
            }
        }
    }
}

type ReadError = (String, bool);

fn read_line(r: &mut BufReader<TcpStream>, line: &mut Vec<u8>, started: bool) -> Result<usize, ReadError> {
    line.clear();
    r.read_until(b'\n', line).map_err(|e| (e.to_string(), started))
}

/// Reads one answer; the flag says whether the connection may be used again.
fn read_answer(r: &mut BufReader<TcpStream>, head: bool) -> Result<(Answer, bool), ReadError> {
    let mut line = Vec::new();
    if read_line(r, &mut line, false)? == 0 {
        return Err(("the connection was closed without an answer".into(), false));
    }
    let status_line = String::from_utf8_lossy(&line).into_owned();
    let status: u16 =
        status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or((format!("not an HTTP answer: {status_line:?}"), true))?;
    let mut headers = Vec::new();
    loop {
        if read_line(r, &mut line, true)? == 0 {
            return Err(("the connection was closed in the header".into(), true));
        }
        let l = String::from_utf8_lossy(&line).trim_end().to_owned();
        if l.is_empty() {
            break;
        }
        if let Some((n, v)) = l.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let find = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let mut keep = !find("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let mut body = Vec::new();
    let io = |e: std::io::Error| (e.to_string(), true);
    if head || status == 204 || status == 304 || status < 200 {
    } else if let Some(len) = find("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        r.read_exact(&mut body).map_err(io)?;
    } else if find("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        loop {
            read_line(r, &mut line, true)?;
            let size_text = String::from_utf8_lossy(&line).into_owned();
            let size = usize::from_str_radix(size_text.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| (format!("bad chunk size {size_text:?}"), true))?;
            if size == 0 {
                while read_line(r, &mut line, true)? > 0 && line != b"\r\n" {}
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..]).map_err(io)?;
            read_line(r, &mut line, true)?;
        }
    } else {
        r.read_to_end(&mut body).map_err(io)?;
        keep = false;
    }
    Ok((Answer { status, headers, body }, keep))
}

// ---- the server process --------------------------------------------------

struct Server {
    child: Child,
    addr: SocketAddr,
    /// Where this process's part of the shared stderr log begins.
    log_from: u64,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `serve --demo` on the database; returns the server and the admin key it printed (first start only).
fn start_server(db_url: &str, smtp_url: &str, log: &Path) -> (Server, Option<String>) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let log_from = std::fs::metadata(log).map(|m| m.len()).unwrap_or(0);
    let stderr = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("server log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_klyngemidler"))
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}"), "--workers", "2"])
        .env("DATABASE_URL", db_url)
        // As in scripts/schemathesis: hostile keys, tokens and dashboard sign-ins are failed attempts on
        // purpose; a 429 after 20 of them would hide what this test looks at. The limiter has its own tests.
        .env("AUTH_FAILURES_PER_MINUTE", "1000000")
        .env("OUTBOX_INTERVAL_MS", "100")
        .env("SMTP_URL", smtp_url)
        .env("LOG_FORMAT", "text")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr))
        .spawn()
        .expect("start the binary");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Keeps reading, so that the server never blocks on a full pipe.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
    let server = Server { child, addr, log_from };
    let started = Instant::now();
    let mut key = None;
    while started.elapsed() < Duration::from_secs(60) {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) if line.starts_with("kmk_") => key = Some(line),
            Ok(line) if line.starts_with("Klyngemidler on http://") => return (server, key),
            Ok(_) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let mut server = server;
    let status = server.child.try_wait();
    panic!("the server did not start ({status:?}): {}", log_tail(log, log_from, 20));
}

/// The non-empty lines the server wrote to stderr since `from`.
fn log_lines(log: &Path, from: u64) -> Vec<String> {
    let mut bytes = Vec::new();
    if let Ok(mut f) = std::fs::File::open(log) {
        let _ = f.seek(SeekFrom::Start(from));
        let _ = f.read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes)
        .lines()
        .map(strip_ansi)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.chars().take(300).collect())
        .collect()
}

/// The text without terminal colour codes.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Why a process died, from the end of its log: the crash lines if there are any, else the last lines.
fn log_tail(log: &Path, from: u64, n: usize) -> String {
    let lines = log_lines(log, from);
    let crash: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("panicked") || l.contains("overflowed") || l.contains("fatal") || l.contains("memory"))
        .collect();
    if crash.is_empty() {
        lines[lines.len().saturating_sub(n)..].join(" / ")
    } else {
        crash.iter().rev().take(n).rev().map(|l| l.as_str()).collect::<Vec<_>>().join(" / ")
    }
}

/// Digits and thread ids do not make two causes different.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

// ---- the OpenAPI document ------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Path,
    Query,
    Header,
}

struct Param {
    name: String,
    place: Place,
}

#[derive(Clone)]
enum BodyKind {
    None,
    Json(Value),
    Csv,
}

struct Op {
    method: String,
    path: String,
    params: Vec<Param>,
    body: BodyKind,
}

impl Op {
    fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

fn operations(doc: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let params = op["parameters"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(|p| {
                            let place = match p["in"].as_str()? {
                                "path" => Place::Path,
                                "query" => Place::Query,
                                "header" => Place::Header,
                                _ => return None,
                            };
                            Some(Param { name: p["name"].as_str()?.to_owned(), place })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let content = &op["requestBody"]["content"];
            let body = if let Some(schema) = content.get("application/json").map(|c| c["schema"].clone()) {
                BodyKind::Json(schema)
            } else if content.get("text/csv").is_some() && content.as_object().is_some_and(|c| c.len() == 1) {
                // An import; a file upload (an attachment: text/csv among other types) is fuzzed by its path and headers.
                BodyKind::Csv
            } else {
                BodyKind::None
            };
            ops.push(Op { method: method.to_ascii_uppercase(), path: path.clone(), params, body });
        }
    }
    ops
}

fn deref<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap_or(&Value::Null),
        None => schema,
    }
}

fn type_of(schema: &Value) -> &str {
    match &schema["type"] {
        Value::String(t) => t,
        Value::Array(types) => types.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "",
    }
}

/// A plausible value for the schema: every property present (optional ones too, so that every
/// string field gets its hostile values), enums' first value, money as "1000.00", dates, examples.
fn sample(doc: &Value, schema: &Value, name: &str) -> Value {
    sample_at(doc, schema, name, "body", &mut BTreeMap::new())
}

/// What the document allows in a string field: a value outside it must be refused.
#[derive(Debug, Default)]
struct Rule {
    pattern: Option<String>,
    one_of: Option<Vec<String>>,
    date: bool,
}

impl Rule {
    /// Why the document forbids this text, if it does.
    fn forbids(&self, raw: &[u8]) -> Option<String> {
        let text = std::str::from_utf8(raw).ok()?;
        if let Some(values) = &self.one_of {
            if !values.iter().any(|v| v == text) {
                return Some("not one of the document's enum values".into());
            }
        }
        if self.date && !is_date(text) {
            return Some("not a date (format: date)".into());
        }
        match self.pattern.as_deref().and_then(|p| pattern_matches(p, text)) {
            Some(false) => Some(format!("does not match the document's pattern {}", self.pattern.as_deref().unwrap_or(""))),
            _ => None,
        }
    }
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// The patterns the document uses (money and shares); `None` for any other.
fn pattern_matches(pattern: &str, text: &str) -> Option<bool> {
    let digits = |s: &str, min: usize, max: usize| (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    match pattern {
        "^[0-9]{1,12}(\\.[0-9]{1,2})?$" => Some(match text.split_once('.') {
            Some((whole, fraction)) => digits(whole, 1, 12) && digits(fraction, 1, 2),
            None => digits(text, 1, 12),
        }),
        "^0\\.[0-9]{1,6}$" => Some(text.strip_prefix("0.").is_some_and(|f| digits(f, 1, 6))),
        _ => None,
    }
}

/// `sample`, recording each string field's rule under its path (`body.budget[0].amount`).
fn sample_at(doc: &Value, schema: &Value, name: &str, at: &str, rules: &mut BTreeMap<String, Rule>) -> Value {
    let schema = deref(doc, schema);
    if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
        // The richest variant that is not null, so that the most fields are present.
        let best = variants
            .iter()
            .map(|v| deref(doc, v))
            .filter(|v| v.get("type") != Some(&json!("null")))
            .max_by_key(|v| v.get("properties").and_then(Value::as_object).map_or(0, |p| p.len()));
        return best.map_or(Value::Null, |v| sample_at(doc, v, name, at, rules));
    }
    if type_of(schema) == "string" || schema.get("enum").is_some() {
        let rule = Rule {
            pattern: schema["pattern"].as_str().map(str::to_owned),
            one_of: schema["enum"].as_array().map(|e| e.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
            date: schema["format"] == "date",
        };
        rules.insert(at.to_owned(), rule);
    }
    if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return first.clone();
    }
    let pattern = schema["pattern"].as_str().unwrap_or("");
    if pattern.contains("[0-9]{1,12}") {
        return json!("1000.00");
    }
    if pattern.starts_with("^0\\.") {
        return json!("0.70");
    }
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    match type_of(schema) {
        "string" => match schema["format"].as_str() {
            Some("date") => json!("2023-10-20"),
            Some("date-time") => json!("2023-10-20T09:00:00Z"),
            _ if name.contains("email") => json!("hostil@example.org"),
            _ => json!("Hostil tekst"),
        },
        "integer" | "number" => json!(if name.contains("year") { 2023 } else { 1 }),
        "boolean" => json!(false),
        "array" => json!([sample_at(doc, &schema["items"], name, &format!("{at}[0]"), rules)]),
        "object" => {
            let mut object = serde_json::Map::new();
            for (field, s) in schema["properties"].as_object().into_iter().flatten() {
                object.insert(field.clone(), sample_at(doc, s, field, &format!("{at}.{field}"), rules));
            }
            Value::Object(object)
        }
        _ => Value::Null,
    }
}

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

fn leaves(v: &Value, path: &mut Vec<Seg>, strings: &mut Vec<Vec<Seg>>, numbers: &mut Vec<Vec<Seg>>) {
    match v {
        Value::String(_) => strings.push(path.clone()),
        Value::Number(_) | Value::Bool(_) => numbers.push(path.clone()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                leaves(item, path, strings, numbers);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                path.push(Seg::Key(k.clone()));
                leaves(item, path, strings, numbers);
                path.pop();
            }
        }
        Value::Null => {}
    }
}

fn pointer(path: &[Seg]) -> String {
    let mut out = String::from("body");
    for seg in path {
        match seg {
            Seg::Key(k) => {
                let _ = write!(out, ".{k}");
            }
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

fn slot_mut<'a>(v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let mut at = v;
    for seg in path {
        at = match seg {
            Seg::Key(k) => at.get_mut(k.as_str())?,
            Seg::Index(i) => at.get_mut(*i)?,
        };
    }
    Some(at)
}

const MARKER: &str = "\u{1}hostile\u{1}";

/// The body with the value at `path` replaced by raw JSON text (which serde_json may not be able to write).
fn with_raw(baseline: &Value, path: &[Seg], raw_json: &[u8]) -> Vec<u8> {
    with_raw_all(baseline, &[path.to_vec()], raw_json)
}

/// The body with every value at `paths` replaced by raw JSON text.
fn with_raw_all(baseline: &Value, paths: &[Vec<Seg>], raw_json: &[u8]) -> Vec<u8> {
    let mut v = baseline.clone();
    for path in paths {
        if let Some(slot) = slot_mut(&mut v, path) {
            *slot = Value::String(MARKER.to_owned());
        }
    }
    let text = serde_json::to_vec(&v).expect("serialise");
    let needle = serde_json::to_vec(MARKER).expect("serialise");
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text.as_slice();
    while let Some(at) = rest.windows(needle.len()).position(|w| w == needle.as_slice()) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(raw_json);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

fn set(v: &mut Value, pointer_path: &str, value: Value) {
    if let Some(slot) = v.pointer_mut(pointer_path) {
        *slot = value;
    }
}

// ---- the run -------------------------------------------------------------

/// Resources some operations use up (a submitted application cannot be submitted again):
/// each such operation gets a fresh one, made through the API, until a request succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fresh {
    DraftApp,
    SubmittedApp,
    RecommendedApp,
    EmailApp,
    ApprovalRequest,
    DraftPool,
    OpenPool,
    ClosedPool,
    CarryOver,
    Grant,
    Key,
}

enum Source {
    Fixed(String),
    Fresh(Fresh),
}

struct Violation {
    op: String,
    what: String,
    status: String,
    body: String,
    /// For a 5xx: the server's last error line, which names the cause the body must not.
    log: String,
}

struct Probe<'a> {
    method: &'a str,
    op: &'a str,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Option<Vec<u8>>,
    what: String,
    /// Why the request must be refused (a 4xx), if it must.
    refuse: Option<String>,
    key: bool,
}

impl<'a> Probe<'a> {
    fn new(method: &'a str, op: &'a str, target: String, what: impl Into<String>) -> Probe<'a> {
        Probe { method, op, target, headers: Vec::new(), body: None, what: what.into(), refuse: None, key: true }
    }

    fn header(mut self, name: &str, value: &[u8]) -> Self {
        self.headers.push((name.to_owned(), value.to_vec()));
        self
    }

    fn body(mut self, content_type: Option<&str>, body: Vec<u8>) -> Self {
        if let Some(ct) = content_type {
            self.headers.push(("content-type".into(), ct.as_bytes().to_vec()));
        }
        self.body = Some(body);
        self
    }

    fn refuse(mut self, why: Option<String>) -> Self {
        self.refuse = why;
        self
    }

    fn anonymous(mut self) -> Self {
        self.key = false;
        self
    }
}

fn excerpt(bytes: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
    let quoted = format!("{text:?}");
    quoted[1..quoted.len() - 1].to_owned()
}

/// Pages for people: HTML errors and redirects are theirs to give.
fn is_page(target: &str) -> bool {
    target.starts_with("/approvals/") || target.starts_with("/dashboard") || target.starts_with("/docs")
}

struct Run {
    backend: Backend,
    db_url: String,
    smtp: SmtpServer,
    log: PathBuf,
    server: Server,
    client: Client,
    key: String,
    started: Instant,
    violations: Vec<Violation>,
    requests: usize,
    deaths: usize,
    peak_kb: u64,
    out_of_time: bool,
    /// What the last operation's baseline request answered (printed, to see that the probes got past it).
    baseline: Option<u16>,
    /// How often each status came back for the current operation (printed).
    statuses: BTreeMap<u16, usize>,
    counter: u32,
    fresh: BTreeMap<Fresh, String>,
    etags: BTreeMap<String, String>,
    slot: Option<(String, i64)>,
    user_id: String,
    grant_id: String,
    app_id: String,
    carry_over_id: String,
}

impl Run {
    fn new(backend: Backend, db: &TestDb) -> Run {
        let smtp = SmtpServer::start();
        let log = std::env::temp_dir().join(format!("klyngemidler-hostile-{}-{}.log", std::process::id(), crate::helpers::unique()));
        let _ = std::fs::remove_file(&log);
        let (server, key) = start_server(&db.url, &smtp.url(), &log);
        let client = Client::new(server.addr);
        Run {
            backend,
            db_url: db.url.clone(),
            smtp,
            log,
            server,
            client,
            key: key.expect("serve --demo prints an admin key"),
            started: Instant::now(),
            violations: Vec::new(),
            requests: 0,
            deaths: 0,
            peak_kb: 0,
            out_of_time: false,
            baseline: None,
            statuses: BTreeMap::new(),
            counter: 0,
            fresh: BTreeMap::new(),
            etags: BTreeMap::new(),
            slot: None,
            user_id: String::new(),
            grant_id: "1".into(),
            app_id: "1".into(),
            carry_over_id: "1".into(),
        }
    }

    fn next(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    fn violation(&mut self, op: &str, what: &str, status: String, body: String) {
        self.violations.push(Violation { op: op.to_owned(), what: what.to_owned(), status, body, log: String::new() });
    }

    fn over_budget(&mut self) -> bool {
        if !self.out_of_time && self.started.elapsed() > BUDGET {
            self.out_of_time = true;
            self.violation(
                "(the run)",
                "time budget",
                format!("took longer than {} s: not everything was sent", BUDGET.as_secs()),
                String::new(),
            );
        }
        self.out_of_time
    }

    /// Sends one request and checks the answer; records what is wrong.
    fn send(&mut self, p: Probe) -> Option<Answer> {
        let mut request = format!("{} {} HTTP/1.1\r\nhost: {}\r\n", p.method, p.target, self.server.addr).into_bytes();
        if p.key {
            request.extend_from_slice(format!("authorization: Bearer {}\r\n", self.key).as_bytes());
        }
        for (name, value) in &p.headers {
            request.extend_from_slice(name.as_bytes());
            request.extend_from_slice(b": ");
            request.extend_from_slice(value);
            request.extend_from_slice(b"\r\n");
        }
        match &p.body {
            Some(body) => request.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes()),
            None if ["POST", "PUT", "PATCH"].contains(&p.method) => request.extend_from_slice(b"content-length: 0\r\n\r\n"),
            None => request.extend_from_slice(b"\r\n"),
        }
        if let Some(body) = &p.body {
            request.extend_from_slice(body);
        }
        self.requests += 1;
        let result = self.client.exchange(&request, p.method == "HEAD");
        if let Some(kb) = hwm_kb(self.server.child.id()) {
            self.peak_kb = self.peak_kb.max(kb);
        }
        match result {
            Ok(answer) => {
                *self.statuses.entry(answer.status).or_default() += 1;
                self.check(&p, &answer);
                Some(answer)
            }
            Err(e) => {
                self.lost(&p, &e);
                None
            }
        }
    }

    fn check(&mut self, p: &Probe, a: &Answer) {
        let page = is_page(&p.target);
        let content_type = a.header("content-type").unwrap_or("");
        let problem = content_type.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/problem+json");
        let status = a.status;
        let bad = if status >= 500 {
            Some(status.to_string())
        } else if status < 200 {
            Some(format!("{status} (informational as the final answer)"))
        } else if (300..400).contains(&status) && status != 304 && !page {
            Some(format!("{status} redirect from an API route"))
        } else if (400..500).contains(&status) && !page && !problem {
            Some(format!("{status} not problem+json (content-type {content_type:?})"))
        } else {
            p.refuse.as_ref().filter(|_| status < 400).map(|why| format!("{status}: accepted, must be refused with a 4xx ({why})"))
        };
        if let Some(status) = bad {
            self.violation(p.op, &p.what, status, excerpt(&a.body));
            if a.status >= 500 {
                let lines = log_lines(&self.log, self.server.log_from);
                let error = lines.iter().rev().find(|l| l.contains("ERROR")).map(|l| l.chars().take(400).collect()).unwrap_or_default();
                if let Some(v) = self.violations.last_mut() {
                    v.log = error;
                }
            }
        }
    }

    /// No answer: did the process die, hang, or drop the connection?
    fn lost(&mut self, p: &Probe, error: &str) {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            if let Ok(Some(status)) = self.server.child.try_wait() {
                let tail = log_tail(&self.log, self.server.log_from, 3);
                self.violation(p.op, &p.what, format!("the process died ({status})"), tail);
                self.restart();
                return;
            }
            if Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut fresh = Client::new(self.server.addr);
        let health = format!("GET /healthz HTTP/1.1\r\nhost: {}\r\n\r\n", self.server.addr);
        if fresh.exchange(health.as_bytes(), false).is_ok_and(|a| a.status == 200) {
            self.violation(p.op, &p.what, format!("no HTTP answer ({error})"), String::new());
        } else {
            self.violation(p.op, &p.what, format!("hung: no answer ({error}) and /healthz silent; killed"), String::new());
            self.restart();
        }
    }

    fn restart(&mut self) {
        self.deaths += 1;
        let _ = self.server.child.kill();
        let _ = self.server.child.wait();
        let (server, _) = start_server(&self.db_url, &self.smtp.url(), &self.log);
        self.server = server;
        self.client = Client::new(self.server.addr);
        eprintln!("hostile ({:?}): server restarted ({} so far)", self.backend, self.deaths);
    }

    /// A request the run needs (setup); its answer is checked like any other.
    fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> Option<Value> {
        let op = format!("{method} {path} (setup)");
        let mut probe = Probe::new(method, &op, path.to_owned(), "setup");
        if let Some(body) = body {
            probe = probe.body(Some("application/json"), body.to_string().into_bytes());
        }
        let answer = self.send(probe)?;
        if (200..300).contains(&answer.status) {
            Some(answer.json())
        } else {
            eprintln!("hostile ({:?}): setup {method} {path} answered {}: {}", self.backend, answer.status, excerpt(&answer.body));
            None
        }
    }

    fn id_of(v: &Value) -> Option<String> {
        v["id"].as_i64().map(|i| i.to_string()).or_else(|| v["id"].as_str().map(str::to_owned))
    }

    /// A sound charter of `party`: in the demo's pools (criteria K1-K3) with a partner of the region and
    /// general practice; in the run's own cluster (no criteria) with its region as partner.
    fn charter(party: &str) -> Value {
        let own = party.starts_with("hostil");
        let partners = if own { json!(["hostil-region"]) } else { json!(["almen-praksis", "region-nordjylland"]) };
        let answers = if own {
            json!([])
        } else {
            json!([{"criterion": "K1", "answer": "yes"}, {"criterion": "K2", "answer": "yes"}, {"criterion": "K3", "answer": "Mindre projekt"}])
        };
        json!({
            "title": "Tidlig opsporing (hostil test)", "applicant_party": party,
            "target_populations": ["vulnerable_elderly"], "purpose": "Formål", "goals": "Mål",
            "expense_kind": "development", "requested_amount": "1000.00", "budget": [{"year": 2023, "amount": "1000.00"}],
            "starts_on": "2023-10-01", "ends_on": "2024-06-30", "bucket": "rolling", "origin": "cluster",
            "contact_email": "projektleder@example.org", "organisation": "Organisation", "evaluation": "Evaluering",
            "partner_parties": partners, "criteria": answers,
        })
    }

    fn new_application(&mut self, pool: &str, party: &str) -> Option<String> {
        let created = self.call("POST", &format!("/api/v1/pools/{pool}/applications"), Some(Self::charter(party)))?;
        Self::id_of(&created)
    }

    fn submitted(&mut self, pool: &str, party: &str) -> Option<String> {
        let id = self.new_application(pool, party)?;
        self.call("POST", &format!("/api/v1/applications/{id}/submit"), None)?;
        Some(id)
    }

    /// The next free (cluster, year) for a new pool; odd years, so that a carry-over to the next year never collides.
    fn pool_slot(&mut self) -> Option<(String, i64)> {
        let needs_cluster = self.slot.as_ref().is_none_or(|(_, y)| *y >= 2097);
        if needs_cluster {
            let slug = format!("hslot-{}", self.next());
            self.call(
                "POST",
                "/api/v1/clusters",
                Some(json!({"slug": slug, "name": "Klynge til puljer", "region": "Region Nordjylland"})),
            )?;
            self.slot = Some((slug, 1999));
        }
        let (cluster, year) = self.slot.as_mut()?;
        *year += 2;
        Some((cluster.clone(), *year))
    }

    fn create(&mut self, kind: Fresh) -> Option<String> {
        match kind {
            Fresh::DraftApp => self.new_application("vest-2023", "thisted-kommune"),
            Fresh::SubmittedApp => self.submitted("vest-2023", "thisted-kommune"),
            Fresh::RecommendedApp => {
                let id = self.submitted("vest-2023", "thisted-kommune")?;
                let body = json!({"meeting_date": "2023-10-04", "recommended_amount": "1000.00"});
                self.call("POST", &format!("/api/v1/applications/{id}/recommendation"), Some(body))?;
                Some(id)
            }
            Fresh::EmailApp => self.submitted("hostil-2023", "hostil-kommune"),
            Fresh::Grant => {
                let id = self.create(Fresh::RecommendedApp)?;
                let body = json!({"level": "strategic", "outcome": "approved", "amount": "1000.00", "meeting_date": "2023-10-20", "reference": "Referat 20.10.2023, pkt. 4"});
                let decided = self.call("POST", &format!("/api/v1/applications/{id}/decision"), Some(body))?;
                decided["grant_id"].as_i64().map(|g| g.to_string())
            }
            Fresh::ApprovalRequest => {
                let app = self.submitted("hostil-2023", "hostil-kommune")?;
                let request =
                    self.call("POST", &format!("/api/v1/applications/{app}/approval-requests"), Some(json!({"level": "strategic"})))?;
                Self::id_of(&request)
            }
            Fresh::DraftPool | Fresh::OpenPool | Fresh::ClosedPool => {
                let (cluster, year) = self.pool_slot()?;
                let body = json!({"cluster": cluster, "year": year, "amount": "1000.00", "allocation_model": {"kind": "rolling"}});
                let pool = Self::id_of(&self.call("POST", "/api/v1/pools", Some(body))?)?;
                if kind != Fresh::DraftPool {
                    self.call("POST", &format!("/api/v1/pools/{pool}/open"), None)?;
                }
                if kind == Fresh::ClosedPool {
                    self.call("POST", &format!("/api/v1/pools/{pool}/close"), None)?;
                }
                Some(pool)
            }
            Fresh::CarryOver => {
                let pool = self.create(Fresh::ClosedPool)?;
                let body = json!({"recommendation_reference": "Referat 15.12.2023, pkt. 3"});
                Self::id_of(&self.call("POST", &format!("/api/v1/pools/{pool}/carry-overs"), Some(body))?)
            }
            Fresh::Key => {
                let body = json!({"user_id": self.user_id.parse::<i64>().unwrap_or(0), "name": "Nøgle til hostil test"});
                Self::id_of(&self.call("POST", "/api/v1/keys", Some(body))?)
            }
        }
    }

    fn fresh(&mut self, kind: Fresh) -> String {
        if let Some(id) = self.fresh.get(&kind) {
            return id.clone();
        }
        match self.create(kind) {
            Some(id) => {
                self.fresh.insert(kind, id.clone());
                id
            }
            None => {
                eprintln!("hostile ({:?}): could not make a fresh {kind:?}; using 999999", self.backend);
                "999999".into()
            }
        }
    }

    /// The demo's ids, and what the run makes for itself: a cluster whose strategic level approves
    /// by e-mail (`hostil`), one for reference-data writes (`hostil-ref`), a user.
    fn setup(&mut self) {
        if let Some(apps) = self.call("GET", "/api/v1/applications?limit=100", None) {
            self.app_id = apps["items"][0]["id"].as_i64().map_or("1".into(), |i| i.to_string());
        }
        if let Some(grants) = self.call("GET", "/api/v1/grants", None) {
            self.grant_id = grants["items"][0]["id"].as_i64().map_or("1".into(), |i| i.to_string());
        }
        if let Some(list) = self.call("GET", "/api/v1/pools/vest-2022/carry-overs", None) {
            self.carry_over_id = list[0]["id"].as_i64().map_or("1".into(), |i| i.to_string());
        }
        for (slug, name) in [("hostil", "Sundhedsklynge Hostil"), ("hostil-ref", "Sundhedsklynge Reference")] {
            self.call("POST", "/api/v1/clusters", Some(json!({"slug": slug, "name": name, "region": "Region Nordjylland"})));
            for (party, kind) in [("kommune", "municipality"), ("region", "region")] {
                let body = json!({"slug": format!("{slug}-{party}"), "name": format!("{name}, {party}"), "kind": kind});
                self.call("POST", &format!("/api/v1/clusters/{slug}/parties"), Some(body));
            }
        }
        let approvers = json!([
            {"name": "Regional medformand", "email": "medformand.region@example.org", "level": "strategic", "side": "regional", "party": "hostil-region", "role": "co_chair"},
            {"name": "Kommunal medformand", "email": "medformand.kommune@example.org", "level": "strategic", "side": "municipal", "party": "hostil-kommune", "role": "co_chair"},
            {"name": "Formand for sundhedsklyngeudvalget", "email": "udvalgsformand@example.org", "level": "political"},
        ]);
        let etag = self.etag("/api/v1/clusters/hostil/approvers").unwrap_or_default();
        let probe = Probe::new("PUT", "PUT /api/v1/clusters/hostil/approvers (setup)", "/api/v1/clusters/hostil/approvers".into(), "setup")
            .header("if-match", etag.as_bytes())
            .body(Some("application/json"), approvers.to_string().into_bytes());
        self.send(probe);
        let policy = json!({"recommendation_required": false, "strategic": "co_chairs_email", "email_mandate_reference": "Politisk niveau 09.11.2022, pkt. 3", "political": "email", "political_threshold": "100000.00"});
        let pool = json!({"cluster": "hostil", "year": 2023, "amount": "100000.00", "allocation_model": {"kind": "rolling"}, "approval_policy": policy});
        self.call("POST", "/api/v1/pools", Some(pool));
        self.call("POST", "/api/v1/pools/hostil-2023/open", None);
        let draft = json!({"cluster": "hostil-ref", "year": 2023, "amount": "1000.00", "allocation_model": {"kind": "rolling"}});
        self.call("POST", "/api/v1/pools", Some(draft));
        let user = json!({"name": "Testbruger", "email": "bruger.hostil@example.org", "role": "viewer", "clusters": ["vest"]});
        self.user_id = self.call("POST", "/api/v1/users", Some(user)).and_then(|u| Self::id_of(&u)).unwrap_or_else(|| "999999".into());
    }

    /// The current ETag of a resource (cached until a write changes it).
    fn etag(&mut self, path: &str) -> Option<String> {
        if let Some(tag) = self.etags.get(path) {
            return Some(tag.clone());
        }
        let op = format!("GET {path} (setup)");
        let answer = self.send(Probe::new("GET", &op, path.to_owned(), "setup: ETag"))?;
        let tag = answer.header("etag")?.to_owned();
        self.etags.insert(path.to_owned(), tag.clone());
        Some(tag)
    }

    // ---- operations from the document ----

    fn source(op: &Op, param: &str) -> Source {
        let (m, p) = (op.method.as_str(), op.path.as_str());
        let fixed = |s: &str| Source::Fixed(s.to_owned());
        match param {
            "cluster" if m == "GET" => fixed("vest"),
            // Reference-data writes go to a cluster of the run's own.
            "cluster" => fixed("hostil-ref"),
            "year" => fixed("2023"),
            "pool" => match (m, p.rsplit('/').next().unwrap_or("")) {
                ("PATCH", _) => fixed("hostil-ref-2023"),
                ("POST", "open") => Source::Fresh(Fresh::DraftPool),
                ("POST", "close") => Source::Fresh(Fresh::OpenPool),
                ("POST", "carry-overs") => Source::Fresh(Fresh::ClosedPool),
                ("POST", "reallocations") => fixed("midt-2022"),
                ("GET", "carry-overs") => fixed("vest-2022"),
                _ => fixed("vest-2023"),
            },
            _ => match (m, p) {
                ("GET", "/api/v1/applications/{id}") => Source::Fixed(String::new()),
                ("PATCH", _) if p.starts_with("/api/v1/applications/") => Source::Fresh(Fresh::DraftApp),
                (_, "/api/v1/applications/{id}/submit") => Source::Fresh(Fresh::DraftApp),
                (_, "/api/v1/applications/{id}/withdraw" | "/api/v1/applications/{id}/recommendation") => {
                    Source::Fresh(Fresh::SubmittedApp)
                }
                (_, "/api/v1/applications/{id}/decision") => Source::Fresh(Fresh::RecommendedApp),
                (_, "/api/v1/applications/{id}/approval-requests") => Source::Fresh(Fresh::EmailApp),
                (_, "/api/v1/carry-overs/{id}/decision" | "/api/v1/carry-overs/{id}/approval-requests") => Source::Fresh(Fresh::CarryOver),
                // A release without an amount releases everything: later releases would all be 409s.
                (_, "/api/v1/grants/{id}/release") => Source::Fresh(Fresh::Grant),
                (_, p) if p.starts_with("/api/v1/approvals/") => Source::Fresh(Fresh::ApprovalRequest),
                // Never the run's own key (scripts/schemathesis leaves this operation out for that reason):
                // a key made for the purpose.
                (_, p) if p.starts_with("/api/v1/keys/") => Source::Fresh(Fresh::Key),
                _ => Source::Fixed(String::new()),
            },
        }
    }

    /// Path parameters with real values (fresh resources made as needed).
    fn bind(&mut self, op: &Op) -> (BTreeMap<String, String>, Option<Fresh>) {
        let mut bound = BTreeMap::new();
        let mut uses = None;
        for param in op.params.iter().filter(|p| p.place == Place::Path) {
            let value = match Self::source(op, &param.name) {
                Source::Fixed(v) if !v.is_empty() => v,
                Source::Fixed(_) => match op.path.split('/').nth(3).unwrap_or("") {
                    "grants" => self.grant_id.clone(),
                    "carry-overs" => self.carry_over_id.clone(),
                    "users" => self.user_id.clone(),
                    _ => self.app_id.clone(),
                },
                Source::Fresh(kind) => {
                    uses = Some(kind);
                    self.fresh(kind)
                }
            };
            bound.insert(param.name.clone(), value);
        }
        (bound, uses)
    }

    /// The schema's sample made valid against the demo (and unique where it has to be).
    fn adjust(&mut self, op: &Op, body: &mut Value, bound: &BTreeMap<String, String>) {
        match op.key().as_str() {
            "POST /api/v1/clusters" => set(body, "/slug", json!(format!("hostil-{}", self.next()))),
            "POST /api/v1/clusters/{cluster}/parties" => set(body, "/slug", json!(format!("part-{}", self.next()))),
            "PUT /api/v1/clusters/{cluster}/approvers" => {
                set(body, "/0/party", json!("hostil-ref-region"));
                set(body, "/0/email", json!("medformand@example.org"));
            }
            "POST /api/v1/pools" => {
                if let Some((cluster, year)) = self.pool_slot() {
                    set(body, "/cluster", json!(cluster));
                    set(body, "/year", json!(year));
                }
            }
            "POST /api/v1/distributions" => {
                if let Some((cluster, year)) = self.pool_slot() {
                    set(body, "/populations/0/cluster", json!(cluster));
                    set(body, "/year", json!(year));
                }
            }
            "POST /api/v1/pools/{pool}/applications" | "PATCH /api/v1/applications/{id}" => {
                let charter = Self::charter("thisted-kommune");
                for (field, value) in charter.as_object().into_iter().flatten() {
                    set(body, &format!("/{field}"), value.clone());
                }
            }
            "POST /api/v1/carry-overs/{id}/decision" => {
                set(body, "/level", json!("political"));
                set(body, "/meeting_date", json!("2024-01-26"));
            }
            "POST /api/v1/pools/{pool}/carry-overs" => {
                let year = bound.get("pool").and_then(|p| p.rsplit('-').next()).and_then(|y| y.parse::<i64>().ok()).unwrap_or(2023);
                set(body, "/to_year", json!(year + 1));
                set(body, "/bucket", json!("ad_hoc"));
                set(body, "/recommendation_date", json!(format!("{year}-12-15")));
            }
            "POST /api/v1/pools/{pool}/reallocations" => {
                set(body, "/from_bucket", json!("upfront"));
                set(body, "/to_bucket", json!("ad_hoc"));
                set(body, "/amount", json!("1.00"));
                set(body, "/meeting_date", json!("2022-10-01"));
            }
            "POST /api/v1/grants/{id}/disbursements" | "POST /api/v1/grants/{id}/release" => set(body, "/amount", json!("1.00")),
            "POST /api/v1/keys" => set(body, "/user_id", json!(self.user_id.parse::<i64>().unwrap_or(0))),
            "POST /api/v1/users" => {
                set(body, "/email", json!(format!("bruger{}@example.org", self.next())));
                set(body, "/role", json!("viewer"));
                set(body, "/clusters", json!(["vest"]));
            }
            "PATCH /api/v1/users/{id}" => {
                set(body, "/email", json!("bruger.hostil@example.org"));
                set(body, "/role", json!("viewer"));
                set(body, "/clusters", json!(["vest"]));
            }
            "POST /api/v1/reports/model-simulation" => set(body, "/pool", json!("vest-2022")),
            "POST /api/v1/applications/{id}/recommendation" => set(body, "/meeting_date", json!("2023-10-04")),
            "POST /api/v1/applications/{id}/decision" => set(body, "/meeting_date", json!("2023-10-20")),
            _ => {}
        }
    }

    fn csv_baseline(op: &Op) -> (Vec<String>, Vec<String>) {
        if op.path.ends_with("/import") {
            let header = [
                "title",
                "applicant_party",
                "target_populations",
                "purpose",
                "goals",
                "organisation",
                "evaluation",
                "expense_kind",
                "requested_amount",
                "budget",
                "starts_on",
                "ends_on",
                "bucket",
                "origin",
                "contact_email",
            ];
            let row = [
                "Importeret projekt",
                "thisted-kommune",
                "vulnerable_elderly|chronic_disease",
                "Formål",
                "Mål",
                "Organisation",
                "Evaluering",
                "development",
                "1000.00",
                "2023:1000.00",
                "2023-10-01",
                "2024-06-30",
                "rolling",
                "cluster",
                "projektleder@example.org",
            ];
            (header.map(str::to_owned).to_vec(), row.map(str::to_owned).to_vec())
        } else {
            (
                ["target_population", "municipality", "count"].map(str::to_owned).to_vec(),
                ["vulnerable_elderly", "Hostil Kommune", "1000"].map(str::to_owned).to_vec(),
            )
        }
    }

    fn csv(header: &[Vec<u8>], rows: &[Vec<Vec<u8>>]) -> Vec<u8> {
        let line = |cells: &[Vec<u8>]| {
            let mut out = cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(&b","[..]);
            out.extend_from_slice(b"\r\n");
            out
        };
        let mut out = line(header);
        for row in rows {
            out.extend(line(row));
        }
        out
    }

    /// The probes of one operation: the baseline, then one change at a time.
    fn operation(&mut self, op: &Op, doc: &Value, values: &[Hostile]) {
        let key = op.key();
        let mut changes: Vec<Change> = vec![Change::Baseline];
        let small = |h: &&Hostile| h.raw.as_ref().is_some_and(|r| r.len() <= URL_MAX);
        for param in &op.params {
            match param.place {
                Place::Path => {
                    for h in values.iter().filter(small) {
                        changes.push(Change::Path(param.name.clone(), percent(h.raw.as_deref().unwrap_or_default()), h.name.clone()));
                    }
                    for (label, v) in [
                        ("'..%2F..'", "..%2F..%2Fetc%2Fpasswd"),
                        ("-1", "-1"),
                        ("0", "0"),
                        ("20 digits", "99999999999999999999"),
                        ("%zz", "%zz"),
                    ] {
                        changes.push(Change::Path(param.name.clone(), v.into(), label.into()));
                    }
                }
                Place::Query => {
                    let n = &param.name;
                    for h in values.iter().filter(small) {
                        changes.push(Change::Query(
                            format!("{n}={}", percent(h.raw.as_deref().unwrap_or_default())),
                            format!("query {n} = {}", h.name),
                        ));
                    }
                    for (label, q) in
                        [("%zz", format!("{n}=%zz")), ("%", format!("{n}=%")), ("twice", format!("{n}=1&{n}=2")), ("no '='", n.clone())]
                    {
                        changes.push(Change::Query(q, format!("query {n} {label}")));
                    }
                }
                Place::Header => {
                    for h in values.iter().filter(|h| h.raw.as_ref().is_some_and(|r| header_safe(r))) {
                        changes.push(Change::Header(param.name.clone(), h.raw.clone().unwrap_or_default(), h.name.clone(), false));
                    }
                    for (label, v) in [
                        ("*", "*".to_owned()),
                        ("weak", "W/\"1\"".to_owned()),
                        ("lone quote", "\"".to_owned()),
                        ("8,000 tags", "\"a\",".repeat(2000)),
                    ] {
                        changes.push(Change::Header(param.name.clone(), v.into_bytes(), label.into(), false));
                    }
                }
            }
        }
        // Idempotency-Key is read by middleware on every POST: hostile keys on a few of them.
        if matches!(
            key.as_str(),
            "POST /api/v1/clusters" | "POST /api/v1/pools/{pool}/applications" | "POST /api/v1/grants/{id}/disbursements"
        ) {
            for h in values.iter().filter(|h| h.raw.as_ref().is_some_and(|r| header_safe(r))) {
                changes.push(Change::Header("Idempotency-Key".into(), h.raw.clone().unwrap_or_default(), h.name.clone(), false));
            }
        }
        let header_values = || values.iter().filter(|h| h.raw.as_ref().is_some_and(|r| header_safe(r)));
        // Content negotiation (JSON, CSV, HTML, Word) reads Accept on the reads.
        if op.method == "GET" {
            for h in header_values() {
                changes.push(Change::Header("Accept".into(), h.raw.clone().unwrap_or_default(), h.name.clone(), false));
            }
            for (label, v) in
                [("bad q", "text/csv;q=abc, */*;q=-1"), ("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
            {
                changes.push(Change::Header("Accept".into(), v.as_bytes().to_vec(), label.into(), false));
            }
        }
        // Hostile keys must be refused (401), never taken for a key; a read and a write are enough.
        if matches!(key.as_str(), "GET /api/v1/clusters" | "POST /api/v1/clusters") {
            for h in header_values() {
                let mut v = b"Bearer ".to_vec();
                v.extend_from_slice(h.raw.as_deref().unwrap_or_default());
                changes.push(Change::Header("Authorization".into(), v, format!("Bearer {}", h.name), true));
            }
            for (label, v) in [("Basic", "Basic YWRtaW46YWRtaW4="), ("Bearer alone", "Bearer"), ("two keys", "Bearer kmk_0 kmk_1")] {
                changes.push(Change::Header("Authorization".into(), v.as_bytes().to_vec(), label.into(), true));
            }
        }
        if matches!(op.body, BodyKind::Json(_)) {
            for (label, v, refuse) in [
                ("charset=utf-16", "application/json; charset=utf-16".to_owned(), false),
                ("multipart", "multipart/form-data; boundary=x".to_owned(), true),
                ("30,000 '-'", "-".repeat(30_000), true),
                ("RTL override", "application/\u{202e}json".to_owned(), true),
            ] {
                changes.push(Change::Header("Content-Type".into(), v.into_bytes(), label.into(), refuse));
            }
        }
        match &op.body {
            BodyKind::Json(schema) => {
                let probe_body = sample(doc, schema, "");
                let (mut strings, mut numbers) = (Vec::new(), Vec::new());
                leaves(&probe_body, &mut Vec::new(), &mut strings, &mut numbers);
                for path in &strings {
                    for (i, _) in values.iter().enumerate() {
                        changes.push(Change::Leaf(path.clone(), i, false));
                    }
                }
                for path in &numbers {
                    for i in 0..hostile_numbers().len() {
                        changes.push(Change::Leaf(path.clone(), i, true));
                    }
                }
                if strings.len() > 1 {
                    for i in 0..values.len() {
                        changes.push(Change::AllStrings(strings.clone(), i));
                    }
                }
                let array = type_of(deref(doc, schema)) == "array";
                for whole in [
                    Whole::Nested,
                    Whole::DeepArray,
                    Whole::Trailing,
                    Whole::Twice,
                    Whole::WrongShape(array),
                    Whole::Empty,
                    Whole::Null,
                    Whole::OneMb(strings.first().cloned()),
                    Whole::TextPlain,
                    Whole::NoContentType,
                ] {
                    changes.push(Change::Whole(whole));
                }
            }
            BodyKind::Csv => {
                let (_, row) = Self::csv_baseline(op);
                for column in 0..row.len() {
                    for (i, h) in values.iter().enumerate() {
                        if h.raw.is_some() {
                            changes.push(Change::Cell(column, i));
                        }
                    }
                }
                for (i, h) in values.iter().enumerate() {
                    if h.raw.as_ref().is_some_and(|r| r.len() <= URL_MAX) {
                        changes.push(Change::HeaderCell(i));
                    }
                }
                for whole in [
                    Whole::CsvOneMb,
                    Whole::CsvEmpty,
                    Whole::CsvHeaderOnly,
                    Whole::CsvExcel,
                    Whole::CsvQuote,
                    Whole::CsvManyRows,
                    Whole::CsvJson,
                ] {
                    changes.push(Change::Whole(whole));
                }
            }
            BodyKind::None => {}
        }
        let numbers = hostile_numbers();
        for change in changes {
            if self.over_budget() {
                return;
            }
            self.attempt(op, doc, values, &numbers, &change);
        }
    }

    fn attempt(&mut self, op: &Op, doc: &Value, values: &[Hostile], numbers: &[Hostile], change: &Change) {
        let key = op.key();
        let (mut bound, uses) = self.bind(op);
        let mut what = String::from("baseline");
        let mut refuse: Option<String> = None;
        if let Change::Path(name, value, label) = change {
            bound.insert(name.clone(), value.clone());
            what = format!("path {{{name}}} = {label}");
        }
        let mut target = op.path.clone();
        for (name, value) in &bound {
            target = target.replace(&format!("{{{name}}}"), value);
        }
        let resource = target.clone();
        // The reports need a year; every other change keeps it.
        let year = op.path.starts_with("/api/v1/reports/") && op.method == "GET";
        match change {
            Change::Query(q, label) => {
                let base = if year && !q.starts_with("year") { "year=2023&" } else { "" };
                target = format!("{target}?{base}{q}");
                what = label.clone();
            }
            _ if year => target = format!("{target}?year=2023"),
            _ => {}
        }
        let mut probe = Probe::new(&op.method, &key, target, "");
        let mut if_match_set = false;
        let mut content_type_set = false;
        if let Change::Header(name, value, label, must_refuse) = change {
            if name == "Authorization" {
                probe = probe.anonymous();
            }
            probe = probe.header(name, value);
            if_match_set = name.eq_ignore_ascii_case("if-match");
            content_type_set = name.eq_ignore_ascii_case("content-type");
            what = format!("header {name} = {label}");
            refuse = must_refuse.then(|| format!("{name} {label}"));
        }
        // A hostile path names nothing that has an ETag: the request goes without If-Match.
        let hostile_path = matches!(change, Change::Path(..));
        if op.params.iter().any(|p| p.name.eq_ignore_ascii_case("if-match")) && !if_match_set && !hostile_path {
            if let Some(tag) = self.etag(&resource) {
                probe = probe.header("If-Match", tag.as_bytes());
            }
        }
        match &op.body {
            BodyKind::Json(schema) => {
                let mut rules = BTreeMap::new();
                let mut baseline = sample_at(doc, schema, "", "body", &mut rules);
                self.adjust(op, &mut baseline, &bound);
                let text = baseline.to_string().into_bytes();
                let json_ct = if content_type_set { None } else { Some("application/json") };
                probe = match change {
                    Change::Leaf(path, i, false) => {
                        let h = &values[*i];
                        let at = pointer(path);
                        refuse = if h.refuse {
                            Some(if h.raw.is_some() { "not text".to_owned() } else { "not a string".to_owned() })
                        } else {
                            h.raw.as_deref().and_then(|raw| rules.get(&at).and_then(|rule| rule.forbids(raw)))
                        };
                        what = format!("{at} = {}", h.name);
                        probe.body(json_ct, with_raw(&baseline, path, &h.json))
                    }
                    Change::AllStrings(paths, i) => {
                        let h = &values[*i];
                        what = format!("every string field = {}", h.name);
                        refuse = h.refuse.then(|| "not text, or not a string".to_owned());
                        probe.body(json_ct, with_raw_all(&baseline, paths, &h.json))
                    }
                    Change::Leaf(path, i, true) => {
                        let h = &numbers[*i];
                        what = format!("{} = {}", pointer(path), h.name);
                        refuse = h.refuse.then(|| "wrong JSON type".to_owned());
                        probe.body(json_ct, with_raw(&baseline, path, &h.json))
                    }
                    Change::Whole(whole) => {
                        let (label, body, ct, must_refuse): (&str, Vec<u8>, Option<&str>, bool) = match whole {
                            Whole::Nested => ("whole body = 20-level nested object", nested(20).into_bytes(), json_ct, true),
                            Whole::DeepArray => (
                                "whole body = 10,000-level nested array",
                                [b"[".repeat(10_000), b"]".repeat(10_000)].concat(),
                                json_ct,
                                true,
                            ),
                            Whole::Trailing => ("data after the JSON value: ' x'", [text.clone(), b" x".to_vec()].concat(), json_ct, true),
                            Whole::Twice => {
                                ("data after the JSON value: the JSON twice", [text.clone(), text.clone()].concat(), json_ct, true)
                            }
                            Whole::WrongShape(true) => ("whole body = {} (an array is expected)", b"{}".to_vec(), json_ct, true),
                            Whole::WrongShape(false) => ("whole body = [] (an object is expected)", b"[]".to_vec(), json_ct, true),
                            Whole::Empty => ("empty body", Vec::new(), json_ct, false),
                            Whole::Null => ("whole body = null", b"null".to_vec(), json_ct, false),
                            Whole::OneMb(Some(path)) => (
                                "1 MB string (over the body limit)",
                                with_raw(&baseline, path, &serde_json::to_vec(&"a".repeat(ONE_MB)).unwrap_or_default()),
                                json_ct,
                                true,
                            ),
                            Whole::OneMb(None) => {
                                ("1 MB body (over the body limit)", [text.clone(), vec![b' '; ONE_MB]].concat(), json_ct, true)
                            }
                            Whole::TextPlain => ("the JSON sent as text/plain", text.clone(), Some("text/plain"), true),
                            Whole::NoContentType => ("the JSON without a content type", text.clone(), None, false),
                            _ => ("baseline", text.clone(), json_ct, false),
                        };
                        what = label.to_owned();
                        refuse = must_refuse.then(|| label.split(':').next().unwrap_or(label).to_owned());
                        probe.body(ct, body)
                    }
                    _ => probe.body(json_ct, text),
                };
            }
            BodyKind::Csv => {
                let (header, row) = Self::csv_baseline(op);
                let header: Vec<Vec<u8>> = header.into_iter().map(String::into_bytes).collect();
                let row: Vec<Vec<u8>> = row.into_iter().map(String::into_bytes).collect();
                let csv_ct = if content_type_set { None } else { Some("text/csv") };
                probe = match change {
                    Change::Cell(column, i) => {
                        let mut changed = row.clone();
                        changed[*column] = values[*i].raw.clone().unwrap_or_default();
                        what = format!("csv cell {} = {}", String::from_utf8_lossy(&header[*column]), values[*i].name);
                        probe.body(csv_ct, Self::csv(&header, &[changed]))
                    }
                    Change::HeaderCell(i) => {
                        let mut changed = header.clone();
                        changed[0] = values[*i].raw.clone().unwrap_or_default();
                        what = format!("csv header cell 1 = {}", values[*i].name);
                        probe.body(csv_ct, Self::csv(&changed, std::slice::from_ref(&row)))
                    }
                    Change::Whole(whole) => {
                        let plain = Self::csv(&header, std::slice::from_ref(&row));
                        let (label, body, ct, must_refuse): (&str, Vec<u8>, Option<&str>, bool) = match whole {
                            Whole::CsvOneMb => {
                                let mut big = row.clone();
                                big[0] = vec![b'a'; ONE_MB];
                                ("1 MB cell (over the body limit)", Self::csv(&header, &[big]), csv_ct, true)
                            }
                            Whole::CsvEmpty => ("empty file", Vec::new(), csv_ct, true),
                            Whole::CsvHeaderOnly => ("header line only", Self::csv(&header, &[]), csv_ct, false),
                            Whole::CsvExcel => {
                                let text = String::from_utf8_lossy(&plain).replace(',', ";").replace("1000.00", "1000,00");
                                (
                                    "Danish Excel dialect (BOM, ';', decimal comma)",
                                    [b"\xef\xbb\xbf".to_vec(), text.into_bytes()].concat(),
                                    csv_ct,
                                    false,
                                )
                            }
                            Whole::CsvQuote => {
                                ("an unbalanced quote", [plain.clone(), b"\"unbalanced,x\r\n".to_vec()].concat(), csv_ct, true)
                            }
                            Whole::CsvManyRows => {
                                let rows: Vec<Vec<Vec<u8>>> = (0..3000)
                                    .map(|n| {
                                        let mut r = row.clone();
                                        r[1] =
                                            if op.path.ends_with("/import") { r[1].clone() } else { format!("Kommune {n}").into_bytes() };
                                        r
                                    })
                                    .collect();
                                let rows = if op.path.ends_with("/import") { rows[..100].to_vec() } else { rows };
                                ("3,000 rows (100 drafts for the import)", Self::csv(&header, &rows), csv_ct, false)
                            }
                            Whole::CsvJson => ("sent as application/json", plain.clone(), Some("application/json"), true),
                            _ => ("baseline", plain.clone(), csv_ct, false),
                        };
                        what = label.to_owned();
                        refuse = must_refuse.then(|| label.split(':').next().unwrap_or(label).to_owned());
                        probe.body(ct, body)
                    }
                    _ => probe.body(csv_ct, Self::csv(&header, &[row])),
                };
            }
            BodyKind::None => {}
        }
        probe.what = what;
        let probe = probe.refuse(refuse);
        let Some(answer) = self.send(probe) else { return };
        if matches!(change, Change::Baseline) {
            self.baseline = Some(answer.status);
        }
        if (200..300).contains(&answer.status) {
            if let Some(kind) = uses.filter(|_| op.method == "POST") {
                self.fresh.remove(&kind);
            }
            if let Some(tag) = answer.header("etag") {
                if op.method != "GET" {
                    self.etags.insert(resource.clone(), tag.to_owned());
                }
            }
        } else if answer.status == 412 {
            self.etags.remove(&resource);
        }
    }

    // ---- pages for people ----

    /// The approval page: hostile tokens, and hostile form fields with real tokens from the mail.
    fn approval_page(&mut self, values: &[Hostile]) {
        let op_get = "GET /approvals/{token}";
        let op_post = "POST /approvals/{token}";
        let form_ct = Some("application/x-www-form-urlencoded");
        for h in values.iter().filter(|h| h.raw.as_ref().is_some_and(|r| r.len() <= URL_MAX)) {
            let token = percent(h.raw.as_deref().unwrap_or_default());
            self.send(Probe::new("GET", op_get, format!("/approvals/{token}"), format!("token = {}", h.name)).anonymous());
            let form = format!("decision=approve&comment=x&nonce={token}").into_bytes();
            self.send(
                Probe::new("POST", op_post, format!("/approvals/{token}"), format!("token = {}", h.name)).anonymous().body(form_ct, form),
            );
        }
        // Real links: each decision uses one up, so ask for enough of them.
        let comments: Vec<&Hostile> = values.iter().filter(|h| h.raw.is_some()).collect();
        let before = self.smtp.messages().len();
        let mut requests = 0;
        for _ in 0..comments.len().div_ceil(2) + 1 {
            if self.create(Fresh::ApprovalRequest).is_some() {
                requests += 1;
            }
        }
        let mails = self.smtp.wait_for(before + 2 * requests);
        let mut tokens: Vec<String> = mails[before.min(mails.len())..].iter().flat_map(|m| links(m)).collect();
        tokens.dedup();
        if tokens.is_empty() {
            self.violation(op_post, "setup", "no approval mail arrived: the page was not tried with real tokens".into(), String::new());
            return;
        }
        let nonce_of = |page: &str| {
            page.find("name=\"nonce\" value=\"").map(|at| page[at + 20..].chars().take_while(|c| *c != '"').collect::<String>())
        };
        // First the fields that decide nothing: a hostile decision or nonce with a live token.
        let first = tokens[0].clone();
        for h in &comments {
            let v = percent(h.raw.as_deref().unwrap_or_default());
            for (field, form) in [
                ("decision", format!("decision={v}&comment=x&nonce=x")),
                ("nonce", format!("decision=approve&comment=x&nonce={v}&confirm=yes")),
            ] {
                let p = Probe::new("POST", op_post, format!("/approvals/{first}"), format!("real token, form {field} = {}", h.name));
                self.send(p.anonymous().body(form_ct, form.into_bytes()));
            }
        }
        for (label, form) in [("form not urlencoded (%zz)", b"decision=%zz&comment=%&nonce=".to_vec()), ("form fields missing", Vec::new())]
        {
            let p = Probe::new("POST", op_post, format!("/approvals/{first}"), format!("real token, {label}"));
            self.send(p.anonymous().body(form_ct, form));
        }
        let p = Probe::new("POST", op_post, format!("/approvals/{first}"), "real token, 1 MB comment");
        self.send(p.anonymous().body(form_ct, format!("decision=approve&comment={}&nonce=x", "a".repeat(ONE_MB)).into_bytes()));
        // Then decisions with hostile comments, one link each (two co-chairs per request: approve, then reject).
        let mut next = 0;
        for (n, h) in comments.iter().enumerate() {
            let Some(token) = tokens.get(next).cloned() else { break };
            let shown = self.send(Probe::new("GET", op_get, format!("/approvals/{token}"), "real token (to read its form)").anonymous());
            let Some(nonce) = shown.as_ref().filter(|a| a.status == 200).and_then(|a| nonce_of(&a.text())) else {
                next += 1;
                continue;
            };
            let decision = if n % 2 == 0 { "approve" } else { "reject" };
            let form = format!("decision={decision}&comment={}&nonce={nonce}&confirm=yes", percent(h.raw.as_deref().unwrap_or_default()));
            let p = Probe::new("POST", op_post, format!("/approvals/{token}"), format!("real token, comment = {}", h.name));
            if self.send(p.anonymous().body(form_ct, form.into_bytes())).is_some_and(|a| a.status != 400 && a.status != 413) {
                next += 1;
            }
        }
    }

    /// The dashboard: its sign-in form, its cookie and its picker.
    fn dashboard(&mut self, values: &[Hostile]) {
        let form_ct = Some("application/x-www-form-urlencoded");
        for h in values.iter().filter(|h| h.raw.is_some()) {
            let form = format!("key={}", percent(h.raw.as_deref().unwrap_or_default())).into_bytes();
            self.send(
                Probe::new("POST", "POST /dashboard/login", "/dashboard/login".into(), format!("form key = {}", h.name))
                    .anonymous()
                    .body(form_ct, form),
            );
        }
        let p = Probe::new("POST", "POST /dashboard/login", "/dashboard/login".into(), "form not urlencoded (%zz)");
        self.send(p.anonymous().body(form_ct, b"key=%zz".to_vec()));
        let cookie = format!("klyngemidler_dashboard={}", self.key);
        for h in values.iter().filter(|h| h.raw.as_ref().is_some_and(|r| r.len() <= URL_MAX)) {
            let v = percent(h.raw.as_deref().unwrap_or_default());
            for field in ["year", "cluster"] {
                let p = Probe::new("GET", "GET /dashboard", format!("/dashboard?{field}={v}"), format!("query {field} = {}", h.name));
                self.send(p.anonymous().header("cookie", cookie.as_bytes()));
            }
            if h.raw.as_ref().is_some_and(|r| header_safe(r)) {
                let mut value = b"klyngemidler_dashboard=".to_vec();
                value.extend_from_slice(h.raw.as_deref().unwrap_or_default());
                let p = Probe::new("GET", "GET /dashboard", "/dashboard".into(), format!("cookie = {}", h.name));
                self.send(p.anonymous().header("cookie", &value));
            }
        }
        self.send(Probe::new("POST", "POST /dashboard/logout", "/dashboard/logout".into(), "logout").anonymous());
    }

    /// 2,000 requests with made-up methods; `/metrics` must not grow with them, nor the process.
    fn made_up_methods(&mut self) {
        let size =
            |run: &mut Run| run.send(Probe::new("GET", "GET /metrics", "/metrics".into(), "metrics size")).map_or(0, |a| a.body.len());
        let paths = ["/metrics", "/api/v1/pools/vest-2023", "/api/v1/clusters", "/healthz", "/nothing-here"];
        let mut seed: u64 = 0x5eed_1234_abcd_0001;
        // Two halves: the first may add a few series (OPTIONS on a route is a fair label); the second,
        // with other invented methods only, must add next to nothing, or the counters grow without bound.
        let mut sizes = vec![size(self)];
        for half in 0..2 {
            for n in 0..RANDOM_METHODS / 2 {
                if self.over_budget() {
                    return;
                }
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let letters: String = (0..3 + (seed >> 61) as usize).map(|i| (b'A' + ((seed >> (i * 5)) % 26) as u8) as char).collect();
                // Mostly invented tokens (FOO123), and now and then real but unrouted ones.
                let odd = ["OPTIONS", "TRACE", "HEAD", "PROPFIND", "get"];
                let method = if n % 40 == 0 {
                    odd[(n / 40) % odd.len()].to_owned()
                } else {
                    format!("{letters}{}", (seed >> 33) % 1000 + half * 1000)
                };
                let path = paths[n % paths.len()];
                let op = format!("(made-up method) {path}");
                self.send(Probe::new(&method, &op, path.to_owned(), format!("method {method}")));
            }
            sizes.push(size(self));
        }
        eprintln!("hostile ({:?}): /metrics {sizes:?} bytes before, halfway and after {RANDOM_METHODS} made-up methods", self.backend);
        if sizes[2] > sizes[1] + METRICS_GROWTH_LIMIT {
            let status = format!("/metrics grew from {} to {} to {} bytes", sizes[0], sizes[1], sizes[2]);
            self.violation("GET /metrics", &format!("after {RANDOM_METHODS} requests with made-up methods"), status, String::new());
        }
    }

    /// Everything the run stored is read back: every read, in each format, and the pages.
    fn read_back(&mut self, ops: &[Op]) {
        for op in ops.iter().filter(|op| op.method == "GET") {
            if self.over_budget() {
                return;
            }
            let key = op.key();
            let (bound, _) = self.bind(op);
            let mut target = op.path.clone();
            for (name, value) in &bound {
                target = target.replace(&format!("{{{name}}}"), value);
            }
            let query = if op.path.starts_with("/api/v1/reports/") { "?year=2023" } else { "" };
            let dialect = if op.path.starts_with("/api/v1/exports/") { "?dialect=excel-da" } else { "" };
            for (accept, q) in [("application/json", query), ("text/csv", query), ("text/html", query), ("text/csv", dialect)] {
                let p = Probe::new("GET", &key, format!("{target}{q}"), format!("read back, Accept {accept}{q}"));
                self.send(p.header("accept", accept.as_bytes()));
            }
        }
        let cookie = format!("klyngemidler_dashboard={}", self.key);
        for year in [2022, 2023, 2030] {
            let p = Probe::new("GET", "GET /dashboard", format!("/dashboard?year={year}"), "read back");
            self.send(p.anonymous().header("cookie", cookie.as_bytes()));
        }
    }

    fn finish(mut self) {
        let health = self.send(Probe::new("GET", "GET /healthz", "/healthz".into(), "at the end").anonymous());
        if health.as_ref().is_none_or(|a| a.status != 200) {
            self.violation("GET /healthz", "at the end", "does not answer 200".into(), String::new());
        }
        if let Ok(Some(status)) = self.server.child.try_wait() {
            self.violation("(the process)", "at the end", format!("exited ({status})"), String::new());
        }
        let panics: BTreeSet<String> = log_lines(&self.log, 0)
            .into_iter()
            // Stack overflows abort the process and are listed with the request that caused them.
            .filter(|l| l.contains("panicked"))
            .map(|l| normalise(&l.chars().take(240).collect::<String>()))
            .collect();
        for line in panics {
            self.violation("(server log)", "during the run", "panic".into(), line);
        }
        if self.peak_kb > RSS_LIMIT_KB {
            let status = format!("peak RSS {:.1} MB over {} MB", self.peak_kb as f64 / 1024.0, RSS_LIMIT_KB / 1024);
            self.violation("(the process)", "memory", status, String::new());
        }
        eprintln!(
            "hostile ({:?}): {} requests in {:.1} s, {} restart(s), peak RSS {:.1} MB, {} violation(s)",
            self.backend,
            self.requests,
            self.started.elapsed().as_secs_f64(),
            self.deaths,
            self.peak_kb as f64 / 1024.0,
            self.violations.len()
        );
        let _ = std::fs::remove_file(&self.log);
        if !self.violations.is_empty() {
            panic!("{}", report(self.backend, &self.violations));
        }
    }
}

enum Change {
    Baseline,
    Path(String, String, String),
    Query(String, String),
    /// Name, value, label, whether it must be refused.
    Header(String, Vec<u8>, String, bool),
    /// A body leaf: path, index into the values (or into the number values when the flag is set).
    Leaf(Vec<Seg>, usize, bool),
    /// Every string field of the body at once.
    AllStrings(Vec<Vec<Seg>>, usize),
    Cell(usize, usize),
    HeaderCell(usize),
    Whole(Whole),
}

enum Whole {
    Nested,
    DeepArray,
    Trailing,
    Twice,
    WrongShape(bool),
    Empty,
    Null,
    OneMb(Option<Vec<Seg>>),
    TextPlain,
    NoContentType,
    CsvOneMb,
    CsvEmpty,
    CsvHeaderOnly,
    CsvExcel,
    CsvQuote,
    CsvManyRows,
    CsvJson,
}

/// Every violation, grouped by (status, operation, body): the changes that gave it are listed together.
fn report(backend: Backend, violations: &[Violation]) -> String {
    // (status, operation, body) with digits folded → (a status and a body as they were, the changes).
    type Group<'a> = (&'a str, &'a str, &'a str, Vec<&'a str>);
    let mut groups: BTreeMap<(String, &str, String), Group> = BTreeMap::new();
    for v in violations {
        // What an accepted request answered says nothing about the cause: one group per operation.
        let cause = if v.status.contains("accepted") { String::new() } else { normalise(&v.body) };
        let entry = groups.entry((normalise(&v.status), v.op.as_str(), cause)).or_insert((
            v.status.as_str(),
            v.body.as_str(),
            v.log.as_str(),
            Vec::new(),
        ));
        entry.3.push(v.what.as_str());
    }
    let mut out = format!("{} hostile-input violation(s) on {backend:?}, {} group(s):\n", violations.len(), groups.len());
    for ((_, op, _), (status, body, log, whats)) in groups {
        let mut seen = BTreeSet::new();
        let whats: Vec<&str> = whats.into_iter().filter(|w| seen.insert(*w)).collect();
        let n = whats.len();
        let shown: Vec<&str> = whats.into_iter().take(64).collect();
        let more = if n > shown.len() { format!("; … {} more", n - shown.len()) } else { String::new() };
        let _ = writeln!(out, "- [{status}] {op} ← {}{more}", shown.join("; "));
        if !body.is_empty() {
            let _ = writeln!(out, "    {body}");
        }
        if !log.is_empty() {
            let _ = writeln!(out, "    server log: {log}");
        }
    }
    out
}

fn hostile_run(backend: Backend) {
    let Some(db) = TestDb::new(backend) else { return };
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json")).expect("the committed document"),
    )
    .expect("the document is JSON");
    let ops = operations(&doc);
    assert!(ops.len() > 50, "the document lists the operations ({})", ops.len());
    let values = hostiles();
    let mut run = Run::new(backend, &db);
    run.setup();
    let before = (run.requests, Instant::now());
    run.approval_page(&values);
    run.dashboard(&values);
    eprintln!("hostile ({backend:?}): setup and pages — {} requests, {:.1} s", run.requests - before.0, before.1.elapsed().as_secs_f64());
    for op in &ops {
        if run.over_budget() {
            break;
        }
        let before = (run.requests, Instant::now());
        run.baseline = None;
        run.statuses.clear();
        run.operation(op, &doc, &values);
        let (n, secs) = (run.requests - before.0, before.1.elapsed().as_secs_f64());
        let baseline = run.baseline.map_or("none".to_owned(), |s| s.to_string());
        eprintln!("hostile ({backend:?}): {} — {n} requests in {secs:.1} s, baseline {baseline}, answers {:?}", op.key(), run.statuses);
    }
    let before = (run.requests, Instant::now());
    run.read_back(&ops);
    eprintln!("hostile ({backend:?}): read back — {} requests, {:.1} s", run.requests - before.0, before.1.elapsed().as_secs_f64());
    let before = (run.requests, Instant::now());
    run.made_up_methods();
    eprintln!("hostile ({backend:?}): made-up methods — {} requests, {:.1} s", run.requests - before.0, before.1.elapsed().as_secs_f64());
    run.finish();
    drop(db);
}

#[test]
fn hostile_input_on_sqlite() {
    hostile_run(Backend::Sqlite);
}

#[test]
fn hostile_input_on_postgres() {
    hostile_run(Backend::Postgres);
}
