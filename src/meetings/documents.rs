//! Reads a meeting into a [`MeetingDocument`]: its items with their texts,
//! the case facts computed from the ledger and the charters as they are now,
//! and the figures of every pool the items draw on, at the time of printing.

use chrono::NaiveDateTime;

use super::document::{DocumentItem, DocumentKind, MeetingDocument, PoolFigures};
use super::service::{MeetingError, amount_at_stake, names};
use crate::db::meetings::{self as store, ItemRow, MeetingRow};
use crate::db::{AnyConnection, StoreError, applications, carry_overs, clusters, ledger, pools};
use crate::domain::ledger::PoolStatus;
use crate::domain::meeting::indstilling::{bucket_da, intro, listing, model_da};
use crate::domain::meeting::{ItemKind, ItemOutcome, outcome_da};
use crate::domain::money::{Money, kroner};

const MONTHS: [&str; 12] =
    ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"];

/// "13. oktober 2022".
pub fn date_da(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}. {} {}", date.day(), MONTHS[date.month0() as usize], date.year())
}

/// "1. december 2026 kl. 12.45", in Danish time.
pub fn moment_da(at: NaiveDateTime) -> String {
    use chrono::Timelike;
    let local = chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(at, chrono::Utc).with_timezone(&chrono_tz::Europe::Copenhagen);
    format!("{} kl. {:02}.{:02}", date_da(local.date_naive()), local.hour(), local.minute())
}

/// The meeting as an agenda or as decision minutes.
pub fn load(
    conn: &mut AnyConnection,
    meeting: &MeetingRow,
    kind: DocumentKind,
    at: NaiveDateTime,
) -> Result<MeetingDocument, MeetingError> {
    let cluster = clusters::find_by_id(conn, meeting.cluster_id)?.ok_or_else(|| StoreError::Corrupt("meeting without cluster".into()))?;
    let forum = meeting.forum()?;
    let rows = store::items(conn, meeting.id)?;
    let mut items = Vec::with_capacity(rows.len());
    let mut pool_ids: Vec<i64> = Vec::new();
    for row in &rows {
        if let Some(p) = row.pool_id.filter(|p| !pool_ids.contains(p)) {
            pool_ids.push(p);
        }
        let item_kind = row.kind()?;
        let outcome = match kind {
            DocumentKind::Minutes => row
                .outcome()
                .map(|o| outcome_da(item_kind, o, o == ItemOutcome::Approved && row.outcome_amount().is_none(), row.outcome_amount())),
            DocumentKind::Agenda => None,
        };
        items.push(DocumentItem {
            number: u32::try_from(row.number).unwrap_or(0),
            title: row.title.clone(),
            case_text: row.paragraphs(),
            facts: facts(conn, row)?,
            indstilling_intro: intro(forum, &cluster.name),
            proposals: row.proposals(),
            outcome,
            referat: match kind {
                DocumentKind::Minutes => row.outcome_note.split("\n\n").filter(|p| !p.trim().is_empty()).map(str::to_owned).collect(),
                DocumentKind::Agenda => Vec::new(),
            },
        });
    }
    let mut figures = Vec::new();
    for id in pool_ids {
        figures.push(pool_figures(conn, id)?);
    }
    Ok(MeetingDocument {
        kind,
        cluster_name: cluster.name.clone(),
        forum_da: forum.name_da().to_owned(),
        title: meeting.title.clone(),
        date: meeting.date,
        location: meeting.location.clone(),
        attendees: meeting.attendees(),
        apologies: meeting.apologies(),
        reference: (kind == DocumentKind::Minutes && !meeting.reference.is_empty()).then(|| meeting.reference.clone()),
        printed_at: moment_da(at),
        items,
        pools: figures,
    })
}

