use super::*;
use crate::domain::allocation::AllocationModel;
use crate::domain::ledger::{Balances, PoolStatus};

fn m(s: &str) -> Money {
    Money::parse(s).expect("amount")
}

fn line(year: i64, amount: &str) -> BudgetLine {
    BudgetLine { year: Year::new(year).expect("year"), amount: m(amount) }
}

fn terms() -> Terms {
    Terms {
        amount: m("150000.00"),
        ends_on: NaiveDate::from_ymd_opt(2023, 12, 31).expect("date"),
        budget: vec![line(2022, "50000.00"), line(2023, "100000.00")],
    }
}

fn grant() -> Grant {
    Grant::new(Bucket::Rolling, m("150000.00"))
}

fn policy(threshold: &str) -> ApprovalPolicy {
    ApprovalPolicy { political_threshold: m(threshold), ..ApprovalPolicy::default() }
}

fn ask(amount: &str) -> Proposal {
    Proposal { amount: m(amount), ends_on: None, budget: None }
}

#[test]
fn an_increase_reserves_the_extra_at_once_and_puts_it_on_the_last_year() {
    let (a, entry) = propose(&grant(), &terms(), &ask("180000.00"), &policy("999999.00"), PoolState::Open, m("30000.00")).expect("fits");
    assert_eq!(a.after.budget, vec![line(2022, "50000.00"), line(2023, "130000.00")]);
    let entry = entry.expect("a reservation");
    assert_eq!(entry.kind(), EntryKind::AmendmentReservation);
    assert!(entry.is_balanced());
    assert_eq!(a.awaiting, Some(Level::Strategic));
    assert!(!a.political_required);
}

#[test]
fn an_increase_the_bucket_cannot_pay_is_refused_with_what_is_available() {
    let refused = propose(&grant(), &terms(), &ask("180000.00"), &policy("0.00"), PoolState::Open, m("29999.99"));
    assert_eq!(
        refused,
        Err(AmendmentError::Funds(FundsError { bucket: Bucket::Rolling, available: m("29999.99"), needed: m("30000.00") }))
    );
    let closed = propose(&grant(), &terms(), &ask("180000.00"), &policy("0.00"), PoolState::Closed, m("99999.00"));
    assert_eq!(closed, Err(AmendmentError::PoolNotOpen(PoolState::Closed)));
}

#[test]
fn a_decrease_holds_nothing_and_its_approval_gives_back_exactly_the_difference() {
    let (a, entry) = propose(&grant(), &terms(), &ask("120000.00"), &policy("999999.00"), PoolState::Closed, Money::ZERO).expect("valid");
    assert!(entry.is_none());
    let d = decide(&a, &grant(), Level::Strategic, Outcome::Approved).expect("approved");
    assert_eq!(d.amendment.state, AmendmentState::Approved);
    assert_eq!(d.grant.map(|g| g.amount), Some(m("120000.00")));
    let entry = d.entry.expect("a give-back");
    assert_eq!(entry.kind(), EntryKind::AmendmentDecrease);
    assert_eq!(entry.postings()[1].account, Account::Available);
    assert_eq!(entry.postings()[1].amount_ore, m("30000.00").ore());
}

#[test]
fn a_total_below_what_is_paid_out_is_refused_when_proposed_and_when_approved() {
    let (paid, _) = grant().disburse(m("130000.00")).expect("pay");
    assert_eq!(
        propose(&paid, &terms(), &ask("120000.00"), &policy("0.00"), PoolState::Open, Money::ZERO),
        Err(AmendmentError::BelowUsed { paid_or_released: m("130000.00") })
    );
    let (a, _) = propose(&grant(), &terms(), &ask("120000.00"), &policy("999999.00"), PoolState::Open, Money::ZERO).expect("valid then");
    assert_eq!(
        decide(&a, &paid, Level::Strategic, Outcome::Approved).map(|_| ()),
        Err(AmendmentError::BelowUsed { paid_or_released: m("130000.00") })
    );
}

