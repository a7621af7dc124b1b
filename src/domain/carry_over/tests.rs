//! Carry-over rules, and a property test that money is conserved across
//! years whatever happens: funding, grants, releases and carry-overs.

use proptest::prelude::*;

use super::*;
use crate::domain::grant::Grant;
use crate::domain::ledger::{Balances, PoolStatus};
use crate::domain::pool::{ApprovalPolicy, NewPool, PoliticalMode, StrategicMode};
use crate::domain::share::Share;
use crate::domain::values::PoolKey;
use crate::domain::workflow::{ApplicationState, Event, Level, Outcome, Situation, apply};

fn m(s: &str) -> Money {
    Money::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn year(y: i64) -> Year {
    Year::new(y).unwrap_or_else(|e| panic!("{y}: {e}"))
}

fn split() -> AllocationModel {
    AllocationModel::Split { upfront_share: Share::parse("0.70").unwrap_or_else(|e| panic!("{e}")) }
}

fn pool(key: &str, amount: &str, model: AllocationModel) -> (Pool, Balances) {
    let key = PoolKey::parse(key).unwrap_or_else(|e| panic!("{e}"));
    let (pool, entry) = Pool::create(NewPool {
        key,
        amount: m(amount),
        model,
        policy: ApprovalPolicy::default(),
        note: String::new(),
        criteria: Vec::new(),
    });
    let mut balances = Balances::default();
    balances.apply(&entry);
    (pool, balances)
}

fn closed(pool: &Pool) -> Pool {
    pool.open().and_then(|p| p.close()).unwrap_or_else(|e| panic!("{e}"))
}

fn available(model: AllocationModel, balances: &Balances) -> Vec<(Bucket, Money)> {
    model.buckets().iter().map(|b| (*b, balances.available(*b))).collect()
}

const OPEN_ROLLING: Target = Target { model: AllocationModel::Rolling, state: PoolState::Open };

#[test]
fn vests_871553_held_while_awaiting_political_sign_off_moves_no_money() {
    let (vest, mut balances) = pool("vest-2022", "871553.00", AllocationModel::Rolling);
    let vest = closed(&vest);
    let plan =
        propose(&vest, &available(vest.model, &balances), OPEN_ROLLING, &Proposal { amount: None, to_year: year(2023), bucket: None })
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.amount, m("871553.00"));
    assert_eq!(plan.bucket, Bucket::Rolling);
    balances.apply(&plan.hold);
    let status = PoolStatus::from_balances(vest.model, &balances).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((status.overall.available, status.overall.pending, status.overall.carried_out), (Money::ZERO, m("871553.00"), Money::ZERO));
}

#[test]
fn a_split_target_receives_in_its_ad_hoc_bucket_unless_told_otherwise() {
    assert_eq!(default_bucket(split()), Bucket::AdHoc);
    assert_eq!(default_bucket(AllocationModel::Upfront), Bucket::Upfront);
    let (vest, balances) = pool("vest-2022", "100.00", AllocationModel::Rolling);
    let vest = closed(&vest);
    let target = Target { model: split(), state: PoolState::Draft };
    let asked = |bucket| propose(&vest, &available(vest.model, &balances), target, &Proposal { amount: None, to_year: year(2023), bucket });
    assert_eq!(asked(None).map(|p| p.bucket), Ok(Bucket::AdHoc));
    assert_eq!(asked(Some(Bucket::Upfront)).map(|p| p.bucket), Ok(Bucket::Upfront));
    assert_eq!(
        asked(Some(Bucket::Rolling)).map(|p| p.bucket),
        Err(CarryOverError::NoSuchBucket { model: "split", bucket: Bucket::Rolling })
    );
}

#[test]
fn proposals_that_cannot_hold_are_refused_with_a_reason() {
    let (open, balances) = pool("vest-2022", "100.00", AllocationModel::Rolling);
    let open = open.open().unwrap_or_else(|e| panic!("{e}"));
    let avail = available(open.model, &balances);
    let p = |amount: Option<&str>, to: i64| Proposal { amount: amount.map(m), to_year: year(to), bucket: None };
    assert_eq!(propose(&open, &avail, OPEN_ROLLING, &p(None, 2023)), Err(CarryOverError::SourceNotClosed { state: PoolState::Open }));
    let vest = open.close().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(propose(&vest, &avail, OPEN_ROLLING, &p(None, 2022)), Err(CarryOverError::NotLater { source_year: 2022 }));
    assert_eq!(propose(&vest, &avail, OPEN_ROLLING, &p(Some("0"), 2023)), Err(CarryOverError::ZeroAmount));
    assert_eq!(
        propose(&vest, &avail, OPEN_ROLLING, &p(Some("100.01"), 2023)),
        Err(CarryOverError::MoreThanAvailable { available: m("100.00"), asked: m("100.01") })
    );
    let closed_target = Target { model: AllocationModel::Rolling, state: PoolState::Closed };
    assert_eq!(propose(&vest, &avail, closed_target, &p(None, 2023)), Err(CarryOverError::TargetClosed { year: 2023 }));
    let empty = [(Bucket::Rolling, Money::ZERO)];
    assert_eq!(propose(&vest, &empty, OPEN_ROLLING, &p(None, 2023)), Err(CarryOverError::NothingLeft));
}

