//! Demo applications: charters that read like real cluster projects, taken
//! through the workflow to different states. Institutions only, no people.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};

use super::DemoError;
use crate::applications::service::advance;
use crate::db::applications;
use crate::db::pools::{self, Actor};
use crate::db::steps::NewStep;
use crate::db::{AnyConnection, grants, reference};
use crate::domain::application::{Charter, CharterContext, CharterDraft, ExpenseKind, Origin};
use crate::domain::money::Money;
use crate::domain::step::{StepKind, StepOutcome};
use crate::domain::values::{PoolKey, Slug, Year};
use crate::domain::workflow::{Event, Level, Outcome};
use crate::grants::service::{Movement, move_money};

#[derive(Clone, Copy)]
enum Step {
    Submit,
    Recommend(Option<i64>),
    Decide(Level, Outcome),
    /// The strategic level sends the case on to the political level.
    Refer,
    Disburse(i64),
}

struct Project {
    cluster: &'static str,
    /// The pool's year.
    year: i32,
    title: &'static str,
    party: &'static str,
    /// The parties the project is run with, of other sectors than (or beside) the applicant.
    partners: &'static [&'static str],
    populations: &'static [&'static str],
    purpose: &'static str,
    goals: &'static str,
    /// øre
    amount: i64,
    /// (year, øre); empty: all in the first year.
    budget: &'static [(i64, i64)],
    starts_on: (i32, u32, u32),
    ends_on: (i32, u32, u32),
    origin: Origin,
    steps: &'static [Step],
}

use Step::*;

