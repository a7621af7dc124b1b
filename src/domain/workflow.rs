//! The approval workflow of an application, as a pure state machine:
//! draft → submitted → (recommended) → strategic decision → (political
//! sign-off) → approved; or rejected / withdrawn where allowed.
//!
//! Money moves with the states: a strategic approval that still needs the
//! political level *reserves* the amount (`pending`); sign-off commits it;
//! any rejection or withdrawal gives the reservation back.

use super::allocation::Bucket;
use super::ledger::{Account, Entry, EntryKind, FundsError, ensure_available};
use super::money::Money;
use super::pool::{ApprovalPolicy, PoolState};

/// Who decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Strategic,
    Political,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Strategic => "strategic",
            Level::Political => "political",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        [Level::Strategic, Level::Political].into_iter().find(|l| l.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Approved,
    Rejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationState {
    Draft,
    Submitted,
    /// The operations forum recommends this amount.
    Recommended {
        amount: Money,
    },
    /// Money held while `awaiting` decides.
    Reserved {
        amount: Money,
        awaiting: Level,
    },
    /// A grant of `amount` exists.
    Approved {
        amount: Money,
    },
    Rejected {
        by: Level,
    },
    Withdrawn,
}

impl ApplicationState {
    pub fn name(self) -> &'static str {
        match self {
            ApplicationState::Draft => "draft",
            ApplicationState::Submitted => "submitted",
            ApplicationState::Recommended { .. } => "recommended",
            ApplicationState::Reserved { .. } => "reserved",
            ApplicationState::Approved { .. } => "approved",
            ApplicationState::Rejected { .. } => "rejected",
            ApplicationState::Withdrawn => "withdrawn",
        }
    }

    /// Money held for this application right now.
    pub fn reserved(self) -> Money {
        match self {
            ApplicationState::Reserved { amount, .. } => amount,
            _ => Money::ZERO,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Submit,
    Withdraw,
    Recommend {
        amount: Option<Money>,
    },
    Decide {
        level: Level,
        outcome: Outcome,
        amount: Option<Money>,
    },
    /// The strategic level is asked to approve by e-mail link: the money is reserved now.
    RequestStrategicApproval,
    /// An e-mail approval request of the strategic level was revoked: the reservation goes back.
    CancelStrategicRequest,
}

impl Event {
    fn verb(self) -> &'static str {
        match self {
            Event::Submit => "submit",
            Event::Withdraw => "withdraw",
            Event::Recommend { .. } => "recommend",
            Event::Decide { level: Level::Strategic, .. } => "record a strategic decision on",
            Event::Decide { level: Level::Political, .. } => "record a political decision on",
            Event::RequestStrategicApproval => "ask the strategic level by e-mail about",
            Event::CancelStrategicRequest => "revoke the strategic e-mail request of",
        }
    }
}

/// What a decision is taken against: the pool and the money free now.
#[derive(Debug, Clone, Copy)]
pub struct Situation {
    pub policy: ApprovalPolicy,
    pub pool_state: PoolState,
    pub bucket: Bucket,
    pub requested: Money,
    /// Available in the application's bucket.
    pub available: Money,
}

/// The new state, the money it moves, and the grant it creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub state: ApplicationState,
    pub entry: Option<Entry>,
    pub grant: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("the pool is {0}; new applications and decisions need an open pool")]
    PoolNotOpen(&'static str),
    #[error("cannot {verb} an application that is {state}")]
    NotAllowed { verb: &'static str, state: &'static str },
    #[error("the operations forum must recommend the application before the strategic level decides")]
    RecommendationRequired,
    #[error("the strategic level must approve before the political level signs off")]
    StrategicFirst,
    #[error("the amount must be more than 0.00")]
    ZeroAmount,
    #[error("the amount {amount} is more than the {limit_name} ({limit})")]
    AmountTooHigh { amount: Money, limit: Money, limit_name: &'static str },
    #[error(transparent)]
    Funds(#[from] FundsError),
}

fn memo(text: &str, amount: Money) -> String {
    format!("{text}: {amount}")
}

/// Applies `event` to `state`. Pure: the caller saves the result.
pub fn apply(state: ApplicationState, situation: &Situation, event: Event) -> Result<Transition, WorkflowError> {
    use ApplicationState as S;
    let needs_open_pool = !matches!(event, Event::Withdraw | Event::CancelStrategicRequest);
    if needs_open_pool && situation.pool_state != PoolState::Open {
        return Err(WorkflowError::PoolNotOpen(situation.pool_state.as_str()));
    }
    let not_allowed = || WorkflowError::NotAllowed { verb: event.verb(), state: state.name() };
    let bucket = situation.bucket;
    let just = |state| Ok(Transition { state, entry: None, grant: None });
    match (state, event) {
        (S::Draft, Event::Submit) => just(S::Submitted),
        (S::Draft | S::Submitted | S::Recommended { .. }, Event::Withdraw) => just(S::Withdrawn),
        (S::Reserved { amount, .. }, Event::Withdraw) => Ok(Transition {
            state: S::Withdrawn,
            entry: Some(give_back(bucket, amount, "Reservation given back: application withdrawn")),
            grant: None,
        }),
        (S::Submitted, Event::Recommend { amount }) => {
            let amount = bounded(amount.unwrap_or(situation.requested), situation.requested, "amount requested")?;
            just(S::Recommended { amount })
        }
        (S::Submitted | S::Recommended { .. }, Event::Decide { level: Level::Strategic, outcome, amount }) => {
            if situation.policy.recommendation_required && state == S::Submitted {
                return Err(WorkflowError::RecommendationRequired);
            }
            if outcome == Outcome::Rejected {
                return just(S::Rejected { by: Level::Strategic });
            }
            let default = match state {
                S::Recommended { amount } => amount,
                _ => situation.requested,
            };
            let amount = bounded(amount.unwrap_or(default), situation.requested, "amount requested")?;
            ensure_available(bucket, situation.available, amount)?;
            if amount >= situation.policy.political_threshold {
                let entry = Entry::new(EntryKind::Reservation, memo("Reserved pending political sign-off", amount)).transfer(
                    (Account::Available, bucket),
                    (Account::Pending, bucket),
                    amount,
                );
                Ok(Transition { state: S::Reserved { amount, awaiting: Level::Political }, entry: Some(entry), grant: None })
            } else {
                let entry = Entry::new(EntryKind::Commitment, memo("Granted by the strategic level", amount)).transfer(
                    (Account::Available, bucket),
                    (Account::Committed, bucket),
                    amount,
                );
                Ok(Transition { state: S::Approved { amount }, entry: Some(entry), grant: Some(amount) })
            }
        }
        (S::Submitted | S::Recommended { .. }, Event::RequestStrategicApproval) => {
            if situation.policy.recommendation_required && state == S::Submitted {
                return Err(WorkflowError::RecommendationRequired);
            }
            let amount = match state {
                S::Recommended { amount } => amount,
                _ => situation.requested,
            };
            ensure_available(bucket, situation.available, amount)?;
            let entry = Entry::new(EntryKind::Reservation, memo("Reserved while the co-chairs decide by e-mail", amount)).transfer(
                (Account::Available, bucket),
                (Account::Pending, bucket),
                amount,
            );
            Ok(Transition { state: S::Reserved { amount, awaiting: Level::Strategic }, entry: Some(entry), grant: None })
        }
        (S::Reserved { amount, awaiting: Level::Strategic }, Event::CancelStrategicRequest) => Ok(Transition {
            state: S::Recommended { amount },
            entry: Some(give_back(bucket, amount, "Reservation given back: e-mail request revoked")),
            grant: None,
        }),
        (S::Reserved { amount: reserved, awaiting: Level::Strategic }, Event::Decide { level: Level::Strategic, outcome, amount }) => {
            if outcome == Outcome::Rejected {
                return Ok(Transition {
                    state: S::Rejected { by: Level::Strategic },
                    entry: Some(give_back(bucket, reserved, "Reservation given back: rejected by the strategic level")),
                    grant: None,
                });
            }
            let amount = bounded(amount.unwrap_or(reserved), reserved, "amount reserved")?;
            let mut entry = Entry::new(EntryKind::Commitment, memo("Granted by the co-chairs", amount));
            let state = if amount >= situation.policy.political_threshold {
                entry = Entry::new(EntryKind::ReservationRelease, memo("Approved by the co-chairs; awaiting political sign-off", amount));
                S::Reserved { amount, awaiting: Level::Political }
            } else {
                entry = entry.transfer((Account::Pending, bucket), (Account::Committed, bucket), amount);
                S::Approved { amount }
            };
            if let Some(rest) = reserved.checked_sub(amount).filter(|r| !r.is_zero()) {
                entry = entry.transfer((Account::Pending, bucket), (Account::Available, bucket), rest);
            }
            let grant = matches!(state, S::Approved { .. }).then_some(amount);
            Ok(Transition { state, entry: (!entry.postings().is_empty()).then_some(entry), grant })
        }
        (S::Reserved { amount: reserved, awaiting: Level::Political }, Event::Decide { level: Level::Political, outcome, amount }) => {
            if outcome == Outcome::Rejected {
                return Ok(Transition {
                    state: S::Rejected { by: Level::Political },
                    entry: Some(give_back(bucket, reserved, "Reservation given back: rejected by the political level")),
                    grant: None,
                });
            }
            let amount = bounded(amount.unwrap_or(reserved), reserved, "amount reserved")?;
            let mut entry = Entry::new(EntryKind::Commitment, memo("Granted with political sign-off", amount)).transfer(
                (Account::Pending, bucket),
                (Account::Committed, bucket),
                amount,
            );
            if let Some(rest) = reserved.checked_sub(amount).filter(|r| !r.is_zero()) {
                entry = entry.transfer((Account::Pending, bucket), (Account::Available, bucket), rest);
            }
            Ok(Transition { state: S::Approved { amount }, entry: Some(entry), grant: Some(amount) })
        }
        (S::Submitted | S::Recommended { .. }, Event::Decide { level: Level::Political, .. }) => Err(WorkflowError::StrategicFirst),
        _ => Err(not_allowed()),
    }
}

fn bounded(amount: Money, limit: Money, limit_name: &'static str) -> Result<Money, WorkflowError> {
    if amount.is_zero() {
        Err(WorkflowError::ZeroAmount)
    } else if amount > limit {
        Err(WorkflowError::AmountTooHigh { amount, limit, limit_name })
    } else {
        Ok(amount)
    }
}

fn give_back(bucket: Bucket, amount: Money, why: &str) -> Entry {
    Entry::new(EntryKind::ReservationRelease, memo(why, amount)).transfer((Account::Pending, bucket), (Account::Available, bucket), amount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pool::StrategicMode;
    use ApplicationState as S;

    fn m(s: &str) -> Money {
        Money::parse(s).expect("amount")
    }

    fn situation(available: &str) -> Situation {
        Situation {
            policy: ApprovalPolicy {
                recommendation_required: true,
                strategic: StrategicMode::Meeting,
                political_threshold: m("100000.00"),
                political: crate::domain::pool::PoliticalMode::Meeting,
            },
            pool_state: PoolState::Open,
            bucket: Bucket::Rolling,
            requested: m("150000.00"),
            available: m(available),
        }
    }

    fn approve(level: Level, amount: Option<&str>) -> Event {
        Event::Decide { level, outcome: Outcome::Approved, amount: amount.map(m) }
    }

    fn reject(level: Level) -> Event {
        Event::Decide { level, outcome: Outcome::Rejected, amount: None }
    }

    #[test]
    fn the_whole_path_reserves_then_commits() {
        let s = situation("871553.00");
        let t = apply(S::Draft, &s, Event::Submit).expect("submit");
        let t = apply(t.state, &s, Event::Recommend { amount: Some(m("140000.00")) }).expect("recommend");
        assert_eq!(t.state, S::Recommended { amount: m("140000.00") });
        let t = apply(t.state, &s, approve(Level::Strategic, None)).expect("strategic");
        assert_eq!(t.state, S::Reserved { amount: m("140000.00"), awaiting: Level::Political });
        assert_eq!(t.entry.as_ref().map(Entry::kind), Some(EntryKind::Reservation));
        assert_eq!(t.grant, None);
        let t = apply(t.state, &s, approve(Level::Political, Some("120000.00"))).expect("political");
        assert_eq!(t.state, S::Approved { amount: m("120000.00") });
        assert_eq!(t.grant, Some(m("120000.00")));
        let entry = t.entry.expect("money moves");
        assert!(entry.is_balanced());
        let back: i64 = entry.postings().iter().filter(|p| p.account == Account::Available).map(|p| p.amount_ore).sum();
        assert_eq!(back, m("20000.00").ore(), "the part not granted goes back to available");
    }

    #[test]
    fn below_the_threshold_the_strategic_approval_commits_at_once() {
        let s = Situation { requested: m("50000.00"), ..situation("871553.00") };
        let t = apply(S::Recommended { amount: m("50000.00") }, &s, approve(Level::Strategic, None)).expect("approve");
        assert_eq!(t.state, S::Approved { amount: m("50000.00") });
        assert_eq!(t.grant, Some(m("50000.00")));
    }

    #[test]
    fn rejecting_after_a_reservation_gives_back_exactly_what_was_reserved() {
        let s = situation("871553.00");
        let reserved = S::Reserved { amount: m("140000.00"), awaiting: Level::Political };
        for event in [reject(Level::Political), Event::Withdraw] {
            let t = apply(reserved, &s, event).expect("allowed");
            let e = t.entry.expect("money moves back");
            assert_eq!(e.kind(), EntryKind::ReservationRelease);
            let back: i64 = e.postings().iter().filter(|p| p.account == Account::Available).map(|p| p.amount_ore).sum();
            assert_eq!(back, m("140000.00").ore());
        }
    }

    #[test]
    fn a_decision_without_enough_money_says_how_much_is_available() {
        let err = apply(S::Recommended { amount: m("150000.00") }, &situation("99999.99"), approve(Level::Strategic, None)).unwrap_err();
        assert_eq!(err, WorkflowError::Funds(FundsError { bucket: Bucket::Rolling, available: m("99999.99"), needed: m("150000.00") }));
        assert!(err.to_string().contains("99999.99"));
    }

    #[test]
    fn forbidden_transitions_are_refused() {
        let s = situation("871553.00");
        let all = [
            S::Draft,
            S::Submitted,
            S::Recommended { amount: m("1.00") },
            S::Reserved { amount: m("100000.00"), awaiting: Level::Political },
            S::Approved { amount: m("1.00") },
            S::Rejected { by: Level::Strategic },
            S::Withdrawn,
        ];
        let events = [
            Event::Submit,
            Event::Withdraw,
            Event::Recommend { amount: None },
            approve(Level::Strategic, None),
            reject(Level::Strategic),
            approve(Level::Political, None),
            reject(Level::Political),
            Event::RequestStrategicApproval,
            Event::CancelStrategicRequest,
        ];
        // The allowed cells of the matrix; everything else is refused.
        let allowed = |st: &S, ev: &Event| {
            matches!(
                (st, ev),
                (S::Draft, Event::Submit)
                    | (S::Draft | S::Submitted | S::Recommended { .. } | S::Reserved { .. }, Event::Withdraw)
                    | (S::Submitted, Event::Recommend { .. })
                    | (S::Recommended { .. }, Event::Decide { level: Level::Strategic, .. })
                    | (S::Reserved { awaiting: Level::Political, .. }, Event::Decide { level: Level::Political, .. })
                    | (S::Recommended { .. }, Event::RequestStrategicApproval)
            )
        };
        for st in all {
            for ev in events {
                let r = apply(st, &s, ev);
                assert_eq!(r.is_ok(), allowed(&st, &ev), "{st:?} + {ev:?} → {r:?}");
            }
        }
    }

    #[test]
    fn approval_by_the_co_chairs_reserves_at_the_request_and_commits_or_hands_over() {
        let s = situation("871553.00");
        let t = apply(S::Recommended { amount: m("150000.00") }, &s, Event::RequestStrategicApproval).expect("request");
        assert_eq!(t.state, S::Reserved { amount: m("150000.00"), awaiting: Level::Strategic });
        assert_eq!(t.entry.as_ref().map(Entry::kind), Some(EntryKind::Reservation));
        let to_political = apply(t.state, &s, approve(Level::Strategic, None)).expect("co-chairs approve");
        assert_eq!(to_political.state, S::Reserved { amount: m("150000.00"), awaiting: Level::Political });
        assert_eq!(to_political.entry, None, "the money stays reserved");
        let small = Situation { requested: m("50000.00"), ..s };
        let t = apply(S::Recommended { amount: m("50000.00") }, &small, Event::RequestStrategicApproval).expect("request");
        let granted = apply(t.state, &small, approve(Level::Strategic, None)).expect("approve");
        assert_eq!(granted.grant, Some(m("50000.00")));
        let cancelled = apply(t.state, &small, Event::CancelStrategicRequest).expect("revoke");
        assert_eq!(cancelled.state, S::Recommended { amount: m("50000.00") });
        let rejected = apply(t.state, &small, reject(Level::Strategic)).expect("reject");
        assert_eq!(rejected.state, S::Rejected { by: Level::Strategic });
        assert!(rejected.entry.is_some_and(|e| e.kind() == EntryKind::ReservationRelease));
    }

    #[test]
    fn named_refusals() {
        let s = situation("871553.00");
        assert_eq!(apply(S::Submitted, &s, approve(Level::Strategic, None)), Err(WorkflowError::RecommendationRequired));
        assert_eq!(apply(S::Recommended { amount: m("1.00") }, &s, approve(Level::Political, None)), Err(WorkflowError::StrategicFirst));
        assert!(matches!(apply(S::Withdrawn, &s, approve(Level::Strategic, None)), Err(WorkflowError::NotAllowed { .. })));
        assert!(matches!(
            apply(S::Approved { amount: m("1.00") }, &s, approve(Level::Strategic, None)),
            Err(WorkflowError::NotAllowed { state: "approved", .. })
        ));
        assert!(matches!(
            apply(S::Recommended { amount: m("1.00") }, &s, approve(Level::Strategic, Some("150000.01"))),
            Err(WorkflowError::AmountTooHigh { .. })
        ));
        let closed = Situation { pool_state: PoolState::Closed, ..s };
        assert_eq!(apply(S::Draft, &closed, Event::Submit), Err(WorkflowError::PoolNotOpen("closed")));
        assert!(apply(S::Submitted, &closed, Event::Withdraw).is_ok(), "withdrawing needs no open pool");
        let no_recommendation = Situation { policy: ApprovalPolicy { recommendation_required: false, ..s.policy }, ..s };
        assert!(apply(S::Submitted, &no_recommendation, approve(Level::Strategic, None)).is_ok());
    }
}
