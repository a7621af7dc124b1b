//! Reporting plans, progress reports, report links (tokens stored as
//! SHA-256) and the reminders sent.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{follow_up_reminders, progress_reports, report_links, reporting_plan_entries, reporting_plans};
use super::{AnyConnection, StoreError};
use crate::domain::follow_up::{PlanEntry, Progress, Reminder, ReportKind, ReportLinkState};

#[derive(Debug, Clone, Queryable)]
pub struct PlanRow {
    pub grant_id: i64,
    pub version: i64,
    pub set_by: String,
    pub updated_at: NaiveDateTime,
}

fn kind_of(text: &str, what: &str) -> Result<ReportKind, StoreError> {
    ReportKind::parse(text).ok_or_else(|| StoreError::Corrupt(format!("{what}: kind '{text}'")))
}

pub fn plan_of(conn: &mut AnyConnection, grant_id: i64) -> QueryResult<Option<PlanRow>> {
    reporting_plans::table.select(reporting_plans::all_columns).filter(reporting_plans::grant_id.eq(grant_id)).first(conn).optional()
}

/// The stored plan's entries, in date order.
pub fn entries_of(conn: &mut AnyConnection, grant_id: i64) -> Result<Vec<PlanEntry>, StoreError> {
    let rows: Vec<(NaiveDate, String)> = reporting_plan_entries::table
        .filter(reporting_plan_entries::grant_id.eq(grant_id))
        .order((reporting_plan_entries::due_on, reporting_plan_entries::kind))
        .select((reporting_plan_entries::due_on, reporting_plan_entries::kind))
        .load(conn)?;
    rows.into_iter().map(|(due_on, kind)| Ok(PlanEntry { due_on, kind: kind_of(&kind, "plan entry")? })).collect()
}

