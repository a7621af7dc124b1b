//! The criteria projects must meet to get funds from a pool, as the
//! strategic level sets them: written on a draft pool (create, PATCH), and
//! on an open pool only by a recorded decision (`…/criteria-decisions`).

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::access::Action;
use crate::domain::eligibility::{Criterion, CriterionDraft, CriterionKind, check_criteria};
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::fields::pool_key;
use crate::http::{AppState, json, now};
use crate::pools::decisions::{minuted, record_decision};
use crate::pools::http::PoolDto;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKindDto {
    /// Answered `yes` or `no`; a required one answered `no` keeps the project from being recommended or granted.
    YesNo,
    /// Answered in words (not empty).
    Text,
    /// Answered with one of `options`.
    Choice,
}

/// One criterion a project must meet to get funds.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionDto {
    /// 1-20 letters, digits, `-` or `_`; answers name it.
    #[schema(example = "K1")]
    pub code: String,
    #[schema(example = "Projektet går på tværs af sektorer")]
    pub text_da: String,
    pub kind: CriterionKindDto,
    /// For `choice` only: 2 to 20 options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    /// Every charter must answer it (default true).
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

impl From<&Criterion> for CriterionDto {
    fn from(c: &Criterion) -> Self {
        CriterionDto {
            code: c.code.clone(),
            text_da: c.text_da.clone(),
            kind: match c.kind {
                CriterionKind::YesNo => CriterionKindDto::YesNo,
                CriterionKind::Text => CriterionKindDto::Text,
                CriterionKind::Choice => CriterionKindDto::Choice,
            },
            options: (c.kind == CriterionKind::Choice).then(|| c.options.clone()),
            required: c.required,
        }
    }
}

/// The criteria as written, checked: every broken rule added to `errors` (fields `criteria[i]…`).
pub(crate) fn parse_criteria(list: &[CriterionDto], errors: &mut Vec<FieldError>) -> Option<Vec<Criterion>> {
    let drafts = list
        .iter()
        .map(|c| CriterionDraft {
            code: c.code.clone(),
            text_da: c.text_da.clone(),
            kind: match c.kind {
                CriterionKindDto::YesNo => CriterionKind::YesNo,
                CriterionKindDto::Text => CriterionKind::Text,
                CriterionKindDto::Choice => CriterionKind::Choice,
            },
            options: c.options.clone(),
            required: c.required,
        })
        .collect();
    check_criteria(drafts).map_err(|broken| errors.extend(broken.into_iter().map(|v| FieldError::new(v.field, v.message)))).ok()
}

/// A decision of the strategic level on the pool's criteria, as minuted.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriteriaDecision {
    /// The pool's criteria from now on (all of them: this list replaces the earlier one).
    pub criteria: Vec<CriterionDto>,
    #[schema(example = "2022-10-20")]
    pub meeting_date: NaiveDate,
    #[schema(example = "Referat 20.10.2022, pkt. 4.1")]
    pub reference: String,
}

/// Records the strategic level's decision on which criteria projects must
/// meet to get funds from this pool (draft or open), audited with the meeting
/// and its reference. The criteria apply to charters registered after it;
/// a charter registered before keeps the criteria it was checked against.
#[utoipa::path(extensions(("x-permission" = json!("record_decisions"))),
    tag = "pools", params(("pool" = String, Path)), request_body = CriteriaDecision, security(("api_key" = [])),
    responses((status = 200, description = "The pool with the criteria as decided", body = PoolDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The pool is closed"), (status = 422, body = Problem, description = "Bad criteria, or no meeting_date or reference")))]
#[post("/pools/{pool}/criteria-decisions")]
pub async fn decide_criteria(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let key = pool_key(&caller, &path)?;
    let (dto, mut errors) = json::parse_all::<CriteriaDecision>(&req, &body)?;
    let at = now();
    let criteria = parse_criteria(&dto.criteria, &mut errors);
    let minuted = minuted(dto.meeting_date, &dto.reference, at.date(), &mut errors);
    let (Some(criteria), true) = (criteria, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    record_decision(state, caller, key, at, move |c, stored, who| {
        crate::pools::service::decide_criteria(c, stored, criteria.clone(), &minuted, who)
    })
    .await
}
