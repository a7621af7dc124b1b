//! Approval by e-mail link as a state machine: a request asks every approver
//! of a level, each through a personal link. All must approve; one rejection
//! ends it. A link can be used once, until it expires, and only while its
//! request is open and the case is as it was when asked.

use chrono::NaiveDateTime;
mod request;
pub use request::{RequestEvent, RequestTransitionError, transition};

/// Where an approval request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestState {
    Open,
    /// Every approver approved.
    Approved,
    /// One approver rejected.
    Rejected,
    /// Withdrawn by the secretariat (or by a decision taken another way).
    Revoked,
    /// Ended because the pool it concerns was closed.
    PoolClosed,
    /// Every link passed its expiry with answers missing; the money stays
    /// reserved until the secretariat resends (open again) or revokes.
    Expired,
}

impl RequestState {
    pub const ALL: [RequestState; 6] = [
        RequestState::Open,
        RequestState::Approved,
        RequestState::Rejected,
        RequestState::Revoked,
        RequestState::PoolClosed,
        RequestState::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Open => "open",
            RequestState::Approved => "approved",
            RequestState::Rejected => "rejected",
            RequestState::Revoked => "revoked",
            RequestState::PoolClosed => "pool_closed",
            RequestState::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<RequestState> {
        RequestState::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Where one approver's link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkState {
    Pending,
    Approved,
    Rejected,
    /// Replaced by a newer link, or its request ended.
    Void,
}

impl LinkState {
    pub const ALL: [LinkState; 4] = [LinkState::Pending, LinkState::Approved, LinkState::Rejected, LinkState::Void];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Pending => "pending",
            LinkState::Approved => "approved",
            LinkState::Rejected => "rejected",
            LinkState::Void => "void",
        }
    }

    pub fn parse(text: &str) -> Option<LinkState> {
        LinkState::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// An approver's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Approve,
    Reject,
}

impl Answer {
    /// What the link becomes.
    pub fn link_state(self) -> LinkState {
        match self {
            Answer::Approve => LinkState::Approved,
            Answer::Reject => LinkState::Rejected,
        }
    }
}

/// Why a link cannot be used (what its page says). Approval links tell the
/// cases apart so the page can say what happened and what to do; report
/// links (follow-up) use `Used`, `Void` and `Expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// No such link.
    Unknown,
    /// Used already (a report link).
    Used,
    /// No longer valid (a report link whose entry closed; an approval link
    /// that was void when answered).
    Void,
    Expired,
    /// The pool was closed while the request was open.
    PoolClosed,
    /// This approver answered through this link (`at`: when).
    AnsweredByYou {
        answer: Answer,
        at: Option<NaiveDateTime>,
    },
    /// The other link of the same seat answered (a co-chair and their deputy share one).
    SeatAnswered(Answer),
    /// Another approver rejected; the request ended.
    RejectedByOther,
    /// Every seat approved without this link (the request is approved).
    ApprovedByOthers,
    /// The case was decided at a meeting or otherwise.
    DecidedElsewhere,
    /// The applicant withdrew the application.
    Withdrawn,
    /// The case changed after the link was sent.
    Changed {
        newer_link: bool,
    },
    /// Withdrawn by the secretariat, or replaced by a newer link (`newer_link`:
    /// a live newer link for the same approver really exists).
    Revoked {
        newer_link: bool,
    },
}

/// What the link and its request look like when someone opens the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkView {
    pub link: LinkState,
    pub request: RequestState,
    /// Whether `now` is past the link's expiry.
    pub expired: bool,
    /// Whether the case (application or carry-over) is still the version asked about.
    pub same_version: bool,
    /// When this link was answered.
    pub decided_at: Option<NaiveDateTime>,
    /// What another link of the same seat answered, if it did.
    pub seat_answer: Option<Answer>,
    /// Whether a newer, still usable link for the same approver exists.
    pub newer_link: bool,
    /// Whether the case no longer waits for this level: decided (at a
    /// meeting, by e-mail or otherwise), withdrawn, or moved on to the next level.
    pub case_decided: bool,
    /// Whether the applicant withdrew the application.
    pub case_withdrawn: bool,
}

