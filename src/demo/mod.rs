//! The North Jutland demo: four clusters with their municipalities, the
//! region and general practice, and their 2022 pools. Vest's 871,553.00 is
//! from the minutes; the others use the same amount per inhabitant and are
//! marked illustrative. No people, only institutions.

use chrono::NaiveDateTime;

pub mod generate;
mod meetings;
mod projects;

use crate::admin::service::keys::{self, KeyError};
use crate::db::pools::Actor;
use crate::db::{AnyConnection, Db, StoreError, clusters, reference};
use crate::domain::allocation::AllocationModel;
use crate::domain::eligibility::{Criterion, CriterionAnswer, CriterionKind};
use crate::domain::money::Money;
use crate::domain::pool::{ApprovalPolicy, NewPool, Pool};
use crate::domain::share::Share;
use crate::domain::values::{PoolKey, Slug, Year};

struct DemoCluster {
    slug: &'static str,
    name: &'static str,
    /// (slug, name, population 1 Jan 2020)
    municipalities: &'static [(&'static str, &'static str, u64)],
    model: &'static str,
}

const CLUSTERS: [DemoCluster; 4] = [
    DemoCluster {
        slug: "nord",
        name: "Sundhedsklynge Nord",
        municipalities: &[
            ("hjorring-kommune", "Hjørring Kommune", 64_483),
            ("frederikshavn-kommune", "Frederikshavn Kommune", 59_654),
            ("bronderslev-kommune", "Brønderslev Kommune", 36_304),
            ("laeso-kommune", "Læsø Kommune", 1_786),
        ],
        model: "upfront",
    },
    DemoCluster {
        slug: "midt",
        name: "Sundhedsklynge Midt",
        municipalities: &[("aalborg-kommune", "Aalborg Kommune", 217_075), ("jammerbugt-kommune", "Jammerbugt Kommune", 38_324)],
        model: "split",
    },
    DemoCluster {
        slug: "syd",
        name: "Sundhedsklynge Syd",
        municipalities: &[
            ("vesthimmerlands-kommune", "Vesthimmerlands Kommune", 36_727),
            ("rebild-kommune", "Rebild Kommune", 30_113),
            ("mariagerfjord-kommune", "Mariagerfjord Kommune", 41_800),
        ],
        model: "split",
    },
    DemoCluster {
        slug: "vest",
        name: "Sundhedsklynge Vest",
        municipalities: &[("thisted-kommune", "Thisted Kommune", 43_423), ("morso-kommune", "Morsø Kommune", 20_247)],
        model: "rolling",
    },
];

/// Vest's 2022 funds (minutes, item 4) and its population.
const VEST_2022_ORE: i64 = 87_155_300;
const VEST_POPULATION: u64 = 63_670;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("demo data is inconsistent: {0}")]
    Data(String),
}

impl From<diesel::result::Error> for DemoError {
    fn from(e: diesel::result::Error) -> Self {
        DemoError::Store(e.into())
    }
}

impl crate::db::TxError for DemoError {
    fn is_retryable(&self) -> bool {
        matches!(self, DemoError::Store(e) if e.is_serialization_failure())
    }
}

/// The same DKK per inhabitant as Vest got, rounded half up to the øre.
fn per_capita(population: u64) -> Option<Money> {
    let ore = (u128::from(population) * VEST_2022_ORE as u128 * 2 + u128::from(VEST_POPULATION)) / (2 * u128::from(VEST_POPULATION));
    Money::from_ore(i64::try_from(ore).ok()?)
}

/// Loads the demo when the database has no clusters. Returns a new admin
/// key when it did, `None` when data was already there.
pub fn load_if_empty(db: &Db, now: NaiveDateTime) -> Result<Option<String>, DemoError> {
    db.write_sync(|conn| {
        if clusters::count(conn)? > 0 {
            return Ok(None);
        }
        for cluster in &CLUSTERS {
            load_cluster(conn, cluster, now)?;
        }
        vest_2023(conn, now)?;
        projects::load(conn, now)?;
        vest_approvers(conn, now)?;
        meetings::vest_2022(conn, now)?;
        meetings::upcoming(conn, now)?;
        Ok(Some(keys::issue(conn, "admin", &[], "Demo administrator", None, now)?))
    })
}

