//! Reports. `model-simulation` replays a pool's year under another
//! allocation model, for the strategic level's evaluation of its model.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::applications::http::BucketDto;
use crate::db::applications::{self, ApplicationFilter};
use crate::db::pools;
use crate::domain::simulation::{Ask, simulate};
use crate::domain::workflow::ApplicationState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::fields::{pool_key, pool_not_found as not_found};
use crate::http::{AppState, json};
use crate::pools::policy::AllocationModelDto;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulationRequest {
    /// `{cluster}-{year}`, e.g. `vest-2022`.
    #[schema(example = "vest-2022")]
    pub pool: String,
    /// The model to replay the year under.
    pub allocation_model: AllocationModelDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimulatedApplication {
    pub id: i64,
    pub title: String,
    pub bucket: BucketDto,
    /// What was granted (or reserved) in reality.
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: String,
    /// Whether the simulated bucket could have paid it.
    pub funded: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BucketRanOut {
    pub bucket: BucketDto,
    /// The first application the bucket could not have paid.
    pub application_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BucketLeft {
    pub bucket: BucketDto,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimulationResult {
    pub pool: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub total: String,
    pub allocation_model: AllocationModelDto,
    /// The approved (and reserved) applications in the order they were submitted.
    pub applications: Vec<SimulatedApplication>,
    pub ran_out: Vec<BucketRanOut>,
    /// What would have been left to carry over.
    pub left: Vec<BucketLeft>,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub funded: String,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub unfunded: String,
}

/// Replays a pool's year under another allocation model (e.g. "what if Vest
/// had used 70/30 in 2022?"): its approved applications in the order they
/// were submitted, with the amounts decided. Writes nothing.
#[utoipa::path(operation_id = "simulate_model", tag = "reports", extensions(("x-permission" = json!("read"))), request_body = SimulationRequest, security(("api_key" = [])),
    responses((status = 200, description = "The pool's year replayed under the other model; nothing was written", body = SimulationResult), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[post("/reports/model-simulation")]
pub async fn model_simulation(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let dto: SimulationRequest = json::parse(&req, &body)?;
    let key = pool_key(&caller, &dto.pool).map_err(|e| match e {
        ApiError::NotFound(m) => ApiError::field("pool", m),
        other => other,
    })?;
    let mut errors = Vec::new();
    let Some(model) = dto.allocation_model.parse("allocation_model", &mut errors) else {
        return Err(ApiError::Validation(errors));
    };
    let (total, mut apps) = state
        .db
        .read(move |c| {
            let pool = pools::find(c, &key)?.ok_or_else(|| not_found(&key))?;
            let filter = ApplicationFilter { pool: Some(key.clone()), ..ApplicationFilter::default() };
            Ok::<_, ApiError>((pool.pool.amount, applications::list(c, &crate::domain::access::ClusterScope::All, &filter, 100_000)?))
        })
        .await?;
    apps.retain(|a| matches!(a.state, ApplicationState::Approved { .. } | ApplicationState::Reserved { .. }));
    apps.sort_by_key(|a| (a.submitted_at, a.id));
    let asks: Vec<Ask> = apps
        .iter()
        .map(|a| Ask {
            id: a.id,
            origin: a.charter.origin,
            amount: match a.state {
                ApplicationState::Approved { amount } | ApplicationState::Reserved { amount, .. } => amount,
                _ => a.charter.requested,
            },
        })
        .collect();
    let sim = simulate(total, model, &asks);
    let title = |id: i64| apps.iter().find(|a| a.id == id).map(|a| a.charter.title.clone()).unwrap_or_default();
    Ok(HttpResponse::Ok().json(SimulationResult {
        pool: dto.pool.clone(),
        total: total.to_string(),
        allocation_model: model.into(),
        applications: sim
            .applications
            .iter()
            .map(|r| SimulatedApplication {
                id: r.id,
                title: title(r.id),
                bucket: r.bucket.into(),
                amount: r.amount.to_string(),
                funded: r.funded,
            })
            .collect(),
        ran_out: sim.ran_out.iter().map(|(b, id)| BucketRanOut { bucket: (*b).into(), application_id: *id }).collect(),
        left: sim.left.iter().map(|(b, m)| BucketLeft { bucket: (*b).into(), amount: m.to_string() }).collect(),
        funded: sim.funded.to_string(),
        unfunded: sim.unfunded.to_string(),
    }))
}
