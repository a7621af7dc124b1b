//! The dashboard as people read it: Danish words for states and models,
//! amounts with a non-breaking space before "kr.", decision dates as the
//! meeting's date (or, for a decision by e-mail, the moment in Danish time),
//! and the charts of a pool section on one scale.

use askama::Template;
use chrono::NaiveDateTime;
use chrono_tz::Europe::Copenhagen;

use super::charts::{Bar, Chart, HELD, SEGMENTS, chart, kroner_nbsp, scale};
use super::dashboard::{Data, PoolData};
use crate::db::dashboard::{DecidedOn, ExpiredRequest, Listed};
use crate::domain::allocation::AllocationModel;
use crate::domain::pool::PoolState;
use crate::domain::share::Share;
use crate::domain::workflow::{ApplicationState, Level};
use crate::mail::follow_up::{date_da, kind_da};
use crate::mail::templates::bucket_da;

pub struct YearOption {
    pub value: i32,
    pub selected: bool,
}

pub struct ClusterOption {
    pub slug: String,
    pub name: String,
    pub selected: bool,
}

pub struct Item {
    pub title: String,
    pub text: String,
    pub date: String,
}

pub struct Section {
    pub id: String,
    pub title: String,
    pub state: &'static str,
    pub model: String,
    pub totals: Vec<(&'static str, String)>,
    pub carried: Vec<(&'static str, String)>,
    pub buckets: Chart,
    pub populations: Chart,
    pub decided: Vec<Item>,
    pub waiting: Vec<Item>,
    pub waiting_more: i64,
    pub carry_overs: Vec<String>,
    pub expired: Vec<String>,
}

#[derive(Template)]
#[template(path = "dashboard/dashboard.html")]
pub struct Page {
    pub year: String,
    pub signed_in: bool,
    pub years: Vec<YearOption>,
    pub clusters: Vec<ClusterOption>,
    pub pools: Vec<Section>,
    pub overdue: Vec<String>,
    pub overdue_more: usize,
}

/// Overdue follow-ups listed; the rest are counted.
const OVERDUE: usize = 20;

/// "1.12.2026 kl. 15:30", Danish time.
pub fn moment_da(at: NaiveDateTime) -> String {
    at.and_utc().with_timezone(&Copenhagen).format("%-d.%-m.%Y kl. %H:%M").to_string()
}

fn level_da(l: Level) -> &'static str {
    if l == Level::Strategic { "formandskabet" } else { "det politiske niveau" }
}

fn state_da(state: &ApplicationState) -> String {
    match state {
        ApplicationState::Submitted => "Indsendt, venter på indstilling".into(),
        ApplicationState::Recommended { amount } => format!("Indstillet med {}, venter på beslutning", kroner_nbsp(*amount)),
        ApplicationState::Reserved { amount, awaiting } => {
            format!("{} reserveret, venter på {}", kroner_nbsp(*amount), level_da(*awaiting))
        }
        ApplicationState::Approved { amount } => format!("Bevilget {}", kroner_nbsp(*amount)),
        ApplicationState::Rejected { by } => format!("Afvist af {}", level_da(*by)),
        other => other.name().into(),
    }
}

fn decided_on_da(on: Option<DecidedOn>) -> String {
    match on {
        Some(DecidedOn::Meeting(d)) => format!("mødet {}", date_da(d)),
        Some(DecidedOn::Recorded(at)) => format!("pr. e-mail {}", moment_da(at)),
        None => String::new(),
    }
}

fn pool_state_da(s: PoolState) -> &'static str {
    match s {
        PoolState::Open => "Åben for ansøgninger",
        PoolState::Closed => "Lukket",
        PoolState::Draft => "Kladde (ikke åbnet endnu)",
    }
}

