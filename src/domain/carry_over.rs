//! Carry-over (overførsel): what is left of a closed pool moves to a later
//! year's pool, but only after the political level signs off.
//!
//! While proposed, the amount is held on the source pool (`available` →
//! `pending`), so nothing else can spend it. Approval moves it out of the
//! source (`pending` → `carried_out`) and into the target
//! (`carried_in` → `available`), one balanced entry on each pool, so both
//! pools reconcile on their own and `carried_out` over all pools equals
//! `carried_in`. Rejection gives the held amount back to `available`.

use super::allocation::{AllocationModel, Bucket};
use super::ledger::{Account, Entry, EntryKind};
use super::money::Money;
use super::pool::{Pool, PoolState};
use super::values::Year;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CarryOverState {
    /// Proposed by the strategic level; the amount is held on the source pool.
    Proposed,
    /// Signed off by the political level and moved to the target pool.
    Executed,
    /// Refused by the political level; the held amount is available again.
    Rejected,
}

impl CarryOverState {
    pub fn as_str(self) -> &'static str {
        match self {
            CarryOverState::Proposed => "proposed",
            CarryOverState::Executed => "executed",
            CarryOverState::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<CarryOverState> {
        [CarryOverState::Proposed, CarryOverState::Executed, CarryOverState::Rejected].into_iter().find(|s| s.as_str() == text)
    }
}

/// Why a carry-over cannot be proposed or decided.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CarryOverError {
    #[error("the pool is {state}; close it at year end before carrying what is left over")]
    SourceNotClosed { state: PoolState },
    #[error("money can only be carried over to a later year than {source_year}")]
    NotLater { source_year: i32 },
    #[error("the pool has nothing available to carry over")]
    NothingLeft,
    #[error("the pool has {available} available; {asked} cannot be carried over")]
    MoreThanAvailable { available: Money, asked: Money },
    #[error("the amount must be more than 0.00")]
    ZeroAmount,
    #[error("a {model} pool has no {bucket} bucket")]
    NoSuchBucket { model: &'static str, bucket: Bucket },
    #[error("the {year} pool is closed and cannot receive money")]
    TargetClosed { year: i32 },
    #[error("the carry-over is {state}; only a proposed carry-over can be decided")]
    NotProposed { state: CarryOverState },
}

/// The bucket carried money lands in unless the decision names one: the
/// ad-hoc bucket of a split pool, the single bucket otherwise.
pub fn default_bucket(model: AllocationModel) -> Bucket {
    match model {
        AllocationModel::Split { .. } => Bucket::AdHoc,
        AllocationModel::Upfront => Bucket::Upfront,
        AllocationModel::Rolling => Bucket::Rolling,
    }
}

/// What the strategic level proposes, as parsed from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// `None`: everything available.
    pub amount: Option<Money>,
    pub to_year: Year,
    /// `None`: [`default_bucket`] of the target's model.
    pub bucket: Option<Bucket>,
}

/// An accepted proposal: how much, from which buckets, to which bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub amount: Money,
    /// Held per source bucket; the parts sum to `amount`.
    pub parts: Vec<(Bucket, Money)>,
    pub to_year: Year,
    pub bucket: Bucket,
    /// The entry holding the amount on the source pool.
    pub hold: Entry,
}

/// The target pool as it is when the proposal is made, if it exists.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub model: AllocationModel,
    pub state: PoolState,
}

/// Checks a proposal against the closed source pool and what it has
/// available per bucket, and builds the entry that holds the money.
/// A lower amount than everything is taken from the buckets in the model's
/// order (upfront before ad-hoc).
/// What a proposal made before year end says: the amount is what is left
/// when the pool closes (or the amount asked, if less), fixed then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanAtClosing {
    pub to_year: Year,
    pub bucket: Bucket,
    /// `None`: everything left at closing.
    pub amount: Option<Money>,
}

/// Proposes, on an open pool, carrying over what will be left at closing:
/// nothing is held now; the political level may approve it at once, and it
/// executes in the transaction that closes the pool.
pub fn propose_at_closing(source: &Pool, target: Target, proposal: &Proposal) -> Result<PlanAtClosing, CarryOverError> {
    if source.state != PoolState::Open {
        return Err(CarryOverError::SourceNotClosed { state: source.state });
    }
    if proposal.to_year.get() <= source.year().get() {
        return Err(CarryOverError::NotLater { source_year: source.year().get() });
    }
    if target.state == PoolState::Closed {
        return Err(CarryOverError::TargetClosed { year: proposal.to_year.get() });
    }
    let bucket = proposal.bucket.unwrap_or_else(|| default_bucket(target.model));
    if !target.model.has_bucket(bucket) {
        return Err(CarryOverError::NoSuchBucket { model: target.model.kind(), bucket });
    }
    if proposal.amount.is_some_and(Money::is_zero) {
        return Err(CarryOverError::ZeroAmount);
    }
    Ok(PlanAtClosing { to_year: proposal.to_year, bucket, amount: proposal.amount })
}

