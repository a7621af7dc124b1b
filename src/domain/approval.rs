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
}

impl RequestState {
    pub const ALL: [RequestState; 5] =
        [RequestState::Open, RequestState::Approved, RequestState::Rejected, RequestState::Revoked, RequestState::PoolClosed];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Open => "open",
            RequestState::Approved => "approved",
            RequestState::Rejected => "rejected",
            RequestState::Revoked => "revoked",
            RequestState::PoolClosed => "pool_closed",
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

/// The request's links after `answer` through link number `index`: "all
/// approve, one rejection ends it". The link must be pending and the request open.
pub fn answer(request: RequestState, links: &[LinkState], index: usize, answer: Answer) -> Result<AnswerOutcome, LinkProblem> {
    if request != RequestState::Open {
        return Err(if request == RequestState::PoolClosed { LinkProblem::PoolClosed } else { LinkProblem::Void });
    }
    match links.get(index) {
        None => return Err(LinkProblem::Unknown),
        Some(LinkState::Pending) => {}
        Some(LinkState::Void) => return Err(LinkProblem::Void),
        Some(LinkState::Approved | LinkState::Rejected) => return Err(LinkProblem::Used),
    }
    if answer == Answer::Reject {
        return Ok(AnswerOutcome::LevelDecided { state: RequestState::Rejected });
    }
    let all_approved = links.iter().enumerate().all(|(i, l)| i == index || *l == LinkState::Approved);
    Ok(if all_approved { AnswerOutcome::LevelDecided { state: RequestState::Approved } } else { AnswerOutcome::Waiting })
}

#[cfg(test)]
mod tests {
    use super::*;
    use LinkState::{Approved, Pending, Rejected, Void};

    fn view(link: LinkState, request: RequestState) -> LinkView {
        LinkView { link, request, expired: false, same_version: true }
    }

    #[test]
    fn both_co_chairs_must_approve() {
        assert_eq!(answer(RequestState::Open, &[Pending, Pending], 0, Answer::Approve), Ok(AnswerOutcome::Waiting));
        assert_eq!(
            answer(RequestState::Open, &[Approved, Pending], 1, Answer::Approve),
            Ok(AnswerOutcome::LevelDecided { state: RequestState::Approved })
        );
    }

    #[test]
    fn one_rejection_ends_it_whatever_the_others_said() {
        for others in [Pending, Approved] {
            assert_eq!(
                answer(RequestState::Open, &[others, Pending], 1, Answer::Reject),
                Ok(AnswerOutcome::LevelDecided { state: RequestState::Rejected })
            );
        }
    }

    #[test]
    fn a_link_answers_once_and_only_while_its_request_is_open() {
        assert_eq!(answer(RequestState::Open, &[Approved, Pending], 0, Answer::Approve), Err(LinkProblem::Used));
        assert_eq!(answer(RequestState::Open, &[Rejected], 0, Answer::Reject), Err(LinkProblem::Used));
        assert_eq!(answer(RequestState::Open, &[Void, Pending], 0, Answer::Approve), Err(LinkProblem::Void));
        assert_eq!(answer(RequestState::Open, &[Pending], 3, Answer::Approve), Err(LinkProblem::Unknown));
        for ended in [RequestState::Approved, RequestState::Rejected, RequestState::Revoked] {
            assert_eq!(answer(ended, &[Pending], 0, Answer::Approve), Err(LinkProblem::Void), "{ended:?}");
        }
        assert_eq!(answer(RequestState::PoolClosed, &[Pending], 0, Answer::Approve), Err(LinkProblem::PoolClosed));
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
    fn every_state_reads_back_from_its_name() {
        for s in RequestState::ALL {
            assert_eq!(RequestState::parse(s.as_str()), Some(s));
        }
        for s in LinkState::ALL {
            assert_eq!(LinkState::parse(s.as_str()), Some(s));
        }
        assert_eq!(RequestState::parse("expired"), None);
        assert_eq!(Answer::Reject.link_state(), Rejected);
    }
}