fn model_da(m: AllocationModel) -> String {
    match m {
        AllocationModel::Upfront => "Alt fordelt ved årets start".into(),
        AllocationModel::Rolling => "Løbende tildeling".into(),
        AllocationModel::Split { upfront_share: upfront } => {
            // Percent with a decimal comma, exact (no floats).
            let pct = |s: Share| s.percent().to_string().replace('.', ",");
            format!("{} % ved årets start, {} % til ad hoc-projekter", pct(upfront), pct(upfront.complement()))
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn item(a: &Listed, date: String) -> Item {
    Item { title: a.title.clone(), text: state_da(&a.state), date }
}

fn expired_da(r: &ExpiredRequest) -> String {
    let what = match (&r.title, r.to_year) {
        (Some(title), _) => format!("«{title}»"),
        (None, Some(year)) => format!("Overførslen til {year}"),
        (None, None) => "En anmodning".into(),
    };
    format!(
        "{what}: anmodningen om godkendelse pr. e-mail, sendt {}, er udløbet uden alle svar. Beløbet er stadig reserveret, \
         til sekretariatet sender anmodningen igen eller trækker den tilbage.",
        moment_da(r.created_at)
    )
}

fn section(p: &PoolData) -> Section {
    let key = &p.stored.pool.key;
    let title = format!("{} {}", p.cluster_name, key.year.get());
    let f = &p.figures.overall;
    let totals = vec![
        ("Ramme", kroner_nbsp(f.total)),
        ("Bevilget", kroner_nbsp(f.committed)),
        ("Reserveret", kroner_nbsp(f.pending)),
        ("Disponibelt", kroner_nbsp(f.available)),
        ("Udbetalt", kroner_nbsp(f.disbursed)),
    ];
    let carried = [
        ("Overført fra tidligere år", f.carried_in),
        ("Overført til senere år", f.carried_out),
        ("Foreslået overført hertil", p.carried_in_pending),
    ]
    .into_iter()
    .filter(|(_, m)| !m.is_zero())
    .map(|(name, m)| (name, kroner_nbsp(m)))
    .collect();
    let buckets: Vec<Bar> = p
        .figures
        .buckets
        .iter()
        .map(|(b, f)| Bar { label: capitalise(bucket_da(b.as_str())), parts: vec![f.committed, f.pending, f.available] })
        .collect();
    let populations: Vec<Bar> = p
        .figures
        .populations
        .iter()
        .map(|(name, committed, pending)| Bar { label: name.clone(), parts: vec![*committed, *pending] })
        .collect();
    // One scale for the whole section.
    let s = scale(buckets.iter().chain(&populations));
    Section {
        id: format!("pulje-{key}"),
        state: pool_state_da(p.stored.pool.state),
        model: model_da(p.stored.pool.model),
        totals,
        carried,
        buckets: chart(format!("Pengene i {title} fordelt på spor"), "Spor", &SEGMENTS, &buckets, s),
        populations: chart(format!("Bevilget og reserveret i {title} fordelt på målgrupper"), "Målgruppe", &HELD, &populations, s),
        decided: p.decided.iter().map(|(a, on)| item(a, decided_on_da(*on))).collect(),
        waiting: p.waiting.iter().map(|a| item(a, String::new())).collect(),
        waiting_more: p.waiting_count - p.waiting.len() as i64,
        carry_overs: p
            .carry_overs
            .iter()
            .map(|(year, amount)| format!("Overførsel til {year} – {} holdt tilbage, venter på det politiske niveau", kroner_nbsp(*amount)))
            .collect(),
        expired: p.expired.iter().map(expired_da).collect(),
        title,
    }
}

pub fn page(d: &Data, signed_in: bool) -> Page {
    Page {
        year: d.year.map(|y| y.to_string()).unwrap_or_default(),
        signed_in,
        years: d.years.iter().map(|y| YearOption { value: *y, selected: Some(*y) == d.year }).collect(),
        clusters: d
            .clusters
            .iter()
            .map(|(slug, name)| ClusterOption { slug: slug.clone(), name: name.clone(), selected: d.cluster.as_deref() == Some(slug) })
            .collect(),
        pools: d.pools.iter().map(section).collect(),
        overdue: d
            .overdue
            .iter()
            .take(OVERDUE)
            .map(|o| {
                format!(
                    "{} ({}): {} med frist {}, {} dage forsinket",
                    o.application_title,
                    o.pool,
                    kind_da(o.entry.kind),
                    date_da(o.entry.due_on),
                    o.days_overdue
                )
            })
            .collect(),
        overdue_more: d.overdue.len().saturating_sub(OVERDUE),
    }
}
