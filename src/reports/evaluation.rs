//! `GET /api/v1/reports/model-evaluation?year=`: how each pool's allocation
//! model worked over a year, for the strategic level's Q3 evaluation. JSON,
//! or CSV for finance staff (`Accept: text/csv` or `?format=csv`; `?dialect=excel-da` for Danish Excel).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::pools::{self, PoolFilter};
use crate::db::{StoreError, charter_rows, ledger, steps};
use crate::domain::access::Action;
use crate::domain::eligibility::{combination_key, count_by_combination, sectors_of};
use crate::domain::evaluation::{evaluate, per_mille};
use crate::domain::ledger::PoolStatus;
use crate::domain::values::Year;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::csv_stream::{CsvDialect, ResponseFormat, csv_dialect};
use crate::http::error::{ApiError, Problem};
use crate::pools::http::PoolStateDto;
use crate::pools::policy::AllocationModelDto;
use crate::reports::danish;
use crate::tabular::{Column, Dialect, Writer, col};

#[derive(Debug, Deserialize, IntoParams)]
pub struct EvaluationQuery {
    /// The calendar year of the pools.
    #[param(value_type = i32, minimum = 2000, maximum = 2100)]
    pub year: i64,
    /// `json` (default) or `csv`; `Accept: text/csv` also gives CSV.
    #[param(value_type = Option<ResponseFormat>)]
    pub format: Option<String>,
    /// For CSV: `rfc4180` (default) or `excel-da` (`;`, decimal comma, BOM, Danish headers and words; implies CSV).
    #[param(value_type = Option<CsvDialect>)]
    pub dialect: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BucketUse {
    /// `upfront`, `ad_hoc` or `rolling`.
    pub name: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub total: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub committed: String,
    /// Committed as a share of the bucket's money (total + carried in), in per mille.
    #[schema(example = 650)]
    pub used_per_mille: i64,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub released: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub available: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthCommitted {
    #[schema(example = "2022-10")]
    pub month: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub committed: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PoolEvaluation {
    #[schema(example = "vest-2022")]
    pub pool: String,
    pub cluster: String,
    pub state: PoolStateDto,
    pub allocation_model: AllocationModelDto,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub total: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub carried_in: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub committed: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub pending: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub released: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub carried_over: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub available: String,
    /// Upfront against ad-hoc (or the single bucket).
    pub buckets: Vec<BucketUse>,
    /// Grants by the month of their decision, January to December.
    pub committed_by_month: Vec<MonthCommitted>,
    /// Grants decided after the year ended.
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub committed_after_year: String,
    /// Applications finally decided (approved or rejected).
    pub decisions: usize,
    /// Days from receipt (`received_on`) to the final decision: the median (lower middle for an even count).
    pub median_days_to_decision: Option<i64>,
    pub max_days_to_decision: Option<i64>,
    /// Submitted projects per sector combination (each project once).
    pub projects_by_sector: Vec<SectorProjects>,
}

/// Submitted projects whose applicant and partners span one combination of sectors.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectorProjects {
    /// The sectors joined by `+`, e.g. `municipality+general_practice` (as `by_sector` in the pool status).
    #[schema(example = "municipality+general_practice")]
    pub combination: String,
    pub sectors: Vec<String>,
    /// Projects submitted.
    pub projects: usize,
    /// Of those, granted.
    pub granted: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelEvaluation {
    pub year: i32,
    pub pools: Vec<PoolEvaluation>,
}

/// Per pool of the year: model and share, committed by month, days from
/// submission to decision, upfront against ad-hoc use, released and carried over.
#[utoipa::path(operation_id = "get_model_evaluation", tag = "reports", extensions(("x-permission" = json!("read"))), params(EvaluationQuery), security(("api_key" = [])),
    responses((status = 200, description = "The evaluation: JSON, or CSV with one row per pool (`?format=csv`, `?dialect=excel-da` or `Accept: text/csv`)",
            content((ModelEvaluation = "application/json"), (String = "text/csv")),
            headers(("Content-Disposition" = String, description = "With CSV: `attachment; filename=\"model-evaluation-YEAR.csv\"`"))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 406, body = Problem), (status = 422, body = Problem)))]
#[get("/reports/model-evaluation")]
pub async fn model_evaluation(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<EvaluationQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Read)?;
    let year = Year::new(query.year).map_err(|e| ApiError::field("year", e))?;
    let csv = csv_dialect(&req, query.format.as_deref(), query.dialect.as_deref())?;
    let scope = caller.scope.clone();
    let pools = state
        .db
        .read(move |c| {
            let filter = PoolFilter { year: Some(year.get()), ..PoolFilter::default() };
            let mut out = Vec::new();
            for stored in pools::list(c, &scope, &filter, 1000)? {
                let balances = ledger::balances(c, stored.id)?;
                let status = PoolStatus::from_balances(stored.pool.model, &balances).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let decided = steps::decided_in_pool(c, stored.id)?;
                let mut evaluation = pool_evaluation(&stored.pool, &status, &evaluate(year.get(), &decided));
                let projects: Vec<_> = charter_rows::submitted_in_pool(c, stored.id)?
                    .into_iter()
                    .map(|(kinds, granted)| (sectors_of(&kinds), granted))
                    .collect();
                evaluation.projects_by_sector = count_by_combination(&projects)
                    .into_iter()
                    .map(|n| SectorProjects {
                        combination: combination_key(&n.sectors),
                        sectors: n.sectors.iter().map(|s| s.as_str().to_owned()).collect(),
                        projects: n.projects,
                        granted: n.granted,
                    })
                    .collect();
                out.push(evaluation);
            }
            Ok::<_, ApiError>(out)
        })
        .await?;
    let report = ModelEvaluation { year: year.get(), pools };
    if let Some(dialect) = csv {
        let name = match dialect {
            Dialect::Rfc4180 => format!("model-evaluation-{}.csv", report.year),
            Dialect::ExcelDa => format!("modelevaluering-{}.csv", report.year),
        };
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::VARY, crate::http::negotiate::VARY))
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
            .body(to_csv(&report, dialect)));
    }
    Ok(HttpResponse::Ok().insert_header((header::VARY, crate::http::negotiate::VARY)).json(report))
}