/// At closing: what a carry-over proposed before year end takes of what is
/// left — the amount asked, or everything when less is left.
pub fn amount_at_closing(asked: Option<Money>, left: Money) -> Option<Money> {
    let amount = asked.map_or(left, |a| a.min(left));
    (!amount.is_zero()).then_some(amount)
}

pub fn propose(source: &Pool, available: &[(Bucket, Money)], target: Target, proposal: &Proposal) -> Result<Plan, CarryOverError> {
    if source.state != PoolState::Closed {
        return Err(CarryOverError::SourceNotClosed { state: source.state });
    }
    if proposal.to_year.get() <= source.year().get() {
        return Err(CarryOverError::NotLater { source_year: source.year().get() });
    }
    if target.state == PoolState::Closed {
        return Err(CarryOverError::TargetClosed { year: proposal.to_year.get() });
    }
    let bucket = proposal.bucket.unwrap_or_else(|| default_bucket(target.model));
    if !target.model.has_bucket(bucket) {
        return Err(CarryOverError::NoSuchBucket { model: target.model.kind(), bucket });
    }
    let total = available.iter().try_fold(Money::ZERO, |sum, (_, m)| sum.checked_add(*m)).unwrap_or(Money::ZERO);
    let amount = match proposal.amount {
        Some(a) if a.is_zero() => return Err(CarryOverError::ZeroAmount),
        Some(a) if a > total => return Err(CarryOverError::MoreThanAvailable { available: total, asked: a }),
        Some(a) => a,
        None if total.is_zero() => return Err(CarryOverError::NothingLeft),
        None => total,
    };
    let mut left = amount;
    let mut parts = Vec::new();
    for (b, avail) in available {
        if left.is_zero() {
            break;
        }
        let take = (*avail).min(left);
        if !take.is_zero() {
            parts.push((*b, take));
            left = left.checked_sub(take).unwrap_or(Money::ZERO);
        }
    }
    let memo = format!("Held for carry-over of {amount} to {}", proposal.to_year.get());
    let hold = parts
        .iter()
        .fold(Entry::new(EntryKind::CarryOverHold, memo), |e, (b, m)| e.transfer((Account::Available, *b), (Account::Pending, *b), *m));
    Ok(Plan { amount, parts, to_year: proposal.to_year, bucket, hold })
}

/// Gives the held parts back to `available` (the political level said no).
pub fn reject(state: CarryOverState, held: &[(Bucket, Money)]) -> Result<Entry, CarryOverError> {
    if state != CarryOverState::Proposed {
        return Err(CarryOverError::NotProposed { state });
    }
    let memo = "Carry-over rejected by the political level; held amount available again";
    Ok(held
        .iter()
        .fold(Entry::new(EntryKind::CarryOverRelease, memo), |e, (b, m)| e.transfer((Account::Pending, *b), (Account::Available, *b), *m)))
}

/// The two entries of an approved carry-over: out of the source pool and
/// into the target pool's `bucket`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub out_of_source: Entry,
    pub into_target: Entry,
}

/// Moves the held parts to the target (the political level signed off).
pub fn execute(
    state: CarryOverState,
    held: &[(Bucket, Money)],
    target: Target,
    bucket: Bucket,
    to_year: Year,
) -> Result<Execution, CarryOverError> {
    if state != CarryOverState::Proposed {
        return Err(CarryOverError::NotProposed { state });
    }
    if target.state == PoolState::Closed {
        return Err(CarryOverError::TargetClosed { year: to_year.get() });
    }
    if !target.model.has_bucket(bucket) {
        return Err(CarryOverError::NoSuchBucket { model: target.model.kind(), bucket });
    }
    let total = held.iter().try_fold(Money::ZERO, |sum, (_, m)| sum.checked_add(*m)).unwrap_or(Money::ZERO);
    let out_of_source = held.iter().fold(Entry::new(EntryKind::CarryOver, format!("Carried over to {}", to_year.get())), |e, (b, m)| {
        e.transfer((Account::Pending, *b), (Account::CarriedOut, *b), *m)
    });
    let into_target = Entry::new(EntryKind::CarryOver, "Carried in from the year before").transfer(
        (Account::CarriedIn, bucket),
        (Account::Available, bucket),
        total,
    );
    Ok(Execution { out_of_source, into_target })
}

impl std::fmt::Display for CarryOverState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
