//! Clusters: one hospital area, its municipalities, the region and general practice.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::clusters;
use crate::domain::access::ClusterScope;

#[derive(Debug, Clone, Queryable)]
pub struct ClusterRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub region: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn list(conn: &mut AnyConnection, scope: &ClusterScope, after: Option<&str>, limit: i64) -> QueryResult<Vec<ClusterRow>> {
    let mut query = clusters::table.select(clusters::all_columns).order(clusters::slug).limit(limit).into_boxed();
    if let Some(after) = after {
        query = query.filter(clusters::slug.gt(after.to_owned()));
    }
    if let ClusterScope::Only(slugs) = scope {
        query = query.filter(clusters::slug.eq_any(slugs.iter().cloned().collect::<Vec<_>>()));
    }
    query.load(conn)
}

pub fn find(conn: &mut AnyConnection, slug: &str) -> QueryResult<Option<ClusterRow>> {
    clusters::table.select(clusters::all_columns).filter(clusters::slug.eq(slug)).first(conn).optional()
}

pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    clusters::table.count().get_result(conn)
}

pub fn insert(conn: &mut AnyConnection, slug: &str, name: &str, region: &str, now: NaiveDateTime) -> QueryResult<ClusterRow> {
    // get_results, not get_result: a RETURNING statement left un-stepped
    // keeps SQLite's WAL from ever checkpointing.
    let mut rows: Vec<ClusterRow> = diesel::insert_into(clusters::table)
        .values((
            clusters::slug.eq(slug),
            clusters::name.eq(name),
            clusters::region.eq(region),
            clusters::version.eq(1),
            clusters::created_at.eq(now),
            clusters::updated_at.eq(now),
        ))
        .returning(clusters::all_columns)
        .get_results(conn)?;
    rows.pop().ok_or(diesel::result::Error::NotFound)
}

pub fn update(conn: &mut AnyConnection, row: &ClusterRow, now: NaiveDateTime) -> QueryResult<ClusterRow> {
    let mut rows: Vec<ClusterRow> = diesel::update(clusters::table.filter(clusters::id.eq(row.id)))
        .set((
            clusters::name.eq(&row.name),
            clusters::region.eq(&row.region),
            clusters::version.eq(row.version + 1),
            clusters::updated_at.eq(now),
        ))
        .returning(clusters::all_columns)
        .get_results(conn)?;
    rows.pop().ok_or(diesel::result::Error::NotFound)
}

/// A cluster by its id.
pub fn find_by_id(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<ClusterRow>> {
    clusters::table.find(id).first(conn).optional()
}
