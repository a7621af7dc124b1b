//! `GET /metrics` in the Prometheus text format (0.0.4), written by hand:
//! requests and latency by route pattern (never the raw path: approval
//! tokens must not become label values), method and status; the outbox
//! queue; and each pool's figures by cluster and year.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{HttpResponse, get, web};

use crate::db::{StoreError, outbox, pools, totals};
use crate::domain::access::Action;
use crate::domain::ledger::PoolStatus;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::pools::status::FiguresDto;

/// Upper bounds of the latency histogram, in seconds.
const BOUNDS: [f64; 11] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    sum_seconds: f64,
    /// Non-cumulative counts per bound; the last slot is above every bound.
    buckets: [u64; BOUNDS.len() + 1],
}

/// Request counters of this process.
#[derive(Debug, Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    pub fn observe(&self, route: String, method: String, status: u16, seconds: f64) {
        let mut map = self.series.lock().unwrap_or_else(|e| e.into_inner());
        let s = map.entry((route, method, status)).or_default();
        s.count += 1;
        s.sum_seconds += seconds;
        let slot = BOUNDS.iter().position(|b| seconds <= *b).unwrap_or(BOUNDS.len());
        s.buckets[slot] += 1;
    }

    fn write(&self, out: &mut String) {
        let map = self.series.lock().unwrap_or_else(|e| e.into_inner()).clone();
        out.push_str("# HELP klyngemidler_http_requests_total HTTP requests by route pattern, method and status.\n");
        out.push_str("# TYPE klyngemidler_http_requests_total counter\n");
        for ((route, method, status), s) in &map {
            let _ = writeln!(out, "klyngemidler_http_requests_total{{{}}} {}", labels(route, method, *status), s.count);
        }
        out.push_str("# HELP klyngemidler_http_request_duration_seconds Time to the response head, by route pattern, method and status.\n");
        out.push_str("# TYPE klyngemidler_http_request_duration_seconds histogram\n");
        for ((route, method, status), s) in &map {
            let l = labels(route, method, *status);
            let mut cumulative = 0;
            for (bound, n) in BOUNDS.iter().zip(&s.buckets) {
                cumulative += n;
                let _ = writeln!(out, "klyngemidler_http_request_duration_seconds_bucket{{{l},le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(out, "klyngemidler_http_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "klyngemidler_http_request_duration_seconds_sum{{{l}}} {}", s.sum_seconds);
            let _ = writeln!(out, "klyngemidler_http_request_duration_seconds_count{{{l}}} {}", s.count);
        }
    }
}

/// A label value in the text format: `\`, `"` and newlines escaped.
pub fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn labels(route: &str, method: &str, status: u16) -> String {
    format!("route=\"{}\",method=\"{}\",status=\"{status}\"", escape(route), escape(method))
}

/// The method as a metrics label: the standard methods by name, anything a
/// client made up as `other`, so nobody can grow the label set (and memory).
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Middleware: counts every request under its route pattern.
pub async fn record(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let found = actix_web::HttpMessage::extensions(&req).get::<crate::http::access_log::RoutePattern>().map(|r| r.0.clone());
    let route = found.or_else(|| req.match_pattern()).unwrap_or_else(|| "unmatched".to_owned());
    let method = method_label(req.method()).to_owned();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = next.call(req).await;
    let status = match &res {
        Ok(r) => r.status().as_u16(),
        Err(e) => e.as_response_error().status_code().as_u16(),
    };
    if let Some(state) = state {
        state.metrics.observe(route, method, status, started.elapsed().as_secs_f64());
    }
    res
}

