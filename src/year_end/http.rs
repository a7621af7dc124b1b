//! Carry-over at year end: the strategic level proposes, the political level
//! signs off (in a meeting or by e-mail link), and only then does money move.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::applications::decisions::{LevelDto, OutcomeDto};
use crate::applications::http::BucketDto;
use crate::approvals::http::{ApprovalRequestDto, request_dto};
use crate::db::AnyConnection;
use crate::db::carry_overs::{self as store, CarryOverRow};
use crate::db::pools::{self, Actor};
use crate::domain::access::Action;
use crate::domain::carry_over::{CarryOverError, Proposal};
use crate::domain::values::{Name, PoolKey, Year};
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::fields::{money, pool_key, pool_not_found as not_found};
use crate::http::{AppState, json, now, utc};
use crate::pools::policy::AllocationModelDto;
use crate::year_end::service::{self as service, Answer, CarryOverFailure, Proposed, Recommendation};

impl From<CarryOverFailure> for ApiError {
    fn from(e: CarryOverFailure) -> Self {
        match e {
            CarryOverFailure::Rule(r) => r.into(),
            CarryOverFailure::AlreadyOpen(_) => {
                ApiError::Conflict { kind: crate::http::error::ConflictKind::CarryOverOpen, detail: e.to_string() }
            }
            CarryOverFailure::Changed => {
                ApiError::Conflict { kind: crate::http::error::ConflictKind::ConcurrentChange, detail: e.to_string() }
            }
            CarryOverFailure::Store(s) => ApiError::Store(s),
        }
    }
}

impl From<CarryOverError> for ApiError {
    fn from(e: CarryOverError) -> Self {
        match e {
            CarryOverError::ZeroAmount => ApiError::field("amount", e),
            CarryOverError::NotLater { .. } => ApiError::field("to_year", e),
            CarryOverError::NoSuchBucket { .. } => ApiError::field("bucket", e),
            CarryOverError::SourceNotClosed { .. } | CarryOverError::TargetClosed { .. } => {
                ApiError::Conflict { kind: crate::http::error::ConflictKind::PoolState, detail: e.to_string() }
            }
            CarryOverError::NothingLeft | CarryOverError::MoreThanAvailable { .. } => {
                ApiError::Conflict { kind: crate::http::error::ConflictKind::CarryOverAmount, detail: e.to_string() }
            }
            CarryOverError::NotProposed { .. } => {
                ApiError::Conflict { kind: crate::http::error::ConflictKind::CarryOverState, detail: e.to_string() }
            }
        }
    }
}

/// The strategic level's proposal to carry what is left over.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarryOverRequest {
    /// Default: the year after the pool's.
    #[schema(example = 2023)]
    pub to_year: Option<i64>,
    /// Default: everything available. A lower amount leaves the rest available.
    #[schema(example = "871553.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: Option<String>,
    /// The target pool's bucket. Default: `ad_hoc` in a split pool, the single bucket otherwise.
    pub bucket: Option<BucketDto>,
    /// Where the strategic level's recommendation is minuted.
    #[schema(example = "Referat 15.12.2022, pkt. 3")]
    pub recommendation_reference: String,
    #[schema(example = "2022-12-15")]
    pub recommendation_date: Option<NaiveDate>,
    /// The model of the target pool if the carry-over has to create it. Default: the source pool's.
    pub target_allocation_model: Option<AllocationModelDto>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeldPartDto {
    pub bucket: BucketDto,
    #[schema(example = "871553.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: String,
}

/// How the political level answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarryOverDecisionDto {
    /// `meeting` or `email`.
    pub channel: String,
    pub meeting_date: Option<NaiveDate>,
    pub reference: String,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

/// A carry-over (overførsel) of what is left of a pool to a later year.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarryOverDto {
    pub id: i64,
    /// The source pool.
    #[schema(example = "vest-2022")]
    pub pool: String,
    #[schema(example = 2023)]
    pub to_year: i32,
    /// `vest-2023`; the pool is created on approval if it does not exist.
    #[schema(example = "vest-2023")]
    pub target_pool: String,
    pub bucket: BucketDto,
    #[schema(example = "871553.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: String,
    /// `proposed` (held on the source pool, awaiting political sign-off; or, proposed before year end,
    /// awaiting the closing), `approved` (signed off before year end: executes when the pool closes),
    /// `executed` or `rejected`.
    #[schema(example = "proposed")]
    pub state: String,
    /// Proposed before year end: until the pool closes, `amount` is what is available now (at most
    /// the amount asked); at closing it is fixed to what is left then (at most the amount asked).
    pub at_closing: bool,
    /// Where the held amount was taken from on the source pool.
    pub held_from: Vec<HeldPartDto>,
    pub recommendation_reference: String,
    pub recommendation_date: Option<NaiveDate>,
    pub note: String,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub decision: Option<CarryOverDecisionDto>,
    pub version: i64,
}