const PROJECTS: [Project; 10] = [
    Project {
        cluster: "vest",
        year: 2023,
        title: "Tidlig opsporing af de sårbare ældre i Thisted og Morsø",
        party: "thisted-kommune",
        partners: &["almen-praksis", "region-nordjylland"],
        populations: &["vulnerable_elderly"],
        purpose: "Hjemmeplejen, de praktiserende læger og hospitalet bruger samme opsporingsredskab og deler observationer, så tegn på forværring hos sårbare ældre opdages tidligt.",
        goals: "Færre forebyggelige indlæggelser og genindlæggelser blandt borgere over 75 år; fælles sprog om tidlige tegn på tværs af sektorer.",
        amount: 15_000_000,
        budget: &[(2023, 4_000_000), (2024, 11_000_000)],
        starts_on: (2023, 4, 1),
        ends_on: (2024, 12, 31),
        origin: Origin::Cluster,
        steps: &[Submit, Recommend(Some(14_000_000)), Decide(Level::Strategic, Outcome::Approved)],
    },
    Project {
        cluster: "vest",
        year: 2023,
        title: "Sammenhængende forløb for borgere med KOL",
        party: "region-nordjylland",
        partners: &["thisted-kommune", "morso-kommune", "almen-praksis"],
        populations: &["chronic_disease", "acute_area"],
        purpose: "Fælles forløbsbeskrivelse og opfølgning efter udskrivelse for borgere med KOL, så kommune, almen praksis og hospital arbejder efter samme plan.",
        goals: "Kortere tid fra udskrivelse til første opfølgning; færre akutte genindlæggelser inden for 30 dage.",
        amount: 8_500_000,
        budget: &[],
        starts_on: (2023, 4, 1),
        ends_on: (2023, 12, 31),
        origin: Origin::Cluster,
        steps: &[
            Submit,
            Recommend(None),
            Decide(Level::Strategic, Outcome::Approved),
            Decide(Level::Political, Outcome::Approved),
            Disburse(3_000_000),
        ],
    },
    Project {
        cluster: "vest",
        year: 2023,
        title: "Én indgang for unge i mistrivsel",
        party: "morso-kommune",
        partners: &["psykiatrien", "almen-praksis"],
        populations: &["young_mental_distress"],
        purpose: "Unge og deres forældre får én telefon og ét sted at henvende sig, uanset om hjælpen skal komme fra kommunen, egen læge eller psykiatrien.",
        goals: "Kortere ventetid på første samtale; færre unge der sendes videre mellem sektorerne uden hjælp.",
        amount: 6_000_000,
        budget: &[],
        starts_on: (2023, 9, 1),
        ends_on: (2023, 12, 31),
        origin: Origin::Cluster,
        steps: &[Submit],
    },
    Project {
        cluster: "vest",
        year: 2023,
        title: "Fælles medicinafstemning ved udskrivelse",
        party: "almen-praksis",
        partners: &["thisted-kommune", "region-nordjylland"],
        populations: &["chronic_disease", "vulnerable_elderly"],
        purpose: "Egen læge, hjemmesygeplejen og hospitalets afdeling afstemmer medicinen samme dag, som borgeren udskrives, ud fra én fælles medicinliste.",
        goals: "Færre medicineringsfejl i ugen efter udskrivelse; færre genindlæggelser på grund af medicin.",
        amount: 4_500_000,
        budget: &[],
        starts_on: (2023, 10, 1),
        ends_on: (2024, 6, 30),
        origin: Origin::Cluster,
        steps: &[Submit],
    },
    Project {
        cluster: "midt",
        year: 2022,
        title: "Opfølgende hjemmebesøg efter udskrivelse",
        party: "aalborg-kommune",
        partners: &["region-nordjylland", "almen-praksis"],
        populations: &["vulnerable_elderly"],
        purpose: "En sygeplejerske fra kommunen og en fra hospitalet besøger sammen ældre borgere inden for tre dage efter udskrivelse.",
        goals: "Færre genindlæggelser; bedre medicinafstemning mellem hospital, egen læge og hjemmepleje.",
        amount: 25_000_000,
        budget: &[(2022, 5_000_000), (2023, 20_000_000)],
        starts_on: (2022, 9, 1),
        ends_on: (2023, 12, 31),
        origin: Origin::Cluster,
        steps: &[Submit, Recommend(None), Decide(Level::Strategic, Outcome::Approved), Decide(Level::Political, Outcome::Approved)],
    },
    Project {
        cluster: "midt",
        year: 2022,
        title: "Samarbejde om borgere med psykiske lidelser og misbrug",
        party: "region-nordjylland",
        partners: &["psykiatrien", "aalborg-kommune"],
        populations: &["mental_illness"],
        purpose: "Sendt fra Sundhedssamarbejdsudvalget: fælles konferencer mellem psykiatrien, kommunernes misbrugsbehandling og almen praksis om borgere med dobbeltdiagnose.",
        goals: "Færre afbrudte behandlingsforløb; en fælles plan for hver borger.",
        amount: 12_000_000,
        budget: &[],
        starts_on: (2022, 11, 15),
        ends_on: (2022, 12, 31),
        origin: Origin::Ssu,
        steps: &[Submit, Recommend(None)],
    },
    Project {
        cluster: "nord",
        year: 2022,
        title: "Telemedicinsk opfølgning for borgere med hjertesvigt",
        party: "hjorring-kommune",
        partners: &["region-nordjylland"],
        populations: &["chronic_disease"],
        purpose: "Borgere med hjertesvigt måler vægt og blodtryk hjemme; kommunens sygeplejersker og hospitalets hjerteambulatorium følger målingerne sammen.",
        goals: "Tidligere indgriben ved forværring; færre akutte kontakter.",
        amount: 18_000_000,
        budget: &[],
        starts_on: (2022, 12, 1),
        ends_on: (2022, 12, 31),
        origin: Origin::Cluster,
        steps: &[],
    },
    Project {
        cluster: "syd",
        year: 2022,
        title: "Akutfunktion i eget hjem",
        party: "rebild-kommune",
        partners: &["region-nordjylland", "almen-praksis"],
        populations: &["acute_area"],
        purpose: "Kommunens akutteam udvider åbningstiden, så flere borgere kan behandles i eget hjem i stedet for at blive indlagt.",
        goals: "Færre korte indlæggelser.",
        amount: 9_500_000,
        budget: &[],
        starts_on: (2022, 10, 1),
        ends_on: (2022, 12, 31),
        origin: Origin::Cluster,
        steps: &[Submit, Recommend(None), Decide(Level::Strategic, Outcome::Rejected)],
    },
    Project {
        cluster: "syd",
        year: 2022,
        title: "Fælles faldforebyggelse i Mariagerfjord",
        party: "mariagerfjord-kommune",
        partners: &["almen-praksis"],
        populations: &["vulnerable_elderly"],
        purpose: "Hjemmeplejen og de praktiserende læger bruger samme faldscreening, så ældre med faldrisiko får hjælp, før de falder.",
        goals: "Færre faldulykker med indlæggelse blandt borgere over 75 år.",
        amount: 4_000_000,
        budget: &[],
        starts_on: (2022, 11, 1),
        ends_on: (2022, 12, 31),
        origin: Origin::Cluster,
        // A small project: within Syd's operations-forum limit the forum's recommendation is the grant.
        steps: &[Submit, Recommend(None)],
    },
    Project {
        cluster: "nord",
        year: 2022,
        title: "Fælles indsats for borgere med multisygdom i hele klyngen",
        party: "hjorring-kommune",
        partners: &["frederikshavn-kommune", "bronderslev-kommune", "laeso-kommune", "region-nordjylland", "almen-praksis"],
        populations: &["chronic_disease"],
        purpose: "Et fælles forløbsprogram for borgere med flere kroniske sygdomme på tværs af alle klyngens kommuner, almen praksis og hospitalet.",
        goals: "Én samlet plan for hver borger med multisygdom; færre parallelle forløb.",
        amount: 30_000_000,
        budget: &[],
        starts_on: (2022, 11, 1),
        ends_on: (2023, 12, 31),
        origin: Origin::Cluster,
        // "Sendes videre til drøftelse på politisk niveau": referred whatever its amount.
        steps: &[Submit, Recommend(None), Refer],
    },
];

fn date((y, m, d): (i32, u32, u32)) -> Result<NaiveDate, DemoError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| DemoError::Data(format!("bad date {y}-{m}-{d}")))
}

