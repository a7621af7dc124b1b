//! `GET /dashboard`: one picture of where the money went, per cluster and
//! year. Server-rendered HTML with inline SVG, no scripts, nothing loaded
//! from elsewhere; every chart has a table with the same figures.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, route, web};
use serde::Deserialize;

use super::charts::{Bar, HELD, SEGMENTS, stacked_bars, table};
use super::login::{Access, access, html, sign_in_page};
use crate::db::applications::{self, ApplicationFilter, StoredApplication};
use crate::db::{AnyConnection, carry_overs, clusters, pools};
use crate::domain::access::ClusterScope;
use crate::domain::carry_over::CarryOverState;
use crate::domain::money::Money;
use crate::domain::share::Share;
use crate::domain::workflow::{ApplicationState, Level};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::mail::templates::bucket_da;
use crate::mail::{esc, kroner};
use crate::pools::policy::AllocationModelDto;
use crate::pools::status::{FiguresDto, PoolStatusDto, load_status};

#[derive(Debug, Deserialize)]
pub struct Picker {
    pub year: Option<String>,
    pub cluster: Option<String>,
}

struct PoolView {
    status: PoolStatusDto,
    cluster_name: String,
    decided: Vec<StoredApplication>,
    waiting: Vec<StoredApplication>,
    /// Carry-overs of this pool awaiting political sign-off: (to year, amount).
    carry_overs: Vec<(i32, Money)>,
}

struct View {
    years: Vec<i32>,
    year: Option<i32>,
    clusters: Vec<(String, String)>,
    cluster: Option<String>,
    pools: Vec<PoolView>,
    /// Reports past due in the clusters shown.
    overdue: Vec<crate::follow_up::service::Overdue>,
}

fn load(
    c: &mut AnyConnection,
    scope: &ClusterScope,
    year: Option<i32>,
    cluster: Option<String>,
    today: chrono::NaiveDate,
) -> Result<View, ApiError> {
    let all = pools::list(c, scope, &pools::PoolFilter::default(), 10_000)?;
    let mut years: Vec<i32> = all.iter().map(|p| p.pool.key.year.get()).collect();
    years.sort_unstable();
    years.dedup();
    let year = year.or_else(|| years.last().copied());
    let clusters: Vec<(String, String)> = clusters::list(c, scope, None, 1000)?.into_iter().map(|r| (r.slug, r.name)).collect();
    let cluster = cluster.filter(|slug| clusters.iter().any(|(s, _)| s == slug));
    let mut views = Vec::new();
    for stored in all.iter().filter(|p| Some(p.pool.key.year.get()) == year) {
        if cluster.as_ref().is_some_and(|c| c != stored.pool.key.cluster.as_str()) {
            continue;
        }
        let status = load_status(c, stored)?;
        let filter = ApplicationFilter { pool: Some(stored.pool.key.clone()), ..ApplicationFilter::default() };
        let apps = applications::list(c, scope, &filter, 10_000)?;
        let mut decided: Vec<StoredApplication> = apps
            .iter()
            .filter(|a| matches!(a.state, ApplicationState::Approved { .. } | ApplicationState::Rejected { .. }))
            .cloned()
            .collect();
        decided.sort_by_key(|a| std::cmp::Reverse((a.decided_at, a.id)));
        decided.truncate(5);
        let waiting = apps
            .into_iter()
            .filter(|a| {
                matches!(a.state, ApplicationState::Submitted | ApplicationState::Recommended { .. } | ApplicationState::Reserved { .. })
            })
            .collect();
        let cluster_name =
            clusters.iter().find(|(s, _)| s == stored.pool.key.cluster.as_str()).map_or_else(|| status.cluster.clone(), |(_, n)| n.clone());
        let mut carry_overs = Vec::new();
        for row in carry_overs::of_pool(c, stored.id)? {
            if row.state()? == CarryOverState::Proposed {
                carry_overs.push((row.to_year, row.amount()?));
            }
        }
        views.push(PoolView { status, cluster_name, decided, waiting, carry_overs });
    }
    let overdue = crate::follow_up::service::overdue(c, scope, cluster.as_deref(), today)?;
    Ok(View { years, year, clusters, cluster, pools: views, overdue })
}