fn facts(conn: &mut AnyConnection, row: &ItemRow) -> Result<Vec<(String, String)>, MeetingError> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut fact = |label: &str, value: String| out.push((label.to_owned(), value));
    match row.kind()? {
        ItemKind::Application => {
            let Some(app) = row.application_id.map(|id| applications::find(conn, id)).transpose()?.flatten() else { return Ok(Vec::new()) };
            let pool = pools::find_by_id(conn, app.pool_id)?.ok_or_else(|| StoreError::Corrupt("no pool".into()))?;
            let (party, populations) = names(conn, pool.cluster_id, &app)?;
            let available = ledger::balances(conn, pool.id)?.available(app.charter.bucket);
            fact("Ansøger", party);
            let mut partners = Vec::new();
            for slug in &app.charter.partner_parties {
                partners.push(crate::db::reference::find_party(conn, pool.cluster_id, slug)?.map_or_else(|| slug.clone(), |p| p.name));
            }
            if !partners.is_empty() {
                fact("Partnere", listing(&partners));
            }
            let sectors = crate::domain::eligibility::sectors_of(&app.party_kinds);
            fact("Sektorer", sectors.iter().map(|s| s.name_da()).collect::<Vec<_>>().join(", "));
            fact("Målgrupper", listing(&populations));
            fact("Ansøgt beløb", kroner(app.charter.requested));
            fact("Beløb til beslutning", kroner(amount_at_stake(&app)));
            fact("Pulje", format!("{} ({})", pool.pool.key, bucket_da(app.charter.bucket)));
            fact("Til rådighed nu", kroner(available));
            fact("Status", crate::reports::danish::application_state(app.state.name()).into_owned());
        }
        ItemKind::CarryOver => {
            let Some(c) = row.carry_over_id.map(|id| carry_overs::find(conn, id)).transpose()?.flatten() else { return Ok(Vec::new()) };
            let from = carry_overs::source_key(conn, c.id)?.map(|k| k.to_string()).unwrap_or_default();
            let amount = if c.at_closing && c.state == "proposed" {
                c.asked_ore.and_then(Money::from_ore).map_or_else(|| "Det, der er tilbage ved årets udgang".to_owned(), kroner)
            } else {
                kroner(c.amount()?)
            };
            fact("Fra pulje", from);
            fact("Til år", c.to_year.to_string());
            fact("Beløb", amount);
            fact("Driftsforums indstilling", c.recommendation_reference.clone());
        }
        ItemKind::Model => {
            if let Some(pool) = row.pool_id.map(|id| pools::find_by_id(conn, id)).transpose()?.flatten() {
                fact("Pulje", pool.pool.key.to_string());
                fact("Gældende model", capitalised(&model_da(pool.pool.model)));
            }
            if let Some(m) = row.model()? {
                fact("Foreslået model", capitalised(&model_da(m)));
            }
        }
        ItemKind::Note => {}
        ItemKind::Amendment => {
            if let Some(a) = row.amendment_id.map(|id| crate::db::amendments::find(conn, id)).transpose()?.flatten() {
                fact("Bevilget i dag", kroner(a.amendment.before.amount));
                fact("Ny samlet bevilling", kroner(a.amendment.after.amount));
                fact("Slutdato", a.amendment.after.ends_on.format("%d.%m.%Y").to_string());
                fact(
                    "Status",
                    a.amendment.state.as_str().replace("pending", "afventer").replace("approved", "godkendt").replace("rejected", "afvist"),
                );
            }
        }
        ItemKind::GrantStatus => {
            if let Some(g) = row.grant_id.map(|id| crate::db::grants::find(conn, id)).transpose()?.flatten() {
                fact("Bevilget", kroner(g.grant.amount));
                fact("Udbetalt", kroner(g.grant.disbursed));
                fact(
                    "Tilbage",
                    kroner(
                        g.grant.amount.checked_sub(g.grant.disbursed).and_then(|m| m.checked_sub(g.grant.released)).unwrap_or(Money::ZERO),
                    ),
                );
                if let Some(r) = crate::db::follow_up::reports_of(conn, g.id)?.last() {
                    fact("Seneste rapport", format!("{} ({})", r.progress.words_da(), date_da(r.submitted_at.date())));
                }
            }
        }
    }
    Ok(out)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A pool's figures: a column per bucket and one for the whole pool.
fn pool_figures(conn: &mut AnyConnection, pool_id: i64) -> Result<PoolFigures, MeetingError> {
    let pool = pools::find_by_id(conn, pool_id)?.ok_or_else(|| StoreError::Corrupt("no pool".into()))?;
    let balances = ledger::balances(conn, pool.id)?;
    let status = PoolStatus::from_balances(pool.pool.model, &balances).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut columns: Vec<String> = status.buckets.iter().map(|(b, _)| crate::reports::danish::bucket(*b).to_owned()).collect();
    columns.push("I alt".to_owned());
    let all: Vec<_> = status.buckets.iter().map(|(_, f)| *f).chain([status.overall]).collect();
    let row = |label: &str, pick: fn(&crate::domain::ledger::Figures) -> Money| (label.to_owned(), all.iter().map(pick).collect());
    let mut rows = vec![row("Puljens midler", |f| f.total)];
    if !status.overall.carried_in.is_zero() {
        rows.push(row("Heraf overført fra tidligere år", |f| f.carried_in));
    }
    rows.push(row("Bevilget", |f| f.committed));
    rows.push(row("Reserveret til beslutning", |f| f.pending));
    rows.push(row("Til rådighed", |f| f.available));
    Ok(PoolFigures { caption: format!("Pulje {} ({}, {})", pool.pool.key, pool.pool.key.cluster, pool.pool.key.year.get()), columns, rows })
}
