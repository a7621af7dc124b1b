//! Every transition of the workflow, the forbidden ones too.
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
            operations_forum_limit: None,
            email_mandate_reference: None,
            cross_sector_required: true,
        },
        pool_state: PoolState::Open,
        bucket: Bucket::Rolling,
        requested: m("150000.00"),
        available: m(available),
        ineligible: Vec::new(),
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
        Event::NotRecommend,
        Event::Refer { amount: None },
    ];
    // The allowed cells of the matrix; everything else is refused.
    let allowed = |st: &S, ev: &Event| {
        matches!(
            (st, ev),
            (S::Draft, Event::Submit)
                | (S::Draft | S::Submitted | S::Recommended { .. } | S::Reserved { .. }, Event::Withdraw)
                | (S::Submitted, Event::Recommend { .. })
                | (S::Recommended { .. }, Event::Decide { level: Level::Strategic, .. })
                | (S::Submitted, Event::Decide { level: Level::Strategic, outcome: Outcome::Rejected, .. })
                | (S::Submitted, Event::NotRecommend)
                | (S::Submitted | S::Recommended { .. }, Event::Refer { .. })
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
        Err(WorkflowError::NotAllowed { state: S::Approved { .. }, .. })
    ));
    assert!(matches!(
        apply(S::Recommended { amount: m("1.00") }, &s, approve(Level::Strategic, Some("150000.01"))),
        Err(WorkflowError::AmountTooHigh { .. })
    ));
    let closed = Situation { pool_state: PoolState::Closed, ..s.clone() };
    assert_eq!(apply(S::Draft, &closed, Event::Submit), Err(WorkflowError::PoolNotOpen(PoolState::Closed)));
    assert!(apply(S::Submitted, &closed, Event::Withdraw).is_ok(), "withdrawing needs no open pool");
    let no_recommendation = Situation { policy: ApprovalPolicy { recommendation_required: false, ..s.policy }, ..s };
    assert!(apply(S::Submitted, &no_recommendation, approve(Level::Strategic, None)).is_ok());
}

#[test]
fn the_operations_forum_grants_small_projects_on_its_own() {
    let mut s = situation("871553.00");
    s.policy.operations_forum_limit = Some(m("50000.00"));
    let small = Situation { requested: m("40000.00"), ..s.clone() };
    let t = apply(S::Submitted, &small, Event::Recommend { amount: None }).expect("the forum grants");
    assert_eq!(t.state, S::Approved { amount: m("40000.00") });
    assert_eq!(t.grant, Some(m("40000.00")));
    let large = Situation { requested: m("60000.00"), ..s.clone() };
    let t = apply(S::Submitted, &large, Event::Recommend { amount: None }).expect("the forum recommends");
    assert_eq!(t.state, S::Recommended { amount: m("60000.00") }, "above the limit the strategic level decides");
}

#[test]
fn a_rejection_needs_no_recommendation_and_not_recommending_keeps_the_case_with_the_strategic_level() {
    let s = situation("871553.00");
    assert_eq!(apply(S::Submitted, &s, Event::NotRecommend).map(|t| t.state), Ok(S::Submitted));
    assert_eq!(apply(S::Submitted, &s, reject(Level::Strategic)).map(|t| t.state), Ok(S::Rejected { by: Level::Strategic }));
    assert_eq!(apply(S::Submitted, &s, approve(Level::Strategic, None)).map(|t| t.state), Err(WorkflowError::RecommendationRequired));
}

#[test]
fn a_referral_reserves_and_makes_the_political_level_decide_whatever_the_amount() {
    let s = situation("871553.00");
    let small = Situation { requested: m("50000.00"), ..s };
    let t = apply(S::Recommended { amount: m("50000.00") }, &small, Event::Refer { amount: None }).expect("referred");
    assert_eq!(t.state, S::Reserved { amount: m("50000.00"), awaiting: Level::Political });
    assert_eq!(t.entry.as_ref().map(Entry::kind), Some(EntryKind::Reservation));
    let signed = apply(t.state, &small, approve(Level::Political, None)).expect("political sign-off");
    assert_eq!(signed.state, S::Approved { amount: m("50000.00") });
}

#[test]
fn an_ineligible_project_may_be_rejected_but_not_recommended_or_approved() {
    use crate::domain::eligibility::{Ineligibility, Sector};
    let s = Situation { ineligible: vec![Ineligibility::SingleSector { sectors: vec![Sector::Municipality] }], ..situation("871553.00") };
    for event in
        [Event::Recommend { amount: None }, Event::Refer { amount: None }, approve(Level::Strategic, None), Event::RequestStrategicApproval]
    {
        assert!(matches!(apply(ApplicationState::Submitted, &s, event), Err(WorkflowError::Ineligible(_))), "{event:?}");
    }
    let rejected = Event::Decide { level: Level::Strategic, outcome: Outcome::Rejected, amount: None };
    assert!(apply(ApplicationState::Submitted, &s, rejected).is_ok());
    assert!(apply(ApplicationState::Submitted, &s, Event::NotRecommend).is_ok());
    assert!(apply(ApplicationState::Draft, &s, Event::Submit).is_ok(), "a single-sector charter can still be submitted");
}

/// An event that does not draw funds comes out the same whatever is
/// available, in every state, so its step need not read the balances.
#[test]
fn only_events_that_draw_funds_depend_on_the_money_available() {
    let states = [
        S::Draft,
        S::Submitted,
        S::Recommended { amount: m("140000.00") },
        S::Reserved { amount: m("140000.00"), awaiting: Level::Strategic },
        S::Reserved { amount: m("140000.00"), awaiting: Level::Political },
        S::Approved { amount: m("140000.00") },
        S::Rejected { by: Level::Strategic },
        S::Withdrawn,
    ];
    let mut events =
        vec![Event::Submit, Event::Withdraw, Event::NotRecommend, Event::RequestStrategicApproval, Event::CancelStrategicRequest];
    for amount in [None, Some(m("50000.00")), Some(m("120000.00"))] {
        events.push(Event::Recommend { amount });
        events.push(Event::Refer { amount });
        for level in [Level::Strategic, Level::Political] {
            for outcome in [Outcome::Approved, Outcome::Rejected] {
                events.push(Event::Decide { level, outcome, amount });
            }
        }
    }
    let mut drawing = 0;
    for forum_limit in [None, Some(m("60000.00"))] {
        for state in states {
            for &event in &events {
                let mut none = situation("0.00");
                none.policy.operations_forum_limit = forum_limit;
                let mut plenty = situation("871553.00");
                plenty.policy.operations_forum_limit = forum_limit;
                let (without, with) = (apply(state, &none, event), apply(state, &plenty, event));
                if event.may_draw_funds() {
                    drawing += usize::from(without != with);
                } else {
                    assert_eq!(without, with, "{event:?} in {state:?} must not depend on the money available");
                }
            }
        }
    }
    assert!(drawing > 0, "the events that draw funds are refused when nothing is available");
}
