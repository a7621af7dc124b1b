//! Amendments of a grant (tillæg/ændring): a new total, end date and/or
//! budget lines, with a reason, decided like a grant.
//!
//! `pending → approved | rejected`. An increase reserves the extra at once
//! (`available → pending`); the final approval commits it, a rejection gives
//! it back. A decrease holds nothing while pending; its approval gives the
//! difference back to `available`. Which levels decide follows the pool's
//! decision rights for the *new* total.

use chrono::NaiveDate;

use super::allocation::Bucket;
use super::application::BudgetLine;
use super::budget::one_line_per_year;
use super::grant::Grant;
use super::ledger::{Account, Entry, EntryKind, FundsError, ensure_available};
use super::money::Money;
use super::pool::{ApprovalPolicy, PoolState};
use super::values::Year;
use super::workflow::{Level, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmendmentState {
    Pending,
    Approved,
    Rejected,
}

impl AmendmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            AmendmentState::Pending => "pending",
            AmendmentState::Approved => "approved",
            AmendmentState::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<AmendmentState> {
        [AmendmentState::Pending, AmendmentState::Approved, AmendmentState::Rejected].into_iter().find(|s| s.as_str() == text)
    }
}

/// What a grant is: its total, end date and budget lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub amount: Money,
    pub ends_on: NaiveDate,
    pub budget: Vec<BudgetLine>,
}

/// An amendment as asked: the new total; end date and budget where they change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub amount: Money,
    pub ends_on: Option<NaiveDate>,
    pub budget: Option<Vec<(i64, Money)>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    pub before: Terms,
    pub after: Terms,
    pub state: AmendmentState,
    /// Whose decision is awaited while pending.
    pub awaiting: Option<Level>,
    pub political_required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmendmentError {
    /// A field of the proposal is wrong (the field, and why).
    #[error("{1}")]
    Invalid(String, String),
    #[error("the amendment changes nothing: the total, end date and budget are as they are")]
    Unchanged,
    #[error("the grant has {paid_or_released} paid out or released already; the new total cannot be less")]
    BelowUsed { paid_or_released: Money },
    #[error("an increase needs an open pool; the pool is {}", .0.as_str())]
    PoolNotOpen(PoolState),
    #[error(transparent)]
    Funds(#[from] FundsError),
    #[error("the amendment is {} already", .0.as_str())]
    Decided(AmendmentState),
    #[error("the amendment awaits the {} level, not the {} level", .awaiting.as_str(), .asked.as_str())]
    WrongLevel { awaiting: Level, asked: Level },
}

/// Whether the political level must sign off an amendment to `new_total`:
/// as for a grant of that total — at or above the political threshold,
/// unless the operations forum could grant that total on its own.
pub fn political_required(policy: &ApprovalPolicy, new_total: Money) -> bool {
    new_total >= policy.political_threshold && !policy.forum_decides(new_total)
}

fn invalid(field: impl Into<String>, why: impl Into<String>) -> AmendmentError {
    AmendmentError::Invalid(field.into(), why.into())
}

/// The budget after the amendment: the lines given (one per year, each more
/// than 0.00, summing to the new total), or, when none are given, the
/// current lines with the difference on the last year.
fn new_budget(current: &[BudgetLine], amount: Money, given: Option<&[(i64, Money)]>) -> Result<Vec<BudgetLine>, AmendmentError> {
    let Some(given) = given else {
        let mut lines = current.to_vec();
        let others: i64 = lines.iter().rev().skip(1).map(|l| l.amount.ore()).sum();
        let last = lines.last_mut().ok_or_else(|| invalid("budget", "list the budget lines per year"))?;
        last.amount = Money::from_ore(amount.ore() - others).filter(|m| !m.is_zero()).ok_or_else(|| {
            invalid(
                "budget",
                format!(
                    "the earlier years already come to {}; list the budget lines per year",
                    Money::from_ore(others).unwrap_or_default()
                ),
            )
        })?;
        return Ok(lines);
    };
    if given.is_empty() {
        return Err(invalid("budget", "list at least one year, or leave budget out to put the difference on the last year"));
    }
    let mut lines = Vec::with_capacity(given.len());
    for (i, (year, line_amount)) in given.iter().enumerate() {
        let year = Year::new(*year).map_err(|e| invalid(format!("budget[{i}].year"), e.to_string()))?;
        if line_amount.is_zero() {
            return Err(invalid(format!("budget[{i}].amount"), "must be more than 0.00"));
        }
        lines.push(BudgetLine { year, amount: *line_amount });
    }
    if !one_line_per_year(&lines) {
        return Err(invalid("budget", "each year may appear once"));
    }
    let sum: i64 = lines.iter().map(|l| l.amount.ore()).sum();
    if sum != amount.ore() {
        let shown = Money::from_ore(sum).map_or_else(|| "too much".to_owned(), |m| m.to_string());
        return Err(invalid("budget", format!("the lines sum to {shown}, but the new total (amount) is {amount}")));
    }
    Ok(lines)
}

/// The least a grant's total can be: what is paid out or released already.
fn used(grant: &Grant) -> Money {
    grant.disbursed.checked_add(grant.released).unwrap_or(Money::MAX)
}

/// An amendment proposed for `grant` whose terms are `current`; with the
/// reservation an increase makes. `available` is what the grant's bucket has free.
pub fn propose(
    grant: &Grant,
    current: &Terms,
    proposal: &Proposal,
    policy: &ApprovalPolicy,
    pool_state: PoolState,
    available: Money,
) -> Result<(Amendment, Option<Entry>), AmendmentError> {
    let budget = new_budget(&current.budget, proposal.amount, proposal.budget.as_deref())?;
    let after = Terms { amount: proposal.amount, ends_on: proposal.ends_on.unwrap_or(current.ends_on), budget };
    if after == *current {
        return Err(AmendmentError::Unchanged);
    }
    if proposal.amount < used(grant) {
        return Err(AmendmentError::BelowUsed { paid_or_released: used(grant) });
    }
    let entry = match proposal.amount.checked_sub(current.amount).filter(|extra| !extra.is_zero()) {
        Some(extra) => {
            if pool_state != PoolState::Open {
                return Err(AmendmentError::PoolNotOpen(pool_state));
            }
            ensure_available(grant.bucket, available, extra)?;
            Some(move_extra(
                EntryKind::AmendmentReservation,
                format!("Amendment reserved: {extra}"),
                Account::Available,
                Account::Pending,
                grant.bucket,
                extra,
            ))
        }
        None => None,
    };
    let amendment = Amendment {
        before: current.clone(),
        political_required: political_required(policy, after.amount),
        after,
        state: AmendmentState::Pending,
        awaiting: Some(Level::Strategic),
    };
    Ok((amendment, entry))
}

fn move_extra(kind: EntryKind, memo: String, from: Account, to: Account, bucket: Bucket, amount: Money) -> Entry {
    Entry::new(kind, memo).transfer((from, bucket), (to, bucket), amount)
}

/// What a decision does: the amendment after it, the grant's new figures
/// when it took effect, and the money that moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub amendment: Amendment,
    pub grant: Option<Grant>,
    pub entry: Option<Entry>,
}