/// A figure of the status, read back (it may pass the input limit: a pool plus a carry-over).
fn money(text: &str) -> Money {
    Money::parse_figure(text).unwrap_or_default()
}

fn bar(label: String, f: &FiguresDto) -> Bar {
    Bar { label, parts: vec![money(&f.committed), money(&f.pending), money(&f.available)] }
}

fn state_da(state: &ApplicationState) -> String {
    let level = |l: &Level| if *l == Level::Strategic { "formandskabet" } else { "det politiske niveau" };
    match state {
        ApplicationState::Submitted => "Indsendt, venter på indstilling".into(),
        ApplicationState::Recommended { amount } => format!("Indstillet med {}, venter på beslutning", kroner(*amount)),
        ApplicationState::Reserved { amount, awaiting } => format!("{} reserveret, venter på {}", kroner(*amount), level(awaiting)),
        ApplicationState::Approved { amount } => format!("Bevilget {}", kroner(*amount)),
        ApplicationState::Rejected { by } => format!("Afvist af {}", level(by)),
        other => other.name().into(),
    }
}

fn pool_section(i: usize, p: &PoolView) -> String {
    let s = &p.status;
    let id = format!("pulje-{}", esc(&s.pool));
    let title = format!("{} {}", p.cluster_name, s.year);
    let mut out = format!("<section aria-labelledby=\"{id}\"><h2 id=\"{id}\">{}</h2>", esc(&title));
    out.push_str(&format!("<p class=\"hint\">{} · {}</p>", state_of_pool(s), model_da(&s.allocation_model)));
    out.push_str(&format!(
        "<dl class=\"totals\"><div><dt>Ramme</dt><dd>{}</dd></div><div><dt>Bevilget</dt><dd>{}</dd></div>\
         <div><dt>Reserveret</dt><dd>{}</dd></div><div><dt>Disponibelt</dt><dd>{}</dd></div><div><dt>Udbetalt</dt><dd>{}</dd></div></dl>",
        kroner(money(&s.figures.total)),
        kroner(money(&s.figures.committed)),
        kroner(money(&s.figures.pending)),
        kroner(money(&s.figures.available)),
        kroner(money(&s.figures.disbursed)),
    ));
    let carried = [
        ("Overført fra tidligere år", &s.figures.carried_in),
        ("Overført til senere år", &s.figures.carried_out),
        ("Foreslået overført hertil", &s.carried_in_pending),
    ];
    let carried: Vec<String> = carried
        .iter()
        .filter(|(_, v)| !money(v).is_zero())
        .map(|(name, v)| format!("<div><dt>{name}</dt><dd>{}</dd></div>", kroner(money(v))))
        .collect();
    if !carried.is_empty() {
        out.push_str(&format!("<dl class=\"totals\">{}</dl>", carried.concat()));
    }
    let buckets: Vec<Bar> = s.buckets.iter().map(|b| bar(capitalise(bucket_da(&b.name)), &b.figures)).collect();
    let caption = format!("Pengene i {} fordelt på spor", title);
    out.push_str(&format!(
        "<h3>Spor</h3>{}{}",
        stacked_bars(&format!("spor{i}"), &caption, &SEGMENTS, &buckets),
        table(&caption, "Spor", &SEGMENTS, &buckets)
    ));
    let populations: Vec<Bar> = s
        .by_target_population
        .iter()
        .map(|t| Bar { label: t.name_da.clone(), parts: vec![money(&t.money.committed), money(&t.money.pending)] })
        .collect();
    let caption = format!("Bevilget og reserveret i {} fordelt på målgrupper", title);
    out.push_str(&format!(
        "<h3>Målgrupper</h3><p class=\"hint\">Et projekt for flere målgrupper tæller ligeligt hos hver.</p>{}{}",
        stacked_bars(&format!("maal{i}"), &caption, &HELD, &populations),
        table(&caption, "Målgruppe", &HELD, &populations)
    ));
    out.push_str("<div class=\"lists\"><div><h3>Seneste afgørelser</h3>");
    out.push_str(&list(&p.decided, "Ingen afgørelser endnu.", true));
    out.push_str("</div><div><h3>Venter på godkendelse</h3>");
    let carry: String = p
        .carry_overs
        .iter()
        .map(|(year, amount)| {
            format!("<li><strong>Overførsel til {year}</strong> – {} holdt tilbage, venter på det politiske niveau</li>", kroner(*amount))
        })
        .collect();
    if carry.is_empty() {
        out.push_str(&list(&p.waiting, "Intet venter.", false));
    } else {
        out.push_str(&format!("<ul>{carry}</ul>"));
        if !p.waiting.is_empty() {
            out.push_str(&list(&p.waiting, "", false));
        }
    }
    out.push_str("</div></div></section>");
    out
}

