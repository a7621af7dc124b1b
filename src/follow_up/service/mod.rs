//! The follow-up's steps: a grant's plan as it stands on a day, setting the
//! plan, and a report (through the API or a link: the same function), with
//! the audit trail and the mail a report causes, in the caller's transaction.

mod links;
mod overdue;
mod reminders;

pub use links::{LiveLink, live_link, send_link, submit_by_link};
pub use overdue::{Overdue, overdue};
pub use reminders::send_reminders;

use chrono::NaiveDate;

use crate::db::applications;
use crate::db::audit::{self, AuditEvent};
use crate::db::follow_up::{self as store, NewReport, ReportRow};
use crate::db::grants::{self, StoredGrant};
use crate::db::pools::Actor;
use crate::db::{AnyConnection, StoreError};
use crate::domain::follow_up::{self as rules, EntryState, PlanEntry, Progress, ReportKind};
use crate::mail::follow_up::{GrantFacts, release_prompt};

use super::FollowUpSettings;

#[derive(Debug, thiserror::Error)]
pub enum FollowUpError {
    #[error("the final report is in: the grant's follow-up is closed")]
    Closed,
    #[error("the reporting plan has no open {} report; add one with PUT /api/v1/grants/{{id}}/reporting-plan", .0.as_str())]
    NoOpenEntry(ReportKind),
    #[error("a {} report due {} was submitted; the plan must keep it", .0.kind.as_str(), .0.due_on)]
    SubmittedDropped(PlanEntry),
    #[error("the plan was changed meanwhile; read it again and retry")]
    Changed,
    /// `attachments[index]` is not a file of this grant or its application (or was removed).
    #[error("attachment {id} is not a file of this grant or its application; upload it first with POST /api/v1/grants/{{id}}/attachments")]
    UnknownAttachment { index: usize, id: i64 },
    #[error("the operating system gave no randomness")]
    Random,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for FollowUpError {
    fn from(e: diesel::result::Error) -> Self {
        FollowUpError::Store(e.into())
    }
}

/// One entry of the plan on a day.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub entry: PlanEntry,
    pub state: EntryState,
    pub report_id: Option<i64>,
    pub days_overdue: i64,
}

/// A grant's plan as it stands on a day.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub grant: StoredGrant,
    /// No plan is stored yet: this is the one suggested from the project period.
    pub suggested: bool,
    /// 0 while suggested.
    pub version: i64,
    pub entries: Vec<EntryView>,
    pub closed: bool,
    pub reports: Vec<ReportRow>,
    pub contact_email: String,
}

impl PlanView {
    pub fn facts(&self) -> GrantFacts {
        GrantFacts { grant_id: self.grant.id, title: self.grant.application_title.clone(), pool: self.grant.pool.to_string() }
    }

    pub fn is_open(&self, entry: PlanEntry) -> bool {
        self.entries.iter().any(|e| e.entry == entry && e.state != EntryState::Submitted)
    }
}

/// The grant's plan on `today`; `None` when there is no such grant.
pub fn plan_view(conn: &mut AnyConnection, grant_id: i64, today: NaiveDate) -> Result<Option<PlanView>, StoreError> {
    let Some(grant) = grants::find(conn, grant_id)? else { return Ok(None) };
    let app = applications::find(conn, grant.application_id)?.ok_or_else(|| StoreError::Corrupt("grant without application".into()))?;
    let stored = store::plan_of(conn, grant_id)?;
    let plan = match &stored {
        Some(_) => store::entries_of(conn, grant_id)?,
        None => rules::suggested_plan(app.charter.starts_on, app.charter.ends_on),
    };
    let reports = store::reports_of(conn, grant_id)?;
    let entries = plan
        .into_iter()
        .map(|entry| {
            let report_id = reports.iter().find(|r| r.entry == entry).map(|r| r.id);
            EntryView {
                entry,
                state: rules::entry_state(entry, report_id.is_some(), today),
                report_id,
                days_overdue: if report_id.is_some() { 0 } else { rules::days_overdue(entry, today) },
            }
        })
        .collect();
    let kinds: Vec<ReportKind> = reports.iter().map(|r| r.entry.kind).collect();
    Ok(Some(PlanView {
        grant,
        suggested: stored.is_none(),
        version: stored.map_or(0, |p| p.version),
        entries,
        closed: rules::follow_up_closed(&kinds),
        reports,
        contact_email: app.charter.contact_email,
    }))
}

