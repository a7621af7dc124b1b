//! An approver opens a link and answers through it: what the link may still
//! do, and recording the answer (the level moves on when every seat has
//! approved, or at once on a rejection).

use chrono::NaiveDateTime;

use crate::applications::service::advance;
use crate::db::approvals::{self, LinkRow, RequestRow};
use crate::db::audit::{self, AuditEvent};
use crate::db::pools::{Actor, StoredPool};
use crate::db::steps::NewStep;
use crate::db::{AnyConnection, StoreError};
use crate::domain::approval::{self, Answer, AnswerOutcome, LinkProblem, LinkState, RequestState, SeatLink};
use crate::domain::pool::PoliticalMode;
use crate::domain::step::{StepKind, StepOutcome};
use crate::domain::values::PoolKey;
use crate::domain::workflow::{ApplicationState, Event, Level, Outcome};

use super::{ApprovalError, LinkSettings, Loaded, carry_over, open_request};
use crate::mail::notices::{Answered, Next};

/// A link that may be used now, with what it is about.
pub struct LiveLink {
    pub link: LinkRow,
    pub request: RequestRow,
    pub subject: Loaded,
    pub pool: PoolKey,
}

/// Finds the link of a token and checks it may still be used. Changes nothing.
pub fn live_link(conn: &mut AnyConnection, token: &str, now: NaiveDateTime) -> Result<Result<LiveLink, LinkProblem>, StoreError> {
    let hash = crate::secrets::link_token_hash(token);
    let Some(link) = (match hash {
        Some(hash) => approvals::link_by_token_hash(conn, &hash)?,
        None => None,
    }) else {
        return Ok(Err(LinkProblem::Unknown));
    };
    let request = approvals::find_request(conn, link.request_id)?.ok_or_else(|| StoreError::Corrupt("link without request".into()))?;
    let (subject, pool) = Loaded::of(conn, &request)?;
    // Bound to the application (or carry-over) as it was asked about: any later change voids it.
    let view = super::link::view_of(conn, &link, &request, &subject, now)?;
    if let Err(problem) = approval::usable(view) {
        return Ok(Err(problem));
    }
    Ok(Ok(LiveLink { link, request, subject, pool }))
}

/// Evidence of the decision: where it came from.
pub struct Evidence<'a> {
    pub comment: &'a str,
    pub client_ip: &'a str,
    pub user_agent: &'a str,
}

/// What came of an approver's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// Recorded; others still have to answer.
    Waiting,
    /// The level decided, and this is what came of it.
    LevelDone(LevelOutcome),
}

/// What came of a level's decision by e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelOutcome {
    /// The grant is made.
    Granted,
    /// Approved; the political level decides next.
    ToPolitical,
    /// Rejected; the reservation is given back.
    Rejected,
    /// A carry-over was approved and moved.
    CarriedOver,
}

