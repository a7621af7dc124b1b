//! The approval workflow over HTTP: submit, withdraw, the operations forum's
//! recommendation, recorded decisions, and moving money between buckets.
//! Each call is one transaction that saves the new state, the ledger entry
//! it causes, the grant it creates, the step as evidence and an audit event.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::applications::http::{ApplicationDto, advanced_dto, application_response, pool_of};
use crate::applications::service;
use crate::db::applications as store;
use crate::db::pools;
use crate::db::pools::Actor;
use crate::db::steps::NewStep;
use crate::domain::access::Action;
use crate::domain::money::Money;
use crate::domain::step::{StepKind, StepOutcome};
use crate::domain::values::{Name, PoolKey, parse_note};
use crate::domain::workflow::{Event, Level, Outcome};
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::fields::{money, pool_not_found as not_found};
use crate::http::{AppState, json, now};

/// A step as recorded, owned so the write closure can be retried.
#[derive(Debug, Clone)]
struct Step {
    step: StepKind,
    outcome: StepOutcome,
    amount: Option<Money>,
    meeting_date: Option<NaiveDate>,
    reference: String,
    note: String,
}

/// Applies one workflow event to an application, in one transaction.
async fn advance(
    state: web::Data<AppState>,
    caller: Caller,
    id: i64,
    pool: PoolKey,
    event: Event,
    step: Step,
    action: &'static str,
) -> Result<HttpResponse, ApiError> {
    // Separation of duties: an application's contact records or gives none of its decisions.
    let decides = matches!(event, Event::Recommend { .. } | Event::NotRecommend | Event::Decide { .. } | Event::Refer { .. });
    let at = now();
    let secretariat = state.links.secretariat_email.clone();
    let dto = state
        .db
        .write_in_pool(&pool, move |c| {
            let app = store::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no application {id}")))?;
            if decides {
                caller.require_not_contact(&app.charter.contact_email)?;
            }
            let stored_pool = pools::find(c, &app.pool)?.ok_or_else(|| not_found(&app.pool))?;
            let actor = caller.actor();
            let new_step = NewStep {
                step: step.step,
                outcome: step.outcome,
                amount: step.amount,
                meeting_date: step.meeting_date,
                reference: &step.reference,
                note: &step.note,
                meeting: None,
            };
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            let done = service::advance(c, &app, &stored_pool, event, &new_step, action, who, Some(&secretariat))?;
            // The answer is what the step saved; only the meetings and files are read.
            advanced_dto(c, done)
        })
        .await?;
    Ok(application_response(dto, StatusCode::OK))
}

/// An optional note with a submission or withdrawal.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepNote {
    pub note: Option<String>,
}

fn optional_note(req: &HttpRequest, body: &[u8]) -> Result<String, ApiError> {
    // The document allows `null` for "no note", as it allows no body.
    let dto: StepNote = json::parse_optional_body(req, body)?;
    parse_note(dto.note.as_deref().unwrap_or(""), 2000).map_err(|e| ApiError::field("note", e))
}

