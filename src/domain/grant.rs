//! Grants (bevilling): money committed to a project, paid out in
//! disbursements, with what is not used released back to the pool.

use super::allocation::Bucket;
use super::ledger::{Account, Entry, EntryKind};
use super::money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub bucket: Bucket,
    pub amount: Money,
    pub disbursed: Money,
    pub released: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("the amount must be more than 0.00")]
    ZeroAmount,
    #[error("the grant has {remaining} left to pay or release; {asked} is more than that")]
    ExceedsRemaining { remaining: Money, asked: Money },
    #[error("the grant has nothing left to release: all of it is disbursed or released already")]
    NothingLeft,
}

impl Grant {
    pub fn new(bucket: Bucket, amount: Money) -> Grant {
        Grant { bucket, amount, disbursed: Money::ZERO, released: Money::ZERO }
    }

    /// Neither paid out nor released.
    pub fn remaining(&self) -> Money {
        self.amount.checked_sub(self.disbursed).and_then(|m| m.checked_sub(self.released)).unwrap_or(Money::ZERO)
    }

    fn check(&self, asked: Money) -> Result<(), GrantError> {
        if asked.is_zero() {
            Err(GrantError::ZeroAmount)
        } else if asked > self.remaining() {
            Err(GrantError::ExceedsRemaining { remaining: self.remaining(), asked })
        } else {
            Ok(())
        }
    }

    /// Pays `amount` out: never more than granted in total.
    pub fn disburse(&self, amount: Money) -> Result<(Grant, Entry), GrantError> {
        self.check(amount)?;
        let entry = Entry::new(EntryKind::Disbursement, format!("Disbursement: {amount}")).transfer(
            (Account::Committed, self.bucket),
            (Account::Disbursed, self.bucket),
            amount,
        );
        let disbursed =
            self.disbursed.checked_add(amount).ok_or(GrantError::ExceedsRemaining { remaining: self.remaining(), asked: amount })?;
        Ok((Grant { disbursed, ..*self }, entry))
    }

    /// Gives unused money back to the pool's available figure; `None` releases all that is left.
    pub fn release(&self, amount: Option<Money>, reason: &str) -> Result<(Grant, Entry), GrantError> {
        let amount = match amount {
            Some(asked) => asked,
            None if self.remaining().is_zero() => return Err(GrantError::NothingLeft),
            None => self.remaining(),
        };
        self.check(amount)?;
        let entry = Entry::new(EntryKind::Release, format!("Released: {amount} ({reason})")).transfer(
            (Account::Committed, self.bucket),
            (Account::Available, self.bucket),
            amount,
        );
        let released =
            self.released.checked_add(amount).ok_or(GrantError::ExceedsRemaining { remaining: self.remaining(), asked: amount })?;
        Ok((Grant { released, ..*self }, entry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).expect("amount")
    }

    #[test]
    fn releasing_all_twice_is_a_conflict_not_a_bad_amount() {
        let g = Grant::new(Bucket::Rolling, m("100.00"));
        let (g, _) = g.release(None, "done").expect("first release");
        assert_eq!(g.release(None, "again"), Err(GrantError::NothingLeft));
    }

    #[test]
    fn disbursements_never_exceed_the_grant() {
        let g = Grant::new(Bucket::Rolling, m("100.00"));
        let (g, e) = g.disburse(m("60.00")).expect("within");
        assert!(e.is_balanced());
        assert_eq!(g.remaining(), m("40.00"));
        assert_eq!(g.disburse(m("40.01")), Err(GrantError::ExceedsRemaining { remaining: m("40.00"), asked: m("40.01") }));
        assert_eq!(g.disburse(Money::ZERO).map(|_| ()), Err(GrantError::ZeroAmount));
    }

    #[test]
    fn releasing_without_an_amount_gives_back_all_that_is_left() {
        let (g, _) = Grant::new(Bucket::AdHoc, m("100.00")).disburse(m("30.00")).expect("pay");
        let (g, e) = g.release(None, "projektet sluttede under budget").expect("release");
        assert_eq!(g.released, m("70.00"));
        assert_eq!(g.remaining(), Money::ZERO);
        assert_eq!(e.kind(), EntryKind::Release);
        assert!(g.release(None, "again").is_err());
    }
}
