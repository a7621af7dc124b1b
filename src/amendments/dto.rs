//! The wire types of amendments, a grant's budget per year, and
//! `AmendmentsError` as problem+json.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::service::AmendmentsError;
use crate::applications::decisions::{LevelDto, OutcomeDto};
use crate::applications::http::BudgetLineDto;
use crate::db::AnyConnection;
use crate::db::amendments::{self as store, StoredAmendment};
use crate::domain::amendment::{AmendmentError, AmendmentState, Terms};
use crate::domain::budget::YearFigures;
use crate::domain::money::Money;
use crate::domain::workflow::Level;
use crate::http::error::{ApiError, ConflictKind};
use crate::http::utc;

/// An amendment as asked for: the new total, and the end date and budget where they change.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentRequest {
    /// The new total of the grant (not the difference).
    #[schema(example = "180000.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: String,
    /// The project's new end date; default: as it is.
    #[schema(example = "2024-06-30")]
    pub ends_on: Option<NaiveDate>,
    /// The budget per year after the amendment, summing to `amount`; default:
    /// the current lines with the difference on the last year.
    pub budget: Option<Vec<BudgetLineDto>>,
    /// Why the grant changes; required.
    #[schema(example = "Projektet udvides til to kommuner mere")]
    pub reason: String,
}

/// A decision on an amendment taken in a meeting, recorded by the secretariat.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentDecisionRequest {
    pub level: LevelDto,
    pub outcome: OutcomeDto,
    #[schema(example = "2023-03-16")]
    pub meeting_date: NaiveDate,
    /// Where the decision is minuted, e.g. "Referat 16.03.2023, pkt. 5".
    #[schema(example = "Referat 16.03.2023, pkt. 5")]
    pub reference: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AmendmentStateDto {
    Pending,
    Approved,
    Rejected,
}

/// A grant's total, end date and budget lines (before or after an amendment).
#[derive(Debug, Serialize, ToSchema)]
pub struct TermsDto {
    #[schema(example = "150000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: String,
    pub ends_on: NaiveDate,
    pub budget: Vec<BudgetLineDto>,
}

/// A decision recorded on an amendment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AmendmentStepDto {
    pub level: LevelDto,
    pub outcome: OutcomeDto,
    pub meeting_date: NaiveDate,
    pub reference: String,
    pub note: String,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

/// An amendment of a grant (ændring af bevilling).
#[derive(Debug, Serialize, ToSchema)]
pub struct AmendmentDto {
    pub id: i64,
    pub grant_id: i64,
    pub state: AmendmentStateDto,
    /// Whose decision is awaited while pending.
    pub awaiting: Option<LevelDto>,
    /// Whether the political level signs off (the decision rights for the new total).
    pub political_required: bool,
    pub before: TermsDto,
    pub after: TermsDto,
    /// Held in the pool for this amendment now: an increase's extra while pending.
    #[schema(example = "30000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub reserved: String,
    pub reason: String,
    pub decisions: Vec<AmendmentStepDto>,
    pub version: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// One year of a grant's budget against what was paid out in that year.
#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetYearDto {
    #[schema(example = 2023)]
    pub year: i32,
    #[schema(example = "50000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub budgeted: String,
    /// The disbursements paid on a date in this year.
    #[schema(example = "20000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub disbursed: String,
}

impl From<YearFigures> for BudgetYearDto {
    fn from(f: YearFigures) -> Self {
        BudgetYearDto { year: f.year, budgeted: f.budgeted.to_string(), disbursed: f.disbursed.to_string() }
    }
}

fn level_dto(l: Level) -> LevelDto {
    match l {
        Level::Strategic => LevelDto::Strategic,
        Level::Political => LevelDto::Political,
    }
}

fn terms_dto(t: &Terms) -> TermsDto {
    TermsDto {
        amount: t.amount.to_string(),
        ends_on: t.ends_on,
        budget: t.budget.iter().map(|l| BudgetLineDto { year: i64::from(l.year.get()), amount: l.amount.to_string() }).collect(),
    }
}

pub fn amendment_dto(conn: &mut AnyConnection, s: StoredAmendment) -> Result<AmendmentDto, ApiError> {
    let a = &s.amendment;
    let reserved = match a.state {
        AmendmentState::Pending => a.after.amount.checked_sub(a.before.amount).unwrap_or(Money::ZERO),
        _ => Money::ZERO,
    };
    let decisions = store::steps_of(conn, s.id)?
        .into_iter()
        .map(|r| AmendmentStepDto {
            level: if r.level == "political" { LevelDto::Political } else { LevelDto::Strategic },
            outcome: if r.outcome == "approved" { OutcomeDto::Approved } else { OutcomeDto::Rejected },
            meeting_date: r.meeting_date,
            reference: r.reference,
            note: r.note,
            actor: r.actor,
            created_at: utc(r.created_at),
        })
        .collect();
    Ok(AmendmentDto {
        id: s.id,
        grant_id: s.grant_id,
        state: match a.state {
            AmendmentState::Pending => AmendmentStateDto::Pending,
            AmendmentState::Approved => AmendmentStateDto::Approved,
            AmendmentState::Rejected => AmendmentStateDto::Rejected,
        },
        awaiting: a.awaiting.map(level_dto),
        political_required: a.political_required,
        before: terms_dto(&a.before),
        after: terms_dto(&a.after),
        reserved: reserved.to_string(),
        reason: s.reason,
        decisions,
        version: s.version,
        created_by: s.created_by,
        created_at: utc(s.created_at),
        updated_at: utc(s.updated_at),
        decided_at: s.decided_at.map(utc),
    })
}

/// A grant's amendments, oldest first.
pub fn of_grant(conn: &mut AnyConnection, grant_id: i64) -> Result<Vec<AmendmentDto>, ApiError> {
    store::of_grant(conn, grant_id)?.into_iter().map(|s| amendment_dto(conn, s)).collect()
}

impl From<AmendmentsError> for ApiError {
    fn from(e: AmendmentsError) -> Self {
        let conflict = |kind, detail: String| ApiError::Conflict { kind, detail };
        match e {
            AmendmentsError::Amendment(a) => match a {
                AmendmentError::Invalid(field, why) => ApiError::field(field, why),
                AmendmentError::Unchanged => ApiError::field("amount", a),
                AmendmentError::BelowUsed { .. } => conflict(ConflictKind::ExceedsGrant, a.to_string()),
                AmendmentError::PoolNotOpen(_) => conflict(ConflictKind::PoolState, a.to_string()),
                AmendmentError::Funds(f) => ApiError::InsufficientFunds(f),
                AmendmentError::Decided(_) | AmendmentError::WrongLevel { .. } => conflict(ConflictKind::AmendmentState, a.to_string()),
            },
            AmendmentsError::PendingExists(_) => conflict(ConflictKind::AmendmentState, e.to_string()),
            AmendmentsError::Changed => conflict(ConflictKind::ConcurrentChange, e.to_string()),
            AmendmentsError::MeetingDate(d) => ApiError::field("meeting_date", d),
            AmendmentsError::Store(s) => ApiError::Store(s),
        }
    }
}