/// Records an approver's decision through a live link, and moves the
/// application on when the level is done: all approve, or one rejects.
pub fn decide(
    conn: &mut AnyConnection,
    live: &LiveLink,
    pool: &StoredPool,
    approve: bool,
    evidence: &Evidence<'_>,
    settings: &LinkSettings,
    now: NaiveDateTime,
) -> Result<Option<Decided>, ApprovalError> {
    let given = if approve { Answer::Approve } else { Answer::Reject };
    let links = approvals::links_of(conn, live.request.id)?;
    let states = links.iter().map(LinkRow::link_state).collect::<Result<Vec<_>, _>>()?;
    let seats: Vec<SeatLink<'_>> = links.iter().zip(&states).map(|(l, s)| SeatLink { seat: l.seat_name(), state: *s }).collect();
    let index = links.iter().position(|l| l.id == live.link.id).ok_or_else(|| StoreError::Corrupt("link not in its request".into()))?;
    let Ok(outcome) = approval::answer(live.request.request_state()?, &seats, index, given) else {
        return Ok(None); // someone else used it first, or the request ended meanwhile
    };
    if !approvals::decide_link(conn, live.link.id, given.link_state(), evidence.comment, evidence.client_ip, evidence.user_agent, now)? {
        return Ok(None);
    }
    // The seat has answered: the co-chair's (or deputy's) other link is void.
    for other in links.iter().filter(|l| l.id != live.link.id && l.seat_name() == live.link.seat_name()) {
        approvals::decide_link(conn, other.id, LinkState::Void, "", "", "", now)?;
    }
    let actor_name = format!("{} <{}> via e-mail-link", live.link.approver_name, live.link.approver_email);
    let actor = Actor { name: &actor_name, request_id: None, at: now };
    audit::record(
        conn,
        &AuditEvent {
            at: now,
            actor: actor.name,
            action: if approve { "approval.link_approved" } else { "approval.link_rejected" },
            subject: live.subject.audit_subject(),
            before: None,
            after: Some(serde_json::json!({
                "request": live.request.id,
                "level": live.request.level,
                "comment": evidence.comment,
                "client_ip": evidence.client_ip,
                "user_agent": evidence.user_agent,
            })),
            request_id: None,
        },
    )?;
    // What the notices tell: the case as it was answered (before the level moves it on).
    let facts = live.subject.facts(conn, pool)?;
    let decided = conclude(conn, live, pool, outcome, approve, &links, actor, settings)?;
    let next = match decided {
        Decided::Waiting => Next::Waiting,
        Decided::LevelDone(LevelOutcome::Granted) => Next::Granted,
        Decided::LevelDone(LevelOutcome::ToPolitical) => Next::ToPolitical,
        Decided::LevelDone(LevelOutcome::Rejected) => Next::Rejected,
        Decided::LevelDone(LevelOutcome::CarriedOver) => Next::CarriedOver,
    };
    let answered =
        Answered { facts: &facts, approver: &live.link.approver_name, approved: approve, comment: evidence.comment, at: now, next };
    let after = approvals::links_of(conn, live.request.id)?;
    super::notify::tell_answer(conn, &answered, &live.link, &after, &settings.secretariat_email, now)?;
    Ok(Some(decided))
}

/// The request after an answer: still waiting, or decided, with the level moved on.
#[allow(clippy::too_many_arguments)]
fn conclude(
    conn: &mut AnyConnection,
    live: &LiveLink,
    pool: &StoredPool,
    outcome: AnswerOutcome,
    approve: bool,
    links: &[LinkRow],
    actor: Actor<'_>,
    settings: &LinkSettings,
) -> Result<Decided, ApprovalError> {
    let now = actor.at;
    let AnswerOutcome::LevelDecided { state: ended } = outcome else {
        return Ok(Decided::Waiting);
    };
    let level = Level::parse(&live.request.level).ok_or_else(|| StoreError::Corrupt("bad level".into()))?;
    if !approvals::decide_request(conn, live.request.id, ended, now)? {
        return Err(ApprovalError::Changed); // expired or ended meanwhile: nothing of this answer is kept
    }
    approvals::void_pending(conn, live.request.id)?;
    // Who decided it: every approver when all approved, the one who rejected otherwise.
    let names: Vec<String> = links
        .iter()
        .filter(|l| l.id == live.link.id || (ended == RequestState::Approved && l.link_state().is_ok_and(|s| s == LinkState::Approved)))
        .map(|l| l.approver_name.clone())
        .collect();
    let app = match &live.subject {
        Loaded::Application(app) => app,
        Loaded::CarryOver(row) => return carry_over::conclude_by_email(conn, row, approve, &names, actor, &settings.secretariat_email),
    };
    let decision = if approve { Outcome::Approved } else { Outcome::Rejected };
    let event = Event::Decide { level, outcome: decision, amount: None };
    let note = format!("Pr. e-mail-link: {}", names.join(", "));
    let step = NewStep {
        step: StepKind::of_level(level),
        outcome: StepOutcome::of_decision(decision),
        amount: None,
        meeting_date: None,
        reference: "Godkendelse pr. e-mail-link",
        note: &note,
        meeting: None,
    };
    let done = advance(conn, app, pool, event, &step, "approval.level_decided", actor, Some(&settings.secretariat_email))?;
    // The next step starts by itself.
    if let ApplicationState::Reserved { awaiting: Level::Political, .. } = done.transition.state {
        if pool.pool.policy.political == PoliticalMode::Email {
            open_request(conn, &done.application, pool, Level::Political, None, actor, settings)?;
        }
    }
    Ok(Decided::LevelDone(match done.transition.state {
        ApplicationState::Approved { .. } => LevelOutcome::Granted,
        ApplicationState::Reserved { .. } => LevelOutcome::ToPolitical,
        _ => LevelOutcome::Rejected,
    }))
}
