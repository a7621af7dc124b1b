//! `GET /dashboard`: one picture of where the money went, per cluster and
//! year. Server-rendered HTML (askama templates in `templates/dashboard/`),
//! no scripts, nothing loaded from elsewhere; every chart has a table with
//! the same figures.
//!
//! Fast on a large database: a page is kept whole while nothing is written
//! (`http::kept`); otherwise it makes a fixed number of queries whatever the
//! number of pools — one statement per list for all pools (the latest
//! decisions, what waits: a handful of rows each, by index), one aggregate
//! over the ledger marks of all its pools — and sums a pool's ledger only
//! when it has changed since the last page (`dashboard_cache`).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, route, web};
use askama::Template;
use serde::Deserialize;

use super::dashboard_cache::{FiguresCache, PoolFigures};
use super::dashboard_view as view;
use super::login::{Access, access, html, sign_in_page, unavailable};
use crate::db::dashboard::{self as reads, DecidedOn, ExpiredRequest, Listed};
use crate::db::{AnyConnection, clusters, pools};
use crate::domain::access::ClusterScope;
use crate::domain::money::Money;
use crate::http::AppState;
use crate::http::error::ApiError;

#[derive(Debug, Deserialize)]
pub struct Picker {
    pub year: Option<String>,
    pub cluster: Option<String>,
}

/// The latest decisions listed per pool.
const DECISIONS: i64 = 5;
/// Waiting applications listed per pool (the rest are counted).
const WAITING: i64 = 10;

/// What the page shows of one pool, read from the database.
pub struct PoolData {
    pub stored: pools::StoredPool,
    pub cluster_name: String,
    pub figures: Arc<PoolFigures>,
    /// Proposed carry-overs into this pool awaiting sign-off.
    pub carried_in_pending: Money,
    pub decided: Vec<(Listed, Option<DecidedOn>)>,
    pub waiting: Vec<Listed>,
    pub waiting_count: i64,
    /// Carry-overs out of this pool awaiting political sign-off: (to year, amount).
    pub carry_overs: Vec<(i32, Money)>,
    pub expired: Vec<ExpiredRequest>,
}

/// Everything the page shows.
pub struct Data {
    pub years: Vec<i32>,
    pub year: Option<i32>,
    pub clusters: Vec<(String, String)>,
    pub cluster: Option<String>,
    pub pools: Vec<PoolData>,
    pub overdue: Vec<crate::follow_up::service::Overdue>,
}

fn load(
    c: &mut AnyConnection,
    cache: &FiguresCache,
    scope: &ClusterScope,
    (year, cluster): (Option<i32>, Option<String>),
    today: chrono::NaiveDate,
    mut expired: Vec<ExpiredRequest>,
) -> Result<Data, ApiError> {
    let all = pools::list(c, scope, &pools::PoolFilter::default(), 10_000)?;
    let mut years: Vec<i32> = all.iter().map(|p| p.pool.key.year.get()).collect();
    years.sort_unstable();
    years.dedup();
    let year = year.or_else(|| years.last().copied());
    let clusters: Vec<(String, String)> = clusters::list(c, scope, None, 1000)?.into_iter().map(|r| (r.slug, r.name)).collect();
    let cluster = cluster.filter(|slug| clusters.iter().any(|(s, _)| s == slug));
    let shown: Vec<pools::StoredPool> = all
        .into_iter()
        .filter(|p| Some(p.pool.key.year.get()) == year)
        .filter(|p| cluster.as_ref().is_none_or(|c| c == p.pool.key.cluster.as_str()))
        .collect();
    let ids: Vec<i64> = shown.iter().map(|p| p.id).collect();
    let marks = reads::ledger_marks(c, &ids)?;
    let incoming = match year {
        Some(y) if !shown.is_empty() => reads::pending_into_year(c, y)?,
        _ => Vec::new(),
    };
    let mut proposed = reads::proposed_carry_overs(c, &ids)?;
    // One statement for each list, for all pools (on PostgreSQL each statement is a round trip).
    let mut latest = reads::latest_decisions(c, &ids, DECISIONS)?;
    let mut waiting = reads::waiting(c, &ids, WAITING)?;
    let lists: Vec<_> = shown
        .iter()
        .map(|p| {
            let (waiting, waiting_count) = waiting.remove(&p.id).unwrap_or_default();
            (latest.remove(&p.id).unwrap_or_default(), waiting, waiting_count)
        })
        .collect();
    let decided_ids: Vec<i64> = lists.iter().flat_map(|(latest, _, _)| latest.iter().map(|a| a.id)).collect();
    let dates = reads::decision_dates(c, &decided_ids)?;
    let mut out = Vec::with_capacity(shown.len());
    for (stored, (latest, waiting, waiting_count)) in shown.into_iter().zip(lists) {
        let figures = cache.figures(c, &stored, marks.iter().find(|m| m.pool_id == stored.id))?;
        let carried_in_pending = incoming.iter().find(|(cluster, _)| *cluster == stored.cluster_id).map(|(_, m)| *m).unwrap_or_default();
        let decided = latest
            .into_iter()
            .map(|a| {
                let on = dates.iter().find(|(id, _)| *id == a.id).map(|(_, on)| *on);
                (a, on)
            })
            .collect();
        let (mine, rest): (Vec<_>, Vec<_>) = proposed.into_iter().partition(|(pool, _, _)| *pool == stored.id);
        proposed = rest;
        let (expired_here, rest) = expired.into_iter().partition(|r| r.pool_id == Some(stored.id));
        expired = rest;
        let cluster_name = clusters
            .iter()
            .find(|(s, _)| s == stored.pool.key.cluster.as_str())
            .map_or_else(|| stored.pool.key.cluster.to_string(), |(_, n)| n.clone());
        out.push(PoolData {
            stored,
            cluster_name,
            figures,
            carried_in_pending,
            decided,
            waiting,
            waiting_count,
            carry_overs: mine.into_iter().map(|(_, year, amount)| (year, amount)).collect(),
            expired: expired_here,
        });
    }
    let overdue = crate::follow_up::service::overdue(c, scope, cluster.as_deref(), today)?;
    Ok(Data { years, year, clusters, cluster, pools: out, overdue })
}

