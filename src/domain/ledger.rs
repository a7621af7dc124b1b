//! The ledger: every money movement is a balanced entry of postings, and a
//! pool's status is nothing but its account balances read back.

use std::collections::BTreeMap;

use super::allocation::{AllocationModel, Bucket};
use super::breakdown::Use;
use super::money::Money;

/// The accounts of a pool, each kept per bucket.
///
/// `funding` and `carried_in` are contra accounts: money enters the pool from
/// them, so their balances are negative. Everything else holds a
/// non-negative balance. Because every entry sums to zero,
/// `total + carried_in = available + pending + committed + disbursed + carried_out`
/// holds by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Account {
    Funding,
    CarriedIn,
    Available,
    Pending,
    Committed,
    Disbursed,
    CarriedOut,
}

impl Account {
    pub const ALL: [Account; 7] = [
        Account::Funding,
        Account::CarriedIn,
        Account::Available,
        Account::Pending,
        Account::Committed,
        Account::Disbursed,
        Account::CarriedOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Account::Funding => "funding",
            Account::CarriedIn => "carried_in",
            Account::Available => "available",
            Account::Pending => "pending",
            Account::Committed => "committed",
            Account::Disbursed => "disbursed",
            Account::CarriedOut => "carried_out",
        }
    }

    pub fn parse(text: &str) -> Option<Account> {
        Account::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// Why money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryKind {
    /// The pool's funding, divided over its buckets.
    Funding,
    /// A draft pool's amount or model changed: the old funding reversed, the new posted.
    FundingRevision,
    /// A strategic decision moved money between buckets.
    Reallocation,
    /// Money held for an application while a decision is pending.
    Reservation,
    /// A reservation given back (rejected, withdrawn, or approved for less).
    ReservationRelease,
    /// An approved grant.
    Commitment,
    /// Money paid out of a grant.
    Disbursement,
    /// Unused money given back from a grant (counted as `released`).
    Release,
    /// What is left, held on a closed pool while a carry-over awaits political sign-off.
    CarryOverHold,
    /// A held carry-over given back (the political level rejected it).
    CarryOverRelease,
    /// An approved carry-over: out of one year's pool, into a later one.
    CarryOver,
    /// The extra of a pending amendment that increases a grant, held at once.
    AmendmentReservation,
    /// A held amendment increase given back (the amendment was rejected).
    AmendmentReservationRelease,
    /// An approved amendment increase: the held extra becomes part of the grant.
    AmendmentCommitment,
    /// An approved amendment decrease: the difference goes back to available.
    AmendmentDecrease,
}

impl EntryKind {
    pub const ALL: [EntryKind; 15] = [
        EntryKind::Funding,
        EntryKind::FundingRevision,
        EntryKind::Reallocation,
        EntryKind::Reservation,
        EntryKind::ReservationRelease,
        EntryKind::Commitment,
        EntryKind::Disbursement,
        EntryKind::Release,
        EntryKind::CarryOverHold,
        EntryKind::CarryOverRelease,
        EntryKind::CarryOver,
        EntryKind::AmendmentReservation,
        EntryKind::AmendmentReservationRelease,
        EntryKind::AmendmentCommitment,
        EntryKind::AmendmentDecrease,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Funding => "funding",
            EntryKind::FundingRevision => "funding_revision",
            EntryKind::Reallocation => "reallocation",
            EntryKind::Reservation => "reservation",
            EntryKind::ReservationRelease => "reservation_release",
            EntryKind::Commitment => "commitment",
            EntryKind::Disbursement => "disbursement",
            EntryKind::Release => "release",
            EntryKind::CarryOverHold => "carry_over_hold",
            EntryKind::CarryOverRelease => "carry_over_release",
            EntryKind::CarryOver => "carry_over",
            EntryKind::AmendmentReservation => "amendment_reservation",
            EntryKind::AmendmentReservationRelease => "amendment_reservation_release",
            EntryKind::AmendmentCommitment => "amendment_commitment",
            EntryKind::AmendmentDecrease => "amendment_decrease",
        }
    }

    pub fn parse(text: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A bucket cannot pay for what is asked of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {} bucket has {available} available; this needs {needed}", bucket.as_str())]
pub struct FundsError {
    pub bucket: Bucket,
    pub available: Money,
    pub needed: Money,
}

/// Checks that `bucket` can pay `needed` out of `available`.
pub fn ensure_available(bucket: Bucket, available: Money, needed: Money) -> Result<(), FundsError> {
    if needed <= available { Ok(()) } else { Err(FundsError { bucket, available, needed }) }
}

/// One line of an entry: a signed amount of øre on one account of one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    pub bucket: Bucket,
    pub account: Account,
    pub amount_ore: i64,
}

/// A balanced set of postings. Built only from transfers, so it always sums to zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    kind: EntryKind,
    memo: String,
    postings: Vec<Posting>,
}

