//! A pool's rules as clients write them: the allocation model and the
//! approval policy, parsed into domain values with field-named errors.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::allocation::AllocationModel;
use crate::domain::pool::{ApprovalPolicy, PoliticalMode, StrategicMode};
use crate::domain::share::Share;
use crate::domain::values::Name;
use crate::http::error::FieldError;
use crate::http::fields::money;

/// How the pool's money is given out over the year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AllocationModelDto {
    /// Everything at the start of the year (bucket `upfront`).
    Upfront,
    /// A share at the start of the year (`upfront`), the rest kept for ad-hoc projects (`ad_hoc`).
    Split {
        /// Strictly between 0 and 1, at most six decimals, as a string.
        #[schema(example = "0.70", pattern = r"^0\.[0-9]{1,6}$")]
        upfront_share: String,
    },
    /// Granted as projects come (bucket `rolling`).
    Rolling,
}

impl AllocationModelDto {
    pub(crate) fn parse(&self, field: &str, errors: &mut Vec<FieldError>) -> Option<AllocationModel> {
        match self {
            AllocationModelDto::Upfront => Some(AllocationModel::Upfront),
            AllocationModelDto::Rolling => Some(AllocationModel::Rolling),
            AllocationModelDto::Split { upfront_share } => match Share::parse(upfront_share) {
                Ok(share) => Some(AllocationModel::Split { upfront_share: share }),
                Err(e) => {
                    errors.push(FieldError::new(format!("{field}.upfront_share"), e));
                    None
                }
            },
        }
    }
}

impl From<AllocationModel> for AllocationModelDto {
    fn from(m: AllocationModel) -> Self {
        match m {
            AllocationModel::Upfront => AllocationModelDto::Upfront,
            AllocationModel::Rolling => AllocationModelDto::Rolling,
            AllocationModel::Split { upfront_share } => AllocationModelDto::Split { upfront_share: upfront_share.to_string() },
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StrategicModeDto {
    /// The secretariat records the decision of a meeting.
    Meeting,
    /// Both co-chairs approve by e-mail link.
    CoChairsEmail,
}

/// Which steps a grant from this pool needs.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalPolicyDto {
    /// The operations forum must recommend before the strategic level decides (default true).
    #[serde(default = "yes")]
    pub recommendation_required: bool,
    #[serde(default = "meeting")]
    pub strategic: StrategicModeDto,
    /// Grants at or above this amount also need the political level (default "0.00": every grant, as the seeds say).
    #[serde(default = "threshold")]
    #[schema(example = "0.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub political_threshold: String,
    /// How the political level signs off (default `meeting`).
    #[serde(default = "political_meeting")]
    pub political: PoliticalModeDto,
    /// A grant up to this amount is decided by the operations forum's recommendation alone
    /// (small projects may start without the strategic level). Left out or null: none.
    #[schema(example = "50000.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    #[serde(default)]
    pub operations_forum_limit: Option<String>,
    /// The political decision that lets the co-chairs approve by e-mail, e.g. "Politisk niveau 09.11.2022, pkt. 3".
    /// Without it no strategic e-mail request can be opened.
    #[schema(example = "Politisk niveau 09.11.2022, pkt. 3")]
    #[serde(default)]
    pub email_mandate_reference: Option<String>,
    /// A project's applicant and partners must span at least two sectors (municipality; region, hospital or
    /// psychiatry; general practice) to be recommended or granted (default true). A single-sector charter can
    /// still be registered as a draft.
    #[serde(default = "yes")]
    pub cross_sector_required: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PoliticalModeDto {
    /// The secretariat records the decision of a meeting.
    Meeting,
    /// Every political approver approves by e-mail link.
    Email,
}

fn political_meeting() -> PoliticalModeDto {
    PoliticalModeDto::Meeting
}

fn yes() -> bool {
    true
}
fn meeting() -> StrategicModeDto {
    StrategicModeDto::Meeting
}
fn threshold() -> String {
    ApprovalPolicy::default().political_threshold.to_string()
}

impl ApprovalPolicyDto {
    pub(crate) fn parse(&self, errors: &mut Vec<FieldError>) -> Option<ApprovalPolicy> {
        let threshold = money("approval_policy.political_threshold", &self.political_threshold, errors);
        let limit = match self.operations_forum_limit.as_deref() {
            Some(text) => Some(money("approval_policy.operations_forum_limit", text, errors)?),
            None => None,
        };
        let mandate = match self.email_mandate_reference.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match Name::parse(text, 500) {
                Ok(name) => Some(name.into_string()),
                Err(e) => {
                    errors.push(FieldError::new("approval_policy.email_mandate_reference", e));
                    return None;
                }
            },
        };
        let threshold = threshold?;
        Some(ApprovalPolicy {
            operations_forum_limit: limit,
            email_mandate_reference: mandate,
            cross_sector_required: self.cross_sector_required,
            recommendation_required: self.recommendation_required,
            strategic: match self.strategic {
                StrategicModeDto::Meeting => StrategicMode::Meeting,
                StrategicModeDto::CoChairsEmail => StrategicMode::CoChairsEmail,
            },
            political_threshold: threshold,
            political: match self.political {
                PoliticalModeDto::Meeting => PoliticalMode::Meeting,
                PoliticalModeDto::Email => PoliticalMode::Email,
            },
        })
    }
}

impl From<ApprovalPolicy> for ApprovalPolicyDto {
    fn from(p: ApprovalPolicy) -> Self {
        ApprovalPolicyDto {
            recommendation_required: p.recommendation_required,
            strategic: match p.strategic {
                StrategicMode::Meeting => StrategicModeDto::Meeting,
                StrategicMode::CoChairsEmail => StrategicModeDto::CoChairsEmail,
            },
            political_threshold: p.political_threshold.to_string(),
            operations_forum_limit: p.operations_forum_limit.map(|m| m.to_string()),
            email_mandate_reference: p.email_mandate_reference.clone(),
            cross_sector_required: p.cross_sector_required,
            political: match p.political {
                PoliticalMode::Meeting => PoliticalModeDto::Meeting,
                PoliticalMode::Email => PoliticalModeDto::Email,
            },
        }
    }
}
