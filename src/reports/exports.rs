//! CSV exports for finance staff: grants, applications, the ledger and the
//! audit trail. Streamed a page at a time (see `csv_stream`); amounts are
//! the `Money` texts, so no øre is lost in either dialect. In `excel-da`
//! every code is a Danish word (`reports::danish`), times are Copenhagen
//! wall-clock times, and the file has a Danish name.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDateTime;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::Db;
use crate::db::applications::{self, ApplicationFilter};
use crate::db::{StoreError, audit, exports, grants, reference};
use crate::domain::access::{Action, ClusterScope};
use crate::domain::allocation::Bucket;
use crate::domain::application::ExpenseKind;
use crate::domain::money::Money;
use crate::domain::values::PoolKey;
use crate::domain::workflow::ApplicationState;
use crate::http::auth::Caller;
use crate::http::csv_stream::{CsvDialect, PAGE_ROWS, PageFn, PagedCsv, continue_after, dialect, response};
use crate::http::error::{ApiError, Problem};
use crate::http::fields::pool_key;
use crate::http::negotiate;
use crate::http::{AppState, utc};
use crate::reports::danish;
use crate::reports::import_applications::CHARTER_COLUMNS;
use crate::tabular::{Column, Dialect, Writer, col, write_header};

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// Only this pool, `{cluster}-{year}`.
    pub pool: Option<String>,
    /// `rfc4180` (default: `,` and `.` decimals) or `excel-da` (`;`, decimal comma, BOM, Danish headers and words, Copenhagen times).
    #[param(value_type = Option<CsvDialect>)]
    pub dialect: Option<String>,
}

fn time(d: Dialect, t: NaiveDateTime) -> String {
    d.time(utc(t))
}

fn opt_time(d: Dialect, t: Option<NaiveDateTime>) -> String {
    t.map(|t| time(d, t)).unwrap_or_default()
}

/// A code as the dialect writes it: itself, or its Danish word.
fn code<'a>(d: Dialect, code: &'a str, danish: impl FnOnce(&'a str) -> std::borrow::Cow<'a, str>) -> String {
    match d {
        Dialect::Rfc4180 => code.to_owned(),
        Dialect::ExcelDa => danish(code).into_owned(),
    }
}

fn bucket(d: Dialect, b: &str) -> String {
    match (d, Bucket::parse(b)) {
        (Dialect::ExcelDa, Some(b)) => danish::bucket(b).to_owned(),
        _ => b.to_owned(),
    }
}

/// The file's name: the English one as it always was, or a Danish one
/// (with the pool when the export is of one pool): `bevillinger-vest-2022.csv`.
pub fn file_name(d: Dialect, english: &str, danish: &str, pool: Option<&PoolKey>) -> String {
    match (d, pool) {
        (Dialect::Rfc4180, _) => english.to_owned(),
        (Dialect::ExcelDa, Some(pool)) => format!("{danish}-{pool}.csv"),
        (Dialect::ExcelDa, None) => format!("{danish}.csv"),
    }
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

fn prepare(caller: &Caller, req: &HttpRequest, query: &ExportQuery) -> Result<Export, ApiError> {
    caller.require(Action::Read)?;
    // CSV is all an export offers: 406 when Accept allows no CSV.
    negotiate::media_type(req, &[negotiate::CSV])?;
    let dialect = dialect(query.dialect.as_deref())?;
    let pool = query.pool.as_deref().map(|p| pool_key(caller, p)).transpose()?;
    Ok(Export { dialect, scope: caller.scope.clone(), pool })
}

fn head(dialect: Dialect, columns: &[Column]) -> Vec<u8> {
    let mut out = dialect.preamble().to_vec();
    write_header(&mut out, dialect, columns);
    out
}

const GRANT_COLUMNS: [Column; 11] = [
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
    col("budget", "budget"),
];

/// Every grant the key may see, oldest first.
#[utoipa::path(extensions(("x-permission" = json!("read"))), tag = "reports", params(ExportQuery), security(("api_key" = [])),
    responses((status = 200, content_type = "text/csv", body = String, description = "CSV, streamed"), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 406, body = Problem), (status = 422, body = Problem)))]
