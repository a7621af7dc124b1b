//! Property test: random sequences of applications, decisions,
//! disbursements, releases and reallocations, driven through the domain.
//! After every step money is conserved, no account goes below zero, and the
//! applications' own figures agree with the ledger.

use proptest::prelude::*;

use super::allocation::{AllocationModel, Bucket};
use super::grant::Grant;
use super::ledger::{Balances, PoolStatus};
use super::money::Money;
use super::pool::{ApprovalPolicy, NewPool, Pool, StrategicMode};
use super::share::Share;
use super::values::PoolKey;
use super::workflow::{ApplicationState, Event, Level, Outcome, Situation, apply};

#[derive(Debug, Clone)]
enum Op {
    Apply { second_bucket: bool, requested_ore: i64 },
    Submit(usize),
    Recommend(usize, u8),
    Decide { app: usize, political: bool, approve: bool, percent: u8 },
    Withdraw(usize),
    RequestByEmail(usize),
    CancelEmailRequest(usize),
    Disburse(usize, u8),
    Release(usize, u8),
    Reallocate { to_second: bool, amount_ore: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<bool>(), 1i64..40_000_000).prop_map(|(second_bucket, requested_ore)| Op::Apply { second_bucket, requested_ore }),
        (0usize..12).prop_map(Op::Submit),
        (0usize..12, 1u8..=100).prop_map(|(i, p)| Op::Recommend(i, p)),
        (0usize..12, any::<bool>(), prop::bool::weighted(0.8), 0u8..=110).prop_map(|(app, political, approve, percent)| Op::Decide {
            app,
            political,
            approve,
            percent
        }),
        (0usize..12).prop_map(Op::Withdraw),
        (0usize..12).prop_map(Op::RequestByEmail),
        (0usize..12).prop_map(Op::CancelEmailRequest),
        (0usize..12, 0u8..=110).prop_map(|(i, p)| Op::Disburse(i, p)),
        (0usize..12, 0u8..=110).prop_map(|(i, p)| Op::Release(i, p)),
        (any::<bool>(), 0i64..20_000_000).prop_map(|(to_second, amount_ore)| Op::Reallocate { to_second, amount_ore }),
    ]
}

fn percent_of(m: Money, p: u8) -> Option<Money> {
    Money::from_ore(m.ore() / 100 * i64::from(p) + m.ore() % 100 * i64::from(p) / 100)
}

struct App {
    bucket: Bucket,
    requested: Money,
    state: ApplicationState,
    grant: Option<Grant>,
}

