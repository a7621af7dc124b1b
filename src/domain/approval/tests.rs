//! The e-mail approval state machine, case by case.

use super::*;
use LinkState::{Approved, Pending, Rejected, Void};

/// Links of their own seats, one each.
fn own(states: &[LinkState]) -> Vec<SeatLink<'static>> {
    const SEATS: [&str; 4] = ["a", "b", "c", "d"];
    states.iter().enumerate().map(|(i, s)| SeatLink { seat: SEATS[i], state: *s }).collect()
}

fn view(link: LinkState, request: RequestState) -> LinkView {
    LinkView { link, request, ..LinkView::fresh() }
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
    assert_eq!(
        answer(RequestState::Open, &own(&[Approved, Pending]), 0, Answer::Approve),
        Err(LinkProblem::AnsweredByYou { answer: Answer::Approve, at: None })
    );
    assert_eq!(
        answer(RequestState::Open, &own(&[Rejected]), 0, Answer::Reject),
        Err(LinkProblem::AnsweredByYou { answer: Answer::Reject, at: None })
    );
    assert_eq!(answer(RequestState::Expired, &own(&[Pending]), 0, Answer::Approve), Err(LinkProblem::Expired));
    assert_eq!(answer(RequestState::Open, &own(&[Void, Pending]), 0, Answer::Approve), Err(LinkProblem::Void));
    assert_eq!(answer(RequestState::Open, &own(&[Pending]), 3, Answer::Approve), Err(LinkProblem::Unknown));
    for ended in [RequestState::Approved, RequestState::Rejected, RequestState::Revoked] {
        assert_eq!(answer(ended, &own(&[Pending]), 0, Answer::Approve), Err(LinkProblem::Void), "{ended:?}");
    }
    assert_eq!(answer(RequestState::PoolClosed, &own(&[Pending]), 0, Answer::Approve), Err(LinkProblem::PoolClosed));
}

#[test]
fn opening_a_link_says_why_it_cannot_be_used() {
    let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(14, 30, 0));
    assert_eq!(usable(view(Pending, RequestState::Open)), Ok(()));
    // Answered by you: what and when.
    assert_eq!(
        usable(LinkView { decided_at: at, ..view(Approved, RequestState::Approved) }),
        Err(LinkProblem::AnsweredByYou { answer: Answer::Approve, at })
    );
    assert_eq!(usable(view(Rejected, RequestState::Rejected)), Err(LinkProblem::AnsweredByYou { answer: Answer::Reject, at: None }));
    // Answered for your seat by your deputy (or co-chair).
    assert_eq!(
        usable(LinkView { seat_answer: Some(Answer::Approve), ..view(Void, RequestState::Open) }),
        Err(LinkProblem::SeatAnswered(Answer::Approve))
    );
    // Another approver rejected; every other seat approved.
    assert_eq!(usable(view(Void, RequestState::Rejected)), Err(LinkProblem::RejectedByOther));
    assert_eq!(usable(view(Pending, RequestState::Rejected)), Err(LinkProblem::RejectedByOther));
    assert_eq!(usable(view(Void, RequestState::Approved)), Err(LinkProblem::ApprovedByOthers));
    // Withdrawn by the secretariat, with or without a newer link; decided at a meeting.
    assert_eq!(usable(view(Void, RequestState::Revoked)), Err(LinkProblem::Revoked { newer_link: false }));
    assert_eq!(usable(view(Pending, RequestState::Revoked)), Err(LinkProblem::Revoked { newer_link: false }));
    assert_eq!(usable(LinkView { newer_link: true, ..view(Void, RequestState::Revoked) }), Err(LinkProblem::Revoked { newer_link: true }));
    assert_eq!(usable(LinkView { case_decided: true, ..view(Void, RequestState::Revoked) }), Err(LinkProblem::DecidedElsewhere));
    // Replaced by a reminder's newer link while the request is open.
    assert_eq!(
        usable(LinkView { newer_link: true, expired: true, ..view(Void, RequestState::Open) }),
        Err(LinkProblem::Revoked { newer_link: true })
    );
    // The pool closed; the deadline passed (the link's or the request's).
    assert_eq!(usable(view(Void, RequestState::PoolClosed)), Err(LinkProblem::PoolClosed));
    assert_eq!(usable(LinkView { expired: true, ..view(Pending, RequestState::Open) }), Err(LinkProblem::Expired));
    assert_eq!(usable(view(Pending, RequestState::Expired)), Err(LinkProblem::Expired));
    // The case changed after the link was sent, or was decided otherwise.
    assert_eq!(
        usable(LinkView { same_version: false, ..view(Pending, RequestState::Open) }),
        Err(LinkProblem::Changed { newer_link: false })
    );
    assert_eq!(
        usable(LinkView { same_version: false, case_decided: true, ..view(Pending, RequestState::Open) }),
        Err(LinkProblem::DecidedElsewhere)
    );
    // The applicant withdrew it.
    assert_eq!(
        usable(LinkView { case_withdrawn: true, case_decided: true, ..view(Void, RequestState::Revoked) }),
        Err(LinkProblem::Withdrawn)
    );
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
    assert_eq!(
        answer(RequestState::Open, &after, 0, Answer::Approve),
        Err(LinkProblem::SeatAnswered(Answer::Approve)),
        "the seat has answered"
    );
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
    assert_eq!(seats, [Seat { seat: "r@example.org".into(), asked: vec![0] }, Seat { seat: "k@example.org".into(), asked: vec![1, 2] }]);
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
    assert_eq!(RequestState::parse("expired"), Some(RequestState::Expired));
    assert_eq!(RequestState::parse("lapsed"), None);
    assert_eq!(Answer::Reject.link_state(), Rejected);
}
