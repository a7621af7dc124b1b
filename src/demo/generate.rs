//! A data generator for benchmarks: many clusters, years and applications,
//! written through the db layer (the same inserts the API makes) in one big
//! transaction per pool. Every application is submitted, approved by the
//! strategic level (a grant) and half paid out, so each one leaves four ledger
//! postings (commitment, disbursement); 21 × 10 × 2,000 gives 1.68 million.
//!
//! Audit events: one per pool ("generated"), not one per step, so the chain
//! stays valid and short; the money is exact and reconciles like real data.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};

use super::DemoError;
use crate::applications::service::advance_in;
use crate::db::charter_rows::PartyIds;
use crate::db::pools::{self, Actor};
use crate::db::steps::NewStep;
use crate::db::{Db, applications, clusters, grants, reference};
use crate::domain::allocation::AllocationModel;
use crate::domain::application::{Charter, CharterContext, CharterDraft, ExpenseKind, Origin};
use crate::domain::eligibility::Sector;
use crate::domain::money::Money;
use crate::domain::pool::{ApprovalPolicy, NewPool, Pool};
use crate::domain::reference::PartyKind;
use crate::domain::step::{StepKind, StepOutcome};
use crate::domain::values::{PoolKey, Slug, Year};
use crate::domain::workflow::{Event, Level, Outcome, Situation};
use crate::grants::service::{Movement, move_money};

