//! The report in the words of the minutes: every text in Danish, every
//! amount as "187.553,50 kr." (with a non-breaking space before "kr."),
//! every date as "20.10.2022". The HTML page and the Word file lay out the
//! same [`ReportView`], so they say the same.

use chrono::NaiveDate;

use super::report::*;
use crate::domain::allocation::Bucket;
use crate::domain::money::Money;
use crate::domain::share::Share;

pub use crate::domain::danish::kroner_nbsp;

/// "20.10.2022".
pub fn date_dk(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// "1.12.2026 kl. 15:30", in Danish time.
pub fn moment_dk(at: chrono::DateTime<chrono::Utc>) -> String {
    crate::domain::danish::time_da(at.naive_utc())
}

/// A table: column headings, rows (a heading cell and values), a total row.
#[derive(Debug, Clone)]
pub struct TableView {
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
    pub total: Option<(String, Vec<String>)>,
    /// Every value is an amount (right-aligned).
    pub numeric: bool,
}

/// A grant, ready to print.
#[derive(Debug, Clone)]
pub struct GrantView {
    pub title: String,
    pub applicant: String,
    pub populations: String,
    pub period: String,
    pub amount: String,
    pub disbursed: String,
    /// "Fagligt strategisk niveau 20.10.2022, pkt. 3: Godkendt (Referat 20.10.2022)".
    pub steps: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct PoolView {
    /// "Pulje vest-2022: 70/30".
    pub heading: String,
    /// "70 % af midlerne fordeles i starten af året og 30 % til ad hoc-projekter" and the state.
    pub model: String,
    pub table: TableView,
}

/// The whole report as it is printed.
#[derive(Debug, Clone)]
pub struct ReportView {
    /// "Årsrapport til politisk niveau 2022".
    pub title: String,
    pub cluster_name: String,
    pub printed_at: String,
    pub intro: String,
    pub pools: Vec<PoolView>,
    pub grants: Vec<GrantView>,
    pub granted_total: String,
    pub disbursed_total: String,
    pub by_population: TableView,
    pub by_party: TableView,
    pub carry_overs: TableView,
    pub projects: TableView,
}

impl ReportView {
    pub fn of(r: &PoliticalReport) -> ReportView {
        let grants = r.grants.iter().map(grant_view).collect();
        let total = |label: &str, amount: Money| Some((label.to_owned(), vec![kroner_nbsp(amount)]));
        ReportView {
            title: format!("Årsrapport til politisk niveau {}", r.year),
            cluster_name: r.cluster_name.clone(),
            printed_at: moment_dk(r.printed_at),
            intro: format!(
                "Oversigt over puljemidlerne i {} i {}: årets puljer og fordelingsmodeller, alle bevillinger med de møder, \
                 hvor de blev behandlet, midlerne fordelt på målgrupper og ansøgende parter, overførsler mellem år og \
                 projekternes status. Der er givet {} bevillinger på i alt {} i {}.",
                r.cluster_name,
                r.year,
                r.totals.grants,
                kroner_nbsp(r.totals.granted),
                r.year
            ),
            pools: r.pools.iter().map(pool_view).collect(),
            grants,
            granted_total: kroner_nbsp(r.totals.granted),
            disbursed_total: kroner_nbsp(r.totals.disbursed),
            by_population: TableView {
                caption: "Bevilget fordelt på målgrupper".into(),
                columns: vec!["Målgruppe".into(), "Bevilget".into()],
                rows: r.by_target_population.iter().map(|p| (p.name_da.clone(), vec![kroner_nbsp(p.granted)])).collect(),
                total: total("I alt", r.totals.granted),
                numeric: true,
            },
            by_party: TableView {
                caption: "Bevilget fordelt på ansøgende part".into(),
                columns: vec!["Ansøger".into(), "Bevilget".into()],
                rows: r.by_party.iter().map(|p| (p.name.clone(), vec![kroner_nbsp(p.granted)])).collect(),
                total: total("I alt", r.totals.granted),
                numeric: true,
            },
            carry_overs: TableView {
                caption: "Overførsler mellem år og den politiske godkendelse".into(),
                columns: vec!["Overførsel".into(), "Beløb".into(), "Status".into(), "Politisk godkendelse".into()],
                rows: r.carry_overs.iter().map(carry_over_row).collect(),
                total: None,
                numeric: false,
            },
            projects: TableView {
                caption: "Projekternes status (opfølgning)".into(),
                columns: vec![
                    "Projekt".into(),
                    "Status".into(),
                    "Rapporter modtaget".into(),
                    "Rapporter, der endnu ikke er forfaldne".into(),
                    "Forsinkede rapporter".into(),
                ],
                rows: r.grants.iter().map(project_row).collect(),
                total: None,
                numeric: false,
            },
        }
    }
}

fn pool_view(p: &PoliticalPool) -> PoolView {
    let mut columns: Vec<String> = vec!["Beløb".into()];
    columns.extend(p.buckets.iter().map(bucket_heading));
    columns.push("I alt".into());
    let all: Vec<&PoliticalFigures> = p.buckets.iter().map(|b| &b.figures).chain([&p.figures]).collect();
    let row = |label: &str, pick: fn(&PoliticalFigures) -> Money| (label.to_owned(), all.iter().map(|f| kroner_nbsp(pick(f))).collect());
    let mut rows = vec![row("Puljens midler", |f| f.total)];
    if !p.figures.carried_in.is_zero() {
        rows.push(row("Overført fra tidligere år", |f| f.carried_in));
    }
    rows.push(row("Bevilget", |f| f.committed));
    rows.push(row("Heraf udbetalt", |f| f.disbursed));
    rows.push(row("Frigivet igen fra bevillinger", |f| f.released));
    rows.push(row("Reserveret til beslutning", |f| f.pending));
    rows.push(row("Til rådighed", |f| f.available));
    if !p.figures.carried_out.is_zero() {
        rows.push(row("Overført til senere år", |f| f.carried_out));
    }
    let model = crate::pools::policy::AllocationModelDto::clone(&p.allocation_model);
    let words = parse_model(&model).map(crate::domain::meeting::indstilling::model_da).unwrap_or_default();
    let state = crate::reports::danish::pool_state(p.state.into());
    PoolView {
        heading: format!("Pulje {}: {}", p.pool, p.allocation_model_da),
        model: format!("Fordelingsmodel: {words}. Puljen er {}.", state.to_lowercase()),
        table: TableView { caption: format!("Pulje {} i tal", p.pool), columns, rows, total: None, numeric: true },
    }
}

fn parse_model(m: &crate::pools::policy::AllocationModelDto) -> Option<crate::domain::allocation::AllocationModel> {
    let mut errors = Vec::new();
    m.parse("allocation_model", &mut errors)
}

/// "Fordelt ved årets start (70 %)".
fn bucket_heading(b: &PoliticalBucket) -> String {
    let name = crate::reports::danish::bucket(Bucket::from(b.bucket));
    match b.share.as_deref().and_then(|s| Share::parse(s).ok()) {
        Some(share) => format!("{name} ({} %)", share.percent().normalize().to_string().replace('.', ",")),
        None => name.to_owned(),
    }
}

fn forum_da(f: crate::meetings::dto::ForumDto) -> &'static str {
    crate::domain::meeting::Forum::from(f).name_da()
}

fn outcome_da(o: GrantStepOutcome) -> &'static str {
    match o {
        GrantStepOutcome::Recommended => "Anbefalet",
        GrantStepOutcome::NotRecommended => "Ikke anbefalet",
        GrantStepOutcome::Approved => "Godkendt",
        GrantStepOutcome::Rejected => "Afvist",
        GrantStepOutcome::Referred => "Sendt videre til politisk niveau",
    }
}

