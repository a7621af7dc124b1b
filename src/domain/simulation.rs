//! "What if Vest had used 70/30 in 2022?": replays a pool's approved
//! applications, in the order they were submitted, under another allocation
//! model, and tells what would have been funded from which bucket, when a
//! bucket would have run dry, and what would be left to carry over.
//! Pure: nothing is written.

use super::allocation::{AllocationModel, Bucket};
use super::application::{Origin, default_bucket};
use super::money::Money;

/// One application as it really went.
#[derive(Debug, Clone)]
pub struct Ask {
    pub id: i64,
    pub origin: Origin,
    /// The amount granted (or reserved) in reality.
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    pub id: i64,
    pub bucket: Bucket,
    pub amount: Money,
    /// `false`: the bucket could not have paid it.
    pub funded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulation {
    pub applications: Vec<Replayed>,
    /// Per bucket: the first application it could not pay, if any.
    pub ran_out: Vec<(Bucket, i64)>,
    /// Per bucket: what would be left at year end.
    pub left: Vec<(Bucket, Money)>,
    pub funded: Money,
    pub unfunded: Money,
}

pub fn simulate(total: Money, model: AllocationModel, asks: &[Ask]) -> Simulation {
    let mut left = model.allot(total);
    let mut applications = Vec::with_capacity(asks.len());
    let mut ran_out: Vec<(Bucket, i64)> = Vec::new();
    let (mut funded, mut unfunded) = (Money::ZERO, Money::ZERO);
    for ask in asks {
        let bucket = default_bucket(model, ask.origin);
        let slot = left.iter_mut().find(|(b, _)| *b == bucket);
        let paid = match slot {
            Some((_, money)) => match money.checked_sub(ask.amount) {
                Some(rest) => {
                    *money = rest;
                    true
                }
                None => false,
            },
            None => false,
        };
        if paid {
            funded = funded.checked_add(ask.amount).unwrap_or(Money::MAX);
        } else {
            unfunded = unfunded.checked_add(ask.amount).unwrap_or(Money::MAX);
            if !ran_out.iter().any(|(b, _)| *b == bucket) {
                ran_out.push((bucket, ask.id));
            }
        }
        applications.push(Replayed { id: ask.id, bucket, amount: ask.amount, funded: paid });
    }
    Simulation { applications, ran_out, left, funded, unfunded }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::share::Share;

    fn m(s: &str) -> Money {
        Money::parse(s).expect("amount")
    }

    #[test]
    fn under_70_30_the_cluster_s_own_projects_run_out_first_and_ssu_projects_are_paid_from_ad_hoc() {
        let asks = [
            Ask { id: 1, origin: Origin::Cluster, amount: m("400.00") },
            Ask { id: 2, origin: Origin::Cluster, amount: m("400.00") },
            Ask { id: 3, origin: Origin::Ssu, amount: m("300.00") },
        ];
        let split = AllocationModel::Split { upfront_share: Share::parse("0.70").expect("share") };
        let s = simulate(m("1000.00"), split, &asks);
        assert_eq!(s.applications.iter().map(|a| a.funded).collect::<Vec<_>>(), [true, false, true]);
        assert_eq!(s.ran_out, [(Bucket::Upfront, 2)]);
        assert_eq!(s.left, [(Bucket::Upfront, m("300.00")), (Bucket::AdHoc, m("0.00"))]);
        assert_eq!((s.funded, s.unfunded), (m("700.00"), m("400.00")));
        let rolling = simulate(m("1000.00"), AllocationModel::Rolling, &asks);
        assert_eq!(rolling.applications.iter().map(|a| a.funded).collect::<Vec<_>>(), [true, true, false]);
        assert_eq!(rolling.left, [(Bucket::Rolling, m("200.00"))]);
    }
}
