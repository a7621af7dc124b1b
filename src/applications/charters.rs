//! Project charters: registering an application and editing a draft. The
//! whole charter is checked by the domain's rules every time.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, patch, post, web};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::applications::charter_rules::check_charter_kinds;
pub(crate) use crate::applications::charter_rules::{add_later, check_charter_with, require_open};
use crate::applications::http::{
    ApplicationDto, BucketDto, BudgetLineDto, CriterionAnswerDto, ExpenseKindDto, OriginDto, application_response, load_dto, new_draft_dto,
    pool_of,
};
use crate::applications::service;
use crate::db::applications::{self as store, StoredApplication};
use crate::db::charter_rows::PartyIds;
use crate::db::pools::Actor;
use crate::db::{AnyConnection, pools};
use crate::domain::access::Action;
use crate::domain::allocation::Bucket;
use crate::domain::application::{Charter, CharterDraft, ExpenseKind, Origin};
use crate::domain::eligibility::CriterionAnswer;
use crate::domain::money::Money;
use crate::domain::values::PoolKey;
use crate::domain::workflow::{ApplicationState, WorkflowError};
use crate::http::auth::Caller;
use crate::http::conventions::{IfMatch, version_etag};
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::fields::{money, pool_key, pool_not_found as not_found};
use crate::http::{AppState, json, now};

/// The project charter (projektkommissorium).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplication {
    #[schema(example = "Tidlig opsporing af skrøbelige ældre")]
    pub title: String,
    /// Slug of a party of the pool's cluster.
    #[schema(example = "thisted-kommune")]
    pub applicant_party: String,
    /// Slugs of the other parties of the cluster the project is run with. With the pool's `cross_sector_required`,
    /// applicant and partners must span two sectors (municipality; region, hospital or psychiatry; general practice).
    #[schema(example = json!(["almen-praksis-vest"]))]
    pub partner_parties: Option<Vec<String>>,
    /// Codes from `/api/v1/target-populations`; at least one.
    #[schema(example = json!(["vulnerable_elderly"]))]
    pub target_populations: Vec<String>,
    pub purpose: String,
    pub goals: String,
    pub organisation: Option<String>,
    pub evaluation: Option<String>,
    pub expense_kind: ExpenseKindDto,
    #[schema(example = "150000.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub requested_amount: String,
    /// Per year, summing exactly to `requested_amount`. Left out: all of it in the year of `starts_on`.
    pub budget: Option<Vec<BudgetLineDto>>,
    #[schema(example = "2022-09-01")]
    pub starts_on: NaiveDate,
    #[schema(example = "2023-12-31")]
    pub ends_on: NaiveDate,
    /// Defaults from the model: `rolling`; `upfront`; in a split pool `ad_hoc` for SSU projects, else `upfront`.
    pub bucket: Option<BucketDto>,
    /// Default `cluster`.
    pub origin: Option<OriginDto>,
    /// The project's contact, an e-mail address.
    #[schema(example = "projektleder@example.org")]
    pub contact_email: Option<String>,
    /// Answers to the pool's criteria (`GET /api/v1/pools/{pool}`): every required one, each once.
    pub criteria: Option<Vec<CriterionAnswerDto>>,
    /// When the application was received; default today, never in the future. The
    /// secretariat back-dates cases it registers after the meeting; every step's
    /// `meeting_date` must be on or after it.
    #[schema(example = "2022-09-15")]
    pub received_on: Option<NaiveDate>,
}

/// Changes to a draft; fields left out keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchApplication {
    pub title: Option<String>,
    pub applicant_party: Option<String>,
    pub partner_parties: Option<Vec<String>>,
    pub target_populations: Option<Vec<String>>,
    pub purpose: Option<String>,
    pub goals: Option<String>,
    pub organisation: Option<String>,
    pub evaluation: Option<String>,
    pub expense_kind: Option<ExpenseKindDto>,
    #[schema(pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub requested_amount: Option<String>,
    pub budget: Option<Vec<BudgetLineDto>>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub bucket: Option<BucketDto>,
    pub origin: Option<OriginDto>,
    pub contact_email: Option<String>,
    pub criteria: Option<Vec<CriterionAnswerDto>>,
}

