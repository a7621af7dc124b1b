//! What dashboards pull: a pool's figures, and the ledger behind them.

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::{AnyConnection, StoreError, carry_overs, ledger, pools};
use crate::domain::ledger::{Figures, PoolStatus};
use crate::domain::money::Money;
use crate::domain::values::PoolKey;
use crate::http::auth::Caller;
use crate::http::conventions::{IfNoneMatch, Page, content_etag, id_cursor, limit, validated_header};
use crate::http::csv_stream::{CsvDialect, csv_dialect};
use crate::http::error::{ApiError, Problem};
use crate::http::fields::{pool_key, pool_not_found as not_found};
use crate::http::negotiate;
use crate::http::{AppState, utc};
use crate::pools::breakdowns::{Breakdowns, PartyUse, SectorUse, TargetPopulationUse, breakdowns};
use crate::pools::http::PoolStateDto;
use crate::pools::policy::AllocationModelDto;
use crate::pools::status_cache::{Lookup, Rendered};

/// Money figures, as strings with two decimals. They reconcile:
/// `total + carried_in = committed + pending + available + carried_out`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresDto {
    #[schema(example = "871553.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub total: String,
    #[schema(example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub carried_in: String,
    /// Granted and not released (disbursed money included).
    #[schema(example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub committed: String,
    /// Reserved while a decision is pending.
    #[schema(example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub pending: String,
    /// Paid out of what is committed.
    #[schema(example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub disbursed: String,
    /// Given back from grants into available.
    #[schema(example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub released: String,
    #[schema(example = "871553.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub available: String,
    #[schema(example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub carried_out: String,
}

