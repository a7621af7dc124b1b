//! Reminders of reports: some days before the due date and once overdue,
//! each once per plan entry (`follow_up_reminders` remembers), each with a
//! fresh personal link. The outbox worker runs this every round with the
//! follow-up's clock; a test runs it with the day it says it is.

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::follow_up as store;
use crate::db::{AnyConnection, StoreError};
use crate::domain::follow_up::{self as rules, EntryState};

use super::{FollowUpError, plan_view, send_link};
use crate::follow_up::FollowUpSettings;

/// Queues every reminder due on `today` that has not gone out. Only stored
/// plans remind (a suggestion is not yet the secretariat's plan), and not
/// once the follow-up is closed. Returns how many were queued; with `send`
/// false only counts them (a read, so the worker takes the write lock only
/// when there is something to send).
pub fn send_reminders(
    conn: &mut AnyConnection,
    settings: &FollowUpSettings,
    base_url: &str,
    today: NaiveDate,
    now: NaiveDateTime,
    send: bool,
) -> Result<usize, FollowUpError> {
    let mut queued = 0;
    for grant_id in store::planned_grants(conn)? {
        let Some(view) = plan_view(conn, grant_id, today)? else { continue };
        if view.closed || view.contact_email.is_empty() {
            continue;
        }
        for e in view.entries.iter().filter(|e| e.state != EntryState::Submitted) {
            let Some(which) = rules::reminder_due(settings.reminders, e.entry, today) else { continue };
            if store::reminder_sent(conn, grant_id, e.entry, which)? {
                continue;
            }
            if send {
                store::record_reminder(conn, grant_id, e.entry, which, now)?;
                send_link(conn, &view, e.entry, which, base_url, settings, now)?;
            }
            queued += 1;
        }
    }
    Ok(queued)
}

impl From<FollowUpError> for StoreError {
    fn from(e: FollowUpError) -> Self {
        match e {
            FollowUpError::Store(s) => s,
            other => StoreError::Corrupt(other.to_string()),
        }
    }
}
