//! A charter's rows beside the application row: target populations, budget
//! lines and partner parties; and the parties' kinds, for the sector rules
//! and the breakdowns by sector.

use crate::db::cached::{CacheStatement, direct, insert_rows};
use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::schema::{application_partners, application_target_populations, applications, budget_lines, parties};
use super::{AnyConnection, StoreError};
use crate::domain::application::Charter;
use crate::domain::reference::PartyKind;

/// The rows a charter's parties are saved as: the applicant's, and each
/// partner's in the charter's order (found when the charter was checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyIds {
    pub applicant: i64,
    pub partners: Vec<i64>,
}

/// Replaces the charter's target populations, budget lines and partners (a draft's edit).
pub fn replace(conn: &mut AnyConnection, id: i64, parties: &PartyIds, charter: &Charter) -> Result<(), StoreError> {
    direct!(conn, |c| diesel::delete(application_target_populations::table.filter(application_target_populations::application_id.eq(id)))
        .execute(c))?;
    direct!(conn, |c| diesel::delete(budget_lines::table.filter(budget_lines::application_id.eq(id))).execute(c))?;
    direct!(conn, |c| diesel::delete(application_partners::table.filter(application_partners::application_id.eq(id))).execute(c))?;
    write_new(conn, id, parties, charter)
}

/// Writes a new charter's target populations, budget lines and partners:
/// one statement for each kind of row, whatever their number.
pub fn write_new(conn: &mut AnyConnection, id: i64, parties: &PartyIds, charter: &Charter) -> Result<(), StoreError> {
    let populations: Vec<_> = charter
        .target_populations
        .iter()
        .enumerate()
        .map(|(i, code)| {
            (
                application_target_populations::application_id.eq(id),
                application_target_populations::code.eq(code),
                application_target_populations::position.eq(i as i32),
            )
        })
        .collect();
    if !populations.is_empty() {
        insert_rows!(conn, application_target_populations::table, &populations, application_target_populations::application_id)?;
    }
    let budget: Vec<_> = charter
        .budget
        .iter()
        .map(|line| {
            (budget_lines::application_id.eq(id), budget_lines::year.eq(line.year.get()), budget_lines::amount_ore.eq(line.amount.ore()))
        })
        .collect();
    if !budget.is_empty() {
        insert_rows!(conn, budget_lines::table, &budget, budget_lines::application_id)?;
    }
    if parties.partners.is_empty() {
        return Ok(());
    }
    let partners: Vec<_> = parties
        .partners
        .iter()
        .enumerate()
        .map(|(i, party)| {
            (
                application_partners::application_id.eq(id),
                application_partners::party_id.eq(*party),
                application_partners::position.eq(i as i32),
            )
        })
        .collect();
    insert_rows!(conn, application_partners::table, &partners, application_partners::application_id)?;
    Ok(())
}

/// The rows beside some applications' rows, each with its application's id:
/// target populations (code) and partners (slug, kind) in their order, budget
/// lines (year, øre) by year.
#[derive(Debug, Default)]
pub struct CharterRows {
    pub populations: Vec<(i64, String)>,
    pub budgets: Vec<(i64, i32, i64)>,
    pub partners: Vec<(i64, String, String)>,
}

/// One row of [`of_one`]'s statement: which kind of row, and its values.
#[derive(Debug, QueryableByName)]
struct OneRow {
    #[diesel(sql_type = BigInt)]
    what: i64,
    #[diesel(sql_type = Text)]
    text: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    amount_ore: i64,
}

