//! `/metrics` in the Prometheus text format, read by a strict parser of
//! that format (written here: no light crate fits).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::api_test;
use crate::applications::vest_2022;

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

fn is_name(s: &str, colons: bool) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colons && c == ':'))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colons && c == ':'))
}

fn value(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        t => t.parse::<f64>().map_err(|_| format!("not a value: {t:?}")),
    }
}

fn labels(text: &str, line: usize) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut map = BTreeMap::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(' ');
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((map, after));
        }
        let (name, after) = rest.split_once("=\"").ok_or(format!("line {line}: label without =\""))?;
        if !is_name(name, false) || name.starts_with("__") {
            return Err(format!("line {line}: bad label name {name:?}"));
        }
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => return Err(format!("line {line}: bad escape {other:?}")),
                },
                Some((i, '"')) => break i,
                Some((_, '\n')) | None => return Err(format!("line {line}: unterminated label value")),
                Some((_, c)) => value.push(c),
            }
        };
        if map.insert(name.to_owned(), value).is_some() {
            return Err(format!("line {line}: label {name} twice"));
        }
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// Parses the text format (version 0.0.4) strictly: names, labels and
/// escapes, one TYPE per family before its samples, families contiguous,
/// no duplicate series, histogram buckets cumulative with `+Inf` = `_count`.
pub fn parse(text: &str) -> Result<Vec<Sample>, String> {
    if !text.ends_with('\n') {
        return Err("the last line must end with a newline".into());
    }
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut finished: BTreeSet<String> = BTreeSet::new();
    let mut current: Option<String> = None;
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut samples = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let parts: Vec<&str> = comment.trim_start().splitn(3, ' ').collect();
            match parts.as_slice() {
                ["TYPE", name, kind] => {
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(kind) || !is_name(name, true) {
                        return Err(format!("line {n}: bad TYPE"));
                    }
                    if types.insert((*name).to_owned(), (*kind).to_owned()).is_some()
                        || seen.iter().any(|s| s.starts_with(&format!("{name}{{")))
                    {
                        return Err(format!("line {n}: TYPE for {name} twice or after its samples"));
                    }
                }
                ["HELP", name, ..] if is_name(name, true) => {}
                ["HELP", ..] => return Err(format!("line {n}: bad HELP")),
                _ => {}
            }
            continue;
        }
        let (name, rest) = match line.find(['{', ' ']) {
            Some(at) => (&line[..at], &line[at..]),
            None => return Err(format!("line {n}: no value")),
        };
        if !is_name(name, true) {
            return Err(format!("line {n}: bad metric name {name:?}"));
        }
        let (labels, rest) = match rest.strip_prefix('{') {
            Some(inner) => labels(inner, n)?,
            None => (BTreeMap::new(), rest),
        };
        let fields: Vec<&str> = rest.trim_start().split(' ').collect();
        let value = match fields.as_slice() {
            [v] => value(v)?,
            [v, ts] if ts.parse::<i64>().is_ok() => value(v)?,
            _ => return Err(format!("line {n}: expected a value (and a timestamp)")),
        };
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|base| types.get(*base).is_some_and(|t| t == "histogram" || t == "summary")))
            .unwrap_or(name)
            .to_owned();
        if current.as_deref() != Some(family.as_str()) {
            if finished.contains(&family) {
                return Err(format!("line {n}: samples of {family} are not together"));
            }
            if let Some(previous) = current.replace(family.clone()) {
                finished.insert(previous);
            }
        }
        if name.ends_with("_bucket") && !labels.contains_key("le") {
            return Err(format!("line {n}: a bucket without le"));
        }
        if !seen.insert(format!("{name}{labels:?}")) {
            return Err(format!("line {n}: the series {name}{labels:?} appears twice"));
        }
        samples.push(Sample { name: name.to_owned(), labels, value });
    }
    check_histograms(&types, &samples)?;
    Ok(samples)
}