/// One step in the minutes' words.
pub fn step_da(s: &GrantStep) -> String {
    let forum = forum_da(s.forum);
    let date = date_dk(s.date);
    let amount = s.amount.map(|a| format!(" med {}", kroner_nbsp(a))).unwrap_or_default();
    let outcome = outcome_da(s.outcome);
    match s.channel {
        StepChannel::Email => format!("{forum}, pr. e-mail {date}: {outcome}{amount}"),
        StepChannel::Meeting | StepChannel::RecordedDecision => {
            // A sitting's reference names the item already ("Referat 10.11.2022, pkt. 2").
            let item = s.item.filter(|n| !s.reference.contains(&format!("pkt. {n}"))).map(|n| format!(", pkt. {n}")).unwrap_or_default();
            let reference = if s.reference.trim().is_empty() { String::new() } else { format!(" ({})", s.reference) };
            format!("{forum}, møde {date}{item}: {outcome}{amount}{reference}")
        }
    }
}

fn grant_view(g: &PoliticalGrant) -> GrantView {
    GrantView {
        title: g.title.clone(),
        applicant: g.applicant_name.clone(),
        populations: g.target_populations_da.join(", "),
        period: format!("{}–{}", date_dk(g.starts_on), date_dk(g.ends_on)),
        amount: kroner_nbsp(g.amount),
        disbursed: kroner_nbsp(g.disbursed),
        steps: g.steps.iter().map(step_da).collect(),
    }
}

