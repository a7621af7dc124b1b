//! What one link shows: why it can no longer be used (told apart, so the
//! page can say what happened), and the facts as its approver sees them
//! (the other approvers of the level and their answers, the deadline).

use chrono::NaiveDateTime;

use super::{LiveLink, Loaded};
use crate::db::approvals::{self, LinkRow, RequestRow};
use crate::db::pools::StoredPool;
use crate::db::{AnyConnection, StoreError};
use crate::domain::approval::{Answer, LinkState, LinkView};
use crate::domain::carry_over::CarryOverState;
use crate::domain::workflow::{ApplicationState, Level};
use crate::mail::templates::{Facts, OtherAnswer, OtherApprover};

/// The link and everything around it that tells why it may not be usable.
pub(super) fn view_of(
    conn: &mut AnyConnection,
    link: &LinkRow,
    request: &RequestRow,
    subject: &Loaded,
    now: NaiveDateTime,
) -> Result<LinkView, StoreError> {
    let links = approvals::links_of(conn, request.id)?;
    let seat_answer = links.iter().filter(|l| l.id != link.id && l.seat_name() == link.seat_name()).find_map(|l| match l.link_state() {
        Ok(LinkState::Approved) => Some(Answer::Approve),
        Ok(LinkState::Rejected) => Some(Answer::Reject),
        _ => None,
    });
    // A newer link for the same approver that works now: only then is
    // "use the newest link" true.
    let newer_link = match request.subject() {
        Some(subject) => match approvals::open_request_of(conn, subject)? {
            Some(open) => approvals::links_of(conn, open.id)?.iter().any(|l| {
                l.id != link.id
                    && l.approver_email.eq_ignore_ascii_case(&link.approver_email)
                    && l.state == LinkState::Pending.as_str()
                    && l.expires_at > now
            }),
            None => false,
        },
        None => false,
    };
    let level = Level::parse(&request.level);
    let case_decided = match subject {
        Loaded::Application(app) => match app.state {
            ApplicationState::Approved { .. } | ApplicationState::Rejected { .. } | ApplicationState::Withdrawn => true,
            ApplicationState::Reserved { awaiting, .. } => level == Some(Level::Strategic) && awaiting == Level::Political,
            _ => false,
        },
        Loaded::CarryOver(row) => row.state()? != CarryOverState::Proposed,
    };
    Ok(LinkView {
        link: link.link_state()?,
        request: request.request_state()?,
        expired: link.expires_at <= now,
        same_version: subject.version() == request.application_version,
        decided_at: link.decided_at,
        seat_answer,
        newer_link,
        case_decided,
        case_withdrawn: matches!(subject, Loaded::Application(app) if app.state == ApplicationState::Withdrawn),
    })
}

/// The facts as the link's approver sees them: the subject's facts, the
/// other seats of the level with what they answered, and the deadline.
pub fn facts_for_link(conn: &mut AnyConnection, live: &LiveLink, pool: &StoredPool) -> Result<Facts, StoreError> {
    let mut facts = live.subject.facts(conn, pool)?;
    let sides = approvals::approvers_of(conn, pool.cluster_id, Some(&live.request.level))?;
    let side_of = |email: &str| {
        sides.iter().find(|a| a.email.eq_ignore_ascii_case(email)).and_then(|a| match a.side.as_str() {
            "regional" => Some("regionen".to_owned()),
            "municipal" => Some("kommunerne".to_owned()),
            _ => None,
        })
    };
    let links = approvals::links_of(conn, live.request.id)?;
    let mut seats: Vec<&str> = Vec::new();
    for l in &links {
        if l.seat_name() != live.link.seat_name() && !seats.contains(&l.seat_name()) {
            seats.push(l.seat_name());
        }
    }
    for seat in seats {
        let of_seat: Vec<&LinkRow> = links.iter().filter(|l| l.seat_name() == seat && l.state != LinkState::Void.as_str()).collect();
        let answered = of_seat.iter().find(|l| l.state == LinkState::Approved.as_str() || l.state == LinkState::Rejected.as_str());
        let other = match answered {
            Some(l) => OtherApprover {
                title: l.approver_name.clone(),
                side: side_of(&l.approver_email),
                answer: if l.state == LinkState::Approved.as_str() { OtherAnswer::Approved } else { OtherAnswer::Rejected },
                at: l.decided_at,
                comment: l.comment.clone(),
            },
            None => {
                let Some(first) = of_seat.first() else { continue };
                let mut titles: Vec<&str> = Vec::new();
                for l in &of_seat {
                    if !titles.contains(&l.approver_name.as_str()) {
                        titles.push(&l.approver_name);
                    }
                }
                OtherApprover {
                    title: titles.join(" eller "),
                    side: side_of(&first.approver_email),
                    answer: OtherAnswer::Waiting,
                    at: None,
                    comment: String::new(),
                }
            }
        };
        facts.others.push(other);
    }
    facts.deadline = Some(live.link.expires_at);
    Ok(facts)
}