/// Records `level`'s `outcome` on a pending amendment of `grant`.
pub fn decide(a: &Amendment, grant: &Grant, level: Level, outcome: Outcome) -> Result<Decided, AmendmentError> {
    let awaiting = match (a.state, a.awaiting) {
        (AmendmentState::Pending, Some(awaiting)) => awaiting,
        (state, _) => return Err(AmendmentError::Decided(state)),
    };
    if level != awaiting {
        return Err(AmendmentError::WrongLevel { awaiting, asked: level });
    }
    let extra = a.after.amount.checked_sub(a.before.amount).filter(|m| !m.is_zero());
    let less = a.before.amount.checked_sub(a.after.amount).filter(|m| !m.is_zero());
    let b = grant.bucket;
    let ended = |state| Amendment { state, awaiting: None, ..a.clone() };
    match outcome {
        Outcome::Rejected => Ok(Decided {
            amendment: ended(AmendmentState::Rejected),
            grant: None,
            entry: extra.map(|x| {
                move_extra(
                    EntryKind::AmendmentReservationRelease,
                    format!("Amendment rejected: {x}"),
                    Account::Pending,
                    Account::Available,
                    b,
                    x,
                )
            }),
        }),
        Outcome::Approved if level == Level::Strategic && a.political_required => {
            Ok(Decided { amendment: Amendment { awaiting: Some(Level::Political), ..a.clone() }, grant: None, entry: None })
        }
        Outcome::Approved => {
            if a.after.amount < used(grant) {
                return Err(AmendmentError::BelowUsed { paid_or_released: used(grant) });
            }
            let entry = match (extra, less) {
                (Some(x), _) => Some(move_extra(
                    EntryKind::AmendmentCommitment,
                    format!("Amendment granted: {x}"),
                    Account::Pending,
                    Account::Committed,
                    b,
                    x,
                )),
                (_, Some(l)) => Some(move_extra(
                    EntryKind::AmendmentDecrease,
                    format!("Amendment gave back: {l}"),
                    Account::Committed,
                    Account::Available,
                    b,
                    l,
                )),
                _ => None,
            };
            Ok(Decided { amendment: ended(AmendmentState::Approved), grant: Some(Grant { amount: a.after.amount, ..*grant }), entry })
        }
    }
}

#[cfg(test)]
mod tests;