#[test]
fn the_new_total_decides_whether_the_political_level_signs_off() {
    assert!(political_required(&policy("160000.00"), m("180000.00")));
    assert!(!political_required(&policy("200000.00"), m("180000.00")));
    let forum = ApprovalPolicy { operations_forum_limit: Some(m("200000.00")), ..policy("0.00") };
    assert!(!political_required(&forum, m("180000.00")), "within the forum's limit no political step, as for a grant");
    let (a, _) = propose(&grant(), &terms(), &ask("180000.00"), &policy("160000.00"), PoolState::Open, m("30000.00")).expect("fits");
    let strategic = decide(&a, &grant(), Level::Strategic, Outcome::Approved).expect("strategic");
    assert_eq!((strategic.amendment.awaiting, strategic.grant, strategic.entry), (Some(Level::Political), None, None));
    assert_eq!(
        decide(&a, &grant(), Level::Political, Outcome::Approved),
        Err(AmendmentError::WrongLevel { awaiting: Level::Strategic, asked: Level::Political })
    );
    let political = decide(&strategic.amendment, &grant(), Level::Political, Outcome::Approved).expect("political");
    assert_eq!(political.entry.map(|e| e.kind()), Some(EntryKind::AmendmentCommitment));
    assert_eq!(
        decide(&political.amendment, &grant(), Level::Political, Outcome::Rejected).map(|_| ()),
        Err(AmendmentError::Decided(AmendmentState::Approved))
    );
}

#[test]
fn reserve_then_reject_leaves_the_ledger_as_it_was() {
    let mut balances = Balances::default();
    balances.apply(&Entry::new(EntryKind::Funding, "f").transfer(
        (Account::Funding, Bucket::Rolling),
        (Account::Available, Bucket::Rolling),
        m("30000.00"),
    ));
    let (a, reserve) = propose(&grant(), &terms(), &ask("180000.00"), &policy("0.00"), PoolState::Open, m("30000.00")).expect("fits");
    balances.apply(&reserve.expect("reserve"));
    assert_eq!(balances.available(Bucket::Rolling), Money::ZERO);
    let rejected = decide(&a, &grant(), Level::Strategic, Outcome::Rejected).expect("rejected");
    balances.apply(&rejected.entry.expect("release"));
    let status = PoolStatus::from_balances(AllocationModel::Rolling, &balances).expect("reconciles");
    assert_eq!(status.overall.available, m("30000.00"));
    assert_eq!(status.overall.pending, Money::ZERO);
}

#[test]
fn budget_lines_must_be_one_per_year_and_sum_to_the_new_total() {
    let with = |lines: Vec<(i64, Money)>| Proposal { amount: m("180000.00"), ends_on: None, budget: Some(lines) };
    let err = |p: Proposal| match propose(&grant(), &terms(), &p, &policy("0.00"), PoolState::Open, m("99999.00")) {
        Err(AmendmentError::Invalid(field, _)) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(err(with(vec![(2022, m("50000.00")), (2023, m("100000.00"))])), "budget");
    assert_eq!(err(with(vec![(2022, m("90000.00")), (2022, m("90000.00"))])), "budget");
    assert_eq!(err(with(vec![(2022, m("180000.00")), (2023, Money::ZERO)])), "budget[1].amount");
    assert_eq!(err(with(vec![(1999, m("180000.00"))])), "budget[0].year");
    assert_eq!(err(with(vec![])), "budget");
    let shrink_too_far = Proposal { amount: m("40000.00"), ends_on: None, budget: None };
    assert_eq!(err(shrink_too_far), "budget", "the difference does not fit on the last year");
    let same = propose(&grant(), &terms(), &ask("150000.00"), &policy("0.00"), PoolState::Open, Money::ZERO);
    assert_eq!(same, Err(AmendmentError::Unchanged));
}

#[test]
fn a_new_end_date_alone_moves_no_money() {
    let later = Proposal { ends_on: NaiveDate::from_ymd_opt(2024, 6, 30), ..ask("150000.00") };
    let (a, entry) = propose(&grant(), &terms(), &later, &policy("0.00"), PoolState::Closed, Money::ZERO).expect("valid");
    assert!(entry.is_none());
    let d = decide(&a, &grant(), Level::Strategic, Outcome::Approved)
        .and_then(|d| decide(&d.amendment, &grant(), Level::Political, Outcome::Approved));
    assert_eq!(d.map(|d| (d.entry, d.grant.map(|g| g.amount))), Ok((None, Some(m("150000.00")))));
}
