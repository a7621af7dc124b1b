//! Where a pool's application money is: by target population, by applying
//! party, and by the sector combination of each project. Every breakdown sums
//! to the pool's committed, pending, disbursed and released figures.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{AnyConnection, charter_rows, ledger, reference};
use crate::domain::breakdown::{Use, by_key};
use crate::domain::eligibility::{Sector, combination_key, sectors_of};
use crate::http::error::ApiError;

/// What applications hold, for one key of a breakdown.
#[derive(Debug, Serialize, ToSchema)]
pub struct UseDto {
    #[schema(example = "140000.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub committed: String,
    #[schema(example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub pending: String,
    #[schema(example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub disbursed: String,
    #[schema(example = "0.00", pattern = r"^[0-9]{1,12}\.[0-9]{2}$")]
    pub released: String,
}

impl From<Use> for UseDto {
    fn from(u: Use) -> Self {
        UseDto {
            committed: u.committed.to_string(),
            pending: u.pending.to_string(),
            disbursed: u.disbursed.to_string(),
            released: u.released.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetPopulationUse {
    #[schema(example = "vulnerable_elderly")]
    pub code: String,
    #[schema(example = "De sårbare ældre")]
    pub name_da: String,
    #[serde(flatten)]
    pub money: UseDto,
}

/// The money of the projects whose applicant and partners span these sectors.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectorUse {
    /// The sectors joined by `+`, in a fixed order, e.g. `municipality+general_practice` (`none`: no party of a sector).
    #[schema(example = "municipality+general_practice")]
    pub combination: String,
    /// `municipality`, `region` (region, hospital or psychiatry) and `general_practice`.
    #[schema(example = json!(["municipality", "general_practice"]))]
    pub sectors: Vec<String>,
    /// How many projects hold money under this combination.
    pub projects: usize,
    #[serde(flatten)]
    pub money: UseDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartyUse {
    #[schema(example = "thisted-kommune")]
    pub party: String,
    #[schema(example = "Thisted Kommune")]
    pub name: String,
    #[serde(flatten)]
    pub money: UseDto,
}

/// The breakdowns of a pool's application money.
pub struct Breakdowns {
    pub by_target_population: Vec<TargetPopulationUse>,
    pub by_party: Vec<PartyUse>,
    pub by_sector: Vec<SectorUse>,
}

/// The breakdowns of a pool's application money.
pub fn breakdowns(conn: &mut AnyConnection, pool_id: i64, cluster_id: i64) -> Result<Breakdowns, ApiError> {
    let money: std::collections::HashMap<i64, _> = ledger::use_by_application(conn, pool_id)?.into_iter().collect();
    let keys = charter_rows::keys_in_pool(conn, pool_id)?;
    let mut kinds = charter_rows::kinds_in_pool(conn, pool_id)?;
    let mut by_population = Vec::new();
    let mut by_party = Vec::new();
    let mut by_sector: Vec<(Vec<Vec<Sector>>, Use)> = Vec::new();
    for (id, party, populations) in keys {
        if let Some(u) = money.get(&id) {
            by_population.push((populations, *u));
            by_party.push((vec![party], *u));
            by_sector.push((vec![sectors_of(&kinds.remove(&id).unwrap_or_default())], *u));
        }
    }
    let projects = |sectors: &Vec<Sector>| by_sector.iter().filter(|(k, u)| k[0] == *sectors && !u.is_zero()).count();
    let mut sectors: Vec<SectorUse> = by_key(&by_sector)
        .into_iter()
        .filter(|(_, u)| !u.is_zero())
        .map(|(s, u)| SectorUse {
            combination: combination_key(&s),
            sectors: s.iter().map(|x| x.as_str().to_owned()).collect(),
            projects: projects(&s),
            money: u.into(),
        })
        .collect();
    sectors.sort_by(|a, b| a.combination.cmp(&b.combination));
    let population_sums = by_key(&by_population);
    let catalogue = reference::target_populations(conn)?;
    let populations = catalogue
        .into_iter()
        .map(|t| {
            let u = population_sums.iter().find(|(code, _)| *code == t.code).map(|(_, u)| *u).unwrap_or_default();
            TargetPopulationUse { code: t.code, name_da: t.name_da, money: u.into() }
        })
        .collect();
    let names = reference::parties_of(conn, cluster_id, None)?;
    let parties = by_key(&by_party)
        .into_iter()
        .filter(|(_, u)| !u.is_zero())
        .map(|(slug, u)| {
            let name = names.iter().find(|p| p.slug == slug).map(|p| p.name.clone()).unwrap_or_else(|| slug.clone());
            PartyUse { party: slug, name, money: u.into() }
        })
        .collect();
    Ok(Breakdowns { by_target_population: populations, by_party: parties, by_sector: sectors })
}