#[get("/exports/grants")]
pub async fn export_grants(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let Export { dialect: d, scope, pool } = prepare(&caller, &req, &query)?;
    let name = file_name(d, "grants.csv", "bevillinger", pool.as_ref());
    let page: Arc<PageFn> = Arc::new(move |c, after, out| {
        let rows = grants::list(c, &scope, pool.as_ref(), after, PAGE_ROWS)?;
        let keys: Vec<_> = rows.iter().map(|g| (g.id, g.application_id, g.grant.amount)).collect();
        let budgets = crate::db::amendments::budgets_of(c, &keys)?;
        let mut w = Writer::new(d, out);
        for (g, budget) in rows.iter().zip(&budgets) {
            // `2022:50000.00|2023:100000.00`: the budget lines as they stand, in one cell.
            let lines: Vec<String> = budget.iter().map(|l| format!("{}:{}", l.year.get(), amount(d, l.amount))).collect();
            let remaining = g.grant.remaining();
            w.record(&[
                g.id.to_string(),
                g.pool.to_string(),
                g.application_id.to_string(),
                g.application_title.clone(),
                bucket(d, g.grant.bucket.as_str()),
                amount(d, g.grant.amount),
                amount(d, g.grant.disbursed),
                amount(d, g.grant.released),
                amount(d, remaining),
                time(d, g.created_at),
                lines.join("|"),
            ]);
        }
        Ok(continue_after(rows.len(), rows.last().map(|g| g.id)))
    });
    Ok(response(d, &name, PagedCsv::new(state.db.clone(), head(d, &GRANT_COLUMNS), page)))
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

/// What `excel-da` adds to the application columns: the rest of the charter, so
/// that the file can be edited and imported again (`POST …/applications/import`).
const CHARTER_EXTRA: [&str; 8] =
    ["purpose", "goals", "organisation", "evaluation", "expense_kind", "budget", "contact_email", "partner_parties"];

/// The application columns of a dialect.
pub fn application_columns(d: Dialect) -> Vec<Column> {
    let mut columns = APPLICATION_COLUMNS.to_vec();
    if d == Dialect::ExcelDa {
        columns.extend(CHARTER_EXTRA.iter().filter_map(|name| CHARTER_COLUMNS.iter().find(|c| c.name == *name)));
    }
    columns
}

/// A budget as Danish text that Excel keeps as text: `2022: 50.000,00 kr. | 2023: 100.000,00 kr.`
/// (`2022:50,00` alone would be read as a time).
fn budget_da(lines: &[crate::domain::application::BudgetLine]) -> String {
    lines.iter().map(|l| format!("{}: {}", l.year.get(), danish::kroner(l.amount))).collect::<Vec<_>>().join(" | ")
}

/// Every application the key may see, oldest first. Target populations are separated by `|`.
///
/// In `excel-da` the rest of the charter follows (purpose, goals, …), so the file can be edited and imported again.
#[utoipa::path(extensions(("x-permission" = json!("read"))), tag = "reports", params(ExportQuery), security(("api_key" = [])),
    responses((status = 200, content_type = "text/csv", body = String, description = "CSV, streamed"), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 406, body = Problem), (status = 422, body = Problem)))]
#[get("/exports/applications")]
pub async fn export_applications(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let Export { dialect: d, scope, pool } = prepare(&caller, &req, &query)?;
    let name = file_name(d, "applications.csv", "ansoegninger", pool.as_ref());
    let page: Arc<PageFn> = Arc::new(move |c, after, out| {
        let filter = ApplicationFilter { pool: pool.clone(), state: None, after_id: after };
        let rows = applications::list(c, &scope, &filter, PAGE_ROWS)?;
        // Target populations by their Danish names (read with the page: one snapshot).
        let names = if d == Dialect::ExcelDa { reference::target_populations(c).map_err(StoreError::from)? } else { Vec::new() };
        let population = |code: &String| names.iter().find(|t| t.code == *code).map_or_else(|| code.clone(), |t| t.name_da.clone());
        let mut w = Writer::new(d, out);
        for a in &rows {
            let approved = match a.state {
                ApplicationState::Approved { amount: m } => amount(d, m),
                _ => String::new(),
            };
            let populations = match d {
                Dialect::Rfc4180 => a.charter.target_populations.join("|"),
                Dialect::ExcelDa => a.charter.target_populations.iter().map(population).collect::<Vec<_>>().join("|"),
            };
            let mut record = vec![
                a.id.to_string(),
                a.pool.to_string(),
                a.charter.title.clone(),
                a.charter.applicant_party.clone(),
                populations,
                code(d, a.state.name(), danish::application_state),
                amount(d, a.charter.requested),
                approved,
                bucket(d, a.charter.bucket.as_str()),
                code(d, a.charter.origin.as_str(), |_| danish::origin(a.charter.origin).into()),
                d.date(a.charter.starts_on),
                d.date(a.charter.ends_on),
                opt_time(d, a.submitted_at),
                opt_time(d, a.decided_at),
            ];
            if d == Dialect::ExcelDa {
                let charter = &a.charter;
                record.extend([
                    charter.purpose.clone(),
                    charter.goals.clone(),
                    charter.organisation.clone(),
                    charter.evaluation.clone(),
                    // Only development is fundable, so every stored charter is one.
                    danish::expense_kind(ExpenseKind::Development).to_owned(),
                    budget_da(&charter.budget),
                    charter.contact_email.clone(),
                    charter.partner_parties.join("|"),
                ]);
            }
            w.record(&record);
        }
        Ok(continue_after(rows.len(), rows.last().map(|a| a.id)))
    });
    Ok(response(d, &name, PagedCsv::new(state.db.clone(), head(d, &application_columns(d)), page)))
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
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 406, body = Problem), (status = 422, body = Problem)))]
#[get("/exports/ledger")]
pub async fn export_ledger(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let Export { dialect: d, scope, pool } = prepare(&caller, &req, &query)?;
    Ok(ledger_csv(state.db.clone(), scope, pool, d))
}

