//! Parties of a cluster and the target populations (målgrupper).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{parties, target_populations};
use crate::db::cached::direct;

#[derive(Debug, Clone, Queryable)]
pub struct PartyRow {
    pub id: i64,
    pub cluster_id: i64,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable)]
pub struct TargetPopulationRow {
    pub code: String,
    pub name_da: String,
    pub name_en: String,
    pub position: i32,
}

pub fn parties_of(conn: &mut AnyConnection, cluster_id: i64, kind: Option<&str>) -> QueryResult<Vec<PartyRow>> {
    if kind.is_none() {
        // Every charter checked reads them: not boxed, so its statement is kept (a boxed query is prepared on each call).
        return direct!(conn, |c| parties::table
            .select(parties::all_columns)
            .filter(parties::cluster_id.eq(cluster_id))
            .order(parties::id)
            .load(c));
    }
    let mut query = parties::table.select(parties::all_columns).filter(parties::cluster_id.eq(cluster_id)).order(parties::id).into_boxed();
    if let Some(kind) = kind {
        query = query.filter(parties::kind.eq(kind.to_owned()));
    }
    query.load(conn)
}

pub fn find_party(conn: &mut AnyConnection, cluster_id: i64, slug: &str) -> QueryResult<Option<PartyRow>> {
    parties::table
        .select(parties::all_columns)
        .filter(parties::cluster_id.eq(cluster_id).and(parties::slug.eq(slug)))
        .first(conn)
        .optional()
}

pub fn insert_party(
    conn: &mut AnyConnection,
    cluster_id: i64,
    slug: &str,
    name: &str,
    kind: &str,
    now: NaiveDateTime,
) -> QueryResult<PartyRow> {
    let mut rows: Vec<PartyRow> = diesel::insert_into(parties::table)
        .values((
            parties::cluster_id.eq(cluster_id),
            parties::slug.eq(slug),
            parties::name.eq(name),
            parties::kind.eq(kind),
            parties::created_at.eq(now),
        ))
        .returning(parties::all_columns)
        .get_results(conn)?;
    rows.pop().ok_or(diesel::result::Error::NotFound)
}

/// The catalogue of target populations, in order. It is reference data
/// that only the migrations write (the same rows in every database this
/// binary has migrated), so it is read once per process and then kept.
pub fn target_populations(conn: &mut AnyConnection) -> QueryResult<Vec<TargetPopulationRow>> {
    static CATALOGUE: std::sync::OnceLock<Vec<TargetPopulationRow>> = std::sync::OnceLock::new();
    if let Some(kept) = CATALOGUE.get() {
        return Ok(kept.clone());
    }
    let rows: Vec<TargetPopulationRow> = direct!(conn, |c| target_populations::table
        .select(target_populations::all_columns)
        .order((target_populations::position, target_populations::code))
        .load(c))?;
    // An empty catalogue is a database not yet migrated: not kept.
    if !rows.is_empty() {
        let _ = CATALOGUE.set(rows.clone());
    }
    Ok(rows)
}
