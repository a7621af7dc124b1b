//! The follow-up's wire types, and its errors as problems.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::service::{FollowUpError, PlanView};
use crate::db::follow_up::ReportRow;
use crate::domain::follow_up::{EntryState, PlanEntry, Progress, ReportKind};
use crate::http::error::{ApiError, ConflictKind};
use crate::http::utc;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReportKindDto {
    Status,
    Final,
}

impl From<ReportKindDto> for ReportKind {
    fn from(k: ReportKindDto) -> Self {
        match k {
            ReportKindDto::Status => ReportKind::Status,
            ReportKindDto::Final => ReportKind::Final,
        }
    }
}

impl From<ReportKind> for ReportKindDto {
    fn from(k: ReportKind) -> Self {
        match k {
            ReportKind::Status => ReportKindDto::Status,
            ReportKind::Final => ReportKindDto::Final,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ProgressDto {
    OnTrack,
    Delayed,
    /// The project has stopped; the secretariat is asked to consider a release.
    Stopped,
}

impl From<ProgressDto> for Progress {
    fn from(p: ProgressDto) -> Self {
        match p {
            ProgressDto::OnTrack => Progress::OnTrack,
            ProgressDto::Delayed => Progress::Delayed,
            ProgressDto::Stopped => Progress::Stopped,
        }
    }
}

impl From<Progress> for ProgressDto {
    fn from(p: Progress) -> Self {
        match p {
            Progress::OnTrack => ProgressDto::OnTrack,
            Progress::Delayed => ProgressDto::Delayed,
            Progress::Stopped => ProgressDto::Stopped,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryStateDto {
    Due,
    Submitted,
    Overdue,
}

impl From<EntryState> for EntryStateDto {
    fn from(s: EntryState) -> Self {
        match s {
            EntryState::Due => EntryStateDto::Due,
            EntryState::Submitted => EntryStateDto::Submitted,
            EntryState::Overdue => EntryStateDto::Overdue,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpDto {
    Open,
    /// The final report is in.
    Closed,
}

/// One report the plan expects, as the secretariat writes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanEntryRequest {
    #[schema(example = "2023-10-01")]
    pub due_on: NaiveDate,
    pub kind: ReportKindDto,
}

impl From<&PlanEntryRequest> for PlanEntry {
    fn from(e: &PlanEntryRequest) -> Self {
        PlanEntry { due_on: e.due_on, kind: e.kind.into() }
    }
}

/// One report of the plan, as it stands today.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanEntryDto {
    pub due_on: NaiveDate,
    pub kind: ReportKindDto,
    pub state: EntryStateDto,
    /// The report that fulfils it.
    pub report_id: Option<i64>,
    pub days_overdue: i64,
}

/// A progress report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDto {
    pub id: i64,
    pub kind: ReportKindDto,
    /// The plan entry it fulfils.
    pub due_on: NaiveDate,
    pub progress: ProgressDto,
    pub text: String,
    /// Attachment ids, as sent.
    pub attachments: Vec<i64>,
    pub submitted_by: String,
    /// `api` (the secretariat) or `link` (the project's contact by e-mail link).
    #[schema(example = "api")]
    pub channel: String,
    pub submitted_at: DateTime<Utc>,
}

impl From<&ReportRow> for ReportDto {
    fn from(r: &ReportRow) -> Self {
        ReportDto {
            id: r.id,
            kind: r.entry.kind.into(),
            due_on: r.entry.due_on,
            progress: r.progress.into(),
            text: r.text.clone(),
            attachments: r.attachments.clone(),
            submitted_by: r.submitted_by.clone(),
            channel: r.channel.clone(),
            submitted_at: utc(r.submitted_at),
        }
    }
}

/// A grant's reporting plan with each entry's state, and the reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportingPlanDto {
    pub grant_id: i64,
    /// No plan is set yet: this one is suggested from the project period.
    pub suggested: bool,
    /// 0 while suggested (`If-Match: "0"` sets the first plan).
    pub version: i64,
    pub follow_up: FollowUpDto,
    pub entries: Vec<PlanEntryDto>,
    pub reports: Vec<ReportDto>,
}

impl From<&PlanView> for ReportingPlanDto {
    fn from(v: &PlanView) -> Self {
        ReportingPlanDto {
            grant_id: v.grant.id,
            suggested: v.suggested,
            version: v.version,
            follow_up: if v.closed { FollowUpDto::Closed } else { FollowUpDto::Open },
            entries: v
                .entries
                .iter()
                .map(|e| PlanEntryDto {
                    due_on: e.entry.due_on,
                    kind: e.entry.kind.into(),
                    state: e.state.into(),
                    report_id: e.report_id,
                    days_overdue: e.days_overdue,
                })
                .collect(),
            reports: v.reports.iter().map(ReportDto::from).collect(),
        }
    }
}

/// A report by the secretariat.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    pub kind: ReportKindDto,
    pub progress: ProgressDto,
    #[schema(example = "Projektet forløber som planlagt; 40 borgere er opsporet.")]
    pub text: String,
    /// Ids of attachments (`/api/v1/attachments/{id}`), stored with the report.
    pub attachments: Option<Vec<i64>>,
}

/// A report past its due date.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueDto {
    pub grant_id: i64,
    pub application_id: i64,
    pub application_title: String,
    #[schema(example = "vest-2023")]
    pub pool: String,
    pub due_on: NaiveDate,
    pub kind: ReportKindDto,
    pub days_overdue: i64,
}

impl From<FollowUpError> for ApiError {
    fn from(e: FollowUpError) -> Self {
        let conflict = |kind, e: FollowUpError| ApiError::Conflict { kind, detail: e.to_string() };
        match e {
            FollowUpError::Store(s) => ApiError::Store(s),
            FollowUpError::Random => ApiError::Store(crate::db::StoreError::Unavailable("no randomness".into())),
            FollowUpError::Changed => conflict(ConflictKind::ConcurrentChange, e),
            FollowUpError::UnknownAttachment { index, .. } => ApiError::field(format!("attachments[{index}]"), e),
            e @ (FollowUpError::Closed | FollowUpError::NoOpenEntry(_) | FollowUpError::SubmittedDropped(_)) => {
                conflict(ConflictKind::ReportingPlan, e)
            }
        }
    }
}