/// The charter's fields as they arrive, before the rules: money parsed, enums
/// mapped. An amount that cannot be read is added to `errors` and stands in
/// as 0.00, so the rules can still be checked for the other fields; the
/// draft must not be saved while `errors` is not empty.
pub(crate) fn draft_of(dto: CreateApplication, errors: &mut Vec<FieldError>) -> CharterDraft {
    let mut found = Vec::new();
    let requested = money("requested_amount", &dto.requested_amount, &mut found).unwrap_or(Money::ZERO);
    let budget = dto.budget.map(|lines| {
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| (l.year, money(&format!("budget[{i}].amount"), &l.amount, &mut found).unwrap_or(Money::ZERO)))
            .collect::<Vec<_>>()
    });
    add_later(errors, found);
    CharterDraft {
        title: dto.title,
        applicant_party: dto.applicant_party,
        partner_parties: dto.partner_parties.unwrap_or_default(),
        target_populations: dto.target_populations,
        purpose: dto.purpose,
        goals: dto.goals,
        organisation: dto.organisation.unwrap_or_default(),
        evaluation: dto.evaluation.unwrap_or_default(),
        expense_kind: match dto.expense_kind {
            ExpenseKindDto::Development => ExpenseKind::Development,
            ExpenseKindDto::Operations => ExpenseKind::Operations,
            ExpenseKindDto::Secretariat => ExpenseKind::Secretariat,
        },
        requested,
        budget,
        starts_on: dto.starts_on,
        ends_on: dto.ends_on,
        bucket: dto.bucket.map(Bucket::from),
        origin: dto.origin.map_or(Origin::Cluster, Origin::from),
        contact_email: dto.contact_email.unwrap_or_default(),
        criteria: dto
            .criteria
            .unwrap_or_default()
            .into_iter()
            .map(|a| CriterionAnswer { criterion: a.criterion, answer: a.answer })
            .collect(),
    }
}

/// The one 422 for a charter whose body had errors: the rules that need the
/// pool and its cluster are checked too (in a read transaction: nothing can
/// be written), so the client learns everything at once. Without such a pool
/// the body's errors are the answer, as they come before the pool.
async fn refuse(state: &AppState, key: PoolKey, draft: CharterDraft, errors: Vec<FieldError>) -> ApiError {
    let fallback = errors.clone();
    let checked = state
        .db
        .read(move |c| match pools::find(c, &key)? {
            Some(pool) => check_charter_with(c, &pool, &pool.pool.criteria, draft, errors).map(|_| ()),
            None => Err(ApiError::Validation(errors)),
        })
        .await;
    checked.err().unwrap_or(ApiError::Validation(fallback))
}

/// Saves a checked charter as a new draft, with its audit event (inside the write transaction).
pub(crate) fn save_new(
    c: &mut AnyConnection,
    pool: &pools::StoredPool,
    parties: &PartyIds,
    charter: &Charter,
    received_on: NaiveDate,
    caller: &Caller,
    at: chrono::NaiveDateTime,
) -> Result<i64, ApiError> {
    let actor = caller.actor();
    Ok(service::register(c, pool, parties, charter, received_on, Actor { name: &actor, request_id: caller.request_id.as_deref(), at })?)
}

/// The day an application was received: as written (never in the future), or today.
pub(crate) fn received_on(written: Option<NaiveDate>, today: NaiveDate, errors: &mut Vec<FieldError>) -> NaiveDate {
    match written {
        Some(day) => {
            if let Err(e) = crate::domain::dates::check_received_on(day, today) {
                errors.push(FieldError::new("received_on", e));
            }
            day
        }
        None => today,
    }
}

/// Registers a project charter as a draft application in an open pool.
#[utoipa::path(extensions(("x-permission" = json!("manage_applications"))),
    tag = "applications", params(("pool" = String, Path, description = "`{cluster}-{year}`")), request_body = CreateApplication,
    security(("api_key" = [])),
    responses((status = 201, description = "The application, registered as a draft", body = ApplicationDto, headers(("ETag" = String), ("Location" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "The pool is not open"),
        (status = 422, body = Problem)))]
#[post("/pools/{pool}/applications")]
pub async fn create_application(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageApplications)?;
    let key = pool_key(&caller, &path)?;
    let (dto, mut errors) = json::parse_all::<CreateApplication>(&req, &body)?;
    let at = now();
    let received = received_on(dto.received_on, at.date(), &mut errors);
    let draft = draft_of(dto, &mut errors);
    if !errors.is_empty() {
        return Err(refuse(&state, key, draft, errors).await);
    }
    let lock = key.clone();
    let registered = state
        .db
        .write_in_pool(&lock, move |c| {
            let pool = pools::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            require_open(&pool)?;
            let (charter, parties, party_kinds) = check_charter_kinds(c, &pool, &pool.pool.criteria, draft.clone())?;
            let id = save_new(c, &pool, &parties, &charter, received, &caller, at)?;
            // The draft as it was stored, which is what reading it back would give
            // (`tests/api/eligibility.rs` holds the answer equal to a GET of it).
            Ok::<_, ApiError>(StoredApplication {
                id,
                pool_id: pool.id,
                pool: key.clone(),
                applicant_party_id: parties.applicant,
                charter,
                state: ApplicationState::Draft,
                version: 1,
                submitted_at: None,
                decided_at: None,
                created_at: at,
                updated_at: at,
                received_on: received,
                referred: false,
                party_kinds,
            })
        })
        .await?;
    state.pools_of.keep(registered.id, &registered.pool);
    // A new draft has no steps, grant, meeting or attachment yet: nothing more to read.
    Ok(application_response(new_draft_dto(registered), StatusCode::CREATED))
}

