//! Sharing an amount out to clusters by a key (population), exactly to the
//! øre, and optionally creating the year's pools from it.

use actix_web::{HttpRequest, HttpResponse, post, web};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::pools::Actor;
use crate::db::population;
use crate::domain::access::Action;
use crate::domain::money::Money;
use crate::domain::money::allocate;
use crate::domain::pool::ApprovalPolicy;
use crate::domain::values::{Slug, Year};
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::fields::money;
use crate::http::{AppState, json, now};
use crate::pools::policy::{AllocationModelDto, ApprovalPolicyDto};
use crate::pools::service::Part;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistributionKey {
    /// In proportion to the clusters' populations.
    Population,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterPopulation {
    #[schema(example = "vest")]
    pub cluster: String,
    #[schema(example = 63670)]
    pub population: i64,
}

/// Pools to create from the parts, one per cluster.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePools {
    pub allocation_model: AllocationModelDto,
    pub approval_policy: Option<ApprovalPolicyDto>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DistributionRequest {
    #[schema(example = 2022)]
    pub year: i64,
    #[schema(example = "80000000.00", pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: String,
    pub key: DistributionKey,
    /// The population of each cluster that shares the amount. Left out (or
    /// empty): the population counts stored for `year`
    /// (`PUT /api/v1/clusters/{cluster}/population-counts/{year}`), per cluster.
    #[serde(default)]
    pub populations: Vec<ClusterPopulation>,
    /// Create each cluster's pool for `year` (as a draft) with its part.
    pub create_pools: Option<CreatePools>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistributionPart {
    pub cluster: String,
    pub population: i64,
    /// The cluster's share of the population, rounded to six decimals (for reading; the amount is exact).
    #[schema(example = "0.010935")]
    pub share: String,
    #[schema(example = "874773.71", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: String,
    /// The pool created from this part, if asked for.
    pub pool: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Distribution {
    pub year: i32,
    #[schema(pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub amount: String,
    pub key: DistributionKey,
    pub total_population: i64,
    /// Parts in the order given; they sum exactly to `amount`.
    pub parts: Vec<DistributionPart>,
}

/// `part` of `total` to six decimals, halves rounded up: `"0.281854"`.
fn share_text(part: i64, total: i64) -> String {
    let mut share = Decimal::from(part)
        .checked_div(Decimal::from(total.max(1)))
        .unwrap_or_default()
        .round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero);
    share.rescale(6);
    share.to_string()
}

/// Shares `amount` out to the clusters by population, largest remainder
/// first, so the parts sum to the amount to the øre. With `create_pools`,
/// each cluster's pool for the year is created (all or none).
#[utoipa::path(operation_id = "create_distribution", tag = "pools", extensions(("x-permission" = json!("manage_pools"))), request_body = DistributionRequest, security(("api_key" = [])),
    responses((status = 200, description = "The parts, which sum exactly to the amount (and the pools, when created)", body = Distribution), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "A cluster already has a pool for the year"), (status = 422, body = Problem)))]
#[post("/distributions")]
pub async fn distribute(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManagePools)?;
    let dto: DistributionRequest = json::parse(&req, &body)?;
    let mut errors = Vec::new();
    let year = Year::new(dto.year).map_err(|e| errors.push(FieldError::new("year", e))).ok();
    let amount = money("amount", &dto.amount, &mut errors);
    if amount.is_some_and(Money::is_zero) {
        errors.push(FieldError::new("amount", "must be more than 0.00: there is nothing to share out"));
    }
    let mut dto = dto;
    if let (true, Some(y)) = (dto.populations.is_empty(), year) {
        let stored = state.db.read(move |c| population::cluster_totals(c, y.get())).await?;
        dto.populations = stored.into_iter().map(|(cluster, population)| ClusterPopulation { cluster, population }).collect();
    }
    if dto.populations.is_empty() {
        errors
            .push(FieldError::new("populations", "name at least one cluster and its population, or upload population counts for the year"));
    }
    let mut slugs = Vec::new();
    for (i, p) in dto.populations.iter().enumerate() {
        match Slug::parse(&p.cluster) {
            Ok(s) if slugs.contains(&s) => errors.push(FieldError::new(format!("populations[{i}].cluster"), "appears twice")),
            Ok(s) => slugs.push(s),
            Err(e) => errors.push(FieldError::new(format!("populations[{i}].cluster"), e)),
        }
        if !(1..=100_000_000).contains(&p.population) {
            errors.push(FieldError::new(format!("populations[{i}].population"), "must be a whole number from 1 to 100000000"));
        }
    }
    let model = dto.create_pools.as_ref().map(|c| c.allocation_model.parse("create_pools.allocation_model", &mut errors));
    let policy =
        dto.create_pools.as_ref().map(|c| c.approval_policy.as_ref().map_or(Some(ApprovalPolicy::default()), |p| p.parse(&mut errors)));
    let (Some(year), Some(amount), true) = (year, amount, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    for slug in &slugs {
        caller.require_cluster(slug.as_str())?;
    }
    let weights: Vec<u64> = dto.populations.iter().map(|p| p.population.unsigned_abs()).collect();
    let parts = allocate(amount, &weights);
    let total: i64 = dto.populations.iter().map(|p| p.population).sum();
    let creating = model.flatten().zip(policy.flatten());
    let at = now();
    let shares: Vec<Part> = slugs
        .iter()
        .zip(&parts)
        .map(|(slug, amount)| Part {
            cluster: slug.clone(),
            population: dto.populations.iter().find(|p| p.cluster == slug.as_str()).map_or(0, |p| p.population),
            amount: *amount,
        })
        .collect();
    let created = state
        .db
        .write(move |c| {
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            Ok::<_, ApiError>(crate::pools::service::distribute(c, year, amount, &shares, creating.clone(), who)?)
        })
        .await?;
    let out = Distribution {
        year: year.get(),
        amount: amount.to_string(),
        key: dto.key,
        total_population: total,
        parts: dto
            .populations
            .iter()
            .zip(&parts)
            .map(|(p, part)| DistributionPart {
                cluster: p.cluster.clone(),
                population: p.population,
                share: share_text(p.population, total),
                amount: part.to_string(),
                pool: created.iter().find(|k| **k == format!("{}-{}", p.cluster, year)).cloned(),
            })
            .collect(),
    };
    Ok(HttpResponse::Ok().json(out))
}

#[cfg(test)]
mod tests {
    use super::share_text;

    #[test]
    fn a_share_is_printed_to_six_decimals_halves_up() {
        assert_eq!(share_text(63_670, 225_897), "0.281854");
        assert_eq!(share_text(1, 8), "0.125000");
        assert_eq!(share_text(1, 2_000_000), "0.000001", "half of a millionth rounds up");
        assert_eq!(share_text(1, 3), "0.333333");
        assert_eq!(share_text(2, 3), "0.666667");
        assert_eq!(share_text(5, 5), "1.000000");
        assert_eq!(share_text(100_000_000, 100_000_001), "1.000000");
    }
}