fn pool_evaluation(pool: &crate::domain::pool::Pool, status: &PoolStatus, e: &crate::domain::evaluation::Evaluation) -> PoolEvaluation {
    let o = status.overall;
    let year = pool.key.year.get();
    PoolEvaluation {
        pool: pool.key.to_string(),
        cluster: pool.key.cluster.to_string(),
        state: pool.state.into(),
        allocation_model: pool.model.into(),
        total: o.total.to_string(),
        carried_in: o.carried_in.to_string(),
        committed: o.committed.to_string(),
        pending: o.pending.to_string(),
        released: o.released.to_string(),
        carried_over: o.carried_out.to_string(),
        available: o.available.to_string(),
        buckets: status
            .buckets
            .iter()
            .map(|(b, f)| BucketUse {
                name: b.as_str().to_owned(),
                total: f.total.to_string(),
                committed: f.committed.to_string(),
                used_per_mille: per_mille(f.committed, f.total.checked_add(f.carried_in).unwrap_or(f.total)),
                released: f.released.to_string(),
                available: f.available.to_string(),
            })
            .collect(),
        committed_by_month: e
            .by_month
            .iter()
            .enumerate()
            .map(|(i, m)| MonthCommitted { month: format!("{year}-{:02}", i + 1), committed: m.to_string() })
            .collect(),
        committed_after_year: e.after_year.to_string(),
        decisions: e.days.decisions,
        median_days_to_decision: e.days.median,
        max_days_to_decision: e.days.max,
        projects_by_sector: Vec::new(),
    }
}

const COLUMNS: [Column; 20] = [
    col("pool", "pulje"),
    col("cluster", "klynge"),
    col("year", "år"),
    col("state", "tilstand"),
    col("model", "fordelingsmodel"),
    col("upfront_share", "andel ved årets start"),
    col("total", "ramme"),
    col("carried_in", "overført ind"),
    col("committed", "bevilget"),
    col("pending", "reserveret"),
    col("released", "frigivet"),
    col("carried_over", "overført"),
    col("available", "disponibelt"),
    col("upfront_committed", "bevilget ved årets start"),
    col("ad_hoc_committed", "bevilget ad hoc"),
    col("rolling_committed", "bevilget løbende"),
    col("decisions", "afgørelser"),
    col("median_days_to_decision", "median dage til afgørelse"),
    col("max_days_to_decision", "maks. dage til afgørelse"),
    col("committed_after_year", "bevilget efter året"),
];

/// One row per pool, in either CSV dialect (amounts and the share with a
/// decimal comma in `excel-da`), then a column per month of the year.
fn to_csv(report: &ModelEvaluation, d: Dialect) -> Vec<u8> {
    let mut out = d.preamble().to_vec();
    let mut w = Writer::new(d, &mut out);
    let months: Vec<String> =
        (1..=12).map(|m| if d == Dialect::ExcelDa { format!("bevilget {m:02}") } else { format!("committed_{m:02}") }).collect();
    let mut header: Vec<String> = COLUMNS.iter().map(|c| d.header(c).to_owned()).collect();
    header.extend(months);
    w.record(&header);
    for p in &report.pools {
        let (kind, share) = match &p.allocation_model {
            AllocationModelDto::Split { upfront_share } => ("split", d.amount(upfront_share)),
            AllocationModelDto::Upfront => ("upfront", String::new()),
            AllocationModelDto::Rolling => ("rolling", String::new()),
        };
        let model = match d {
            Dialect::Rfc4180 => kind.to_owned(),
            Dialect::ExcelDa => danish::model_dto(&p.allocation_model),
        };
        let bucket =
            |name: &str| d.amount(&p.buckets.iter().find(|b| b.name == name).map_or_else(|| "0.00".to_owned(), |b| b.committed.clone()));
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let state = match d {
            Dialect::Rfc4180 => serde_json::to_value(p.state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            Dialect::ExcelDa => danish::pool_state(p.state.into()).to_owned(),
        };
        let mut row = vec![
            p.pool.clone(),
            p.cluster.clone(),
            report.year.to_string(),
            state,
            model,
            share,
            d.amount(&p.total),
            d.amount(&p.carried_in),
            d.amount(&p.committed),
            d.amount(&p.pending),
            d.amount(&p.released),
            d.amount(&p.carried_over),
            d.amount(&p.available),
            bucket("upfront"),
            bucket("ad_hoc"),
            bucket("rolling"),
            p.decisions.to_string(),
            opt(p.median_days_to_decision),
            opt(p.max_days_to_decision),
            d.amount(&p.committed_after_year),
        ];
        row.extend(p.committed_by_month.iter().map(|m| d.amount(&m.committed)));
        w.record(&row);
    }
    drop(w);
    out
}
