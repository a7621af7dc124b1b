//! The political level signs off a carry-over by e-mail link: the same
//! requests, links and mail as for applications, with its own facts.

use super::{ApprovalError, Asked, Decided, LevelOutcome, LinkSettings, send_request};
use crate::db::approvals::{self, RequestRow, Subject};
use crate::db::carry_overs::CarryOverRow;
use crate::db::pools::{Actor, StoredPool};
use crate::db::{AnyConnection, StoreError, clusters};
use crate::domain::carry_over::{CarryOverError, CarryOverState};
use crate::domain::danish::{date_da, time_da};
use crate::domain::pool::PoliticalMode;
use crate::domain::workflow::Level;
use crate::mail::templates::{FactStep, Facts};
use crate::year_end::service::{self as service, Answer};

/// Where in the target year's pool the money goes, as a place: "lægges i forhåndspuljen".
fn bucket_da(bucket: &str) -> &'static str {
    match bucket {
        "upfront" => "forhåndspuljen",
        "ad_hoc" => "ad hoc-puljen",
        _ => "den løbende pulje",
    }
}

/// What the political approvers are shown about a carry-over: its own
/// wording (a transfer recommended by the co-chairs, not a grant applied for).
pub fn carry_over_facts(conn: &mut AnyConnection, row: &CarryOverRow, source: &StoredPool) -> Result<Facts, StoreError> {
    let cluster = clusters::find(conn, source.pool.key.cluster.as_str())?.map_or(source.pool.key.cluster.to_string(), |c| c.name);
    let from = source.pool.year().get();
    let when = row.recommendation_date.map_or_else(|| time_da(row.proposed_at), date_da);
    let mut steps = vec![FactStep {
        when,
        what: "Fagligt strategisk niveau (formandskabet) indstillede overførslen".into(),
        comment: row.recommendation_reference.clone(),
    }];
    if !row.note.is_empty() {
        steps[0].comment = format!("{} {}", row.recommendation_reference, row.note).trim().to_owned();
    }
    Ok(Facts {
        kind: crate::mail::templates::FactsKind::CarryOver,
        title: format!("Overførsel af restmidler fra {from} til {}", row.to_year),
        applicant: "Fagligt strategisk niveau (formandskabet)".into(),
        amount: row.amount()?,
        bucket: row.bucket.clone(),
        pool: source.pool.key.to_string(),
        cluster,
        target_populations: Vec::new(),
        purpose: format!(
            "Det, der er tilbage i puljen {} efter årets afslutning, overføres til puljen for {} og lægges i {}. \
             Intet flyttes, før det politiske niveau har godkendt overførslen.",
            source.pool.key,
            row.to_year,
            bucket_da(&row.bucket)
        ),
        period: None,
        budget: Vec::new(),
        goals: String::new(),
        organisation: String::new(),
        evaluation: String::new(),
        available_after: None,
        steps,
        others: Vec::new(),
        deadline: None,
    })
}

/// Asks every political approver of the cluster to sign off the carry-over.
pub fn open_carry_over_request(
    conn: &mut AnyConnection,
    row: &CarryOverRow,
    source: &StoredPool,
    actor: Actor<'_>,
    settings: &LinkSettings,
) -> Result<RequestRow, ApprovalError> {
    let state = row.state()?;
    if state != CarryOverState::Proposed {
        return Err(service::CarryOverFailure::Rule(CarryOverError::NotProposed { state }).into());
    }
    if let Some(open) = approvals::open_request_of(conn, Subject::CarryOver(row.id))? {
        return Err(ApprovalError::AlreadyOpen(open.id));
    }
    if source.pool.policy.political != PoliticalMode::Email {
        return Err(ApprovalError::NotByEmail(Level::Political));
    }
    let approvers = approvals::approvers_of(conn, source.cluster_id, Some(Level::Political.as_str()))?;
    if approvers.is_empty() {
        return Err(ApprovalError::NoApprovers(Level::Political));
    }
    let facts = carry_over_facts(conn, row, source)?;
    let asked_list: Vec<(approvals::ApproverRow, String)> = approvers
        .into_iter()
        .map(|a| {
            let seat = a.email.clone();
            (a, seat)
        })
        .collect();
    let asked = Asked {
        subject: Subject::CarryOver(row.id),
        level: Level::Political,
        version: row.version,
        approvers: &asked_list,
        recused: &[],
        reason: "",
    };
    send_request(conn, &asked, &facts, actor, settings)
}

/// Every political approver approved (or one rejected): the carry-over is concluded.
pub(crate) fn conclude_by_email(
    conn: &mut AnyConnection,
    row: &CarryOverRow,
    approve: bool,
    names: &[String],
    actor: Actor<'_>,
    secretariat: &str,
) -> Result<Decided, ApprovalError> {
    let reference = format!("Godkendelse pr. e-mail-link: {}", names.join(", "));
    let answer = Answer { approve, channel: "email", meeting_date: None, reference: &reference };
    let saved = service::conclude(conn, row, &answer, actor)?;
    let executed = saved.state().is_ok_and(|s| s == crate::domain::carry_over::CarryOverState::Executed);
    crate::mail::tell::carry_over_decided(conn, &saved, "pr. e-mail-link", secretariat, actor.at)?;
    Ok(Decided::LevelDone(if executed { LevelOutcome::CarriedOver } else { LevelOutcome::Rejected }))
}