impl LinkView {
    /// A pending link of an open request, as sent.
    pub fn fresh() -> LinkView {
        LinkView {
            link: LinkState::Pending,
            request: RequestState::Open,
            expired: false,
            same_version: true,
            decided_at: None,
            seat_answer: None,
            newer_link: false,
            case_decided: false,
            case_withdrawn: false,
        }
    }
}

/// Whether a link may be used now, and if not, why: the approver's own
/// answer first, then their seat's, then how the request ended, then a
/// replaced link, expiry and a changed case.
pub fn usable(view: LinkView) -> Result<(), LinkProblem> {
    match view.link {
        LinkState::Approved => return Err(LinkProblem::AnsweredByYou { answer: Answer::Approve, at: view.decided_at }),
        LinkState::Rejected => return Err(LinkProblem::AnsweredByYou { answer: Answer::Reject, at: view.decided_at }),
        LinkState::Pending | LinkState::Void => {}
    }
    if let Some(answer) = view.seat_answer {
        return Err(LinkProblem::SeatAnswered(answer));
    }
    if view.case_withdrawn && view.request != RequestState::PoolClosed {
        return Err(LinkProblem::Withdrawn);
    }
    let revoked = || {
        if view.case_decided && !view.newer_link {
            LinkProblem::DecidedElsewhere
        } else {
            LinkProblem::Revoked { newer_link: view.newer_link }
        }
    };
    match view.request {
        RequestState::PoolClosed => Err(LinkProblem::PoolClosed),
        RequestState::Expired => Err(LinkProblem::Expired),
        RequestState::Rejected => Err(LinkProblem::RejectedByOther),
        RequestState::Approved => Err(LinkProblem::ApprovedByOthers),
        RequestState::Revoked => Err(revoked()),
        RequestState::Open if view.link == LinkState::Void => Err(revoked()),
        RequestState::Open if view.expired => Err(LinkProblem::Expired),
        RequestState::Open if !view.same_version => {
            Err(if view.case_decided { LinkProblem::DecidedElsewhere } else { LinkProblem::Changed { newer_link: view.newer_link } })
        }
        RequestState::Open => Ok(()),
    }
}

/// What an answer does to its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// Recorded; others must still answer.
    Waiting,
    /// The level decided: every approver approved, or this one rejected.
    /// The request becomes `state`; the other links are void.
    LevelDecided { state: RequestState },
}

/// One link of a request: the seat it answers for (a co-chair's seat is
/// shared with their deputy; everyone else has a seat of their own) and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatLink<'a> {
    pub seat: &'a str,
    pub state: LinkState,
}

/// The request's links after `answer` through link number `index`: "every
/// seat approves, one rejection ends it". A seat is approved when any of its
/// links is (a deputy's answer counts once for their co-chair). The link
/// must be pending and the request open.
pub fn answer(request: RequestState, links: &[SeatLink<'_>], index: usize, answer: Answer) -> Result<AnswerOutcome, LinkProblem> {
    match request {
        RequestState::Open => {}
        RequestState::PoolClosed => return Err(LinkProblem::PoolClosed),
        RequestState::Expired => return Err(LinkProblem::Expired),
        _ => return Err(LinkProblem::Void),
    }
    let Some(answering) = links.get(index) else { return Err(LinkProblem::Unknown) };
    match answering.state {
        LinkState::Pending => {}
        LinkState::Void => return Err(LinkProblem::Void),
        LinkState::Approved => return Err(LinkProblem::AnsweredByYou { answer: Answer::Approve, at: None }),
        LinkState::Rejected => return Err(LinkProblem::AnsweredByYou { answer: Answer::Reject, at: None }),
    }
    // The seat has answered through another link.
    if let Some(other) = links.iter().find(|l| l.seat == answering.seat && matches!(l.state, LinkState::Approved | LinkState::Rejected)) {
        return Err(LinkProblem::SeatAnswered(if other.state == LinkState::Approved { Answer::Approve } else { Answer::Reject }));
    }
    if answer == Answer::Reject {
        return Ok(AnswerOutcome::LevelDecided { state: RequestState::Rejected });
    }
    let seat_approved = |seat: &str| seat == answering.seat || links.iter().any(|l| l.seat == seat && l.state == LinkState::Approved);
    let all_approved = links.iter().all(|l| seat_approved(l.seat));
    Ok(if all_approved { AnswerOutcome::LevelDecided { state: RequestState::Approved } } else { AnswerOutcome::Waiting })
}

/// What an approver is to the strategic level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApproverRole {
    /// One of the two co-chairs: one regional, one municipal.
    CoChair,
    /// A co-chair's named deputy, who may answer once in their place.
    Deputy,
    Member,
}