impl Entry {
    pub fn new(kind: EntryKind, memo: impl Into<String>) -> Entry {
        Entry { kind, memo: memo.into(), postings: Vec::new() }
    }

    /// Moves `amount` from one account to another. A zero amount posts nothing.
    pub fn transfer(mut self, from: (Account, Bucket), to: (Account, Bucket), amount: Money) -> Entry {
        if !amount.is_zero() {
            self.postings.push(Posting { bucket: from.1, account: from.0, amount_ore: -amount.ore() });
            self.postings.push(Posting { bucket: to.1, account: to.0, amount_ore: amount.ore() });
        }
        self
    }

    /// The same movement, described in other words.
    pub fn with_memo(self, memo: impl Into<String>) -> Entry {
        Entry { memo: memo.into(), ..self }
    }

    pub fn kind(&self) -> EntryKind {
        self.kind
    }

    pub fn memo(&self) -> &str {
        &self.memo
    }

    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }

    pub fn is_balanced(&self) -> bool {
        self.postings.iter().map(|p| i128::from(p.amount_ore)).sum::<i128>() == 0
    }
}

/// Sums of postings, per (bucket, account, entry kind): what the store reads back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Balances(BTreeMap<(Bucket, Account, EntryKind), i64>);

impl Balances {
    pub fn add(&mut self, bucket: Bucket, account: Account, kind: EntryKind, amount_ore: i64) {
        *self.0.entry((bucket, account, kind)).or_default() += amount_ore;
    }

    pub fn apply(&mut self, entry: &Entry) {
        for p in entry.postings() {
            self.add(p.bucket, p.account, entry.kind(), p.amount_ore);
        }
    }

    fn balance(&self, bucket: Bucket, account: Account) -> i64 {
        self.0.iter().filter(|((b, a, _), _)| *b == bucket && *a == account).map(|(_, v)| *v).sum()
    }

    fn released(&self, bucket: Bucket) -> i64 {
        self.0.iter().filter(|((b, a, k), _)| *b == bucket && *a == Account::Available && *k == EntryKind::Release).map(|(_, v)| *v).sum()
    }

    /// Buckets where some account has a non-zero net balance.
    fn buckets_with_money(&self) -> Vec<Bucket> {
        Bucket::ALL.into_iter().filter(|b| Account::ALL.into_iter().any(|a| self.balance(*b, a) != 0)).collect()
    }

    /// What one application's postings come to, by the same rules as a
    /// bucket's figures: committed (what is disbursed included), pending,
    /// disbursed, and released back to available.
    pub fn application_use(&self) -> Result<Use, LedgerError> {
        let sum = |f: &dyn Fn(Bucket) -> i64| Bucket::ALL.into_iter().map(f).sum::<i64>();
        let money = |ore: i64, what: &str| Money::from_ore(ore).ok_or_else(|| LedgerError(format!("{what} is {ore} øre")));
        let disbursed = sum(&|b| self.balance(b, Account::Disbursed));
        Ok(Use {
            committed: money(sum(&|b| self.balance(b, Account::Committed)) + disbursed, "committed")?,
            pending: money(sum(&|b| self.balance(b, Account::Pending)), "pending")?,
            disbursed: money(disbursed, "disbursed")?,
            released: money(sum(&|b| self.released(b)), "released")?,
        })
    }

    /// A bucket's share of the pool's own funding (a contra account: its balance is negative).
    pub fn total(&self, bucket: Bucket) -> Money {
        Money::from_ore(-self.balance(bucket, Account::Funding)).unwrap_or(Money::ZERO)
    }

    /// What was carried into a bucket from earlier years (a contra account: its balance is negative).
    pub fn carried_in(&self, bucket: Bucket) -> Money {
        Money::from_ore(-self.balance(bucket, Account::CarriedIn)).unwrap_or(Money::ZERO)
    }

    /// The money still free in a bucket.
    pub fn available(&self, bucket: Bucket) -> Money {
        Money::from_ore(self.balance(bucket, Account::Available)).unwrap_or(Money::ZERO)
    }
}

/// The figures dashboards read, for a bucket or a whole pool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub total: Money,
    pub carried_in: Money,
    /// Granted and not released (includes what is disbursed).
    pub committed: Money,
    /// Reserved while a decision is pending.
    pub pending: Money,
    /// Paid out of what is committed.
    pub disbursed: Money,
    /// Given back from grants to available, over the pool's life.
    pub released: Money,
    pub available: Money,
    pub carried_out: Money,
}

impl Figures {
    /// `total + carried_in = committed + pending + available + carried_out`, to the øre.
    pub fn reconciles(&self) -> bool {
        let inflow = i128::from(self.total.ore()) + i128::from(self.carried_in.ore());
        let uses = [self.committed, self.pending, self.available, self.carried_out].iter().map(|m| i128::from(m.ore())).sum::<i128>();
        inflow == uses && self.disbursed <= self.committed
    }