fn load_cluster(conn: &mut AnyConnection, demo: &DemoCluster, now: NaiveDateTime) -> Result<(), DemoError> {
    let row = clusters::insert(conn, demo.slug, demo.name, "Region Nordjylland", now)?;
    for (slug, name, _) in demo.municipalities {
        reference::insert_party(conn, row.id, slug, name, "municipality", now)?;
    }
    reference::insert_party(conn, row.id, "region-nordjylland", "Region Nordjylland", "region", now)?;
    reference::insert_party(conn, row.id, "almen-praksis", "Almen praksis (PLO-Nordjylland)", "general_practice", now)?;
    reference::insert_party(conn, row.id, "psykiatrien", "Psykiatrien i Region Nordjylland", "psychiatry", now)?;

    let population: u64 = demo.municipalities.iter().map(|(_, _, p)| p).sum();
    let bad = |what: &str| DemoError::Data(format!("{}: {what}", demo.slug));
    let (amount, note) = if demo.slug == "vest" {
        let amount = Money::from_ore(VEST_2022_ORE).ok_or_else(|| bad("amount"))?;
        (
            amount,
            "Klyngemidler 2022 jf. referat fra klyngestyregruppen, pkt. 4. Ingen tildelingsmodel besluttet, dvs. løbende tildeling."
                .to_owned(),
        )
    } else {
        let amount = per_capita(population).ok_or_else(|| bad("amount"))?;
        (
            amount,
            format!("Illustrativt beløb: samme beløb pr. indbygger som Vest (871.553 kr. / 63.670 indbyggere) × {population} indbyggere."),
        )
    };
    let model = match demo.model {
        "upfront" => AllocationModel::Upfront,
        "split" => AllocationModel::Split { upfront_share: Share::parse("0.70").map_err(|_| bad("share"))? },
        _ => AllocationModel::Rolling,
    };
    let key = PoolKey { cluster: Slug::parse(demo.slug).map_err(|_| bad("slug"))?, year: Year::new(2022).map_err(|_| bad("year"))? };
    // Syd has delegated small projects to its operations forum (illustrative).
    let policy = if demo.slug == "syd" {
        ApprovalPolicy { operations_forum_limit: Money::from_ore(5_000_000), ..ApprovalPolicy::default() }
    } else {
        ApprovalPolicy::default()
    };
    let (pool, funding) = Pool::create(NewPool { key, amount, model, policy, note, criteria: demo_criteria() });
    let actor = Actor { name: "demo", request_id: None, at: now };
    let stored = crate::pools::service::create(conn, row.id, &pool, &funding, actor)?;
    let opened = pool.open().map_err(|e| bad(&e.to_string()))?;
    crate::pools::service::change(conn, &stored, &opened, None, "pool.opened", actor)?;
    Ok(())
}

/// The criteria the strategic level set for every demo pool (illustrative, after `001_…`, item 4.1).
fn demo_criteria() -> Vec<Criterion> {
    let yes_no = |code: &str, text: &str| Criterion {
        code: code.into(),
        text_da: text.into(),
        kind: CriterionKind::YesNo,
        options: Vec::new(),
        required: true,
    };
    vec![
        yes_no("K1", "Projektet er et udviklingsprojekt, ikke drift eller sekretariatsbetjening"),
        yes_no("K2", "Projektet gælder fælles patienter, hvis forløb går på tværs af sektorer"),
        Criterion {
            code: "K3".into(),
            text_da: "Projektets størrelse".into(),
            kind: CriterionKind::Choice,
            options: vec!["Mindre projekt".into(), "Større tværgående projekt".into()],
            required: true,
        },
    ]
}

