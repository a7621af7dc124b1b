//! What finance staff load in bulk: a cluster's population counts for a year
//! (the key for distributions), replaced as a whole with its audit event.

use crate::db::audit::{self, AuditEvent};
use crate::db::pools::Actor;
use crate::db::population::{self, PopulationCount};
use crate::db::{AnyConnection, StoreError};
use crate::domain::values::Year;

pub fn replace_population_counts(
    conn: &mut AnyConnection,
    cluster_id: i64,
    cluster_slug: &str,
    year: Year,
    counts: &[PopulationCount],
    actor: Actor<'_>,
) -> Result<(), StoreError> {
    population::replace(conn, cluster_id, year.get(), counts, actor.at)?;
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "population_counts.replaced",
            subject: format!("cluster:{cluster_slug}"),
            before: None,
            after: Some(
                serde_json::json!({"year": year.get(), "rows": counts.len(), "total": counts.iter().map(|c| c.count).sum::<i64>()}),
            ),
            request_id: actor.request_id,
        },
    )?;
    Ok(())
}