impl ApproverRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ApproverRole::CoChair => "co_chair",
            ApproverRole::Deputy => "deputy",
            ApproverRole::Member => "member",
        }
    }

    pub fn parse(text: &str) -> Option<ApproverRole> {
        [ApproverRole::CoChair, ApproverRole::Deputy, ApproverRole::Member].into_iter().find(|r| r.as_str() == text)
    }
}

/// The two sides of the co-chairs (medformandskabet).
pub const CO_CHAIR_SIDES: [&str; 2] = ["regional", "municipal"];

/// One approver as the co-chair rule sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approver<'a> {
    pub email: &'a str,
    pub side: &'a str,
    pub role: ApproverRole,
    /// A deputy's co-chair (their address).
    pub deputy_for: &'a str,
    /// Steps aside (the applying party's own approver).
    pub recused: bool,
}

/// Why the strategic level cannot be asked by e-mail with these approvers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoChairError {
    #[error(
        "a {0} co-chair is missing: the strategic e-mail approval needs exactly one regional and one municipal co-chair (role co_chair)"
    )]
    Missing(&'static str),
    #[error("there are several {0} co-chairs; the strategic e-mail approval needs exactly one regional and one municipal")]
    SeveralOnOneSide(&'static str),
    #[error("the {0} co-chair must step aside for this application and has no deputy to answer in their place")]
    SeatEmpty(&'static str),
}

/// A co-chair's seat: who is asked for it (the co-chair, their deputy, or
/// both; whoever answers first counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    /// The co-chair's address: the seat's name.
    pub seat: String,
    /// Indexes into the approvers list of those asked for this seat.
    pub asked: Vec<usize>,
}

/// The strategic e-mail approval's seats: exactly one regional and one
/// municipal co-chair, each with their named deputy if they have one.
pub fn co_chair_seats(approvers: &[Approver<'_>]) -> Result<Vec<Seat>, CoChairError> {
    let mut seats = Vec::new();
    for side in CO_CHAIR_SIDES {
        let chairs: Vec<usize> =
            (0..approvers.len()).filter(|i| approvers[*i].role == ApproverRole::CoChair && approvers[*i].side == side).collect();
        let chair = match chairs.as_slice() {
            [] => return Err(CoChairError::Missing(side)),
            [one] => *one,
            _ => return Err(CoChairError::SeveralOnOneSide(side)),
        };
        let email = approvers[chair].email;
        let deputy = (0..approvers.len())
            .find(|i| approvers[*i].role == ApproverRole::Deputy && approvers[*i].deputy_for.eq_ignore_ascii_case(email));
        let asked: Vec<usize> = std::iter::once(chair).chain(deputy).filter(|i| !approvers[*i].recused).collect();
        if asked.is_empty() {
            return Err(CoChairError::SeatEmpty(side));
        }
        seats.push(Seat { seat: email.to_lowercase(), asked });
    }
    Ok(seats)
}

#[cfg(test)]
mod tests;