fn carry_over_row(c: &PoliticalCarryOver) -> (String, Vec<String>) {
    let what = match c.direction {
        CarryOverDirection::Out => format!("Fra {} til {}", c.from_pool, c.to_year),
        CarryOverDirection::In => format!("Ind fra {} til {}", c.from_pool, c.to_year),
    };
    let amount = c.amount.map_or_else(|| "Det, der er tilbage ved årets udgang".to_owned(), kroner_nbsp);
    let state = match (c.state, &c.sign_off) {
        (PoliticalCarryOverState::Proposed, Some(_)) => "Godkendt; overføres, når puljen lukker",
        (PoliticalCarryOverState::Proposed, None) => "Afventer politisk godkendelse",
        (PoliticalCarryOverState::Executed, _) => "Godkendt og overført",
        (PoliticalCarryOverState::Rejected, _) => "Ikke overført",
    };
    let sign_off = match &c.sign_off {
        None => "Endnu ikke behandlet".to_owned(),
        Some(s) => match s.channel {
            SignOffChannel::Email => {
                let day = s.decided_at.map(|d| date_dk(d.with_timezone(&chrono_tz::Europe::Copenhagen).date_naive())).unwrap_or_default();
                format!("Politisk niveau pr. e-mail {day}").trim_end().to_owned()
            }
            SignOffChannel::Closing => s.reference.clone(),
            SignOffChannel::Meeting => {
                let day = s.meeting_date.map(|d| format!(" {}", date_dk(d))).unwrap_or_default();
                let reference = if s.reference.trim().is_empty() { String::new() } else { format!(" ({})", s.reference) };
                format!("Politisk niveau, møde{day}{reference}")
            }
        },
    };
    (what, vec![amount, state.to_owned(), sign_off])
}

fn project_row(g: &PoliticalGrant) -> (String, Vec<String>) {
    let s = &g.status;
    let state = match s.state {
        ProjectState::NoReport => "Ingen rapport endnu".to_owned(),
        ProjectState::Completed => "Afsluttet (slutrapport modtaget)".to_owned(),
        ProjectState::OnTrack | ProjectState::Delayed | ProjectState::Stopped => {
            let words = s.latest_progress.map(|p| crate::domain::follow_up::Progress::from(p).words_da()).unwrap_or("");
            match s.latest_report_on {
                Some(day) => format!("{words} (rapport {})", date_dk(day)),
                None => words.to_owned(),
            }
        }
    };
    (g.title.clone(), vec![state, s.reports_received.to_string(), s.reports_due.to_string(), s.reports_overdue.to_string()])
}