fn money(ore: i64) -> Result<Money, DemoError> {
    Money::from_ore(ore).ok_or_else(|| DemoError::Data(format!("bad amount {ore}")))
}

pub(super) fn load(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<(), DemoError> {
    let codes: BTreeSet<String> = reference::target_populations(conn)?.into_iter().map(|t| t.code).collect();
    let actor = Actor { name: "demo (sekretariatet)", request_id: None, at: now };
    for p in &PROJECTS {
        let bad = |what: &str| DemoError::Data(format!("{}: {what}", p.title));
        let key = PoolKey {
            cluster: Slug::parse(p.cluster).map_err(|_| bad("slug"))?,
            year: Year::new(i64::from(p.year)).map_err(|_| bad("year"))?,
        };
        // The meeting that decided: 20 October 2022, or 15 March 2023 for the 2023 pool.
        let (meeting_on, minutes) = if p.year == 2022 {
            ((2022, 10, 20), "Referat fra klyngestyregruppen 20.10.2022, pkt. 4")
        } else {
            ((2023, 3, 15), "Referat fra faglig strategisk niveau 15.03.2023, pkt. 3")
        };
        let pool = pools::find(conn, &key)?.ok_or_else(|| bad("no pool"))?;
        let parties = reference::parties_of(conn, pool.cluster_id, None)?;
        let slugs: BTreeSet<String> = parties.iter().map(|p| p.slug.clone()).collect();
        let budget = if p.budget.is_empty() {
            None
        } else {
            Some(p.budget.iter().map(|(y, ore)| Ok((*y, money(*ore)?))).collect::<Result<Vec<_>, DemoError>>()?)
        };
        let draft = CharterDraft {
            title: p.title.into(),
            applicant_party: p.party.into(),
            target_populations: p.populations.iter().map(|c| c.to_string()).collect(),
            purpose: p.purpose.into(),
            goals: p.goals.into(),
            organisation: "Styregruppe med en repræsentant fra hver sektor; projektleder i den ansøgende part.".into(),
            evaluation: "Før- og eftermåling af målene; evaluering forelægges klyngestyregruppen.".into(),
            expense_kind: ExpenseKind::Development,
            requested: money(p.amount)?,
            budget,
            starts_on: date(p.starts_on)?,
            ends_on: date(p.ends_on)?,
            bucket: None,
            origin: p.origin,
            contact_email: format!("projektleder.{}@example.org", p.party),
            criteria: super::criteria_answers(p.amount),
            partner_parties: p.partners.iter().map(|s| s.to_string()).collect(),
        };
        let ctx = CharterContext { model: pool.pool.model, parties: &slugs, target_populations: &codes, criteria: &pool.pool.criteria };
        let charter = Charter::check(draft, &ctx).map_err(|v| bad(&format!("{v:?}")))?;
        let id_of = |slug: &str| parties.iter().find(|x| x.slug == slug).map(|x| x.id).ok_or_else(|| bad("party"));
        let ids = crate::db::charter_rows::PartyIds {
            applicant: id_of(p.party)?,
            partners: charter.partner_parties.iter().map(|s| id_of(s)).collect::<Result<_, _>>()?,
        };
        let id = crate::applications::service::register(conn, &pool, &ids, &charter, date((p.year, 1, 2))?, actor)?;
        for step in p.steps {
            let app = applications::find(conn, id)?.ok_or_else(|| bad("vanished"))?;
            if let Disburse(ore) = step {
                let stored = grants::for_application(conn, id)?.ok_or_else(|| bad("no grant"))?;
                let movement = Movement::Disburse { amount: money(*ore)?, paid_on: date((p.year, 12, 1))?, reference: "Demo-bilag".into() };
                move_money(conn, &stored, &movement, actor).map_err(|e| bad(&e.to_string()))?;
                continue;
            }
            let (event, name, outcome, action) = match *step {
                Submit => (Event::Submit, StepKind::Submitted, StepOutcome::Submitted, "application.submitted"),
                Recommend(ore) => (
                    Event::Recommend { amount: ore.map(money).transpose()? },
                    StepKind::Recommendation,
                    StepOutcome::Recommended,
                    "application.recommended",
                ),
                Decide(level, outcome) => (
                    Event::Decide { level, outcome, amount: None },
                    StepKind::of_level(level),
                    StepOutcome::of_decision(outcome),
                    "application.decided",
                ),
                Refer => (Event::Refer { amount: None }, StepKind::Strategic, StepOutcome::Referred, "application.referred"),
                Disburse(_) => continue,
            };
            let meeting = matches!(step, Recommend(_) | Decide(..) | Refer).then(|| date(meeting_on)).transpose()?;
            let reference = if matches!(step, Decide(..) | Refer) { minutes } else { "" };
            let new_step = NewStep { step: name, outcome, amount: None, meeting_date: meeting, reference, note: "", meeting: None };
            advance(conn, &app, &pool, event, &new_step, action, actor, None).map_err(|e| bad(&e.to_string()))?;
        }
    }
    Ok(())
}
