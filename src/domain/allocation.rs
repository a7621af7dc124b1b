//! Allocation models (tildelingsmodel) and the buckets they divide a pool into.

use super::money::{Money, allocate};
use super::share::Share;

/// Where in a pool money sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bucket {
    /// Distributed at the start of the year.
    Upfront,
    /// Kept for ad-hoc projects (from the SSU, or arising during the year).
    AdHoc,
    /// Granted continuously as projects come.
    Rolling,
}

impl Bucket {
    pub const ALL: [Bucket; 3] = [Bucket::Upfront, Bucket::AdHoc, Bucket::Rolling];

    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Upfront => "upfront",
            Bucket::AdHoc => "ad_hoc",
            Bucket::Rolling => "rolling",
        }
    }

    pub fn parse(text: &str) -> Option<Bucket> {
        Bucket::ALL.into_iter().find(|b| b.as_str() == text)
    }
}

/// How a pool's money is given out over the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocationModel {
    /// a. Everything at the start of the year.
    Upfront,
    /// b. A share at the start of the year, the rest kept for ad-hoc projects.
    Split { upfront_share: Share },
    /// c. Granted as projects come.
    Rolling,
}

impl AllocationModel {
    pub fn kind(self) -> &'static str {
        match self {
            AllocationModel::Upfront => "upfront",
            AllocationModel::Split { .. } => "split",
            AllocationModel::Rolling => "rolling",
        }
    }

    pub fn buckets(self) -> &'static [Bucket] {
        match self {
            AllocationModel::Upfront => &[Bucket::Upfront],
            AllocationModel::Split { .. } => &[Bucket::Upfront, Bucket::AdHoc],
            AllocationModel::Rolling => &[Bucket::Rolling],
        }
    }

    pub fn has_bucket(self, bucket: Bucket) -> bool {
        self.buckets().contains(&bucket)
    }

    /// Divides `total` over the model's buckets, exactly to the øre.
    pub fn allot(self, total: Money) -> Vec<(Bucket, Money)> {
        match self {
            AllocationModel::Upfront => vec![(Bucket::Upfront, total)],
            AllocationModel::Rolling => vec![(Bucket::Rolling, total)],
            AllocationModel::Split { upfront_share } => {
                let weights = [u64::from(upfront_share.ppm()), u64::from(upfront_share.complement().ppm())];
                let parts = allocate(total, &weights);
                vec![(Bucket::Upfront, parts[0]), (Bucket::AdHoc, parts[1])]
            }
        }
    }
}

impl std::fmt::Display for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).expect("valid amount in test")
    }

    #[test]
    fn a_70_30_pool_of_871553_keeps_261465_90_for_ad_hoc_projects() {
        let model = AllocationModel::Split { upfront_share: Share::parse("0.70").expect("share") };
        assert_eq!(model.allot(m("871553.00")), vec![(Bucket::Upfront, m("610087.10")), (Bucket::AdHoc, m("261465.90"))]);
    }

    #[test]
    fn upfront_and_rolling_pools_have_one_bucket_holding_everything() {
        assert_eq!(AllocationModel::Upfront.allot(m("10.00")), vec![(Bucket::Upfront, m("10.00"))]);
        assert_eq!(AllocationModel::Rolling.allot(m("10.00")), vec![(Bucket::Rolling, m("10.00"))]);
        assert!(!AllocationModel::Rolling.has_bucket(Bucket::AdHoc));
    }
}
