//! `GET /api/v1/reports/status?year=`: every pool of a year in one
//! document, for dashboards that poll (ETag, 304) and for Excel (CSV).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::{StoreError, pools};
use crate::domain::access::{Action, ClusterScope};
use crate::domain::values::Year;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::conventions::{content_etag, if_none_match, validated};
use crate::http::csv_stream::{CsvDialect, ResponseFormat, content_type, csv_dialect};
use crate::http::error::{ApiError, Problem};
use crate::http::negotiate;
use crate::pools::policy::AllocationModelDto;
use crate::pools::status::{FiguresDto, PoolStatusDto, load_status, status_etag};
use crate::reports::danish;
use crate::tabular::{Column, Dialect, Writer, col};

#[derive(Debug, Deserialize, IntoParams)]
pub struct StatusReportQuery {
    /// The year, e.g. 2022.
    #[param(value_type = i32, required = true, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    /// `json` (default) or `csv`; `Accept: text/csv` also gives CSV.
    #[param(value_type = Option<ResponseFormat>)]
    pub format: Option<String>,
    /// For CSV: `rfc4180` (default) or `excel-da` (`;`, decimal comma, BOM, Danish headers and words; implies CSV).
    #[param(value_type = Option<CsvDialect>)]
    pub dialect: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusReport {
    #[schema(example = 2022)]
    pub year: i32,
    /// Every pool of the year the key may see, by cluster.
    pub pools: Vec<PoolStatusDto>,
}

/// Every pool of the year, read in one snapshot.
pub fn load(conn: &mut crate::db::AnyConnection, scope: &ClusterScope, year: Year) -> Result<StatusReport, ApiError> {
    Ok(load_with_fingerprint(conn, scope, year)?.0)
}

fn pools_of(conn: &mut crate::db::AnyConnection, scope: &ClusterScope, year: Year) -> Result<Vec<pools::StoredPool>, ApiError> {
    let filter = pools::PoolFilter { year: Some(year.get()), ..pools::PoolFilter::default() };
    Ok(pools::list(conn, scope, &filter, 10_000)?)
}

/// The report and its fingerprint (every pool's status ETag, which names
/// what the status is made of), read in one snapshot.
fn load_with_fingerprint(
    conn: &mut crate::db::AnyConnection,
    scope: &ClusterScope,
    year: Year,
) -> Result<(StatusReport, String), ApiError> {
    let stored = pools_of(conn, scope, year)?;
    let pools = stored.iter().map(|p| load_status(conn, p)).collect::<Result<Vec<_>, _>>()?;
    let fingerprint = fingerprint_of(conn, &stored)?;
    Ok((StatusReport { year: year.get(), pools }, fingerprint))
}

fn fingerprint_of(conn: &mut crate::db::AnyConnection, stored: &[pools::StoredPool]) -> Result<String, ApiError> {
    let tags = stored.iter().map(|p| status_etag(conn, p)).collect::<Result<Vec<_>, _>>()?;
    Ok(format!("report {}", tags.join(" ")))
}

pub fn parse_year(raw: Option<&str>) -> Result<Year, ApiError> {
    let text = raw.ok_or_else(|| ApiError::field("year", "is required, e.g. year=2022"))?;
    text.parse::<i64>().ok().and_then(|y| Year::new(y).ok()).ok_or_else(|| ApiError::field("year", "must be a year from 2000 to 2100"))
}

const COLUMNS: [Column; 15] = [
    col("pool", "pulje"),
    col("cluster", "klynge"),
    col("year", "år"),
    col("state", "tilstand"),
    col("allocation_model", "fordelingsmodel"),
    col("bucket", "spor"),
    col("total", "ramme"),
    col("carried_in", "overført ind"),
    col("committed", "bevilget"),
    col("pending", "reserveret"),
    col("disbursed", "udbetalt"),
    col("released", "frigivet"),
    col("available", "disponibelt"),
    col("carried_out", "overført ud"),
    col("carried_in_pending", "foreslået overført ind"),
];

fn model_text(m: &AllocationModelDto, d: Dialect) -> String {
    match (m, d) {
        (_, Dialect::ExcelDa) => danish::model_dto(m),
        (AllocationModelDto::Upfront, _) => "upfront".into(),
        (AllocationModelDto::Rolling, _) => "rolling".into(),
        (AllocationModelDto::Split { upfront_share }, _) => format!("split {upfront_share}"),
    }
}

/// One line per pool (bucket `all`, in Danish `I alt`) and one per bucket.
pub fn csv(report: &StatusReport, d: Dialect) -> Vec<u8> {
    let mut out = d.preamble().to_vec();
    let mut w = Writer::new(d, &mut out);
    w.header(&COLUMNS);
    for p in &report.pools {
        let state = match d {
            Dialect::Rfc4180 => serde_json::to_value(p.state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            Dialect::ExcelDa => danish::pool_state(p.state.into()).to_owned(),
        };
        let line = |bucket: &str, f: &FiguresDto, incoming: &str| {
            let amounts = [&f.total, &f.carried_in, &f.committed, &f.pending, &f.disbursed, &f.released, &f.available, &f.carried_out];
            let mut fields = vec![p.pool.clone(), p.cluster.clone(), p.year.to_string(), state.clone(), model_text(&p.allocation_model, d)];
            fields.push(if d == Dialect::ExcelDa { danish::bucket_name(bucket).into_owned() } else { bucket.to_owned() });
            fields.extend(amounts.iter().map(|a| d.amount(a)));
            fields.push(d.amount(incoming));
            fields
        };
        // What is proposed to come in is known per pool, not per bucket.
        w.record(&line("all", &p.figures, &p.carried_in_pending));
        for b in &p.buckets {
            w.record(&line(&b.name, &b.figures, ""));
        }
    }
    drop(w);
    out
}

/// The report as kept on this node while nothing is written (`http::kept`),
/// or made now, under everything it depends on besides the database.
async fn kept_or_made(
    state: &AppState,
    scope: &ClusterScope,
    year: Year,
    csv_wanted: Option<Dialect>,
) -> Result<(String, web::Bytes), ApiError> {
    let kept = &state.kept.reports;
    let kept_as = format!("{scope:?}|{}|{csv_wanted:?}", year.get());
    if let Some(found) = kept.find(&kept_as, state.db.changes()) {
        return Ok(found);
    }
    // One request at a time makes it; those waiting take what it kept.
    let _turn = kept.turn(&kept_as).await;
    // Read before the report is: a write ending meanwhile makes the kept copy stale at once.
    let changes = state.db.changes();
    if let Some(found) = kept.find(&kept_as, changes) {
        return Ok(found);
    }
    // Kept longer than the TTL with nothing written on this node: still the
    // database's if every pool's status ETag is (one small read per pool,
    // for writers this process cannot hear), not made again.
    if let Some(kept_fingerprint) = kept.lapsed(&kept_as, changes) {
        let scope = scope.clone();
        let now = state.db.read(move |c| pools_of(c, &scope, year).and_then(|stored| fingerprint_of(c, &stored))).await?;
        if now == kept_fingerprint
            && let Some(found) = kept.renew(&kept_as, changes)
        {
            return Ok(found);
        }
    }
    let scope = scope.clone();
    let (report, fingerprint) = state.db.read(move |c| load_with_fingerprint(c, &scope, year)).await?;
    let body = web::Bytes::from(match csv_wanted {
        Some(d) => csv(&report, d),
        None => serde_json::to_vec(&report).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    });
    let etag = content_etag(&body);
    kept.keep_with(kept_as, changes, etag.clone(), body.clone(), fingerprint);
    Ok((etag, body))
}

/// Every pool's status for a year in one document. Answers 304 to a
/// matching `If-None-Match`. JSON, or CSV with `Accept: text/csv`, `?format=csv`
/// or `?dialect=excel-da` (Danish Excel).
#[utoipa::path(operation_id = "get_status_report", extensions(("x-permission" = json!("read"))), tag = "reports", params(StatusReportQuery, ("If-None-Match" = Option<String>, Header)),
    security(("api_key" = [])),
    responses((status = 200, description = "Every pool's status: JSON, or CSV with a line per pool (bucket `all`) and one per bucket (`?format=csv`, `?dialect=excel-da` or `Accept: text/csv`)",
            content((StatusReport = "application/json"), (String = "text/csv")), headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag given"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 406, body = Problem), (status = 422, body = Problem)))]
#[get("/reports/status")]
pub async fn status_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<StatusReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Read)?;
    let year = parse_year(query.year.as_deref())?;
    let csv_wanted = csv_dialect(&req, query.format.as_deref(), query.dialect.as_deref())?;
    let (etag, body) = kept_or_made(&state, &caller.scope, year, csv_wanted).await?;
    if let Some(not_modified) = if_none_match(&req, &etag, Some(negotiate::VARY)) {
        return Ok(not_modified);
    }
    let mut response = validated(StatusCode::OK, &etag, Some(negotiate::VARY));
    response.content_type(csv_wanted.map_or("application/json", content_type));
    if let Some(d) = csv_wanted {
        let name = match d {
            Dialect::Rfc4180 => format!("status-{}.csv", year.get()),
            Dialect::ExcelDa => format!("puljestatus-{}.csv", year.get()),
        };
        response.insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")));
    }
    Ok(response.body(body))
}