/// One pool's gauges: its figures overall (`all`) and per bucket.
struct PoolGauges {
    cluster: String,
    year: i32,
    lines: Vec<(&'static str, FiguresDto)>,
}

/// Every pool's figures, as its status has them, from the running balances:
/// two queries for all pools (the pools, their projection rows), not a
/// status per pool.
fn pool_figures(c: &mut crate::db::AnyConnection, scope: &crate::domain::access::ClusterScope) -> Result<Vec<PoolGauges>, ApiError> {
    let stored = pools::list(c, scope, &pools::PoolFilter::default(), 10_000)?;
    let ids: Vec<i64> = stored.iter().map(|p| p.id).collect();
    let mut balances = totals::balances_of_pools(c, &ids)?;
    stored
        .into_iter()
        .map(|p| {
            let status = PoolStatus::from_balances(p.pool.model, &balances.remove(&p.id).unwrap_or_default())
                .map_err(|e| StoreError::Corrupt(format!("pool {}: {e}", p.pool.key)))?;
            let mut lines = vec![("all", status.overall.into())];
            lines.extend(status.buckets.into_iter().map(|(b, f)| (b.as_str(), f.into())));
            Ok(PoolGauges { cluster: p.pool.key.cluster.to_string(), year: p.pool.key.year.get(), lines })
        })
        .collect()
}

const FIGURES: [&str; 8] = ["total", "carried_in", "committed", "pending", "disbursed", "released", "available", "carried_out"];

/// Request counts and latency, the outbox queue and every pool's figures (those the key covers).
#[utoipa::path(tag = "operations", extensions(("x-permission" = json!("read"))), security(("api_key" = [])),
    responses((status = 200, content_type = "text/plain; version=0.0.4", body = String, description = "Prometheus text format"),
        (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Read)?;
    let scope = caller.scope.clone();
    let (queued, pools) = state
        .db
        .read(move |c| {
            let queued = outbox::queued(c)?;
            Ok::<_, ApiError>((queued, pool_figures(c, &scope)?))
        })
        .await?;
    let mut out = String::with_capacity(16 * 1024);
    state.metrics.write(&mut out);
    out.push_str("# HELP klyngemidler_outbox_queued Mails waiting in the outbox.\n# TYPE klyngemidler_outbox_queued gauge\n");
    let _ = writeln!(out, "klyngemidler_outbox_queued {queued}");
    if let Some(counts) = state.db.commit_counts() {
        // SQLite's group commit: writes ÷ commits is the writes that shared one fsync.
        out.push_str("# HELP klyngemidler_sqlite_commits_total Transactions the SQLite writer committed (one fsync each).\n");
        out.push_str("# TYPE klyngemidler_sqlite_commits_total counter\n");
        let _ = writeln!(out, "klyngemidler_sqlite_commits_total {}", counts.commits);
        out.push_str("# HELP klyngemidler_sqlite_committed_writes_total Writes acknowledged as committed by the SQLite writer.\n");
        out.push_str("# TYPE klyngemidler_sqlite_committed_writes_total counter\n");
        let _ = writeln!(out, "klyngemidler_sqlite_committed_writes_total {}", counts.writes);
    }
    out.push_str("# HELP klyngemidler_write_retries_total Write transactions run again after a serialization failure (PostgreSQL).\n");
    out.push_str("# TYPE klyngemidler_write_retries_total counter\n");
    let _ = writeln!(out, "klyngemidler_write_retries_total {}", crate::db::pg_write::retries());
    out.push_str("# HELP klyngemidler_pool_kroner A pool's figures in DKK, by cluster, year, bucket and figure.\n");
    out.push_str("# TYPE klyngemidler_pool_kroner gauge\n");
    for p in &pools {
        for (bucket, f) in &p.lines {
            let values = [&f.total, &f.carried_in, &f.committed, &f.pending, &f.disbursed, &f.released, &f.available, &f.carried_out];
            for (name, value) in FIGURES.iter().zip(values) {
                let _ = writeln!(
                    out,
                    "klyngemidler_pool_kroner{{cluster=\"{}\",year=\"{}\",bucket=\"{bucket}\",figure=\"{name}\"}} {value}",
                    escape(&p.cluster),
                    p.year
                );
            }
        }
    }
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(out))
}