/// Edits a draft application. Needs `If-Match`; the whole charter is checked again.
#[utoipa::path(extensions(("x-permission" = json!("manage_applications"))),
    tag = "applications", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = PatchApplication,
    security(("api_key" = [])),
    responses((status = 200, description = "The application as changed", body = ApplicationDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not a draft"), (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
#[patch("/applications/{id}")]
pub async fn patch_application(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageApplications)?;
    let id = path.into_inner();
    let pool = pool_of(&state, &caller, id).await?;
    let (patch, errors) = json::parse_all::<PatchApplication>(&req, &body)?;
    if !errors.is_empty() {
        // The body's errors come before If-Match and the draft's state, as
        // always; the rules are checked on the stored charter with what could
        // be read of the patch laid over it. Read only.
        let fallback = errors.clone();
        let refused = state
            .db
            .read(move |c| {
                let app = store::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no application {id}")))?;
                let Some(stored_pool) = pools::find(c, &app.pool)? else { return Err(ApiError::Validation(errors)) };
                let mut errors = errors;
                let draft = draft_of(merge(&app.charter, patch), &mut errors);
                check_charter_with(c, &stored_pool, &app.charter.checked_against, draft, errors).map(|_| ())
            })
            .await;
        return Err(refused.err().unwrap_or(ApiError::Validation(fallback)));
    }
    let if_match = IfMatch::of(&req);
    let at = now();
    state
        .db
        .write_in_pool(&pool, move |c| {
            let app = store::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no application {id}")))?;
            if_match.check(app.version)?;
            if app.state != ApplicationState::Draft {
                return Err(WorkflowError::NotAllowed { verb: "edit", state: app.state }.into());
            }
            let stored_pool = pools::find(c, &app.pool)?.ok_or_else(|| not_found(&app.pool))?;
            let merged = merge(&app.charter, patch.clone());
            let mut errors = Vec::new();
            let draft = draft_of(merged, &mut errors);
            // Unreadable amounts and broken rules in one 422, before anything is written.
            let (charter, parties) = check_charter_with(c, &stored_pool, &app.charter.checked_against, draft, errors)?;
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            if !service::revise(c, &app, &parties, &charter, who)? {
                return Err(ApiError::PreconditionFailed { current: version_etag(app.version + 1) });
            }
            Ok(())
        })
        .await?;
    let dto = state.db.read(move |c| load_dto(c, id)).await?;
    Ok(application_response(dto, StatusCode::OK))
}

/// The stored charter with the patch laid over it, as a create request.
fn merge(c: &Charter, p: PatchApplication) -> CreateApplication {
    CreateApplication {
        title: p.title.unwrap_or_else(|| c.title.clone()),
        applicant_party: p.applicant_party.unwrap_or_else(|| c.applicant_party.clone()),
        partner_parties: Some(p.partner_parties.unwrap_or_else(|| c.partner_parties.clone())),
        target_populations: p.target_populations.unwrap_or_else(|| c.target_populations.clone()),
        purpose: p.purpose.unwrap_or_else(|| c.purpose.clone()),
        goals: p.goals.unwrap_or_else(|| c.goals.clone()),
        organisation: Some(p.organisation.unwrap_or_else(|| c.organisation.clone())),
        evaluation: Some(p.evaluation.unwrap_or_else(|| c.evaluation.clone())),
        expense_kind: p.expense_kind.unwrap_or(ExpenseKindDto::Development),
        requested_amount: p.requested_amount.unwrap_or_else(|| c.requested.to_string()),
        // A budget that was left out (all in the first year) follows the amount and dates.
        budget: match p.budget {
            Some(lines) => Some(lines),
            None if c.budget.len() == 1
                && c.budget[0].amount == c.requested
                && i64::from(c.budget[0].year.get()) == i64::from(c.starts_on.year()) =>
            {
                None
            }
            None => Some(c.budget.iter().map(|l| BudgetLineDto { year: i64::from(l.year.get()), amount: l.amount.to_string() }).collect()),
        },
        starts_on: p.starts_on.unwrap_or(c.starts_on),
        ends_on: p.ends_on.unwrap_or(c.ends_on),
        bucket: Some(p.bucket.unwrap_or(c.bucket.into())),
        origin: Some(p.origin.unwrap_or(c.origin.into())),
        contact_email: Some(p.contact_email.unwrap_or_else(|| c.contact_email.clone())),
        criteria: Some(p.criteria.unwrap_or_else(|| {
            c.criteria.iter().map(|a| CriterionAnswerDto { criterion: a.criterion.clone(), answer: a.answer.clone() }).collect()
        })),
        received_on: None,
    }
}
