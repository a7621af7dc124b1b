//! Reports past their due date, for the API and the dashboard.

use chrono::NaiveDate;

use crate::db::follow_up as store;
use crate::db::{AnyConnection, StoreError};
use crate::domain::access::ClusterScope;
use crate::domain::follow_up::{EntryState, PlanEntry};

use super::plan_view;

/// A report past due.
#[derive(Debug, Clone)]
pub struct Overdue {
    pub grant_id: i64,
    pub application_id: i64,
    pub application_title: String,
    pub pool: String,
    pub entry: PlanEntry,
    pub days_overdue: i64,
}

/// Overdue reports of stored plans in the clusters `scope` covers (and
/// `cluster`, when named), most overdue first.
pub fn overdue(
    conn: &mut AnyConnection,
    scope: &ClusterScope,
    cluster: Option<&str>,
    today: NaiveDate,
) -> Result<Vec<Overdue>, StoreError> {
    let mut out = Vec::new();
    for grant_id in store::planned_grants(conn)? {
        let Some(view) = plan_view(conn, grant_id, today)? else { continue };
        let slug = view.grant.pool.cluster.as_str();
        if view.closed || !scope.covers(slug) || cluster.is_some_and(|c| c != slug) {
            continue;
        }
        for e in view.entries.iter().filter(|e| e.state == EntryState::Overdue) {
            out.push(Overdue {
                grant_id,
                application_id: view.grant.application_id,
                application_title: view.grant.application_title.clone(),
                pool: view.grant.pool.to_string(),
                entry: e.entry,
                days_overdue: e.days_overdue,
            });
        }
    }
    out.sort_by(|a, b| b.days_overdue.cmp(&a.days_overdue).then(a.grant_id.cmp(&b.grant_id)));
    Ok(out)
}
