//! The running balances (`ledger_totals`, kept by `db::ledger`) of many
//! pools at once: one query for every pool of a page, a report or a scrape,
//! instead of one per pool (each a round trip on PostgreSQL).

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::ledger::BalanceRow;
use super::{AnyConnection, StoreError};
use crate::domain::ledger::Balances;

#[derive(Debug, QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    pool_id: i64,
    #[diesel(embed)]
    sum: BalanceRow,
}

/// Each of `pool_ids`' balances per bucket, account and kind of entry, as
/// `ledger::balances` reads one pool's: the pool's own rows (application 0)
/// of the projection. A pool without postings is left out.
pub fn balances_of_pools(conn: &mut AnyConnection, pool_ids: &[i64]) -> Result<HashMap<i64, Balances>, StoreError> {
    if pool_ids.is_empty() {
        return Ok(HashMap::new());
    }
    // Integers only: the list is written into the statement, never text.
    let ids = pool_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT pool_id, bucket, account, kind, amount_ore FROM ledger_totals WHERE application_id = 0 AND pool_id IN ({ids})"
    ))
    .load(conn)?;
    let mut out: HashMap<i64, Balances> = HashMap::with_capacity(pool_ids.len());
    for Row { pool_id, sum } in rows {
        sum.add_to(out.entry(pool_id).or_default())?;
    }
    Ok(out)
}
