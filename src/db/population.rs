//! Inhabitants per cluster, year, target population and municipality.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{clusters, population_counts};
use super::{AnyConnection, StoreError};

/// One count as uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationCount {
    pub target_population: String,
    pub municipality: String,
    pub count: i64,
}

/// Replaces a cluster's counts for a year with `counts` (call in a write transaction).
pub fn replace(
    conn: &mut AnyConnection,
    cluster_id: i64,
    year: i32,
    counts: &[PopulationCount],
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::delete(population_counts::table.filter(population_counts::cluster_id.eq(cluster_id)).filter(population_counts::year.eq(year)))
        .execute(conn)?;
    for c in counts {
        diesel::insert_into(population_counts::table)
            .values((
                population_counts::cluster_id.eq(cluster_id),
                population_counts::year.eq(year),
                population_counts::target_population.eq(&c.target_population),
                population_counts::municipality.eq(&c.municipality),
                population_counts::count.eq(c.count),
                population_counts::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A cluster's counts for a year, by target population and municipality.
pub fn of(conn: &mut AnyConnection, cluster_id: i64, year: i32) -> Result<Vec<PopulationCount>, StoreError> {
    let rows: Vec<(String, String, i64)> = population_counts::table
        .filter(population_counts::cluster_id.eq(cluster_id))
        .filter(population_counts::year.eq(year))
        .order((population_counts::target_population, population_counts::municipality))
        .select((population_counts::target_population, population_counts::municipality, population_counts::count))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(target_population, municipality, count)| PopulationCount { target_population, municipality, count })
        .collect())
}

/// Each cluster's inhabitants in a year: the sum over municipalities of the
/// largest target-population count in each (the populations overlap, so
/// they are not added up; a municipality's total is its broadest group).
pub fn cluster_totals(conn: &mut AnyConnection, year: i32) -> Result<Vec<(String, i64)>, StoreError> {
    let rows: Vec<(String, String, i64)> = population_counts::table
        .inner_join(clusters::table)
        .filter(population_counts::year.eq(year))
        .order((clusters::slug, population_counts::municipality))
        .select((clusters::slug, population_counts::municipality, population_counts::count))
        .load(conn)?;
    Ok(crate::domain::population::cluster_populations(rows))
}