/// One application's target populations, budget lines and partners in one
/// statement (reading one application back is part of every write to it).
pub fn of_one(conn: &mut AnyConnection, id: i64) -> Result<CharterRows, StoreError> {
    let rows: Vec<OneRow> = direct!(conn, |c| diesel::sql_query(
        "SELECT CAST(0 AS BIGINT) AS what, code AS text, '' AS kind, CAST(position AS BIGINT) AS n, CAST(0 AS BIGINT) AS amount_ore \
         FROM application_target_populations WHERE application_id = $1 \
         UNION ALL SELECT CAST(1 AS BIGINT), '', '', CAST(year AS BIGINT), amount_ore FROM budget_lines WHERE application_id = $1 \
         UNION ALL SELECT CAST(2 AS BIGINT), p.slug, p.kind, CAST(ap.position AS BIGINT), CAST(0 AS BIGINT) \
         FROM application_partners ap INNER JOIN parties p ON p.id = ap.party_id WHERE ap.application_id = $1 \
         ORDER BY what, n",
    )
    .bind::<BigInt, _>(id)
    .cached()
    .load(c))?;
    let mut out = CharterRows::default();
    for row in rows {
        match row.what {
            0 => out.populations.push((id, row.text)),
            1 => {
                let year = i32::try_from(row.n).map_err(|_| StoreError::Corrupt(format!("application {id}: budget year {}", row.n)))?;
                out.budgets.push((id, year, row.amount_ore));
            }
            _ => out.partners.push((id, row.text, row.kind)),
        }
    }
    Ok(out)
}

/// The partners of these applications, in their order: (application, slug, kind).
pub fn partners_of(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<(i64, String, String)>, StoreError> {
    Ok(direct!(conn, |c| application_partners::table
        .inner_join(parties::table)
        .filter(application_partners::application_id.eq_any(ids))
        .order((application_partners::application_id, application_partners::position))
        .select((application_partners::application_id, parties::slug, parties::kind))
        .cached_if_few(ids.len())
        .load(c))?)
}

fn kind(text: &str) -> Result<PartyKind, StoreError> {
    PartyKind::parse(text).ok_or_else(|| StoreError::Corrupt(format!("party kind '{text}'")))
}

/// The kinds of the parties (applicant and partners) of every application in a pool.
pub fn kinds_in_pool(conn: &mut AnyConnection, pool_id: i64) -> Result<HashMap<i64, Vec<PartyKind>>, StoreError> {
    let applicants: Vec<(i64, String)> = applications::table
        .inner_join(parties::table)
        .filter(applications::pool_id.eq(pool_id))
        .select((applications::id, parties::kind))
        .load(conn)?;
    let partners: Vec<(i64, String)> = application_partners::table
        .inner_join(parties::table)
        .inner_join(applications::table)
        .filter(applications::pool_id.eq(pool_id))
        .select((application_partners::application_id, parties::kind))
        .load(conn)?;
    let mut out: HashMap<i64, Vec<PartyKind>> = HashMap::with_capacity(applicants.len());
    for (id, k) in applicants.iter().chain(&partners) {
        out.entry(*id).or_default().push(kind(k)?);
    }
    Ok(out)
}

/// The target populations and party of every application in a pool (for breakdowns).
pub fn keys_in_pool(conn: &mut AnyConnection, pool_id: i64) -> Result<Vec<(i64, String, Vec<String>)>, StoreError> {
    let apps: Vec<(i64, String)> = applications::table
        .inner_join(parties::table)
        .filter(applications::pool_id.eq(pool_id))
        .select((applications::id, parties::slug))
        .load(conn)?;
    // One join by pool, not `IN (…)` with every id (a new statement to parse per pool size).
    let pops: Vec<(i64, String)> = application_target_populations::table
        .inner_join(applications::table)
        .filter(applications::pool_id.eq(pool_id))
        .order((application_target_populations::application_id, application_target_populations::position))
        .select((application_target_populations::application_id, application_target_populations::code))
        .load(conn)?;
    let mut by_app: HashMap<i64, Vec<String>> = HashMap::with_capacity(apps.len());
    for (id, code) in pops {
        by_app.entry(id).or_default().push(code);
    }
    Ok(apps.into_iter().map(|(id, party)| (id, party, by_app.remove(&id).unwrap_or_default())).collect())
}

/// Every application of a pool that was submitted: its parties' kinds and whether it was granted.
pub fn submitted_in_pool(conn: &mut AnyConnection, pool_id: i64) -> Result<Vec<(Vec<PartyKind>, bool)>, StoreError> {
    let submitted: Vec<(i64, String)> = applications::table
        .filter(applications::pool_id.eq(pool_id))
        .filter(applications::submitted_at.is_not_null())
        .select((applications::id, applications::state))
        .order(applications::id)
        .load(conn)?;
    let mut kinds = kinds_in_pool(conn, pool_id)?;
    Ok(submitted.into_iter().map(|(id, state)| (kinds.remove(&id).unwrap_or_default(), state == "approved")).collect())
}