fn check(model: AllocationModel, balances: &Balances, funding: Money, apps: &[App]) -> Result<(), TestCaseError> {
    let status = PoolStatus::from_balances(model, balances).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(status.overall.reconciles());
    prop_assert_eq!(status.overall.total, funding, "funding is conserved");
    let reserved: i64 = apps.iter().map(|a| a.state.reserved().ore()).sum();
    prop_assert_eq!(status.overall.pending.ore(), reserved, "pending = what applications hold");
    let committed: i64 = apps.iter().filter_map(|a| a.grant).map(|g| g.amount.ore() - g.released.ore()).sum();
    prop_assert_eq!(status.overall.committed.ore(), committed, "committed = grants less releases");
    let disbursed: i64 = apps.iter().filter_map(|a| a.grant).map(|g| g.disbursed.ore()).sum();
    prop_assert_eq!(status.overall.disbursed.ore(), disbursed);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn money_is_conserved_and_no_bucket_goes_below_zero(
        split in any::<bool>(),
        funding_ore in 0i64..100_000_000,
        threshold_ore in 0i64..20_000_000,
        recommendation_required in any::<bool>(),
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let model = if split {
            AllocationModel::Split { upfront_share: Share::parse("0.70").map_err(|e| TestCaseError::fail(e.to_string()))? }
        } else {
            AllocationModel::Rolling
        };
        let funding = Money::from_ore(funding_ore).unwrap_or(Money::ZERO);
        let policy = ApprovalPolicy {
            recommendation_required,
            strategic: StrategicMode::Meeting,
            political_threshold: Money::from_ore(threshold_ore).unwrap_or(Money::ZERO),
            political: super::pool::PoliticalMode::Meeting,
            operations_forum_limit: None,
            email_mandate_reference: None,
            cross_sector_required: true,
        };
        let key = PoolKey::parse("vest-2022").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (pool, entry) = Pool::create(NewPool { key, amount: funding, model, policy: policy.clone(), note: String::new(), criteria: Vec::new() });
        let pool = pool.open().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut balances = Balances::default();
        balances.apply(&entry);
        let buckets = model.buckets();
        let mut apps: Vec<App> = Vec::new();

        for op in ops {
            match op {
                Op::Apply { second_bucket, requested_ore } => {
                    let bucket = if second_bucket && buckets.len() > 1 { buckets[1] } else { buckets[0] };
                    let requested = Money::from_ore(requested_ore).unwrap_or(Money::ZERO);
                    apps.push(App { bucket, requested, state: ApplicationState::Draft, grant: None });
                }
                Op::Submit(i)
                | Op::Recommend(i, _)
                | Op::Decide { app: i, .. }
                | Op::Withdraw(i)
                | Op::RequestByEmail(i)
                | Op::CancelEmailRequest(i)
                    if i < apps.len() =>
                {
                    let app = &apps[i];
                    let situation = Situation {
                        policy: policy.clone(),
                        pool_state: pool.state,
                        bucket: app.bucket,
                        requested: app.requested,
                        available: balances.available(app.bucket),
                        ineligible: Vec::new(),
                    };
                    let event = match op {
                        Op::Submit(_) => Event::Submit,
                        Op::Withdraw(_) => Event::Withdraw,
                        Op::RequestByEmail(_) => Event::RequestStrategicApproval,
                        Op::CancelEmailRequest(_) => Event::CancelStrategicRequest,
                        Op::Recommend(_, p) => Event::Recommend { amount: percent_of(app.requested, p) },
                        Op::Decide { political, approve, percent, .. } => Event::Decide {
                            level: if political { Level::Political } else { Level::Strategic },
                            outcome: if approve { Outcome::Approved } else { Outcome::Rejected },
                            amount: percent_of(app.requested, percent),
                        },
                        _ => continue,
                    };
                    if let Ok(t) = apply(app.state, &situation, event) {
                        if let Some(entry) = &t.entry {
                            prop_assert!(entry.is_balanced());
                            balances.apply(entry);
                        }
                        let bucket = app.bucket;
                        apps[i].state = t.state;
                        if let Some(amount) = t.grant {
                            apps[i].grant = Some(Grant::new(bucket, amount));
                        }
                    }
                }
                Op::Disburse(i, p) | Op::Release(i, p) if i < apps.len() => {
                    let Some(grant) = apps[i].grant else { continue };
                    let amount = percent_of(grant.remaining(), p).unwrap_or(Money::ZERO);
                    let result = match op {
                        Op::Disburse(..) => grant.disburse(amount),
                        _ => grant.release(if p == 100 { None } else { Some(amount) }, "test"),
                    };
                    if let Ok((changed, entry)) = result {
                        balances.apply(&entry);
                        apps[i].grant = Some(changed);
                    }
                }
                Op::Reallocate { to_second, amount_ore } => {
                    if buckets.len() < 2 {
                        continue;
                    }
                    let (from, to) = if to_second { (buckets[0], buckets[1]) } else { (buckets[1], buckets[0]) };
                    let amount = Money::from_ore(amount_ore).unwrap_or(Money::ZERO);
                    if let Ok(entry) = pool.reallocate(from, to, amount, balances.available(from)) {
                        balances.apply(&entry);
                    }
                }
                _ => {}
            }
            check(model, &balances, funding, &apps)?;
        }
    }
}