/// Submits a draft for the operations forum and the strategic level.
#[utoipa::path(operation_id = "submit_application", extensions(("x-permission" = json!("manage_applications"))),
    tag = "applications", params(("id" = i64, Path)), request_body(content = Option<StepNote>, description = "Optional: no body, an empty one or `null` mean no note"), security(("api_key" = [])),
    responses((status = 200, description = "The application, submitted", body = ApplicationDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not a draft, or the pool is not open"), (status = 422, body = Problem)))]
#[post("/applications/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageApplications)?;
    let id = path.into_inner();
    let pool = pool_of(&state, &caller, id).await?;
    let note = optional_note(&req, &body)?;
    let step = Step {
        step: StepKind::Submitted,
        outcome: StepOutcome::Submitted,
        amount: None,
        meeting_date: None,
        reference: String::new(),
        note,
    };
    advance(state, caller, id, pool, Event::Submit, step, "application.submitted").await
}

/// Withdraws an application; a reservation is given back in full.
#[utoipa::path(operation_id = "withdraw_application", extensions(("x-permission" = json!("manage_applications"))),
    tag = "applications", params(("id" = i64, Path)), request_body(content = Option<StepNote>, description = "Optional: no body, an empty one or `null` mean no note"), security(("api_key" = [])),
    responses((status = 200, description = "The application, withdrawn (a reservation given back)", body = ApplicationDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Already decided or withdrawn"), (status = 422, body = Problem)))]
#[post("/applications/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageApplications)?;
    let id = path.into_inner();
    let pool = pool_of(&state, &caller, id).await?;
    let note = optional_note(&req, &body)?;
    let step = Step {
        step: StepKind::Withdrawn,
        outcome: StepOutcome::Withdrawn,
        amount: None,
        meeting_date: None,
        reference: String::new(),
        note,
    };
    advance(state, caller, id, pool, Event::Withdraw, step, "application.withdrawn").await
}

/// The operations forum's recommendation (indstilling).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationRequest {
    /// `recommended` (default) or `not_recommended`. Up to the pool's
    /// `operations_forum_limit`, a recommendation is the grant itself.
    pub outcome: Option<RecommendationOutcomeDto>,
    /// At most the amount requested; default: the amount requested.
    #[schema(example = "140000.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub recommended_amount: Option<String>,
    pub note: Option<String>,
    #[schema(example = "2022-10-04")]
    pub meeting_date: NaiveDate,
}

/// What the operations forum says.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationOutcomeDto {
    Recommended,
    NotRecommended,
}