/// Replaces the plan; `false` when its version moved on meanwhile.
pub fn save_plan(
    conn: &mut AnyConnection,
    grant_id: i64,
    expected_version: i64,
    entries: &[PlanEntry],
    by: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    if expected_version == 0 {
        if plan_of(conn, grant_id)?.is_some() {
            return Ok(false);
        }
        diesel::insert_into(reporting_plans::table)
            .values((
                reporting_plans::grant_id.eq(grant_id),
                reporting_plans::version.eq(1),
                reporting_plans::set_by.eq(by),
                reporting_plans::updated_at.eq(now),
            ))
            .execute(conn)?;
    } else {
        let n = diesel::update(
            reporting_plans::table.filter(reporting_plans::grant_id.eq(grant_id)).filter(reporting_plans::version.eq(expected_version)),
        )
        .set((reporting_plans::version.eq(expected_version + 1), reporting_plans::set_by.eq(by), reporting_plans::updated_at.eq(now)))
        .execute(conn)?;
        if n != 1 {
            return Ok(false);
        }
    }
    diesel::delete(reporting_plan_entries::table.filter(reporting_plan_entries::grant_id.eq(grant_id))).execute(conn)?;
    for e in entries {
        diesel::insert_into(reporting_plan_entries::table)
            .values((
                reporting_plan_entries::grant_id.eq(grant_id),
                reporting_plan_entries::due_on.eq(e.due_on),
                reporting_plan_entries::kind.eq(e.kind.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

/// Every grant with a stored plan.
pub fn planned_grants(conn: &mut AnyConnection) -> QueryResult<Vec<i64>> {
    reporting_plans::table.select(reporting_plans::grant_id).order(reporting_plans::grant_id).load(conn)
}

#[derive(Debug, Clone)]
pub struct ReportRow {
    pub id: i64,
    pub grant_id: i64,
    pub entry: PlanEntry,
    pub progress: Progress,
    pub text: String,
    pub attachments: Vec<i64>,
    pub submitted_by: String,
    /// `api` or `link`.
    pub channel: String,
    pub submitted_at: NaiveDateTime,
}

type RawReport = (i64, i64, NaiveDate, String, String, String, String, String, String, NaiveDateTime);

fn to_report(r: RawReport) -> Result<ReportRow, StoreError> {
    let (id, grant_id, due_on, kind, progress, text, attachments, submitted_by, channel, submitted_at) = r;
    let corrupt = |what: &str| StoreError::Corrupt(format!("progress report {id}: bad {what}"));
    Ok(ReportRow {
        id,
        grant_id,
        entry: PlanEntry { due_on, kind: kind_of(&kind, "progress report")? },
        progress: Progress::parse(&progress).ok_or_else(|| corrupt("progress"))?,
        text,
        attachments: serde_json::from_str(&attachments).map_err(|_| corrupt("attachments"))?,
        submitted_by,
        channel,
        submitted_at,
    })
}

pub fn reports_of(conn: &mut AnyConnection, grant_id: i64) -> Result<Vec<ReportRow>, StoreError> {
    let rows: Vec<RawReport> = progress_reports::table
        .filter(progress_reports::grant_id.eq(grant_id))
        .order(progress_reports::id)
        .select(progress_reports::all_columns)
        .load(conn)?;
    rows.into_iter().map(to_report).collect()
}

pub struct NewReport<'a> {
    pub grant_id: i64,
    pub entry: PlanEntry,
    pub progress: Progress,
    pub text: &'a str,
    pub attachments: &'a [i64],
    pub submitted_by: &'a str,
    pub channel: &'a str,
}

pub fn insert_report(conn: &mut AnyConnection, r: &NewReport<'_>, now: NaiveDateTime) -> Result<i64, StoreError> {
    let attachments = serde_json::to_string(r.attachments).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let ids: Vec<i64> = diesel::insert_into(progress_reports::table)
        .values((
            progress_reports::grant_id.eq(r.grant_id),
            progress_reports::due_on.eq(r.entry.due_on),
            progress_reports::kind.eq(r.entry.kind.as_str()),
            progress_reports::progress.eq(r.progress.as_str()),
            progress_reports::body.eq(r.text),
            progress_reports::attachments.eq(attachments),
            progress_reports::submitted_by.eq(r.submitted_by),
            progress_reports::channel.eq(r.channel),
            progress_reports::submitted_at.eq(now),
        ))
        .returning(progress_reports::id)
        .get_results(conn)?;
    ids.first().copied().ok_or_else(|| diesel::result::Error::NotFound.into())
}

#[derive(Debug, Clone, Queryable)]
pub struct LinkRow {
    pub id: i64,
    pub grant_id: i64,
    pub due_on: NaiveDate,
    pub kind: String,
    pub email: String,
    pub token_hash: String,
    pub nonce: String,
    pub state: String,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

impl LinkRow {
    pub fn entry(&self) -> Result<PlanEntry, StoreError> {
        Ok(PlanEntry { due_on: self.due_on, kind: kind_of(&self.kind, "report link")? })
    }

    pub fn link_state(&self) -> Result<ReportLinkState, StoreError> {
        ReportLinkState::parse(&self.state).ok_or_else(|| StoreError::Corrupt(format!("report link {}: state '{}'", self.id, self.state)))
    }
}

pub struct NewLink<'a> {
    pub grant_id: i64,
    pub entry: PlanEntry,
    pub email: &'a str,
    pub token_hash: &'a str,
    pub nonce: &'a str,
    pub expires_at: NaiveDateTime,
}

pub fn insert_link(conn: &mut AnyConnection, l: &NewLink<'_>, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(report_links::table)
        .values((
            report_links::grant_id.eq(l.grant_id),
            report_links::due_on.eq(l.entry.due_on),
            report_links::kind.eq(l.entry.kind.as_str()),
            report_links::email.eq(l.email),
            report_links::token_hash.eq(l.token_hash),
            report_links::nonce.eq(l.nonce),
            report_links::state.eq(ReportLinkState::Pending.as_str()),
            report_links::expires_at.eq(l.expires_at),
            report_links::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn link_by_token_hash(conn: &mut AnyConnection, token_hash: &str) -> QueryResult<Option<LinkRow>> {
    report_links::table.select(report_links::all_columns).filter(report_links::token_hash.eq(token_hash)).first(conn).optional()
}

/// Uses a link; `false` when it was used already (single use).
pub fn use_link(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(report_links::table.filter(report_links::id.eq(id)).filter(report_links::state.eq(ReportLinkState::Pending.as_str())))
        .set((report_links::state.eq(ReportLinkState::Used.as_str()), report_links::used_at.eq(now)))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn reminder_sent(conn: &mut AnyConnection, grant_id: i64, entry: PlanEntry, reminder: Reminder) -> QueryResult<bool> {
    let n: i64 = follow_up_reminders::table
        .filter(follow_up_reminders::grant_id.eq(grant_id))
        .filter(follow_up_reminders::due_on.eq(entry.due_on))
        .filter(follow_up_reminders::kind.eq(entry.kind.as_str()))
        .filter(follow_up_reminders::reminder.eq(reminder.as_str()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Records a reminder as sent; the primary key refuses a second one.
pub fn record_reminder(
    conn: &mut AnyConnection,
    grant_id: i64,
    entry: PlanEntry,
    reminder: Reminder,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(follow_up_reminders::table)
        .values((
            follow_up_reminders::grant_id.eq(grant_id),
            follow_up_reminders::due_on.eq(entry.due_on),
            follow_up_reminders::kind.eq(entry.kind.as_str()),
            follow_up_reminders::reminder.eq(reminder.as_str()),
            follow_up_reminders::sent_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}
