//! The approval request's own state machine: what moves it from state to state.

use super::RequestState;

/// What moves a request from one state to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestEvent {
    /// The level decided through the links (every seat approved, or one rejected).
    Decided(RequestState),
    /// Withdrawn by the secretariat (or by a decision taken another way).
    Revoke,
    /// The pool it concerns was closed.
    PoolClosed,
    /// Every link passed its expiry with answers missing.
    Expire,
    /// The secretariat sent fresh links.
    Resend,
}

/// Why a request cannot take an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an approval request that is {} cannot be {}", .from.as_str(), .verb)]
pub struct RequestTransitionError {
    pub from: RequestState,
    pub verb: &'static str,
}

/// The request's state machine: an open request is decided, revoked, ended
/// by its pool's closing, expires or is resent (stays open); an expired one
/// is reopened by a resend or revoked (closing its pool ends it too, as it
/// ends every request of the pool); nothing else moves.
pub fn transition(from: RequestState, event: RequestEvent) -> Result<RequestState, RequestTransitionError> {
    use RequestState::{Expired, Open};
    let to = match (from, event) {
        (Open, RequestEvent::Decided(to @ (RequestState::Approved | RequestState::Rejected))) => Some(to),
        (Open | Expired, RequestEvent::Revoke) => Some(RequestState::Revoked),
        (Open | Expired, RequestEvent::PoolClosed) => Some(RequestState::PoolClosed),
        (Open, RequestEvent::Expire) => Some(Expired),
        (Open | Expired, RequestEvent::Resend) => Some(Open),
        _ => None,
    };
    to.ok_or(RequestTransitionError {
        from,
        verb: match event {
            RequestEvent::Decided(_) => "decided",
            RequestEvent::Revoke => "revoked",
            RequestEvent::PoolClosed => "ended by closing its pool",
            RequestEvent::Expire => "expired",
            RequestEvent::Resend => "resent",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::approval::{LinkProblem, LinkState, LinkView, SeatLink};

    fn own_pending() -> Vec<SeatLink<'static>> {
        vec![SeatLink { seat: "a", state: LinkState::Pending }]
    }

    #[test]
    fn an_expired_request_is_reopened_by_a_resend_or_revoked_and_nothing_else() {
        use RequestEvent::{Decided, Expire, PoolClosed, Resend, Revoke};
        assert_eq!(transition(RequestState::Open, Expire), Ok(RequestState::Expired));
        assert_eq!(transition(RequestState::Expired, Resend), Ok(RequestState::Open));
        assert_eq!(transition(RequestState::Expired, Revoke), Ok(RequestState::Revoked));
        assert_eq!(transition(RequestState::Expired, PoolClosed), Ok(RequestState::PoolClosed));
        for decided in [RequestState::Approved, RequestState::Rejected] {
            assert!(transition(RequestState::Expired, Decided(decided)).is_err(), "an expired request decides nothing");
            assert_eq!(transition(RequestState::Open, Decided(decided)), Ok(decided));
        }
        assert!(transition(RequestState::Expired, Expire).is_err(), "expiring twice is no change");
        for ended in [RequestState::Approved, RequestState::Rejected, RequestState::Revoked, RequestState::PoolClosed] {
            for event in [Expire, Resend, Revoke, PoolClosed, Decided(RequestState::Approved)] {
                assert!(transition(ended, event).is_err(), "{ended:?} {event:?}");
            }
        }
        assert!(transition(RequestState::Open, Decided(RequestState::Open)).is_err());
        // Links of an expired request cannot be used, and say why.
        assert_eq!(
            super::super::answer(RequestState::Expired, &own_pending(), 0, super::super::Answer::Approve),
            Err(LinkProblem::Expired)
        );
        assert_eq!(super::super::usable(LinkView { request: RequestState::Expired, ..LinkView::fresh() }), Err(LinkProblem::Expired));
    }
}