fn check_histograms(types: &BTreeMap<String, String>, samples: &[Sample]) -> Result<(), String> {
    for (family, _) in types.iter().filter(|(_, t)| *t == "histogram") {
        let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
        for s in samples.iter().filter(|s| s.name == format!("{family}_bucket")) {
            let mut key = s.labels.clone();
            let le = key.remove("le").map(|l| value(&l)).transpose()?.unwrap_or(f64::NAN);
            series.entry(format!("{key:?}")).or_default().push((le, s.value));
        }
        for (key, buckets) in series {
            if !buckets.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1) {
                return Err(format!("{family}{key}: buckets not ordered and cumulative"));
            }
            let inf = buckets.last().filter(|(le, _)| le.is_infinite()).ok_or(format!("{family}{key}: no +Inf bucket"))?.1;
            let count = samples.iter().find(|s| s.name == format!("{family}_count") && format!("{:?}", s.labels) == key).map(|s| s.value);
            if count != Some(inf) {
                return Err(format!("{family}{key}: +Inf bucket {inf} but count {count:?}"));
            }
        }
    }
    Ok(())
}

#[test]
fn the_parser_refuses_what_prometheus_refuses() {
    assert!(parse("a 1\n").is_ok());
    assert!(parse("a 1").is_err(), "no final newline");
    assert!(parse("a{b=\"x} 1\n").is_err(), "unterminated");
    assert!(parse("a{b=\"x\\q\"} 1\n").is_err(), "bad escape");
    assert!(parse("1a 1\n").is_err(), "bad name");
    assert!(parse("a 1\na 2\n").is_err(), "duplicate series");
    assert!(parse("a 1\nb 1\na{x=\"1\"} 2\n").is_err(), "family split");
    assert!(parse("a one\n").is_err(), "bad value");
    let hist = "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n";
    assert!(parse(hist).is_err(), "not cumulative");
}

api_test! {
    /// Requests by route pattern (never the raw path), the outbox and the pools' figures.
    fn metrics_parse_and_count_requests_by_route(app) {
        vest_2022(app, json!({}));
        for _ in 0..3 {
            assert_eq!(app.get("/api/v1/pools/vest-2022/status").status, 200);
        }
        assert_eq!(app.get("/api/v1/pools/nord-2031/status").status, 404);
        assert_eq!(app.request("GET", "/approvals/a-secret-token-that-must-not-be-a-label").send().status, 404);
        assert_eq!(app.request("GET", "/metrics").key(None).send().status, 401);
        let r = app.get("/metrics");
        assert_eq!(r.status, 200);
        assert!(r.header("content-type").is_some_and(|t| t.starts_with("text/plain; version=0.0.4")));
        let samples = parse(&r.text).unwrap_or_else(|e| panic!("{e}\n{}", r.text));
        let find = |name: &str, want: &[(&str, &str)]| {
            samples
                .iter()
                .find(|s| s.name == name && want.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v)))
                .map(|s| s.value)
        };
        let status_route = [("route", "/api/v1/pools/{pool}/status"), ("method", "GET")];
        assert_eq!(find("klyngemidler_http_requests_total", &[status_route[0], status_route[1], ("status", "200")]), Some(3.0));
        assert_eq!(find("klyngemidler_http_requests_total", &[status_route[0], ("status", "404")]), Some(1.0));
        assert_eq!(find("klyngemidler_http_request_duration_seconds_count", &[status_route[0], ("status", "200")]), Some(3.0));
        assert!(!r.text.contains("a-secret-token"), "paths never become labels");
        assert!(!r.text.contains("nord-2031"));
        assert_eq!(find("klyngemidler_outbox_queued", &[]), Some(0.0));
        let figure = |f: &str| find("klyngemidler_pool_kroner", &[("cluster", "vest"), ("year", "2022"), ("bucket", "all"), ("figure", f)]);
        assert_eq!(figure("total"), Some(871553.0));
        assert_eq!(figure("available"), Some(871553.0));
        assert!(r.text.contains("figure=\"total\"} 871553.00\n"), "written from Money, exact to the øre");
    }
}