/// Replaces the plan (checked by `rules::check_plan` at the edge). Every
/// entry a report fulfils must stay in it.
pub fn set_plan(conn: &mut AnyConnection, view: &PlanView, plan: &[PlanEntry], actor: Actor<'_>) -> Result<(), FollowUpError> {
    if let Some(dropped) = view.reports.iter().map(|r| r.entry).find(|e| !plan.contains(e)) {
        return Err(FollowUpError::SubmittedDropped(dropped));
    }
    if !store::save_plan(conn, view.grant.id, view.version, plan, actor.name, actor.at)? {
        return Err(FollowUpError::Changed);
    }
    let show = |entries: &mut dyn Iterator<Item = PlanEntry>| {
        entries.map(|e| serde_json::json!({"due_on": e.due_on, "kind": e.kind.as_str()})).collect::<Vec<_>>()
    };
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "grant.reporting_plan_set",
            subject: format!("grant:{}", view.grant.id),
            before: Some(serde_json::json!({"suggested": view.suggested, "plan": show(&mut view.entries.iter().map(|e| e.entry))})),
            after: Some(serde_json::json!({"plan": show(&mut plan.iter().copied())})),
            request_id: actor.request_id,
        },
    )?;
    Ok(())
}

/// A report as it is submitted.
pub struct Submission<'a> {
    pub progress: Progress,
    pub text: &'a str,
    pub attachments: &'a [i64],
    /// `api` or `link`.
    pub channel: &'a str,
}

/// Records a report on `entry` (the earliest open entry of its kind when
/// `None`). A grant without a stored plan gets the suggested one stored
/// first, so the report has an entry that stays put. A final report closes
/// the follow-up; a stopped project prompts the secretariat to consider a
/// release. Returns the report's id.
pub fn submit_report(
    conn: &mut AnyConnection,
    view: &PlanView,
    kind: ReportKind,
    entry: Option<PlanEntry>,
    report: &Submission<'_>,
    settings: &FollowUpSettings,
    actor: Actor<'_>,
) -> Result<i64, FollowUpError> {
    if view.closed {
        return Err(FollowUpError::Closed);
    }
    for (index, id) in report.attachments.iter().enumerate() {
        let file = crate::db::attachments::find(conn, *id)?;
        let ours = file.is_some_and(|f| {
            f.is_stored()
                && f.removed_at.is_none()
                && (f.grant_id == Some(view.grant.id) || f.application_id == Some(view.grant.application_id))
        });
        if !ours {
            return Err(FollowUpError::UnknownAttachment { index, id: *id });
        }
    }
    let plan: Vec<PlanEntry> = view.entries.iter().map(|e| e.entry).collect();
    let submitted: Vec<PlanEntry> = view.reports.iter().map(|r| r.entry).collect();
    let entry = match entry {
        Some(e) if view.is_open(e) => e,
        Some(_) => return Err(FollowUpError::NoOpenEntry(kind)),
        None => rules::entry_for_report(&plan, &submitted, kind).ok_or(FollowUpError::NoOpenEntry(kind))?,
    };
    if view.suggested && !store::save_plan(conn, view.grant.id, 0, &plan, "suggested", actor.at)? {
        return Err(FollowUpError::Changed);
    }
    let new = NewReport {
        grant_id: view.grant.id,
        entry,
        progress: report.progress,
        text: report.text,
        attachments: report.attachments,
        submitted_by: actor.name,
        channel: report.channel,
    };
    let id = store::insert_report(conn, &new, actor.at)?;
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "grant.report_submitted",
            subject: format!("grant:{}", view.grant.id),
            before: None,
            after: Some(serde_json::json!({
                "report": id, "kind": kind.as_str(), "due_on": entry.due_on, "progress": report.progress.as_str(),
                "channel": report.channel, "attachments": report.attachments,
                "follow_up": if kind == ReportKind::Final { "closed" } else { "open" },
            })),
            request_id: actor.request_id,
        },
    )?;
    if report.progress.prompts_release() {
        let mail = release_prompt(&view.facts(), &crate::mail::kroner(view.grant.grant.remaining()), report.text);
        crate::db::outbox::queue_mail(conn, &settings.secretariat_email, &mail.subject, &mail.text, &mail.html, actor.at)?;
    }
    Ok(id)
}
