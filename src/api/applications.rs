//! Applications (project charters): register, list, read and edit drafts.
//! The workflow steps (submit, recommend, decide, …) are in `decisions`.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, http::header, patch, post, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::error::{ApiError, FieldError, Problem};
use super::http::{IfMatch, Page, id_cursor, limit, version_etag};
use super::pools::{money, not_found, pool_key};
use super::{AppState, json, now, utc};
use crate::db::applications::{self as store, ApplicationFilter, StoredApplication};
use crate::db::audit::{self, AuditEvent};
use crate::db::{AnyConnection, grants, pools, reference};
use crate::domain::access::Action;
use crate::domain::allocation::Bucket;
use crate::domain::application::{Charter, CharterContext, CharterDraft, CriterionAnswer, ExpenseKind, Origin, Violation};
use crate::domain::values::PoolKey;
use crate::domain::workflow::{ApplicationState, WorkflowError};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ExpenseKindDto {
    /// Development initiatives for shared patients: the only fundable kind.
    Development,
    /// Running costs (drift): refused.
    Operations,
    /// Secretariat support: refused.
    Secretariat,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BucketDto {
    Upfront,
    AdHoc,
    Rolling,
}

impl From<BucketDto> for Bucket {
    fn from(b: BucketDto) -> Self {
        match b {
            BucketDto::Upfront => Bucket::Upfront,
            BucketDto::AdHoc => Bucket::AdHoc,
            BucketDto::Rolling => Bucket::Rolling,
        }
    }
}

impl From<Bucket> for BucketDto {
    fn from(b: Bucket) -> Self {
        match b {
            Bucket::Upfront => BucketDto::Upfront,
            Bucket::AdHoc => BucketDto::AdHoc,
            Bucket::Rolling => BucketDto::Rolling,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OriginDto {
    /// Raised in the cluster.
    Cluster,
    /// Sent by the regional health-cooperation committee (SSU).
    Ssu,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetLineDto {
    #[schema(example = 2023)]
    pub year: i64,
    #[schema(example = "100000.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionAnswerDto {
    #[schema(example = "Tværsektorielt: kommune, almen praksis og hospital")]
    pub criterion: String,
    pub answer: String,
}

/// The project charter (projektkommissorium).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplication {
    #[schema(example = "Tidlig opsporing af skrøbelige ældre")]
    pub title: String,
    /// Slug of a party of the pool's cluster.
    #[schema(example = "thisted-kommune")]
    pub applicant_party: String,
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
    /// Answers to the pool's criteria.
    pub criteria: Option<Vec<CriterionAnswerDto>>,
}

/// Changes to a draft; fields left out keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchApplication {
    pub title: Option<String>,
    pub applicant_party: Option<String>,
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

/// One step taken: submission, recommendation, decisions, withdrawal.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepDto {
    #[schema(example = "strategic")]
    pub step: String,
    #[schema(example = "approved")]
    pub outcome: String,
    pub amount: Option<String>,
    pub meeting_date: Option<NaiveDate>,
    pub reference: String,
    pub note: String,
    pub actor: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationDto {
    pub id: i64,
    #[schema(example = "vest-2022")]
    pub pool: String,
    pub title: String,
    pub applicant_party: String,
    pub target_populations: Vec<String>,
    pub purpose: String,
    pub goals: String,
    pub organisation: String,
    pub evaluation: String,
    pub expense_kind: ExpenseKindDto,
    #[schema(example = "150000.00")]
    pub requested_amount: String,
    pub budget: Vec<BudgetLineDto>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub bucket: BucketDto,
    pub origin: OriginDto,
    pub contact_email: String,
    pub criteria: Vec<CriterionAnswerDto>,
    /// `draft`, `submitted`, `recommended`, `reserved`, `approved`, `rejected` or `withdrawn`.
    #[schema(example = "reserved")]
    pub status: String,
    /// The operations forum's recommended amount, once recommended.
    pub recommended_amount: Option<String>,
    /// Money held while a decision is pending.
    #[schema(example = "0.00")]
    pub reserved_amount: String,
    pub approved_amount: Option<String>,
    /// While reserved: the level whose decision is awaited.
    pub awaiting: Option<String>,
    pub rejected_by: Option<String>,
    pub grant_id: Option<i64>,
    pub steps: Vec<StepDto>,
    pub version: i64,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Everything the response shows, loaded in the transaction or read.
pub(super) fn load_dto(conn: &mut AnyConnection, id: i64) -> Result<ApplicationDto, ApiError> {
    let app = store::find(conn, id)?.ok_or_else(|| ApiError::NotFound(format!("no application {id}")))?;
    let steps = store::steps(conn, id)?;
    let grant_id = grants::for_application(conn, id)?.map(|g| g.id);
    Ok(to_dto(app, steps, grant_id))
}

fn to_dto(app: StoredApplication, steps: Vec<store::StepRow>, grant_id: Option<i64>) -> ApplicationDto {
    let c = app.charter;
    let (recommended, approved, awaiting, rejected_by) = match app.state {
        ApplicationState::Recommended { amount } => (Some(amount.to_string()), None, None, None),
        ApplicationState::Reserved { awaiting, .. } => (None, None, Some(awaiting.as_str().to_owned()), None),
        ApplicationState::Approved { amount } => (None, Some(amount.to_string()), None, None),
        ApplicationState::Rejected { by } => (None, None, None, Some(by.as_str().to_owned())),
        _ => (None, None, None, None),
    };
    let recommended = recommended.or_else(|| {
        steps
            .iter()
            .rev()
            .find(|s| s.step == "recommendation")
            .and_then(|s| s.amount_ore)
            .and_then(crate::domain::money::Money::from_ore)
            .map(|m| m.to_string())
    });
    ApplicationDto {
        id: app.id,
        pool: app.pool.to_string(),
        title: c.title,
        applicant_party: c.applicant_party,
        target_populations: c.target_populations,
        purpose: c.purpose,
        goals: c.goals,
        organisation: c.organisation,
        evaluation: c.evaluation,
        expense_kind: ExpenseKindDto::Development,
        requested_amount: c.requested.to_string(),
        budget: c.budget.iter().map(|l| BudgetLineDto { year: i64::from(l.year.get()), amount: l.amount.to_string() }).collect(),
        starts_on: c.starts_on,
        ends_on: c.ends_on,
        bucket: c.bucket.into(),
        origin: match c.origin {
            Origin::Cluster => OriginDto::Cluster,
            Origin::Ssu => OriginDto::Ssu,
        },
        contact_email: c.contact_email,
        criteria: c.criteria.into_iter().map(|a| CriterionAnswerDto { criterion: a.criterion, answer: a.answer }).collect(),
        status: app.state.name().to_owned(),
        recommended_amount: recommended,
        reserved_amount: app.state.reserved().to_string(),
        approved_amount: approved,
        awaiting,
        rejected_by,
        grant_id,
        steps: steps
            .into_iter()
            .map(|s| StepDto {
                step: s.step,
                outcome: s.outcome,
                amount: s.amount_ore.and_then(crate::domain::money::Money::from_ore).map(|m| m.to_string()),
                meeting_date: s.meeting_date,
                reference: s.reference,
                note: s.note,
                actor: s.actor,
                recorded_at: utc(s.recorded_at),
            })
            .collect(),
        version: app.version,
        submitted_at: app.submitted_at.map(utc),
        decided_at: app.decided_at.map(utc),
        created_at: utc(app.created_at),
        updated_at: utc(app.updated_at),
    }
}

pub(super) fn application_response(dto: ApplicationDto, status: StatusCode) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, version_etag(dto.version)))
        .insert_header((header::LOCATION, format!("/api/v1/applications/{}", dto.id)))
        .json(dto)
}

/// The charter's fields as they arrive, before the rules: money parsed, enums mapped.
fn draft_of(dto: CreateApplication, errors: &mut Vec<FieldError>) -> Option<CharterDraft> {
    let requested = money("requested_amount", &dto.requested_amount, errors);
    let budget = dto.budget.map(|lines| {
        lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| money(&format!("budget[{i}].amount"), &l.amount, errors).map(|m| (l.year, m)))
            .collect::<Vec<_>>()
    });
    Some(CharterDraft {
        title: dto.title,
        applicant_party: dto.applicant_party,
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
        requested: requested?,
        budget,
        starts_on: dto.starts_on,
        ends_on: dto.ends_on,
        bucket: dto.bucket.map(Bucket::from),
        origin: match dto.origin.unwrap_or(OriginDto::Cluster) {
            OriginDto::Cluster => Origin::Cluster,
            OriginDto::Ssu => Origin::Ssu,
        },
        contact_email: dto.contact_email.unwrap_or_default(),
        criteria: dto
            .criteria
            .unwrap_or_default()
            .into_iter()
            .map(|a| CriterionAnswer { criterion: a.criterion, answer: a.answer })
            .collect(),
    })
}

fn violations(list: Vec<Violation>) -> ApiError {
    ApiError::Validation(list.into_iter().map(|v| FieldError::new(v.field, v.message)).collect())
}

/// Checks a draft against the pool and its cluster; returns the charter and the party's row id.
fn check_charter(conn: &mut AnyConnection, pool: &pools::StoredPool, draft: CharterDraft) -> Result<(Charter, i64), ApiError> {
    let parties = reference::parties_of(conn, pool.cluster_id, None)?;
    let party_slugs: BTreeSet<String> = parties.iter().map(|p| p.slug.clone()).collect();
    let codes: BTreeSet<String> = reference::target_populations(conn)?.into_iter().map(|t| t.code).collect();
    let ctx = CharterContext { model: pool.pool.model, parties: &party_slugs, target_populations: &codes };
    let charter = Charter::check(draft, &ctx).map_err(violations)?;
    let party_id = parties
        .iter()
        .find(|p| p.slug == charter.applicant_party)
        .map(|p| p.id)
        .ok_or_else(|| ApiError::field("applicant_party", "unknown party"))?;
    Ok((charter, party_id))
}

fn require_open(pool: &pools::StoredPool) -> Result<(), ApiError> {
    match pool.pool.state {
        crate::domain::pool::PoolState::Open => Ok(()),
        other => Err(WorkflowError::PoolNotOpen(other.as_str()).into()),
    }
}

/// Registers a project charter as a draft application in an open pool.
#[utoipa::path(extensions(("x-permission" = json!("manage_applications"))),
    tag = "applications", params(("pool" = String, Path, description = "`{cluster}-{year}`")), request_body = CreateApplication,
    security(("api_key" = [])),
    responses((status = 201, body = ApplicationDto, headers(("ETag" = String), ("Location" = String))), (status = 401, body = Problem),
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
    let dto: CreateApplication = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let draft = draft_of(dto, &mut errors);
    let (Some(draft), true) = (draft, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let at = now();
    let lock = key.clone();
    let dto = state
        .db
        .write_in_pool(&lock, move |c| {
            let pool = pools::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            require_open(&pool)?;
            let (charter, party_id) = check_charter(c, &pool, draft.clone())?;
            let id = store::insert(c, pool.id, party_id, &charter, at)?;
            audit::record(c, &AuditEvent {
                at,
                actor: &caller.actor(),
                action: "application.created",
                subject: format!("application:{id}"),
                before: None,
                after: Some(serde_json::json!({"pool": key.to_string(), "title": charter.title, "requested_amount": charter.requested.to_string()})),
                request_id: caller.request_id.as_deref(),
            })?;
            load_dto(c, id)
        })
        .await?;
    Ok(application_response(dto, StatusCode::CREATED))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ApplicationQuery {
    /// `{cluster}-{year}`.
    pub pool: Option<String>,
    /// `draft`, `submitted`, `recommended`, `reserved`, `approved`, `rejected` or `withdrawn`.
    pub status: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

const STATES: [&str; 7] = ["draft", "submitted", "recommended", "reserved", "approved", "rejected", "withdrawn"];

/// Lists applications, oldest first.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "applications", params(ApplicationQuery), security(("api_key" = [])),
    responses((status = 200, body = Page<ApplicationDto>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ApplicationQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let limit = limit(query.limit.as_deref(), &mut errors);
    let pool = query.pool.as_deref().and_then(|p| PoolKey::parse(p).map_err(|e| errors.push(FieldError::new("pool", e))).ok());
    if let Some(s) = &query.status {
        if !STATES.contains(&s.as_str()) {
            errors.push(FieldError::new("status", format!("must be one of {}", STATES.join(", "))));
        }
    }
    let after_id = id_cursor(query.cursor.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some(pool) = &pool {
        caller.require_cluster(pool.cluster.as_str())?;
    }
    let filter = ApplicationFilter { pool, state: query.status.clone(), after_id };
    let scope = caller.scope.clone();
    let items = state
        .db
        .read(move |c| {
            let apps = store::list(c, &scope, &filter, limit + 1)?;
            let mut out = Vec::with_capacity(apps.len());
            for app in apps {
                let steps = store::steps(c, app.id)?;
                let grant_id = grants::for_application(c, app.id)?.map(|g| g.id);
                out.push(to_dto(app, steps, grant_id));
            }
            Ok::<_, ApiError>(out)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(items, limit, |a| a.id.to_string())))
}

/// The pool of an application, checked against the caller's clusters: what
/// writes lock and scoped keys are checked on.
pub(super) async fn pool_of(state: &AppState, caller: &Caller, id: i64) -> Result<PoolKey, ApiError> {
    let pool = state.db.read(move |c| store::pool_of(c, id).map_err(ApiError::from)).await?;
    let pool = pool.ok_or_else(|| ApiError::NotFound(format!("no application {id}")))?;
    caller.require_cluster(pool.cluster.as_str())?;
    Ok(pool)
}

/// One application with its charter, state and every step taken.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "applications", params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, body = ApplicationDto, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/applications/{id}")]
pub async fn get_application(state: web::Data<AppState>, caller: Caller, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    pool_of(&state, &caller, id).await?;
    let dto = state.db.read(move |c| load_dto(c, id)).await?;
    Ok(application_response(dto, StatusCode::OK))
}

/// Edits a draft application. Needs `If-Match`; the whole charter is checked again.
#[utoipa::path(extensions(("x-permission" = json!("manage_applications"))),
    tag = "applications", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = PatchApplication,
    security(("api_key" = [])),
    responses((status = 200, body = ApplicationDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
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
    let patch: PatchApplication = json::parse(&req, &body)?;
    let if_match = IfMatch::of(&req);
    let at = now();
    let dto = state
        .db
        .write_in_pool(&pool, move |c| {
            let app = store::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no application {id}")))?;
            if_match.check(app.version)?;
            if app.state != ApplicationState::Draft {
                return Err(WorkflowError::NotAllowed { verb: "edit", state: app.state.name() }.into());
            }
            let stored_pool = pools::find(c, &app.pool)?.ok_or_else(|| not_found(&app.pool))?;
            let merged = merge(&app.charter, patch.clone());
            let mut errors = Vec::new();
            let draft = draft_of(merged, &mut errors);
            let (Some(draft), true) = (draft, errors.is_empty()) else {
                return Err(ApiError::Validation(errors));
            };
            let (charter, party_id) = check_charter(c, &stored_pool, draft)?;
            if !store::update_charter(c, &app, party_id, &charter, at)? {
                return Err(ApiError::PreconditionFailed { current: version_etag(app.version + 1) });
            }
            audit::record(
                c,
                &AuditEvent {
                    at,
                    actor: &caller.actor(),
                    action: "application.updated",
                    subject: format!("application:{id}"),
                    before: Some(serde_json::json!({"title": app.charter.title, "requested_amount": app.charter.requested.to_string()})),
                    after: Some(serde_json::json!({"title": charter.title, "requested_amount": charter.requested.to_string()})),
                    request_id: caller.request_id.as_deref(),
                },
            )?;
            load_dto(c, id)
        })
        .await?;
    Ok(application_response(dto, StatusCode::OK))
}

/// The stored charter with the patch laid over it, as a create request.
fn merge(c: &Charter, p: PatchApplication) -> CreateApplication {
    CreateApplication {
        title: p.title.unwrap_or_else(|| c.title.clone()),
        applicant_party: p.applicant_party.unwrap_or_else(|| c.applicant_party.clone()),
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
        origin: Some(p.origin.unwrap_or(match c.origin {
            Origin::Cluster => OriginDto::Cluster,
            Origin::Ssu => OriginDto::Ssu,
        })),
        contact_email: Some(p.contact_email.unwrap_or_else(|| c.contact_email.clone())),
        criteria: Some(p.criteria.unwrap_or_else(|| {
            c.criteria.iter().map(|a| CriterionAnswerDto { criterion: a.criterion.clone(), answer: a.answer.clone() }).collect()
        })),
    }
}