#[derive(Debug, Clone, Copy)]
pub struct Volume {
    pub clusters: u32,
    pub years: u32,
    pub applications: u32,
    pub first_year: i64,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Generated {
    pub pools: u64,
    pub applications: u64,
    pub grants: u64,
}

const PARTIES: [(&str, &str, &str); 3] = [
    ("kommune", "Kommune", "municipality"),
    ("region-nordjylland", "Region Nordjylland", "region"),
    ("almen-praksis", "Almen praksis", "general_practice"),
];

/// Fills `db` (which must have no clusters named `gen-…` yet); `progress` is told after each pool.
pub fn generate(db: &Db, volume: Volume, now: NaiveDateTime, mut progress: impl FnMut(&Generated)) -> Result<Generated, DemoError> {
    let mut done = Generated::default();
    let bad = |what: String| DemoError::Data(what);
    for c in 1..=volume.clusters {
        let slug = format!("gen-{c:02}");
        let cluster_id = db.write_sync(|conn| {
            let row = clusters::insert(conn, &slug, &format!("Sundhedsklynge {c:02} (genereret)"), "Region Nordjylland", now)?;
            for (party, name, kind) in PARTIES {
                reference::insert_party(conn, row.id, party, name, kind, now)?;
            }
            Ok::<_, DemoError>(row.id)
        })?;
        for y in 0..volume.years {
            let year = volume.first_year + i64::from(y);
            let key = PoolKey {
                cluster: Slug::parse(&slug).map_err(|_| bad(format!("slug {slug}")))?,
                year: Year::new(year).map_err(|_| bad(format!("year {year}")))?,
            };
            let n = db.write_sync(|conn| fill_pool(conn, cluster_id, &key, volume.applications, now))?;
            done.pools += 1;
            done.applications += n;
            done.grants += n;
            progress(&done);
        }
    }
    Ok(done)
}

fn fill_pool(conn: &mut crate::db::AnyConnection, cluster_id: i64, key: &PoolKey, n: u32, now: NaiveDateTime) -> Result<u64, DemoError> {
    let bad = |what: &str| DemoError::Data(format!("{key}: {what}"));
    let money = |ore: i64| Money::from_ore(ore).ok_or_else(|| bad("amount"));
    let year = key.year.get();
    let date = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d).ok_or_else(|| bad("date"));
    // Amounts from 10,000.00 to 59,999.99, cycling: the pool holds them all with 5 % to spare.
    let amount_of = |i: u32| 1_000_000 + i64::from(i) * 7_919 % 5_000_000;
    let needed: i64 = (0..n).map(amount_of).sum();
    let policy =
        ApprovalPolicy { recommendation_required: false, political_threshold: money(99_999_999_999)?, ..ApprovalPolicy::default() };
    let note = "Genereret til belastningstest (klyngemidler generate).".to_owned();
    let (pool, funding) = Pool::create(NewPool {
        key: key.clone(),
        amount: money(needed + needed / 20)?,
        model: AllocationModel::Rolling,
        policy,
        note,
        criteria: Vec::new(),
    });
    let actor = Actor { name: "generator", request_id: None, at: now };
    let stored = crate::pools::service::create(conn, cluster_id, &pool, &funding, actor)?;
    let opened = pool.open().map_err(|e| bad(&e.to_string()))?;
    crate::pools::service::change(conn, &stored, &opened, None, "pool.opened", actor)?;
    let stored = pools::find(conn, key)?.ok_or_else(|| bad("pool vanished"))?;
    let parties = reference::parties_of(conn, cluster_id, None)?;
    let slugs: BTreeSet<String> = parties.iter().map(|p| p.slug.clone()).collect();
    let codes: BTreeSet<String> = reference::target_populations(conn)?.into_iter().map(|t| t.code).collect();
    let populations: Vec<String> = codes.iter().cloned().collect();
    let mut available = stored.pool.amount;
    for i in 0..n {
        let party = &parties[i as usize % parties.len()];
        // A partner of another sector, so the project crosses sectors.
        let sector = |kind: &str| PartyKind::parse(kind).and_then(Sector::of);
        let partner = parties.iter().find(|p| sector(&p.kind).is_some() && sector(&p.kind) != sector(&party.kind));
        let requested = money(amount_of(i))?;
        let draft = CharterDraft {
            title: format!("Genereret projekt {} nr. {i}", key),
            applicant_party: party.slug.clone(),
            target_populations: vec![populations[i as usize % populations.len()].clone()],
            purpose: "Et udviklingsprojekt på tværs af sektorer (genereret).".into(),
            goals: "Færre indlæggelser (genereret).".into(),
            organisation: "Styregruppe med en repræsentant fra hver sektor.".into(),
            evaluation: "Før- og eftermåling.".into(),
            expense_kind: ExpenseKind::Development,
            requested,
            budget: None,
            starts_on: date(3, 1)?,
            ends_on: date(12, 31)?,
            bucket: None,
            origin: Origin::Cluster,
            contact_email: "projektleder@example.org".into(),
            criteria: Vec::new(),
            partner_parties: partner.map(|p| p.slug.clone()).into_iter().collect(),
        };
        let ctx = CharterContext { model: stored.pool.model, parties: &slugs, target_populations: &codes, criteria: &stored.pool.criteria };
        let charter = Charter::check(draft, &ctx).map_err(|v| bad(&format!("{v:?}")))?;
        let ids = PartyIds { applicant: party.id, partners: partner.map(|p| p.id).into_iter().collect() };
        let id = applications::insert(conn, stored.id, &ids, &charter, date(1, 15)?, now)?;
        let steps_taken = [
            (Event::Submit, StepKind::Submitted, StepOutcome::Submitted),
            (
                Event::Decide { level: Level::Strategic, outcome: Outcome::Approved, amount: None },
                StepKind::Strategic,
                StepOutcome::Approved,
            ),
        ];
        for (event, name, outcome) in steps_taken {
            let app = applications::find(conn, id)?.ok_or_else(|| bad("application vanished"))?;
            let situation = Situation {
                policy: stored.pool.policy.clone(),
                pool_state: stored.pool.state,
                bucket: app.charter.bucket,
                requested: app.charter.requested,
                available,
                ineligible: Vec::new(),
            };
            let meeting = (name != StepKind::Submitted).then(|| date(2, 15)).transpose()?;
            let step = NewStep {
                step: name,
                outcome,
                amount: None,
                meeting_date: meeting,
                reference: "Genereret referat",
                note: "",
                meeting: None,
            };
            let t = advance_in(conn, &app, stored.id, &situation, event, &step, "application.generated", actor)
                .map_err(|e| bad(&e.to_string()))?;
            if let Some(amount) = t.transition.grant {
                available = available.checked_sub(amount).ok_or_else(|| bad("over-committed"))?;
            }
        }
        let grant = grants::for_application(conn, id)?.ok_or_else(|| bad("no grant"))?;
        let half = money(requested.ore() / 2)?;
        let movement = Movement::Disburse { amount: half, paid_on: date(6, 1)?, reference: "Genereret bilag".into() };
        move_money(conn, &grant, &movement, actor).map_err(|e| bad(&e.to_string()))?;
    }
    Ok(u64::from(n))
}