#[test]
fn a_lower_amount_is_taken_from_upfront_before_ad_hoc() {
    let (p, balances) = pool("nord-2022", "1000.00", split());
    let p = closed(&p);
    let plan = propose(
        &p,
        &available(p.model, &balances),
        OPEN_ROLLING,
        &Proposal { amount: Some(m("800.00")), to_year: year(2023), bucket: None },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.parts, vec![(Bucket::Upfront, m("700.00")), (Bucket::AdHoc, m("100.00"))]);
    assert!(plan.hold.is_balanced());
}

#[test]
fn deciding_twice_is_refused_so_money_moves_once() {
    let held = [(Bucket::Rolling, m("10.00"))];
    assert!(execute(CarryOverState::Proposed, &held, OPEN_ROLLING, Bucket::Rolling, year(2023)).is_ok());
    for state in [CarryOverState::Executed, CarryOverState::Rejected] {
        assert_eq!(execute(state, &held, OPEN_ROLLING, Bucket::Rolling, year(2023)), Err(CarryOverError::NotProposed { state }));
        assert_eq!(reject(state, &held), Err(CarryOverError::NotProposed { state }));
    }
}

// ---- the property test ----------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Grant { pool: usize, ore: i64 },
    Release { grant: usize, percent: u8 },
    Close(usize),
    Propose { pool: usize, ahead: usize, percent: Option<u8> },
    Decide { carry_over: usize, approve: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..4, 1i64..60_000_000).prop_map(|(pool, ore)| Op::Grant { pool, ore }),
        (0usize..20, 1u8..=100).prop_map(|(grant, percent)| Op::Release { grant, percent }),
        (0usize..4).prop_map(Op::Close),
        (0usize..4, 1usize..3, prop::option::of(1u8..=100)).prop_map(|(pool, ahead, percent)| Op::Propose { pool, ahead, percent }),
        (0usize..6, prop::bool::weighted(0.7)).prop_map(|(carry_over, approve)| Op::Decide { carry_over, approve }),
    ]
}

struct Year_ {
    pool: Pool,
    balances: Balances,
}

struct Open {
    from: usize,
    to: usize,
    bucket: Bucket,
    held: Vec<(Bucket, Money)>,
    state: CarryOverState,
}