fn state_of_pool(s: &PoolStatusDto) -> &'static str {
    match serde_json::to_value(s.state).ok().as_ref().and_then(|v| v.as_str()) {
        Some("open") => "Åben for ansøgninger",
        Some("closed") => "Lukket",
        _ => "Kladde (ikke åbnet endnu)",
    }
}

fn model_da(m: &AllocationModelDto) -> String {
    match m {
        AllocationModelDto::Upfront => "Alt fordelt ved årets start".into(),
        AllocationModelDto::Rolling => "Løbende tildeling".into(),
        AllocationModelDto::Split { upfront_share } => match Share::parse(upfront_share) {
            // Percent with a decimal comma, exact (no floats).
            Ok(share) => {
                let pct = |s: Share| s.percent().to_string().replace('.', ",");
                format!("{} % ved årets start, {} % til ad hoc-projekter", pct(share), pct(share.complement()))
            }
            Err(_) => format!("{upfront_share} ved årets start, resten til ad hoc-projekter"),
        },
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn list(apps: &[StoredApplication], empty: &str, dated: bool) -> String {
    if apps.is_empty() {
        return format!("<p>{}</p>", esc(empty));
    }
    let mut out = String::from("<ul>");
    for a in apps {
        let date = if dated { a.decided_at.map(|d| format!(" ({})", d.format("%-d.%-m.%Y"))).unwrap_or_default() } else { String::new() };
        out.push_str(&format!("<li><strong>{}</strong> – {}{}</li>", esc(&a.charter.title), esc(&state_da(&a.state)), date));
    }
    out.push_str("</ul>");
    out
}

fn picker(view: &View) -> String {
    let mut out = String::from(
        "<form class=\"picker\" method=\"get\" action=\"/dashboard\"><label for=\"year\">År</label><select id=\"year\" name=\"year\">",
    );
    for y in &view.years {
        let selected = if Some(*y) == view.year { " selected" } else { "" };
        out.push_str(&format!("<option value=\"{y}\"{selected}>{y}</option>"));
    }
    out.push_str(
        "</select><label for=\"cluster\">Klynge</label><select id=\"cluster\" name=\"cluster\"><option value=\"\">Alle klynger</option>",
    );
    for (slug, name) in &view.clusters {
        let selected = if view.cluster.as_deref() == Some(slug) { " selected" } else { "" };
        out.push_str(&format!("<option value=\"{}\"{selected}>{}</option>", esc(slug), esc(name)));
    }
    out.push_str("</select><button type=\"submit\">Vis</button></form>");
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:0 1.25rem 3rem;font-size:1.15rem;\
line-height:1.5;color:#1a1a1a;background:#fff}h1{font-size:2rem;margin:1rem 0 .5rem}h2{font-size:1.6rem;border-top:3px solid #1f4e79;\
padding-top:.75rem;margin-top:2rem}h3{font-size:1.2rem;margin:1.25rem 0 .4rem}.picker{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;\
background:#f2f2f2;padding:.75rem;border-radius:.3rem}select,button{font:inherit;padding:.3rem .6rem}button{background:#1f4e79;color:#fff;\
border:2px solid #1f4e79;border-radius:.3rem;cursor:pointer}.totals{display:flex;flex-wrap:wrap;gap:1.5rem;margin:.5rem 0}.totals dt{font-size:.95rem;\
color:#333}.totals dd{margin:0;font-size:1.35rem;font-weight:700}.chart{max-width:48rem;display:block}table.figures{border-collapse:collapse;\
margin:.5rem 0 1rem}table.figures caption{text-align:left;font-size:.95rem;color:#333}table.figures th,table.figures td{padding:.2rem .8rem;\
border-bottom:1px solid #bbb;text-align:left}.num{text-align:right!important;font-variant-numeric:tabular-nums}.hint{font-size:.95rem;color:#333;\
margin:0}.lists{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1.5rem}a{color:#1f4e79}:focus{outline:3px solid #a04f00}\
.signout{float:right;margin-top:1.4rem}";

fn render(view: &View, signed_in: bool) -> String {
    let signout = if signed_in {
        "<form class=\"signout\" method=\"post\" action=\"/dashboard/logout\"><button type=\"submit\">Log ud</button></form>"
    } else {
        ""
    };
    let year = view.year.map(|y| y.to_string()).unwrap_or_default();
    let mut body = format!("{signout}<h1>Klyngemidler {year}</h1>{}", picker(view));
    if view.pools.is_empty() {
        body.push_str("<p>Der er ingen puljer for det valgte år og den valgte klynge.</p>");
    }
    for (i, p) in view.pools.iter().enumerate() {
        body.push_str(&pool_section(i, p));
    }
    body.push_str(&super::report::overdue_section(&view.overdue));
    body.push_str("<p class=\"hint\">Beløb i kroner. Tallene kommer fra puljernes regnskab og stemmer til øren med API'et (/api/v1/reports/status).</p>");
    format!(
        "<!doctype html><html lang=\"da\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><link rel=\"icon\" href=\"data:,\"><title>Overblik over klyngemidler {year}</title><style>{STYLE}</style></head>\
         <body><main>{body}</main></body></html>"
    )
}

/// The dashboard for the picked year (default: the latest with pools) and cluster (default: all).
#[route("/dashboard", method = "GET", method = "HEAD")]
pub async fn show(state: web::Data<AppState>, req: HttpRequest, query: web::Query<Picker>) -> HttpResponse {
    let scope = match access(&state, &req).await {
        Ok(Access::Granted(scope)) => scope,
        Ok(Access::SignIn) => return sign_in_page(None),
        Err(e) => {
            tracing::error!(error = %e, "dashboard access check failed");
            return html(StatusCode::SERVICE_UNAVAILABLE, super::page("Prøv igen om lidt", "<p>Systemet kunne ikke svare lige nu.</p>"));
        }
    };
    let year = query.year.as_deref().and_then(|y| y.parse::<i32>().ok());
    let cluster = query.cluster.clone().filter(|c| !c.is_empty());
    let today = state.follow_up.clock.today();
    match state.db.read(move |c| load(c, &scope, year, cluster, today)).await {
        Ok(view) => html(StatusCode::OK, render(&view, !state.public_dashboard)),
        Err(e) => {
            tracing::error!(error = %e, "dashboard failed");
            html(StatusCode::SERVICE_UNAVAILABLE, super::page("Prøv igen om lidt", "<p>Systemet kunne ikke svare lige nu.</p>"))
        }
    }
}