fn carry_over_dto(c: &mut AnyConnection, row: CarryOverRow, source: &PoolKey) -> Result<CarryOverDto, ApiError> {
    let held_from = store::held(c, row.id)?.into_iter().map(|(b, m)| HeldPartDto { bucket: b.into(), amount: m.to_string() }).collect();
    let decision = match (&row.decision_channel, &row.decided_by, row.decided_at) {
        (Some(channel), Some(by), Some(at)) => Some(CarryOverDecisionDto {
            channel: channel.clone(),
            meeting_date: row.meeting_date,
            reference: row.decision_reference.clone(),
            decided_by: by.clone(),
            decided_at: utc(at),
        }),
        _ => None,
    };
    Ok(CarryOverDto {
        id: row.id,
        pool: source.to_string(),
        to_year: row.to_year,
        target_pool: format!("{}-{}", source.cluster, row.to_year),
        bucket: row.bucket()?.into(),
        amount: row.amount()?.to_string(),
        state: if row.approved_before_closing && row.state == "proposed" { "approved".to_owned() } else { row.state.clone() },
        at_closing: row.at_closing,
        held_from,
        recommendation_reference: row.recommendation_reference,
        recommendation_date: row.recommendation_date,
        note: row.note,
        proposed_by: row.proposed_by,
        proposed_at: utc(row.proposed_at),
        decision,
        version: row.version,
    })
}

/// Proposes carrying what is left of a closed pool to a later year. The
/// amount is held on the pool (shown as `pending`, and as
/// `carried_in_pending` on the target) until the political level decides.
/// The same proposal again (same reference, and amount and bucket if given)
/// answers 200 with the open carry-over and writes nothing; another proposal
/// for that year is a 409 while one is open.
#[utoipa::path(operation_id = "propose_carry_over", extensions(("x-permission" = json!("record_decisions"))),
    tag = "year end", params(("pool" = String, Path)), request_body = CarryOverRequest, security(("api_key" = [])),
    responses((status = 201, description = "The carry-over, proposed: what is left is held until the political level decides", body = CarryOverDto, headers(("Location" = String))),
        (status = 200, body = CarryOverDto, description = "The same proposal again: the open carry-over, nothing written"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Pool not closed, target pool closed, nothing (or not that much) available, or a carry-over to that year already open"),
        (status = 422, body = Problem)))]