fn conserved(years: &[Year_], funding: i64, executed: i64) -> Result<(), TestCaseError> {
    let (mut total, mut uses, mut carried_in, mut carried_out) = (0i64, 0i64, 0i64, 0i64);
    for y in years {
        let s = PoolStatus::from_balances(y.pool.model, &y.balances).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(s.overall.reconciles(), "{} reconciles", y.pool.key);
        total += s.overall.total.ore();
        uses += s.overall.committed.ore() + s.overall.available.ore() + s.overall.pending.ore();
        carried_in += s.overall.carried_in.ore();
        carried_out += s.overall.carried_out.ore();
    }
    prop_assert_eq!(total, funding, "funding is what the pools were given");
    prop_assert_eq!(total - uses, 0, "sum over all pools of funding − committed − available − pending is zero");
    prop_assert_eq!(carried_in, carried_out, "what leaves one year arrives in another");
    prop_assert_eq!(carried_in, executed, "only signed-off carry-overs move money");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn money_is_conserved_across_years(
        fundings in prop::collection::vec((0i64..50_000_000, any::<bool>()), 4),
        ops in prop::collection::vec(op(), 1..50),
    ) {
        let policy = ApprovalPolicy {
            recommendation_required: false,
            strategic: StrategicMode::Meeting,
            political_threshold: Money::from_ore(i64::MAX / 4).unwrap_or(Money::ZERO),
            political: PoliticalMode::Meeting,
            operations_forum_limit: None,
            email_mandate_reference: None,
            cross_sector_required: true,
        };
        let mut years: Vec<Year_> = Vec::new();
        for (i, (ore, is_split)) in fundings.iter().enumerate() {
            let key = PoolKey::parse(&format!("vest-{}", 2022 + i)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let model = if *is_split { split() } else { AllocationModel::Rolling };
            let amount = Money::from_ore(*ore).unwrap_or(Money::ZERO);
            let (pool, entry) = Pool::create(NewPool { key, amount, model, policy: policy.clone(), note: String::new(), criteria: Vec::new() });
            let mut balances = Balances::default();
            balances.apply(&entry);
            years.push(Year_ { pool: pool.open().map_err(|e| TestCaseError::fail(e.to_string()))?, balances });
        }
        let funding: i64 = fundings.iter().map(|(o, _)| o).sum();
        let mut grants: Vec<(usize, Grant)> = Vec::new();
        let mut carry_overs: Vec<Open> = Vec::new();
        let mut executed = 0i64;

        for op in ops {
            match op {
                Op::Grant { pool, ore } => {
                    let y = &mut years[pool];
                    let bucket = y.pool.model.buckets()[ore as usize % y.pool.model.buckets().len()];
                    let requested = Money::from_ore(ore).unwrap_or(Money::ZERO);
                    let situation = Situation { policy: policy.clone(), pool_state: y.pool.state, bucket, requested, available: y.balances.available(bucket), ineligible: Vec::new() };
                    let decide = Event::Decide { level: Level::Strategic, outcome: Outcome::Approved, amount: None };
                    let Ok(submitted) = apply(ApplicationState::Draft, &situation, Event::Submit) else { continue };
                    if let Ok(t) = apply(submitted.state, &situation, decide) {
                        if let Some(e) = &t.entry { y.balances.apply(e) }
                        if let Some(amount) = t.grant { grants.push((pool, Grant::new(bucket, amount))) }
                    }
                }
                Op::Release { grant, percent } if grant < grants.len() => {
                    let (pool, g) = grants[grant];
                    let amount = Money::from_ore(g.remaining().ore() / 100 * i64::from(percent)).unwrap_or(Money::ZERO);
                    if let Ok((changed, entry)) = g.release(Some(amount), "test") {
                        years[pool].balances.apply(&entry);
                        grants[grant].1 = changed;
                    }
                }
                Op::Close(pool) => {
                    if let Ok(p) = years[pool].pool.close() { years[pool].pool = p }
                }
                Op::Propose { pool, ahead, percent } if pool + ahead < years.len() => {
                    let to = pool + ahead;
                    if carry_overs.iter().any(|c| c.from == pool && c.to == to && c.state == CarryOverState::Proposed) {
                        continue; // one open carry-over per (pool, to_year)
                    }
                    let src = &years[pool];
                    let avail = available(src.pool.model, &src.balances);
                    let all: i64 = avail.iter().map(|(_, m)| m.ore()).sum();
                    let amount = percent.and_then(|p| Money::from_ore(all / 100 * i64::from(p)));
                    let target = Target { model: years[to].pool.model, state: years[to].pool.state };
                    let proposal = Proposal { amount, to_year: years[to].pool.year(), bucket: None };
                    if let Ok(plan) = propose(&src.pool, &avail, target, &proposal) {
                        prop_assert_eq!(plan.parts.iter().map(|(_, m)| m.ore()).sum::<i64>(), plan.amount.ore());
                        years[pool].balances.apply(&plan.hold);
                        carry_overs.push(Open { from: pool, to, bucket: plan.bucket, held: plan.parts, state: CarryOverState::Proposed });
                    }
                }
                Op::Decide { carry_over, approve } if carry_over < carry_overs.len() => {
                    let c = &carry_overs[carry_over];
                    if approve {
                        let target = Target { model: years[c.to].pool.model, state: years[c.to].pool.state };
                        if let Ok(x) = execute(c.state, &c.held, target, c.bucket, years[c.to].pool.year()) {
                            years[c.from].balances.apply(&x.out_of_source);
                            years[c.to].balances.apply(&x.into_target);
                            executed += c.held.iter().map(|(_, m)| m.ore()).sum::<i64>();
                            carry_overs[carry_over].state = CarryOverState::Executed;
                        }
                    } else if let Ok(e) = reject(c.state, &c.held) {
                        years[c.from].balances.apply(&e);
                        carry_overs[carry_over].state = CarryOverState::Rejected;
                    }
                }
                _ => {}
            }
            conserved(&years, funding, executed)?;
        }
    }
}
