//! The political report as data: what the JSON answer is, and what the HTML
//! page and the Word file lay out (through [`super::view`]). Amounts are
//! `Money` (written as `"187553.50"`), states and kinds are enums.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::applications::http::BucketDto;
use crate::domain::money::Money;
use crate::follow_up::dto::ProgressDto;
use crate::meetings::dto::ForumDto;
use crate::pools::http::PoolStateDto;
use crate::pools::policy::AllocationModelDto;

/// One cluster's year, told to the political level.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoliticalReport {
    #[schema(example = "vest")]
    pub cluster: String,
    #[schema(example = "Sundhedsklynge Vest")]
    pub cluster_name: String,
    #[schema(example = 2022)]
    pub year: i32,
    /// When the figures were read.
    pub printed_at: DateTime<Utc>,
    /// The day the follow-up states were read for (Danish time).
    pub status_on: NaiveDate,
    /// The year's pools and their allocation models.
    pub pools: Vec<PoliticalPool>,
    /// Every grant of the year's pools, in the order they were granted.
    pub grants: Vec<PoliticalGrant>,
    pub totals: PoliticalTotals,
    /// The granted amounts by target population; a project for several
    /// populations counts equally towards each (largest remainder), so the
    /// amounts sum to `totals.granted` to the øre.
    pub by_target_population: Vec<PopulationAmount>,
    /// The granted amounts by applying party; they sum to `totals.granted`.
    pub by_party: Vec<PartyAmount>,
    /// Carry-overs out of the year's pools and into them from earlier years.
    pub carry_overs: Vec<PoliticalCarryOver>,
}

/// Amounts of a pool or of one of its buckets.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoliticalFigures {
    #[schema(value_type = String, example = "871553.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub total: Money,
    #[schema(value_type = String, example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub carried_in: Money,
    /// Granted and not released (includes what is paid out).
    #[schema(value_type = String, example = "140000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub committed: Money,
    /// Reserved while a decision is pending.
    #[schema(value_type = String, example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub pending: Money,
    #[schema(value_type = String, example = "50000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub disbursed: Money,
    #[schema(value_type = String, example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub released: Money,
    #[schema(value_type = String, example = "731553.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub available: Money,
    #[schema(value_type = String, example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub carried_out: Money,
}

impl From<crate::domain::ledger::Figures> for PoliticalFigures {
    fn from(f: crate::domain::ledger::Figures) -> Self {
        PoliticalFigures {
            total: f.total,
            carried_in: f.carried_in,
            committed: f.committed,
            pending: f.pending,
            disbursed: f.disbursed,
            released: f.released,
            available: f.available,
            carried_out: f.carried_out,
        }
    }
}

/// A pool of the year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoliticalPool {
    #[schema(example = "vest-2022")]
    pub pool: String,
    pub state: PoolStateDto,
    pub allocation_model: AllocationModelDto,
    /// The model in Danish, e.g. `70/30`.
    #[schema(example = "70/30")]
    pub allocation_model_da: String,
    pub figures: PoliticalFigures,
    pub buckets: Vec<PoliticalBucket>,
}

/// One bucket of a pool.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoliticalBucket {
    pub bucket: BucketDto,
    /// The bucket's share of the pool under a split model (`0.70` for the
    /// upfront bucket of 70/30, `0.30` for its ad-hoc bucket); none otherwise.
    #[schema(example = "0.70")]
    pub share: Option<String>,
    pub figures: PoliticalFigures,
}

/// How a step came about.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StepChannel {
    /// An outcome of a meeting held in the service (`meeting`, `item`).
    Meeting,
    /// A meeting's decision recorded by the secretariat (`meeting_date`, `reference`).
    RecordedDecision,
    /// Approved by e-mail link (`date`: the day the last answer came).
    Email,
}

/// Which level took a step.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GrantStepKind {
    Recommendation,
    Strategic,
    Political,
}

/// What came of a step.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GrantStepOutcome {
    Recommended,
    NotRecommended,
    Approved,
    Rejected,
    /// Sent on to the political level.
    Referred,
}

