//! CSV exports for finance staff: grants, applications, the ledger and the
//! audit trail. Streamed a page at a time (see `csv_stream`); amounts are
//! the `Money` texts, so no øre is lost in either dialect.

use std::sync::Arc;

use actix_web::{HttpResponse, get, web};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::applications::{self, ApplicationFilter};
use crate::db::{audit, exports, grants};
use crate::domain::access::{Action, ClusterScope};
use crate::domain::money::Money;
use crate::domain::values::PoolKey;
use crate::domain::workflow::ApplicationState;
use crate::http::auth::Caller;
use crate::http::csv_stream::{CsvDialect, PAGE_ROWS, PageFn, PagedCsv, continue_after, dialect, response};
use crate::http::error::{ApiError, Problem};
use crate::http::{AppState, utc};
use crate::pools::http::pool_key;
use crate::tabular::{Column, Dialect, col, write_header, write_record};

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// Only this pool, `{cluster}-{year}`.
    pub pool: Option<String>,
    /// `rfc4180` (default: `,` and `.` decimals) or `excel-da` (`;`, decimal comma, BOM, Danish headers).
    #[param(value_type = Option<CsvDialect>)]
    pub dialect: Option<String>,
}

fn time(t: NaiveDateTime) -> String {
    utc(t).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn opt_time(t: Option<NaiveDateTime>) -> String {
    t.map(time).unwrap_or_default()
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A signed amount of øre as the dialect writes it.
pub fn signed_amount(d: Dialect, ore: i64) -> String {
    let text = Money::from_ore(ore.unsigned_abs() as i64).map(|m| m.to_string()).unwrap_or_default();
    d.amount(&if ore < 0 { format!("-{text}") } else { text })
}

fn amount(d: Dialect, m: Money) -> String {
    d.amount(&m.to_string())
}

struct Export {
    dialect: Dialect,
    scope: ClusterScope,
    pool: Option<PoolKey>,
}

fn prepare(caller: &Caller, query: &ExportQuery) -> Result<Export, ApiError> {
    caller.require(Action::Read)?;
    let dialect = dialect(query.dialect.as_deref())?;
    let pool = query.pool.as_deref().map(|p| pool_key(caller, p)).transpose()?;
    Ok(Export { dialect, scope: caller.scope.clone(), pool })
}

fn head(dialect: Dialect, columns: &[Column]) -> Vec<u8> {
    let mut out = dialect.preamble().to_vec();
    write_header(&mut out, dialect, columns);
    out
}

const GRANT_COLUMNS: [Column; 10] = [
    col("id", "bevilling"),
    col("pool", "pulje"),
    col("application_id", "ansøgning"),
    col("application_title", "projekt"),
    col("bucket", "spor"),
    col("amount", "beløb"),
    col("disbursed", "udbetalt"),
    col("released", "frigivet"),
    col("remaining", "rest"),
    col("created_at", "oprettet"),
];

/// Every grant the key may see, oldest first.
#[utoipa::path(extensions(("x-permission" = json!("read"))), tag = "reports", params(ExportQuery), security(("api_key" = [])),
    responses((status = 200, content_type = "text/csv", body = String, description = "CSV, streamed"), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[get("/exports/grants")]
pub async fn export_grants(state: web::Data<AppState>, caller: Caller, query: web::Query<ExportQuery>) -> Result<HttpResponse, ApiError> {
    let Export { dialect: d, scope, pool } = prepare(&caller, &query)?;
    let page: Arc<PageFn> = Arc::new(move |c, after, out| {
        let rows = grants::list(c, &scope, pool.as_ref(), after, PAGE_ROWS)?;
        for g in &rows {
            let remaining = g.grant.remaining();
            write_record(
                out,
                d,
                &[
                    g.id.to_string(),
                    g.pool.to_string(),
                    g.application_id.to_string(),
                    g.application_title.clone(),
                    g.grant.bucket.as_str().to_owned(),
                    amount(d, g.grant.amount),
                    amount(d, g.grant.disbursed),
                    amount(d, g.grant.released),
                    amount(d, remaining),
                    time(g.created_at),
                ],
            );
        }
        Ok(continue_after(rows.len(), rows.last().map(|g| g.id)))
    });
    Ok(response(d, "grants.csv", PagedCsv::new(state.db.clone(), head(d, &GRANT_COLUMNS), page)))
}

pub const APPLICATION_COLUMNS: [Column; 14] = [
    col("id", "ansøgning"),
    col("pool", "pulje"),
    col("title", "titel"),
    col("applicant_party", "ansøger"),
    col("target_populations", "målgrupper"),
    col("status", "status"),
    col("requested_amount", "ansøgt beløb"),
    col("approved_amount", "bevilget beløb"),
    col("bucket", "spor"),
    col("origin", "oprindelse"),
    col("starts_on", "start"),
    col("ends_on", "slut"),
    col("submitted_at", "indsendt"),
    col("decided_at", "afgjort"),
];

/// Every application the key may see, oldest first. Target populations are separated by `|`.
#[utoipa::path(extensions(("x-permission" = json!("read"))), tag = "reports", params(ExportQuery), security(("api_key" = [])),
    responses((status = 200, content_type = "text/csv", body = String, description = "CSV, streamed"), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[get("/exports/applications")]
pub async fn export_applications(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let Export { dialect: d, scope, pool } = prepare(&caller, &query)?;
    let page: Arc<PageFn> = Arc::new(move |c, after, out| {
        let filter = ApplicationFilter { pool: pool.clone(), state: None, after_id: after };
        let rows = applications::list(c, &scope, &filter, PAGE_ROWS)?;
        for a in &rows {
            let approved = match a.state {
                ApplicationState::Approved { amount: m } => amount(d, m),
                _ => String::new(),
            };
            write_record(
                out,
                d,
                &[
                    a.id.to_string(),
                    a.pool.to_string(),
                    a.charter.title.clone(),
                    a.charter.applicant_party.clone(),
                    a.charter.target_populations.join("|"),
                    a.state.name().to_owned(),
                    amount(d, a.charter.requested),
                    approved,
                    a.charter.bucket.as_str().to_owned(),
                    a.charter.origin.as_str().to_owned(),
                    date(a.charter.starts_on),
                    date(a.charter.ends_on),
                    opt_time(a.submitted_at),
                    opt_time(a.decided_at),
                ],
            );
        }
        Ok(continue_after(rows.len(), rows.last().map(|a| a.id)))
    });
    Ok(response(d, "applications.csv", PagedCsv::new(state.db.clone(), head(d, &APPLICATION_COLUMNS), page)))
}

const LEDGER_COLUMNS: [Column; 11] = [
    col("posting_id", "postering"),
    col("entry_id", "bilag"),
    col("pool", "pulje"),
    col("created_at", "tidspunkt"),
    col("kind", "art"),
    col("application_id", "ansøgning"),
    col("bucket", "spor"),
    col("account", "konto"),
    col("amount", "beløb"),
    col("memo", "tekst"),
    col("actor", "bruger"),
];

/// Every posting of the ledger the key may see, one line each, oldest first.
/// Signed: each entry's lines sum to zero.
#[utoipa::path(extensions(("x-permission" = json!("read"))), tag = "reports", params(ExportQuery), security(("api_key" = [])),
    responses((status = 200, content_type = "text/csv", body = String, description = "CSV, streamed"), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[get("/exports/ledger")]
pub async fn export_ledger(state: web::Data<AppState>, caller: Caller, query: web::Query<ExportQuery>) -> Result<HttpResponse, ApiError> {
    let Export { dialect: d, scope, pool } = prepare(&caller, &query)?;
    let page: Arc<PageFn> = Arc::new(move |c, after, out| {
        // The pool names are read with every page: a page is one snapshot, and a pool may appear meanwhile.
        let keys = exports::pool_keys(c, &scope, pool.as_ref())?;
        let ids: Vec<i64> = keys.iter().map(|(id, _)| *id).collect();
        let rows = exports::postings(c, &ids, after, PAGE_ROWS)?;
        for p in &rows {
            let pool = keys.iter().find(|(id, _)| *id == p.pool_id).map(|(_, k)| k.as_str()).unwrap_or_default();
            write_record(
                out,
                d,
                &[
                    p.posting_id.to_string(),
                    p.entry_id.to_string(),
                    pool.to_owned(),
                    time(p.created_at),
                    p.kind.clone(),
                    p.application_id.map(|id| id.to_string()).unwrap_or_default(),
                    p.bucket.clone(),
                    p.account.clone(),
                    signed_amount(d, p.amount_ore),
                    p.memo.clone(),
                    p.actor.clone(),
                ],
            );
        }
        Ok(continue_after(rows.len(), rows.last().map(|p| p.posting_id)))
    });
    Ok(response(d, "ledger.csv", PagedCsv::new(state.db.clone(), head(d, &LEDGER_COLUMNS), page)))
}

const AUDIT_COLUMNS: [Column; 10] = [
    col("id", "hændelse"),
    col("occurred_at", "tidspunkt"),
    col("actor", "bruger"),
    col("action", "handling"),
    col("subject", "emne"),
    col("before", "før"),
    col("after", "efter"),
    col("request_id", "forespørgsel"),
    col("prev_hash", "forrige hash"),
    col("hash", "hash"),
];

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditExportQuery {
    /// `rfc4180` (default) or `excel-da`.
    #[param(value_type = Option<CsvDialect>)]
    pub dialect: Option<String>,
}

/// The whole audit trail, oldest first, with its hash chain (needs a key for all clusters).
#[utoipa::path(extensions(("x-permission" = json!("read"))), tag = "reports", params(AuditExportQuery), security(("api_key" = [])),
    responses((status = 200, content_type = "text/csv", body = String, description = "CSV, streamed"), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/exports/audit-events")]
pub async fn export_audit_events(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AuditExportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Read)?;
    caller.require_all_clusters(crate::domain::access::Spanning::AuditTrail)?;
    let d = dialect(query.dialect.as_deref())?;
    let page: Arc<PageFn> = Arc::new(move |c, after, out| {
        let rows = audit::list(c, None, after, PAGE_ROWS)?;
        for e in &rows {
            write_record(
                out,
                d,
                &[
                    e.id.to_string(),
                    time(e.occurred_at),
                    e.actor.clone(),
                    e.action.clone(),
                    e.subject.clone(),
                    e.before_json.clone().unwrap_or_default(),
                    e.after_json.clone().unwrap_or_default(),
                    e.request_id.clone().unwrap_or_default(),
                    e.prev_hash.clone(),
                    e.hash.clone(),
                ],
            );
        }
        Ok(continue_after(rows.len(), rows.last().map(|e| e.id)))
    });
    Ok(response(d, "audit-events.csv", PagedCsv::new(state.db.clone(), head(d, &AUDIT_COLUMNS), page)))
}