    fn plus(self, o: Figures) -> Option<Figures> {
        Some(Figures {
            total: self.total.checked_add(o.total)?,
            carried_in: self.carried_in.checked_add(o.carried_in)?,
            committed: self.committed.checked_add(o.committed)?,
            pending: self.pending.checked_add(o.pending)?,
            disbursed: self.disbursed.checked_add(o.disbursed)?,
            released: self.released.checked_add(o.released)?,
            available: self.available.checked_add(o.available)?,
            carried_out: self.carried_out.checked_add(o.carried_out)?,
        })
    }
}

/// A pool's status: overall figures and one set per bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolStatus {
    pub overall: Figures,
    pub buckets: Vec<(Bucket, Figures)>,
}

/// The ledger broke an invariant; never caused by input, always a bug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ledger invariant broken: {0}")]
pub struct LedgerError(pub String);

impl PoolStatus {
    /// Reads the status out of the balances. Shows the model's buckets, plus
    /// any other bucket that still holds money (after a model change).
    pub fn from_balances(model: AllocationModel, balances: &Balances) -> Result<PoolStatus, LedgerError> {
        let mut shown: Vec<Bucket> = model.buckets().to_vec();
        for b in balances.buckets_with_money() {
            if !shown.contains(&b) {
                shown.push(b);
            }
        }
        let mut overall = Figures::default();
        let mut buckets = Vec::with_capacity(shown.len());
        for bucket in shown {
            let money = |ore: i64, what: &str| {
                Money::from_ore(ore).ok_or_else(|| LedgerError(format!("{what} of bucket {} is {ore} øre", bucket.as_str())))
            };
            let bal = |a| balances.balance(bucket, a);
            let committed = bal(Account::Committed).checked_add(bal(Account::Disbursed));
            let figures = Figures {
                total: money(-bal(Account::Funding), "total")?,
                carried_in: money(-bal(Account::CarriedIn), "carried_in")?,
                committed: money(committed.unwrap_or(-1), "committed")?,
                pending: money(bal(Account::Pending), "pending")?,
                disbursed: money(bal(Account::Disbursed), "disbursed")?,
                released: money(balances.released(bucket), "released")?,
                available: money(bal(Account::Available), "available")?,
                carried_out: money(bal(Account::CarriedOut), "carried_out")?,
            };
            if !figures.reconciles() {
                return Err(LedgerError(format!("bucket {} does not reconcile", bucket.as_str())));
            }
            overall = overall.plus(figures).ok_or_else(|| LedgerError("overflow".into()))?;
            buckets.push((bucket, figures));
        }
        Ok(PoolStatus { overall, buckets })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::share::Share;

    fn m(s: &str) -> Money {
        Money::parse(s).expect("valid amount in test")
    }

    #[test]
    fn transfers_always_balance_and_zero_moves_nothing() {
        let e = Entry::new(EntryKind::Funding, "x")
            .transfer((Account::Funding, Bucket::Rolling), (Account::Available, Bucket::Rolling), m("5.00"))
            .transfer((Account::Funding, Bucket::Rolling), (Account::Available, Bucket::Rolling), Money::ZERO);
        assert!(e.is_balanced());
        assert_eq!(e.postings().len(), 2);
    }

    #[test]
    fn status_of_a_freshly_funded_split_pool_shows_everything_available() {
        let model = AllocationModel::Split { upfront_share: Share::parse("0.70").expect("share") };
        let mut entry = Entry::new(EntryKind::Funding, "funding");
        for (bucket, amount) in model.allot(m("871553.00")) {
            entry = entry.transfer((Account::Funding, bucket), (Account::Available, bucket), amount);
        }
        let mut balances = Balances::default();
        balances.apply(&entry);
        let status = PoolStatus::from_balances(model, &balances).expect("valid ledger");
        assert_eq!(status.overall.total, m("871553.00"));
        assert_eq!(status.overall.available, m("871553.00"));
        assert_eq!(
            status.buckets[0],
            (Bucket::Upfront, Figures { total: m("610087.10"), available: m("610087.10"), ..Figures::default() })
        );
        assert_eq!(status.buckets[1].1.available, m("261465.90"));
        assert!(status.overall.reconciles());
    }

    #[test]
    fn a_negative_balance_is_reported_as_a_broken_invariant() {
        let mut balances = Balances::default();
        balances.add(Bucket::Rolling, Account::Available, EntryKind::Funding, -1);
        balances.add(Bucket::Rolling, Account::Funding, EntryKind::Funding, 1);
        assert!(PoolStatus::from_balances(AllocationModel::Rolling, &balances).is_err());
    }
}
