//! Applications (project charters): register, list, read and edit drafts.
//! The workflow steps (submit, recommend, decide, …) are in `decisions`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::applications::{self as store, ApplicationFilter};
use crate::db::grants;
use crate::domain::allocation::Bucket;
use crate::domain::application::Origin;
use crate::domain::values::PoolKey;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::conventions::{Page, id_cursor, limit};
use crate::http::error::{ApiError, FieldError, Problem};

use super::answers::to_dto;
pub(crate) use super::answers::{advanced_dto, application_response, load_dto, new_draft_dto};

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

impl From<Origin> for OriginDto {
    fn from(o: Origin) -> Self {
        match o {
            Origin::Cluster => OriginDto::Cluster,
            Origin::Ssu => OriginDto::Ssu,
        }
    }
}

impl From<OriginDto> for Origin {
    fn from(o: OriginDto) -> Self {
        match o {
            OriginDto::Cluster => Origin::Cluster,
            OriginDto::Ssu => Origin::Ssu,
        }
    }
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
    /// The code of one of the pool's criteria.
    #[schema(example = "K1")]
    pub criterion: String,
    /// `yes` or `no` for a `yes_no` criterion, one of the options for a `choice`, else text.
    #[schema(example = "yes")]
    pub answer: String,
}

/// One step taken: submission, recommendation, decisions, withdrawal.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepDto {
    #[schema(example = "strategic")]
    pub step: String,
    #[schema(example = "approved")]
    pub outcome: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: Option<String>,
    pub meeting_date: Option<NaiveDate>,
    pub reference: String,
    pub note: String,
    pub actor: String,
    pub recorded_at: DateTime<Utc>,
    /// The meeting (`/api/v1/meetings/{id}`) whose outcome this step is.
    pub meeting: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationDto {
    pub id: i64,
    #[schema(example = "vest-2022")]
    pub pool: String,
    pub title: String,
    pub applicant_party: String,
    /// The parties the project is run with, beside the applicant.
    pub partner_parties: Vec<String>,
    pub target_populations: Vec<String>,
    pub purpose: String,
    pub goals: String,
    pub organisation: String,
    pub evaluation: String,
    pub expense_kind: ExpenseKindDto,
    #[schema(example = "150000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
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
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub recommended_amount: Option<String>,
    /// Money held while a decision is pending.
    #[schema(example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub reserved_amount: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub approved_amount: Option<String>,
    /// While reserved: the level whose decision is awaited.
    pub awaiting: Option<String>,
    pub rejected_by: Option<String>,
    pub grant_id: Option<i64>,
    /// When the application was received (the days to decision count from it).
    pub received_on: NaiveDate,
    /// Sent on to the political level by the strategic level, whatever its amount.
    pub referred: bool,
    pub steps: Vec<StepDto>,
    /// The meetings the application was on the agenda of, oldest first.
    pub meetings: Vec<super::meetings::MeetingRefDto>,
    /// Files attached to the application (the charter, minutes extracts), oldest first; removed ones flagged.
    pub attachments: Vec<crate::attachments::dto::AttachmentDto>,
    pub version: i64,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ApplicationQuery {
    /// `{cluster}-{year}`.
    #[param(pattern = "^[a-z](-?[a-z0-9])*-(20[0-9][0-9]|2100)$", max_length = 45)]
    pub pool: Option<String>,
    /// `draft`, `submitted`, `recommended`, `reserved`, `approved`, `rejected` or `withdrawn`.
    #[param(value_type = Option<ApplicationStateParam>, inline)]
    pub status: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// The states an application can be listed by (documentation of `?status=`).
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ApplicationStateParam {
    Draft,
    Submitted,
    Recommended,
    Reserved,
    Approved,
    Rejected,
    Withdrawn,
}

const STATES: [&str; 7] = ["draft", "submitted", "recommended", "reserved", "approved", "rejected", "withdrawn"];

/// Lists applications, oldest first.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "applications", params(ApplicationQuery), security(("api_key" = [])),
    responses((status = 200, description = "A page of applications", body = Page<ApplicationDto>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
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
            // Steps and grants of the whole page in two queries, not two per application.
            let ids: Vec<i64> = apps.iter().map(|a| a.id).collect();
            let mut steps: std::collections::HashMap<i64, Vec<crate::db::steps::StepRow>> = std::collections::HashMap::new();
            for step in crate::db::steps::of_many(c, &ids)? {
                steps.entry(step.application_id).or_default().push(step);
            }
            let grant_ids: std::collections::HashMap<i64, i64> = grants::ids_by_application(c, &ids)?.into_iter().collect();
            let mut meetings = super::meetings::meeting_refs(c, &ids)?;
            for app in apps {
                let mine = steps.remove(&app.id).unwrap_or_default();
                let grant_id = grant_ids.get(&app.id).copied();
                let on = meetings.remove(&app.id).unwrap_or_default();
                let mut dto = to_dto(app, mine, grant_id, on);
                dto.attachments = crate::attachments::dto::listed(c, crate::domain::attachment::Parent::Application(dto.id))?;
                out.push(dto);
            }
            Ok::<_, ApiError>(out)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(items, limit, |a| a.id.to_string())))
}

/// The pool of an application, checked against the caller's clusters: what
/// writes lock and scoped keys are checked on.
pub(crate) async fn pool_of(state: &AppState, caller: &Caller, id: i64) -> Result<PoolKey, ApiError> {
    let pool = match state.pools_of.get(id) {
        Some(pool) => pool,
        None => {
            let pool = state.db.read(move |c| store::pool_of(c, id).map_err(ApiError::from)).await?;
            let pool = pool.ok_or_else(|| ApiError::NotFound(format!("no application {id}")))?;
            state.pools_of.keep(id, &pool);
            pool
        }
    };
    caller.require_cluster(pool.cluster.as_str())?;
    Ok(pool)
}

/// One application with its charter, state and every step taken.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "applications", params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The application with its steps; its `ETag` goes in `If-Match` to change it", body = ApplicationDto, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/applications/{id}")]
pub async fn get_application(state: web::Data<AppState>, caller: Caller, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    pool_of(&state, &caller, id).await?;
    let dto = state.db.read(move |c| load_dto(c, id)).await?;
    Ok(application_response(dto, StatusCode::OK))
}