impl From<Figures> for FiguresDto {
    fn from(f: Figures) -> Self {
        let s = |m: Money| m.to_string();
        FiguresDto {
            total: s(f.total),
            carried_in: s(f.carried_in),
            committed: s(f.committed),
            pending: s(f.pending),
            disbursed: s(f.disbursed),
            released: s(f.released),
            available: s(f.available),
            carried_out: s(f.carried_out),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BucketStatusDto {
    /// `upfront`, `ad_hoc` or `rolling`.
    #[schema(example = "upfront")]
    pub name: String,
    #[serde(flatten)]
    pub figures: FiguresDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PoolStatusDto {
    #[schema(example = "vest-2022")]
    pub pool: String,
    #[schema(example = "vest")]
    pub cluster: String,
    #[schema(example = 2022)]
    pub year: i32,
    pub state: PoolStateDto,
    pub allocation_model: AllocationModelDto,
    #[serde(flatten)]
    pub figures: FiguresDto,
    /// Proposed carry-overs into this pool that await political sign-off.
    /// Not yet part of `carried_in` or `available`; shown so nobody plans with it too early.
    #[schema(example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub carried_in_pending: String,
    pub buckets: Vec<BucketStatusDto>,
    /// Every target population. An application naming several counts
    /// equally towards each (largest remainder), so each column sums to the pool's.
    pub by_target_population: Vec<TargetPopulationUse>,
    /// Parties whose applications hold money in the pool (by applicant).
    pub by_party: Vec<PartyUse>,
    /// Sector combinations of the projects holding money in the pool: each project counts
    /// once, under the sectors its applicant and partners span, so each column sums to the pool's.
    pub by_sector: Vec<SectorUse>,
    /// What the pool's grants have budgeted per year and paid out in each
    /// year: the later years are what next year's pools already owe in practice.
    pub budgeted_by_year: Vec<crate::amendments::dto::BudgetYearDto>,
}

/// A stored pool's status, read from its ledger.
pub fn load_status(c: &mut AnyConnection, stored: &pools::StoredPool) -> Result<PoolStatusDto, ApiError> {
    let balances = ledger::balances(c, stored.id)?;
    let status = PoolStatus::from_balances(stored.pool.model, &balances).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let Breakdowns { by_target_population, by_party, by_sector } = breakdowns(c, stored.id, stored.cluster_id)?;
    let incoming = carry_overs::pending_into(c, stored.cluster_id, stored.pool.key.year.get())?;
    let pool = &stored.pool;
    Ok(PoolStatusDto {
        pool: pool.key.to_string(),
        cluster: pool.key.cluster.to_string(),
        year: pool.key.year.get(),
        state: pool.state.into(),
        allocation_model: pool.model.into(),
        figures: status.overall.into(),
        carried_in_pending: incoming.to_string(),
        buckets: status.buckets.into_iter().map(|(b, f)| BucketStatusDto { name: b.as_str().to_owned(), figures: f.into() }).collect(),
        by_target_population,
        by_party,
        by_sector,
        budgeted_by_year: crate::amendments::budget::of_pool(c, stored.id)?.into_iter().map(Into::into).collect(),
    })
}

/// A pool's figures, overall and per bucket. Answers 304 to a matching
/// `If-None-Match`, so dashboards can poll cheaply.
#[utoipa::path(operation_id = "get_pool_status", extensions(("x-permission" = json!("read"))),
    tag = "pools", params(("pool" = String, Path), ("If-None-Match" = Option<String>, Header)), security(("api_key" = [])),
    responses((status = 200, description = "The pool's figures, reconciled to the øre", body = PoolStatusDto, headers(("ETag" = String))), (status = 304, description = "Unchanged since the ETag given"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/pools/{pool}/status")]
pub async fn pool_status(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = pool_key(&caller, &path)?;
    let status = current_status(&state, key, path.as_str()).await?;
    // The 200 and the 304 carry the same validators; the body is the kept one, shared, not copied.
    if IfNoneMatch::names(&req, &status.etag_header) {
        return Ok(validated_header(StatusCode::NOT_MODIFIED, status.etag_header.clone(), None).finish());
    }
    Ok(validated_header(StatusCode::OK, status.etag_header.clone(), None)
        .content_type(header::HeaderValue::from_static("application/json"))
        .body(status.body.clone()))
}

/// The pool's status as it stands: from memory while nothing was written
/// (see `status_cache`), else read — by one request for all that wait.
async fn current_status(state: &AppState, key: PoolKey, cached_as: &str) -> Result<Arc<Rendered>, ApiError> {
    // Read before the status is, so a write that ends meanwhile makes what is read stale.
    let changes = state.db.changes();
    let mut may_wait = true;
    let reading = loop {
        match state.statuses.lookup(cached_as, changes, may_wait) {
            Lookup::Current(status) => return Ok(status),
            Lookup::Wait(wait) => {
                wait.done().await;
                may_wait = false;
            }
            Lookup::Read(reading) => break reading,
        }
    };
    let previous = reading.previous();
    // The ETag names what the status is made of: when it is the kept one's,
    // so is the body, and nothing is summed or rendered again.
    let read = state
        .db
        .read(move |c| {
            let stored = pools::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            let etag = status_etag(c, &stored)?;
            if let Some(previous) = previous.filter(|p| p.etag == etag) {
                return Ok::<_, ApiError>(Err(previous));
            }
            Ok(Ok((load_status(c, &stored)?, etag)))
        })
        .await?;
    let status = match read {
        Err(unchanged) => unchanged,
        Ok((dto, etag)) => {
            let body = Bytes::from(serde_json::to_vec(&dto).map_err(|e| StoreError::Corrupt(e.to_string()))?);
            Arc::new(Rendered::new(etag, body).ok_or_else(|| StoreError::Corrupt("a status ETag that is no header value".into()))?)
        }
    };
    reading.keep(status.clone());
    Ok(status)
}

/// What a pool's status is made of: the pool row (state, model), how far its
/// ledger has grown (entries are never changed or removed) and the carry-overs
/// awaiting sign-off into it. Party names and target populations in the
/// breakdowns do not change once money is attached (only drafts can be edited).
pub(crate) fn status_etag(c: &mut AnyConnection, stored: &pools::StoredPool) -> Result<String, ApiError> {
    let (postings, last_entry) = ledger::mark(c, stored.id)?;
    let incoming = carry_overs::pending_into(c, stored.cluster_id, stored.pool.key.year.get())?;
    let fingerprint = format!("{}|{}|{postings}|{last_entry}|{incoming}", stored.id, stored.updated_at.and_utc().timestamp_micros());
    Ok(content_etag(fingerprint.as_bytes()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PostingDto {
    #[schema(example = "rolling")]
    pub bucket: String,
    /// `funding`, `carried_in`, `available`, `pending`, `committed`, `disbursed` or `carried_out`.
    #[schema(example = "available")]
    pub account: String,
    /// Signed: money leaves the negative accounts and enters the positive ones.
    #[schema(example = "871553.00", pattern = r"^-?[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: String,
}

/// One balanced movement of money.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryDto {
    pub id: i64,
    #[schema(example = "funding")]
    pub kind: String,
    pub memo: String,
    pub actor: String,
    pub created_at: DateTime<Utc>,
    pub postings: Vec<PostingDto>,
}

fn signed(ore: i64) -> String {
    let text = Money::from_ore(ore.unsigned_abs() as i64).map(|m| m.to_string()).unwrap_or_default();
    if ore < 0 { format!("-{text}") } else { text }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LedgerQuery {
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
    /// For CSV: `rfc4180` (default) or `excel-da` (Danish Excel; implies CSV).
    #[param(value_type = Option<CsvDialect>)]
    pub dialect: Option<String>,
}

/// Every money movement of a pool, oldest first. Each entry sums to zero.
///
/// With `Accept: text/csv` or `?dialect=excel-da`: every posting, one line each, streamed (as
/// `GET /exports/ledger?pool=`; `limit` and `cursor` do not apply).
#[utoipa::path(operation_id = "get_pool_ledger", extensions(("x-permission" = json!("read"))),
    tag = "pools", params(("pool" = String, Path), LedgerQuery), security(("api_key" = [])),
    responses((status = 200, description = "A page of the pool's ledger entries, oldest first; as CSV every posting, one line each, streamed",
            content((Page<LedgerEntryDto> = "application/json"), (String = "text/csv"))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 406, body = Problem), (status = 422, body = Problem)))]
#[get("/pools/{pool}/ledger")]
pub async fn pool_ledger(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = pool_key(&caller, &path)?;
    // A bad `limit` or `cursor` is refused in either representation, though CSV does not use them.
    let mut errors = Vec::new();
    let limit = limit(query.limit.as_deref(), &mut errors);
    let after = id_cursor(query.cursor.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some(d) = csv_dialect(&req, None, query.dialect.as_deref())? {
        let (db, found) = (state.db.clone(), key.clone());
        state.db.read(move |c| pools::find(c, &found)?.map(|_| ()).ok_or_else(|| not_found(&found))).await?;
        return Ok(crate::reports::exports::ledger_csv(db, caller.scope.clone(), Some(key), d));
    }
    let rows = state
        .db
        .read(move |c| {
            let stored = pools::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            Ok::<_, ApiError>(ledger::entries(c, stored.id, after, limit + 1)?)
        })
        .await?;
    let items = rows
        .into_iter()
        .map(|(e, ps)| LedgerEntryDto {
            id: e.id,
            kind: e.kind,
            memo: e.memo,
            actor: e.actor,
            created_at: utc(e.created_at),
            postings: ps.into_iter().map(|p| PostingDto { bucket: p.bucket, account: p.account, amount: signed(p.amount_ore) }).collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().insert_header((header::VARY, negotiate::VARY)).json(Page::from_rows(items, limit, |e| e.id.to_string())))
}
