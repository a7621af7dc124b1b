//! The dashboard's per-pool figures, kept between requests. Summing a
//! pool's ledger is the expensive part of the page (milliseconds per pool on
//! a large database); the figures are the same as long as the pool row and
//! its ledger are: entries are only ever added, so the pool's ledger mark
//! (`db::dashboard::ledger_marks`: the number of postings and the last entry,
//! read from the running balances) says whether anything changed. Each node keeps its own copy;
//! a change on another node changes the mark, so no node shows stale figures.
//!
//! The figures are made by the same functions as `GET /pools/{pool}/status`
//! (`ledger::balances`, `PoolStatus::from_balances`, the breakdowns), so
//! they agree to the øre.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use crate::db::dashboard::LedgerMark;
use crate::db::{AnyConnection, StoreError, ledger, pools};
use crate::domain::allocation::Bucket;
use crate::domain::ledger::{Figures, PoolStatus};
use crate::domain::money::Money;
use crate::http::error::ApiError;
use crate::pools::breakdowns::breakdowns;

/// A pool's figures as the dashboard draws them.
#[derive(Debug)]
pub struct PoolFigures {
    pub overall: Figures,
    pub buckets: Vec<(Bucket, Figures)>,
    /// Every target population: (Danish name, committed, pending).
    pub populations: Vec<(String, Money, Money)>,
}

/// What the figures of a pool are made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Made {
    updated_at: NaiveDateTime,
    entries: i64,
    last_entry: i64,
}

/// Pools held at most; past it the cache starts over (a dashboard shows one year).
const CAPACITY: usize = 4096;

#[derive(Default)]
pub struct FiguresCache {
    pools: Mutex<HashMap<i64, (Made, Arc<PoolFigures>)>>,
}

/// A figure of the status, read back (it may pass the input limit: a pool plus a carry-over).
fn money(text: &str) -> Money {
    Money::parse_figure(text).unwrap_or_default()
}

fn compute(c: &mut AnyConnection, stored: &pools::StoredPool) -> Result<PoolFigures, ApiError> {
    let balances = ledger::balances(c, stored.id)?;
    let status = PoolStatus::from_balances(stored.pool.model, &balances).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let populations = breakdowns(c, stored.id, stored.cluster_id)?
        .by_target_population
        .into_iter()
        .map(|t| (t.name_da, money(&t.money.committed), money(&t.money.pending)))
        .collect();
    Ok(PoolFigures { overall: status.overall, buckets: status.buckets, populations })
}

impl FiguresCache {
    /// The figures of `stored`, whose ledger is at `mark` (none: no entries yet).
    pub fn figures(
        &self,
        c: &mut AnyConnection,
        stored: &pools::StoredPool,
        mark: Option<&LedgerMark>,
    ) -> Result<Arc<PoolFigures>, ApiError> {
        let made =
            Made { updated_at: stored.updated_at, entries: mark.map_or(0, |m| m.entries), last_entry: mark.map_or(0, |m| m.last_entry) };
        if let Some((at, figures)) = self.lock().get(&stored.id) {
            if *at == made {
                return Ok(Arc::clone(figures));
            }
        }
        let figures = Arc::new(compute(c, stored)?);
        let mut held = self.lock();
        if held.len() >= CAPACITY {
            held.clear();
        }
        held.insert(stored.id, (made, Arc::clone(&figures)));
        Ok(figures)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, (Made, Arc<PoolFigures>)>> {
        self.pools.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