/// A demo charter's answers to [`demo_criteria`]: projects over 100,000.00 are the larger, cross-cutting ones.
fn criteria_answers(amount_ore: i64) -> Vec<CriterionAnswer> {
    let answer = |code: &str, text: &str| CriterionAnswer { criterion: code.into(), answer: text.into() };
    let size = if amount_ore > 10_000_000 { "Større tværgående projekt" } else { "Mindre projekt" };
    vec![answer("K1", "yes"), answer("K2", "yes"), answer("K3", size)]
}

fn vest_key(year: i64) -> Result<PoolKey, DemoError> {
    let bad = || DemoError::Data(format!("vest-{year}"));
    Ok(PoolKey { cluster: Slug::parse("vest").map_err(|_| bad())?, year: Year::new(year).map_err(|_| bad())? })
}

/// Vest 2023: still rolling, open, with its projects. The amount is illustrative (the same as 2022).
fn vest_2023(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<(), DemoError> {
    let vest = clusters::find(conn, "vest")?.ok_or_else(|| DemoError::Data("no vest".into()))?;
    let amount = Money::from_ore(VEST_2022_ORE).ok_or_else(|| DemoError::Data("amount".into()))?;
    let note =
        "Illustrativt beløb: samme som 2022. Restmidlerne fra 2022 er overført ved årets lukning efter politisk godkendelse.".to_owned();
    let (pool, funding) = Pool::create(NewPool {
        key: vest_key(2023)?,
        amount,
        model: AllocationModel::Rolling,
        policy: ApprovalPolicy::default(),
        note,
        criteria: demo_criteria(),
    });
    let actor = Actor { name: "demo", request_id: None, at: now };
    let stored = crate::pools::service::create(conn, vest.id, &pool, &funding, actor)?;
    let opened = pool.open().map_err(|e| DemoError::Data(e.to_string()))?;
    crate::pools::service::change(conn, &stored, &opened, None, "pool.opened", actor)?;
    Ok(())
}

/// Vest's approvers: the co-chairs one per side (medformandskabet), the
/// municipal co-chair's deputy, and the political level's chair. Role titles
/// and example.org addresses only.
fn vest_approvers(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<(), DemoError> {
    let vest = clusters::find(conn, "vest")?.ok_or_else(|| DemoError::Data("no vest".into()))?;
    let new = |name, email, level, side, role, deputy_for, party| crate::db::approvals::NewApprover {
        name,
        email,
        level,
        side,
        party,
        role,
        deputy_for,
    };
    let rows = [
        new(
            "Regional medformand, Vest",
            "medformand.region.vest@example.org",
            "strategic",
            "regional",
            "co_chair",
            "",
            "region-nordjylland",
        ),
        new(
            "Kommunal medformand, Vest",
            "medformand.kommune.vest@example.org",
            "strategic",
            "municipal",
            "co_chair",
            "",
            "thisted-kommune",
        ),
        new(
            "Stedfortræder for kommunal medformand, Vest",
            "stedfortraeder.kommune.vest@example.org",
            "strategic",
            "municipal",
            "deputy",
            "medformand.kommune.vest@example.org",
            "morso-kommune",
        ),
        new("Formand for sundhedsklyngeudvalget, Vest", "udvalgsformand.vest@example.org", "political", "", "member", "", ""),
    ];
    let actor = Actor { name: "demo", request_id: None, at: now };
    crate::approvals::service::replace_approvers(
        conn,
        vest.id,
        "vest",
        &rows,
        serde_json::json!([]),
        serde_json::json!(rows.iter().map(|r| r.email).collect::<Vec<_>>()),
        actor,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vest_gets_its_own_amount_back_from_the_per_capita_rate() {
        assert_eq!(per_capita(VEST_POPULATION).map(|m| m.to_string()), Some("871553.00".into()));
        // 87,155,300 øre × 162,227 / 63,670 = 222,066,009.9… øre → 2,220,660.10
        assert_eq!(per_capita(162_227).map(|m| m.to_string()), Some("2220660.10".into()));
    }
}