/// The dashboard for the picked year (default: the latest with pools) and cluster (default: all).
#[route("/dashboard", method = "GET", method = "HEAD")]
pub async fn show(state: web::Data<AppState>, req: HttpRequest, query: web::Query<Picker>) -> HttpResponse {
    let scope = match access(&state, &req).await {
        Ok(Access::Granted(scope)) => scope,
        Ok(Access::SignIn) => return sign_in_page(None),
        Err(e) => {
            tracing::error!(error = %e, "dashboard access check failed");
            return unavailable();
        }
    };
    let year = query.year.as_deref().and_then(|y| y.parse::<i32>().ok());
    let cluster = query.cluster.clone().filter(|c| !c.is_empty());
    let today = state.follow_up.clock.today();
    // Kept whole while nothing is written (`http::kept`), under everything the
    // page depends on besides the database: the key's clusters, the picks, the day.
    let kept_as = format!("{scope:?}|{year:?}|{cluster:?}|{today}");
    match kept_or_made(&state, kept_as, scope, (year, cluster), today).await {
        Ok(body) => html(StatusCode::OK, body),
        Err(Failed::Template(e)) => {
            tracing::error!(error = %e, "dashboard template failed");
            unavailable()
        }
        Err(Failed::Read(e)) => {
            tracing::error!(error = %e, "dashboard failed");
            unavailable()
        }
    }
}

enum Failed {
    Read(ApiError),
    Template(askama::Error),
}

/// The expired requests as a kept page names them (their ids).
fn expired_tag(expired: &[ExpiredRequest]) -> String {
    expired.iter().map(|r| r.id.to_string()).collect::<Vec<_>>().join(",")
}

/// The page as kept on this node, or made now (one request at a time per
/// key; those waiting take what it kept).
async fn kept_or_made(
    state: &web::Data<AppState>,
    kept_as: String,
    scope: ClusterScope,
    picks: (Option<i32>, Option<String>),
    today: chrono::NaiveDate,
) -> Result<web::Bytes, Failed> {
    let kept = &state.kept.dashboard;
    // The expired requests are read for every page, and a kept page is used
    // only if it shows the same ones: the expiry is the one change the page
    // shows that may be made where this node does not hear it (the state set
    // by another process on the same file).
    let expired = state.db.read(|c| reads::expired_requests(c).map_err(ApiError::from)).await.map_err(Failed::Read)?;
    let now = expired_tag(&expired);
    let usable = |changes| kept.find(&kept_as, changes).filter(|(tag, _)| *tag == now).map(|(_, body)| body);
    if let Some(body) = usable(state.db.changes()) {
        return Ok(body);
    }
    let _turn = kept.turn(&kept_as).await;
    // Read before the page is: a write ending meanwhile makes the kept page stale at once.
    let changes = state.db.changes();
    if let Some(body) = usable(changes) {
        return Ok(body);
    }
    let (tag, data) = {
        let state = state.clone();
        state
            .db
            .clone()
            .read(move |c| {
                let expired = reads::expired_requests(c)?;
                Ok::<_, ApiError>((expired_tag(&expired), load(c, &state.dashboard, &scope, picks, today, expired)?))
            })
            .await
            .map_err(Failed::Read)?
    };
    let body = web::Bytes::from(view::page(&data, !state.public_dashboard).render().map_err(Failed::Template)?);
    kept.keep(kept_as, changes, tag, body.clone());
    Ok(body)
}
