//! A charter's rows beside the application row: target populations, budget
//! lines and partner parties; and the parties' kinds, for the sector rules
//! and the breakdowns by sector.

use crate::db::cached::{CacheStatement, direct};
use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{application_partners, application_target_populations, applications, budget_lines, parties};
use super::{AnyConnection, StoreError};
use crate::domain::application::Charter;
use crate::domain::reference::PartyKind;

/// Replaces the charter's target populations, budget lines and partners.
pub fn write(conn: &mut AnyConnection, id: i64, party_id: i64, charter: &Charter) -> Result<(), StoreError> {
    direct!(conn, |c| diesel::delete(application_target_populations::table.filter(application_target_populations::application_id.eq(id)))
        .execute(c))?;
    direct!(conn, |c| diesel::delete(budget_lines::table.filter(budget_lines::application_id.eq(id))).execute(c))?;
    direct!(conn, |c| diesel::delete(application_partners::table.filter(application_partners::application_id.eq(id))).execute(c))?;
    for (i, code) in charter.target_populations.iter().enumerate() {
        direct!(conn, |c| diesel::insert_into(application_target_populations::table)
            .values((
                application_target_populations::application_id.eq(id),
                application_target_populations::code.eq(code),
                application_target_populations::position.eq(i as i32),
            ))
            .execute(c))?;
    }
    for line in &charter.budget {
        direct!(conn, |c| diesel::insert_into(budget_lines::table)
            .values((
                budget_lines::application_id.eq(id),
                budget_lines::year.eq(line.year.get()),
                budget_lines::amount_ore.eq(line.amount.ore()),
            ))
            .execute(c))?;
    }
    // Partners are parties of the applicant's cluster (checked by the charter's rules).
    let cluster_id: i64 = direct!(conn, |c| parties::table.filter(parties::id.eq(party_id)).select(parties::cluster_id).first(c))?;
    for (i, slug) in charter.partner_parties.iter().enumerate() {
        let partner: i64 = direct!(conn, |c| parties::table
            .filter(parties::cluster_id.eq(cluster_id).and(parties::slug.eq(slug)))
            .select(parties::id)
            .first(c))
        .map_err(|_| StoreError::Corrupt(format!("partner '{slug}' is not a party of the cluster")))?;
        direct!(conn, |c| diesel::insert_into(application_partners::table)
            .values((
                application_partners::application_id.eq(id),
                application_partners::party_id.eq(partner),
                application_partners::position.eq(i as i32),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// The partner slugs of these applications, in their order.
pub fn partners_of(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(direct!(conn, |c| application_partners::table
        .inner_join(parties::table)
        .filter(application_partners::application_id.eq_any(ids))
        .order((application_partners::application_id, application_partners::position))
        .select((application_partners::application_id, parties::slug))
        .cached_if_few(ids.len())
        .load(c))?)
}

fn kind(text: &str) -> Result<PartyKind, StoreError> {
    PartyKind::parse(text).ok_or_else(|| StoreError::Corrupt(format!("party kind '{text}'")))
}

/// The kinds of an application's parties: its applicant's, then its partners'.
pub fn kinds_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<PartyKind>, StoreError> {
    let applicant: Vec<String> =
        direct!(conn, |c| applications::table.inner_join(parties::table).filter(applications::id.eq(id)).select(parties::kind).load(c))?;
    let partners: Vec<String> = direct!(conn, |c| application_partners::table
        .inner_join(parties::table)
        .filter(application_partners::application_id.eq(id))
        .select(parties::kind)
        .load(c))?;
    applicant.iter().chain(&partners).map(|k| kind(k)).collect()
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