/// The ledger's postings as a streamed CSV download (also
/// `GET /pools/{pool}/ledger` with `Accept: text/csv` or `?dialect=excel-da`).
pub fn ledger_csv(db: Db, scope: ClusterScope, pool: Option<PoolKey>, d: Dialect) -> HttpResponse {
    let name = file_name(d, "ledger.csv", "posteringer", pool.as_ref());
    let page: Arc<PageFn> = Arc::new(move |c, after, out| {
        // The pool names are read with every page: a page is one snapshot, and a pool may appear meanwhile.
        let keys = exports::pool_keys(c, &scope, pool.as_ref())?;
        let ids: Vec<i64> = keys.iter().map(|(id, _)| *id).collect();
        let rows = exports::postings(c, &ids, after, PAGE_ROWS)?;
        let mut w = Writer::new(d, out);
        for p in &rows {
            let pool = keys.iter().find(|(id, _)| *id == p.pool_id).map(|(_, k)| k.as_str()).unwrap_or_default();
            w.record(&[
                p.posting_id.to_string(),
                p.entry_id.to_string(),
                pool.to_owned(),
                time(d, p.created_at),
                code(d, &p.kind, danish::entry_kind),
                p.application_id.map(|id| id.to_string()).unwrap_or_default(),
                bucket(d, &p.bucket),
                code(d, &p.account, danish::account),
                signed_amount(d, p.amount_ore),
                code(d, &p.memo, danish::memo),
                code(d, &p.actor, danish::actor),
            ]);
        }
        Ok(continue_after(rows.len(), rows.last().map(|p| p.posting_id)))
    });
    response(d, &name, PagedCsv::new(db, head(d, &LEDGER_COLUMNS), page))
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
        (status = 403, body = Problem), (status = 406, body = Problem), (status = 422, body = Problem)))]
#[get("/exports/audit-events")]
pub async fn export_audit_events(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<AuditExportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Read)?;
    caller.require_all_clusters(crate::domain::access::Spanning::AuditTrail)?;
    negotiate::media_type(&req, &[negotiate::CSV])?;
    let d = dialect(query.dialect.as_deref())?;
    let page: Arc<PageFn> = Arc::new(move |c, after, out| {
        let rows = audit::list(c, None, after, PAGE_ROWS)?;
        let mut w = Writer::new(d, out);
        for e in &rows {
            // Before and after stay the JSON that the hash chain covers.
            w.record(&[
                e.id.to_string(),
                time(d, e.occurred_at),
                code(d, &e.actor, danish::actor),
                code(d, &e.action, danish::audit_action),
                code(d, &e.subject, danish::subject),
                e.before_json.clone().unwrap_or_default(),
                e.after_json.clone().unwrap_or_default(),
                e.request_id.clone().unwrap_or_default(),
                e.prev_hash.clone(),
                e.hash.clone(),
            ]);
        }
        Ok(continue_after(rows.len(), rows.last().map(|e| e.id)))
    });
    Ok(response(
        d,
        &file_name(d, "audit-events.csv", "revisionsspor", None),
        PagedCsv::new(state.db.clone(), head(d, &AUDIT_COLUMNS), page),
    ))
}