/// Records the operations forum's recommendation (or that it does not
/// recommend). Within the pool's `operations_forum_limit` the forum's
/// recommendation is the grant: small projects start without the strategic level.
#[utoipa::path(operation_id = "recommend_application", extensions(("x-permission" = json!("record_decisions"))),
    tag = "applications", params(("id" = i64, Path)), request_body = RecommendationRequest, security(("api_key" = [])),
    responses((status = 200, description = "The application with the recommendation recorded", body = ApplicationDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not submitted, or the pool is not open"), (status = 422, body = Problem)))]
#[post("/applications/{id}/recommendation")]
pub async fn recommend(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let id = path.into_inner();
    let pool = pool_of(&state, &caller, id).await?;
    let dto: RecommendationRequest = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let amount = dto.recommended_amount.as_deref().map(|a| money("recommended_amount", a, &mut errors));
    let note = crate::http::fields::note(dto.note.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let amount = amount.flatten();
    let not_recommended = dto.outcome == Some(RecommendationOutcomeDto::NotRecommended);
    if not_recommended && amount.is_some() {
        return Err(ApiError::field("recommended_amount", "must be left out when the forum does not recommend"));
    }
    let (event, outcome, action) = if not_recommended {
        (Event::NotRecommend, StepOutcome::NotRecommended, "application.not_recommended")
    } else {
        (Event::Recommend { amount }, StepOutcome::Recommended, "application.recommended")
    };
    let step =
        Step { step: StepKind::Recommendation, outcome, amount, meeting_date: Some(dto.meeting_date), reference: String::new(), note };
    advance(state, caller, id, pool, event, step, action).await.map_err(|e| rename_amount(e, "recommended_amount"))
}

/// The workflow names its amount `amount`; requests may call it otherwise.
fn rename_amount(e: ApiError, field: &str) -> ApiError {
    match e {
        ApiError::Validation(list) => ApiError::Validation(
            list.into_iter().map(|f| if f.field == "amount" { FieldError::new(field, f.message) } else { f }).collect(),
        ),
        other => other,
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LevelDto {
    Strategic,
    Political,
}

impl From<LevelDto> for Level {
    fn from(l: LevelDto) -> Self {
        match l {
            LevelDto::Strategic => Level::Strategic,
            LevelDto::Political => Level::Political,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeDto {
    Approved,
    Rejected,
}

/// A decision taken in a meeting, recorded by the secretariat.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub level: LevelDto,
    pub outcome: OutcomeDto,
    /// What is granted; may be lower than asked. Default: the recommended
    /// (or requested) amount for the strategic level, the reserved amount for the political.
    #[schema(example = "140000.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: Option<String>,
    #[schema(example = "2022-10-20")]
    pub meeting_date: NaiveDate,
    /// Where the decision is minuted, e.g. "Referat 20.10.2022, pkt. 4".
    #[schema(example = "Referat 20.10.2022, pkt. 4")]
    pub reference: String,
    pub note: Option<String>,
}

/// Records a decision of the strategic or political level. A strategic
/// approval at or above the pool's political threshold reserves the money
/// until the political level signs off; below it, the grant is made at once.
#[utoipa::path(operation_id = "decide_application", extensions(("x-permission" = json!("record_decisions"))),
    tag = "applications", params(("id" = i64, Path)), request_body = DecisionRequest, security(("api_key" = [])),
    responses((status = 200, description = "The application after the decision (with `grant_id` when it became a grant)", body = ApplicationDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not allowed in this state, pool not open, or not enough money available (the problem says how much is)"),
        (status = 422, body = Problem)))]
#[post("/applications/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let id = path.into_inner();
    let pool = pool_of(&state, &caller, id).await?;
    let dto: DecisionRequest = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let amount = dto.amount.as_deref().map(|a| money("amount", a, &mut errors));
    let reference = crate::http::fields::reference(&dto.reference, &mut errors);
    let note = crate::http::fields::note(dto.note.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let amount = amount.flatten();
    let level = Level::from(dto.level);
    let outcome = match dto.outcome {
        OutcomeDto::Approved => Outcome::Approved,
        OutcomeDto::Rejected => Outcome::Rejected,
    };
    let step = Step {
        step: StepKind::of_level(level),
        outcome: StepOutcome::of_decision(outcome),
        amount: None,
        meeting_date: Some(dto.meeting_date),
        reference,
        note,
    };
    let action = match (level, outcome) {
        (Level::Strategic, Outcome::Approved) => "application.strategic_approved",
        (Level::Strategic, Outcome::Rejected) => "application.strategic_rejected",
        (Level::Political, Outcome::Approved) => "application.political_approved",
        (Level::Political, Outcome::Rejected) => "application.political_rejected",
    };
    advance(state, caller, id, pool, Event::Decide { level, outcome, amount }, step, action).await
}

/// The level a case is referred to (only the political level can be).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReferralLevelDto {
    Political,
}

/// "Sendes videre til drøftelse på politisk niveau": one case sent on to
/// the political level by the strategic level, whatever its amount.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralRequest {
    pub to_level: ReferralLevelDto,
    /// Why the case goes on (what the political level should discuss).
    #[schema(example = "Projektet berører alle kommuner i klyngen")]
    pub reason: String,
    #[schema(example = "2022-10-20")]
    pub meeting_date: NaiveDate,
    #[schema(example = "Referat 20.10.2022, pkt. 4")]
    pub reference: String,
    /// What is reserved for the political decision; default: the recommended (or requested) amount.
    #[schema(example = "50000.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: Option<String>,
}

/// Refers one case to the political level: the money is reserved and the
/// political step becomes required for this case, whatever its amount.
#[utoipa::path(operation_id = "refer_application", extensions(("x-permission" = json!("record_decisions"))),
    tag = "applications", params(("id" = i64, Path)), request_body = ReferralRequest, security(("api_key" = [])),
    responses((status = 200, description = "The application, referred to the political level (its money reserved)", body = ApplicationDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not submitted or recommended, the pool is not open, or not enough money available"),
        (status = 422, body = Problem)))]
#[post("/applications/{id}/referral")]
pub async fn refer(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let id = path.into_inner();
    let pool = pool_of(&state, &caller, id).await?;
    let (dto, mut errors) = json::parse_all::<ReferralRequest>(&req, &body)?;
    let amount = dto.amount.as_deref().map(|a| money("amount", a, &mut errors));
    let reason =
        Name::parse(&dto.reason, 2000).map_err(|e| errors.push(FieldError::new("reason", e))).map(Name::into_string).unwrap_or_default();
    let reference = crate::http::fields::reference(&dto.reference, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let amount = amount.flatten();
    let step = Step {
        step: StepKind::Strategic,
        outcome: StepOutcome::Referred,
        amount: None,
        meeting_date: Some(dto.meeting_date),
        reference,
        note: reason,
    };
    advance(state, caller, id, pool, Event::Refer { amount }, step, "application.referred").await
}
