//! Approval by e-mail link as a state machine: a request asks every approver
//! of a level, each through a personal link. All must approve; one rejection
//! ends it. A link can be used once, until it expires, and only while its
//! request is open and the case is as it was when asked.

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
    /// The deadline passed with answers missing; the money stays reserved until the secretariat resends or revokes.
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

/// Why a link cannot be used (what its page says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// No such link.
    Unknown,
    /// Answered already.
    Used,
    /// Replaced, revoked, or the case changed after it was sent.
    Void,
    Expired,
    /// The pool was closed while the request was open.
    PoolClosed,
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
}

/// Whether a link may be used now, and if not, why. Answered links say so
/// first, then void ones (with the pool's closing named), then expiry, then
/// a request that ended or a case that changed since.
pub fn usable(view: LinkView) -> Result<(), LinkProblem> {
    match view.link {
        LinkState::Approved | LinkState::Rejected => return Err(LinkProblem::Used),
        LinkState::Void if view.request == RequestState::PoolClosed => return Err(LinkProblem::PoolClosed),
        LinkState::Void => return Err(LinkProblem::Void),
        LinkState::Pending => {}
    }
    if view.expired {
        return Err(LinkProblem::Expired);
    }
    match view.request {
        RequestState::Open if view.same_version => Ok(()),
        RequestState::PoolClosed => Err(LinkProblem::PoolClosed),
        _ => Err(LinkProblem::Void),
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
    if request != RequestState::Open {
        return Err(if request == RequestState::PoolClosed { LinkProblem::PoolClosed } else { LinkProblem::Void });
    }
    let Some(answering) = links.get(index) else { return Err(LinkProblem::Unknown) };
    match answering.state {
        LinkState::Pending => {}
        LinkState::Void => return Err(LinkProblem::Void),
        LinkState::Approved | LinkState::Rejected => return Err(LinkProblem::Used),
    }
    if links.iter().any(|l| l.seat == answering.seat && l.state != LinkState::Pending && l.state != LinkState::Void) {
        return Err(LinkProblem::Used); // the seat has answered through another link
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
mod tests {
    use super::*;
    use LinkState::{Approved, Pending, Rejected, Void};

    /// Links of their own seats, one each.
    fn own(states: &[LinkState]) -> Vec<SeatLink<'static>> {
        const SEATS: [&str; 4] = ["a", "b", "c", "d"];
        states.iter().enumerate().map(|(i, s)| SeatLink { seat: SEATS[i], state: *s }).collect()
    }

    fn view(link: LinkState, request: RequestState) -> LinkView {
        LinkView { link, request, expired: false, same_version: true }
    }

    #[test]
    fn both_co_chairs_must_approve() {
        assert_eq!(answer(RequestState::Open, &own(&[Pending, Pending]), 0, Answer::Approve), Ok(AnswerOutcome::Waiting));
        assert_eq!(
            answer(RequestState::Open, &own(&[Approved, Pending]), 1, Answer::Approve),
            Ok(AnswerOutcome::LevelDecided { state: RequestState::Approved })
        );
    }

    #[test]
    fn one_rejection_ends_it_whatever_the_others_said() {
        for others in [Pending, Approved] {
            assert_eq!(
                answer(RequestState::Open, &own(&[others, Pending]), 1, Answer::Reject),
                Ok(AnswerOutcome::LevelDecided { state: RequestState::Rejected })
            );
        }
    }

    #[test]
    fn a_link_answers_once_and_only_while_its_request_is_open() {
        assert_eq!(answer(RequestState::Open, &own(&[Approved, Pending]), 0, Answer::Approve), Err(LinkProblem::Used));
        assert_eq!(answer(RequestState::Open, &own(&[Rejected]), 0, Answer::Reject), Err(LinkProblem::Used));
        assert_eq!(answer(RequestState::Open, &own(&[Void, Pending]), 0, Answer::Approve), Err(LinkProblem::Void));
        assert_eq!(answer(RequestState::Open, &own(&[Pending]), 3, Answer::Approve), Err(LinkProblem::Unknown));
        for ended in [RequestState::Approved, RequestState::Rejected, RequestState::Revoked] {
            assert_eq!(answer(ended, &own(&[Pending]), 0, Answer::Approve), Err(LinkProblem::Void), "{ended:?}");
        }
        assert_eq!(answer(RequestState::PoolClosed, &own(&[Pending]), 0, Answer::Approve), Err(LinkProblem::PoolClosed));
    }

    #[test]
    fn opening_a_link_says_why_it_cannot_be_used() {
        assert_eq!(usable(view(Pending, RequestState::Open)), Ok(()));
        assert_eq!(usable(view(Approved, RequestState::Approved)), Err(LinkProblem::Used));
        assert_eq!(usable(view(Void, RequestState::Revoked)), Err(LinkProblem::Void));
        assert_eq!(usable(view(Void, RequestState::PoolClosed)), Err(LinkProblem::PoolClosed));
        assert_eq!(usable(LinkView { expired: true, ..view(Pending, RequestState::Open) }), Err(LinkProblem::Expired));
        assert_eq!(usable(LinkView { same_version: false, ..view(Pending, RequestState::Open) }), Err(LinkProblem::Void));
        assert_eq!(usable(view(Pending, RequestState::Revoked)), Err(LinkProblem::Void));
    }

    #[test]
    fn a_deputy_answers_once_for_their_co_chair() {
        let links = [
            SeatLink { seat: "region", state: Pending },
            SeatLink { seat: "region", state: Pending },
            SeatLink { seat: "kommune", state: Pending },
        ];
        assert_eq!(answer(RequestState::Open, &links, 1, Answer::Approve), Ok(AnswerOutcome::Waiting), "the deputy answers for the region");
        let after = [
            SeatLink { seat: "region", state: Pending },
            SeatLink { seat: "region", state: Approved },
            SeatLink { seat: "kommune", state: Pending },
        ];
        assert_eq!(answer(RequestState::Open, &after, 0, Answer::Approve), Err(LinkProblem::Used), "the seat has answered");
        assert_eq!(
            answer(RequestState::Open, &after, 2, Answer::Approve),
            Ok(AnswerOutcome::LevelDecided { state: RequestState::Approved }),
            "both seats approved"
        );
    }

    fn approver(email: &'static str, side: &'static str, role: ApproverRole, deputy_for: &'static str) -> Approver<'static> {
        Approver { email, side, role, deputy_for, recused: false }
    }

    #[test]
    fn the_co_chairs_are_one_per_side_and_a_deputy_shares_a_seat() {
        let chair = |e, s| approver(e, s, ApproverRole::CoChair, "");
        let two_municipal = [chair("k1@example.org", "municipal"), chair("k2@example.org", "municipal")];
        assert_eq!(co_chair_seats(&two_municipal), Err(CoChairError::Missing("regional")));
        let region_twice = [chair("r1@example.org", "regional"), chair("r2@example.org", "regional"), chair("k@example.org", "municipal")];
        assert_eq!(co_chair_seats(&region_twice), Err(CoChairError::SeveralOnOneSide("regional")));
        let with_deputy = [
            chair("r@example.org", "regional"),
            chair("k@example.org", "municipal"),
            approver("stedfortraeder@example.org", "municipal", ApproverRole::Deputy, "k@example.org"),
            approver("medlem@example.org", "regional", ApproverRole::Member, ""),
        ];
        let seats = co_chair_seats(&with_deputy).expect("seats");
        assert_eq!(
            seats,
            [Seat { seat: "r@example.org".into(), asked: vec![0] }, Seat { seat: "k@example.org".into(), asked: vec![1, 2] }]
        );
        let mut recused = with_deputy;
        recused[1].recused = true;
        assert_eq!(co_chair_seats(&recused).map(|s| s[1].asked.clone()), Ok(vec![2]), "the deputy answers when the co-chair steps aside");
        recused[0].recused = true;
        assert_eq!(co_chair_seats(&recused), Err(CoChairError::SeatEmpty("regional")));
    }

    #[test]
    fn every_state_reads_back_from_its_name() {
        for s in RequestState::ALL {
            assert_eq!(RequestState::parse(s.as_str()), Some(s));
        }
        for s in LinkState::ALL {
            assert_eq!(LinkState::parse(s.as_str()), Some(s));
        }
        assert_eq!(RequestState::parse("lapsed"), None);
        assert_eq!(Answer::Reject.link_state(), Rejected);
    }
}