/// One step on a grant's way: the forum, the meeting and the item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantStep {
    pub step: GrantStepKind,
    pub outcome: GrantStepOutcome,
    pub forum: ForumDto,
    pub channel: StepChannel,
    /// The meeting date, or for an e-mail approval the day it was decided.
    pub date: NaiveDate,
    /// `/api/v1/meetings/{id}`, when the step is a meeting's outcome.
    pub meeting: Option<i64>,
    /// The item's number on that meeting's agenda ("pkt. n").
    pub item: Option<i32>,
    /// The minutes' reference as recorded.
    #[schema(example = "Referat 20.10.2022, pkt. 4")]
    pub reference: String,
    #[schema(value_type = Option<String>, example = "187553.50", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: Option<Money>,
}

/// Where a project stands in its follow-up.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ProjectState {
    /// No report yet.
    NoReport,
    /// The latest report says it runs as planned.
    OnTrack,
    Delayed,
    /// The latest report says it has stopped.
    Stopped,
    /// The final report is in.
    Completed,
}

/// A project's follow-up on `status_on`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectStatus {
    pub state: ProjectState,
    /// Reports in the plan not yet due.
    pub reports_due: usize,
    pub reports_received: usize,
    /// Reports past their due date and not received.
    pub reports_overdue: usize,
    /// The latest report's progress, if any.
    pub latest_progress: Option<ProgressDto>,
    pub latest_report_on: Option<NaiveDate>,
}

/// A grant of the year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoliticalGrant {
    /// `/api/v1/grants/{id}`.
    pub grant: i64,
    /// `/api/v1/applications/{id}`.
    pub application: i64,
    pub title: String,
    #[schema(example = "vest-2022")]
    pub pool: String,
    pub bucket: BucketDto,
    #[schema(example = "thisted-kommune")]
    pub applicant_party: String,
    #[schema(example = "Thisted Kommune")]
    pub applicant_name: String,
    /// Codes of the target populations.
    pub target_populations: Vec<String>,
    /// Their Danish names, in the same order.
    pub target_populations_da: Vec<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The grant as it stands (after amendments).
    #[schema(value_type = String, example = "187553.50", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: Money,
    #[schema(value_type = String, example = "50000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub disbursed: Money,
    #[schema(value_type = String, example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub released: Money,
    /// Neither paid out nor released.
    #[schema(value_type = String, example = "137553.50", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub remaining: Money,
    pub steps: Vec<GrantStep>,
    pub status: ProjectStatus,
}

/// The year's grants added up.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoliticalTotals {
    pub grants: usize,
    #[schema(value_type = String, example = "327553.50", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub granted: Money,
    #[schema(value_type = String, example = "50000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub disbursed: Money,
    #[schema(value_type = String, example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub released: Money,
    #[schema(value_type = String, example = "277553.50", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub remaining: Money,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PopulationAmount {
    #[schema(example = "vulnerable_elderly")]
    pub code: String,
    #[schema(example = "De sårbare ældre")]
    pub name_da: String,
    #[schema(value_type = String, example = "187553.50", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub granted: Money,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartyAmount {
    #[schema(example = "thisted-kommune")]
    pub party: String,
    #[schema(example = "Thisted Kommune")]
    pub name: String,
    #[schema(value_type = String, example = "187553.50", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub granted: Money,
}

/// Out of the year's pool, or into it from an earlier year.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CarryOverDirection {
    Out,
    In,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PoliticalCarryOverState {
    /// Waiting for the political level.
    Proposed,
    /// Signed off and moved.
    Executed,
    Rejected,
}

/// How the political level signed a carry-over off (or refused it).
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SignOffChannel {
    /// A recorded meeting decision (`meeting_date`, `reference`).
    Meeting,
    /// By e-mail link.
    Email,
    /// Ended when the pool closed (nothing left to carry over).
    Closing,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignOff {
    pub channel: SignOffChannel,
    pub meeting_date: Option<NaiveDate>,
    #[schema(example = "Politisk niveau 09.11.2022, pkt. 3")]
    pub reference: String,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoliticalCarryOver {
    /// `/api/v1/carry-overs/{id}`.
    pub id: i64,
    pub direction: CarryOverDirection,
    #[schema(example = "vest-2022")]
    pub from_pool: String,
    #[schema(example = 2023)]
    pub to_year: i32,
    /// The amount held or moved; for a proposal "what is left at closing"
    /// before the pool closes, the amount asked (if any).
    #[schema(value_type = Option<String>, example = "60000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: Option<Money>,
    pub state: PoliticalCarryOverState,
    /// The operations forum's recommendation as referenced.
    pub recommendation_reference: String,
    /// None until the political level has answered.
    pub sign_off: Option<SignOff>,
}