#[post("/pools/{pool}/carry-overs")]
pub async fn propose(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let key = pool_key(&caller, &path)?;
    let dto: CarryOverRequest = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let amount = dto.amount.as_deref().and_then(|a| money("amount", a, &mut errors));
    let to_year = match dto.to_year {
        None => Year::new(i64::from(key.year.get()) + 1).map_err(|_| "the year after the pool's is past 2100".to_owned()),
        Some(y) => Year::new(y).map_err(|e| e.to_string()),
    }
    .map_err(|e| errors.push(FieldError::new("to_year", e)))
    .ok();
    let reference = Name::parse(&dto.recommendation_reference, 500)
        .map_err(|e| errors.push(FieldError::new("recommendation_reference", e)))
        .map(Name::into_string)
        .unwrap_or_default();
    let note = crate::http::fields::note(dto.note.as_deref(), &mut errors);
    let target_model = dto.target_allocation_model.as_ref().and_then(|m| m.parse("target_allocation_model", &mut errors));
    let (Some(to_year), true) = (to_year, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let proposal = Proposal { amount, to_year, bucket: dto.bucket.map(Into::into) };
    let at = now();
    let lock = key.clone();
    let out = state
        .db
        .write_in_pool(&lock, move |c| {
            let source = pools::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            let actor = caller.actor();
            let actor = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            let why = Recommendation { reference: &reference, date: dto.recommendation_date, note: &note, target_model };
            let (row, status) = match service::propose(c, &source, &proposal, &why, actor)? {
                Proposed::New(row) => (row, StatusCode::CREATED),
                Proposed::Again(row) => (row, StatusCode::OK),
            };
            Ok::<_, ApiError>((carry_over_dto(c, row, &source.pool.key)?, status))
        })
        .await?;
    let (out, status) = out;
    Ok(HttpResponse::build(status).insert_header((header::LOCATION, format!("/api/v1/carry-overs/{}", out.id))).json(out))
}

/// A pool's carry-overs, oldest first.
#[utoipa::path(operation_id = "list_carry_overs", extensions(("x-permission" = json!("read"))),
    tag = "year end", params(("pool" = String, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The pool's carry-overs", body = Vec<CarryOverDto>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/pools/{pool}/carry-overs")]
pub async fn list(state: web::Data<AppState>, caller: Caller, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Read)?;
    let key = pool_key(&caller, &path)?;
    let out = state
        .db
        .read(move |c| {
            let source = pools::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            store::of_pool(c, source.id)?.into_iter().map(|row| carry_over_dto(c, row, &key)).collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// The source pool of a carry-over, checked against the caller's clusters.
async fn source_of(state: &AppState, caller: &Caller, id: i64) -> Result<PoolKey, ApiError> {
    let key = state.db.read(move |c| store::source_key(c, id).map_err(ApiError::from)).await?;
    let key = key.ok_or_else(|| ApiError::NotFound(format!("no carry-over {id}")))?;
    caller.require_cluster(key.cluster.as_str())?;
    Ok(key)
}

fn find(c: &mut AnyConnection, id: i64) -> Result<CarryOverRow, ApiError> {
    store::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no carry-over {id}")))
}

/// One carry-over.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "year end", params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The carry-over", body = CarryOverDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/carry-overs/{id}")]
pub async fn get_carry_over(state: web::Data<AppState>, caller: Caller, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Read)?;
    let id = path.into_inner();
    let key = source_of(&state, &caller, id).await?;
    let out = state.db.read(move |c| find(c, id).and_then(|row| carry_over_dto(c, row, &key))).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// The political level's decision on a carry-over, taken in a meeting.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarryOverDecisionRequest {
    /// Always `political`: a carry-over needs the political level.
    pub level: LevelDto,
    pub outcome: OutcomeDto,
    #[schema(example = "2023-01-26")]
    pub meeting_date: NaiveDate,
    #[schema(example = "Referat 26.01.2023, pkt. 5")]
    pub reference: String,
}

/// Records the political level's decision. Approval moves the held money to
/// the target pool (created as a draft with the source's policy if it does
/// not exist); rejection makes it available on the source pool again.
/// Deciding twice is refused (409), so the money moves once.
#[utoipa::path(operation_id = "decide_carry_over", extensions(("x-permission" = json!("record_decisions"))),
    tag = "year end", params(("id" = i64, Path)), request_body = CarryOverDecisionRequest, security(("api_key" = [])),
    responses((status = 200, description = "The carry-over as decided (executed or rejected)", body = CarryOverDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Already decided, or the target pool is closed"), (status = 422, body = Problem)))]
#[post("/carry-overs/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let id = path.into_inner();
    let key = source_of(&state, &caller, id).await?;
    let dto: CarryOverDecisionRequest = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    if dto.level != LevelDto::Political {
        errors.push(FieldError::new("level", "a carry-over is decided by the political level; use 'political'"));
    }
    let reference = crate::http::fields::reference(&dto.reference, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let approve = matches!(dto.outcome, OutcomeDto::Approved);
    let at = now();
    let lock = key.clone();
    let secretariat = state.links.secretariat_email.clone();
    let out = state
        .db
        .write_in_pool(&lock, move |c| {
            let row = find(c, id)?;
            let actor = caller.actor();
            let actor = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            let answer = Answer { approve, channel: "meeting", meeting_date: Some(dto.meeting_date), reference: &reference };
            let saved = service::conclude(c, &row, &answer, actor)?;
            let how = format!("på mødet {} ({reference})", dto.meeting_date.format("%-d.%-m.%Y"));
            crate::mail::tell::carry_over_decided(c, &saved, &how, &secretariat, at)?;
            carry_over_dto(c, saved, &key)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Asks the political level to sign off by e-mail link (the pool's policy
/// must have the political level approve by e-mail). Every political
/// approver gets a personal link; all must approve, one rejection ends it.
#[utoipa::path(operation_id = "request_carry_over_approval", extensions(("x-permission" = json!("record_decisions"))),
    tag = "year end", params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 201, description = "The approval request; each political approver is mailed a link", body = ApprovalRequestDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not by e-mail in this pool, no political approvers, already decided, or a request already open")))]
#[post("/carry-overs/{id}/approval-requests")]
pub async fn request_approval(state: web::Data<AppState>, caller: Caller, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let id = path.into_inner();
    let key = source_of(&state, &caller, id).await?;
    let settings = state.links.clone();
    let at = now();
    let lock = key.clone();
    let out = state
        .db
        .write_in_pool(&lock, move |c| {
            let row = find(c, id)?;
            let source = pools::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            let actor = caller.actor();
            let actor = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            let request = crate::approvals::service::open_carry_over_request(c, &row, &source, actor, &settings)?;
            request_dto(c, request)
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(out))
}
