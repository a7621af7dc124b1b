//! The Q3 evaluation of an allocation model: how a pool's money was used
//! over its year. Pure: dates and amounts come in, figures go out.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::allocation::Bucket;
use super::money::Money;

/// One application's way through the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// When the application was received.
    pub received_on: NaiveDate,
    /// The final decision (approval or rejection) at the strategic or political level.
    pub decided_on: Option<NaiveDate>,
    /// The grant made, if approved.
    pub granted: Option<(Bucket, Money)>,
}

/// How long decisions took, in days from when the application was received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecisionDays {
    pub decisions: usize,
    /// The lower middle value for an even count.
    pub median: Option<i64>,
    pub max: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Committed by the month of the decision, January to December of the
    /// pool's year.
    pub by_month: [Money; 12],
    /// Committed by decisions taken after the pool's year (late sign-offs).
    pub after_year: Money,
    pub days: DecisionDays,
}

/// Sums the grants by month of decision and measures the decision times.
pub fn evaluate(year: i32, decided: &[Decided]) -> Evaluation {
    let mut by_month = [Money::ZERO; 12];
    let mut after_year = Money::ZERO;
    let mut days: Vec<i64> = Vec::new();
    for d in decided {
        let Some(on) = d.decided_on else { continue };
        days.push((on - d.received_on).num_days().max(0));
        if let Some((_, amount)) = d.granted {
            let slot = if on.year() == year {
                by_month.get_mut(on.month0() as usize)
            } else if on.year() > year {
                Some(&mut after_year)
            } else {
                // Decided before the year began: counts in January.
                by_month.first_mut()
            };
            if let Some(slot) = slot {
                *slot = slot.checked_add(amount).unwrap_or(*slot);
            }
        }
    }
    days.sort_unstable();
    let median = (!days.is_empty()).then(|| days[(days.len() - 1) / 2]);
    Evaluation { by_month, after_year, days: DecisionDays { decisions: days.len(), median, max: days.last().copied() } }
}

/// `part` of `whole` as an exact decimal fraction (1 is all of it); `None` when the whole is 0.
pub fn fraction(part: Money, whole: Money) -> Option<Decimal> {
    Decimal::from(part.ore()).checked_div(Decimal::from(whole.ore()))
}

/// `part` of `whole` in per mille, rounded down; 0 when the whole is 0.
pub fn per_mille(part: Money, whole: Money) -> i64 {
    fraction(part, whole).and_then(|f| f.checked_mul(Decimal::ONE_THOUSAND)).and_then(|m| m.floor().to_i64()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap_or(Money::ZERO)
    }

    #[test]
    fn grants_count_in_the_month_of_their_decision_and_days_are_measured_from_submission() {
        let decided = [
            Decided { received_on: d(2022, 2, 1), decided_on: Some(d(2022, 3, 3)), granted: Some((Bucket::Upfront, m("100.00"))) },
            Decided { received_on: d(2022, 3, 1), decided_on: Some(d(2022, 3, 11)), granted: Some((Bucket::AdHoc, m("0.01"))) },
            Decided { received_on: d(2022, 9, 1), decided_on: Some(d(2022, 10, 20)), granted: None },
            Decided { received_on: d(2022, 11, 1), decided_on: Some(d(2023, 1, 26)), granted: Some((Bucket::AdHoc, m("5.00"))) },
            Decided { received_on: d(2022, 12, 1), decided_on: None, granted: None },
        ];
        let e = evaluate(2022, &decided);
        assert_eq!(e.by_month[2], m("100.01"));
        assert_eq!(e.by_month.iter().filter(|x| !x.is_zero()).count(), 1, "a rejection commits nothing");
        assert_eq!(e.after_year, m("5.00"));
        assert_eq!(e.days, DecisionDays { decisions: 4, median: Some(30), max: Some(86) });
    }

    #[test]
    fn no_decisions_no_figures() {
        assert_eq!(evaluate(2022, &[]).days, DecisionDays::default());
        assert_eq!(per_mille(m("1.00"), Money::ZERO), 0);
        assert_eq!(per_mille(m("700.00"), m("1000.00")), 700);
        assert_eq!(per_mille(m("1.00"), m("3.00")), 333);
        assert_eq!(per_mille(m("2.00"), m("3.00")), 666, "rounded down, not to nearest");
        assert_eq!(per_mille(m("999999999999.99"), m("999999999999.99")), 1000);
        assert_eq!(per_mille(m("0.01"), m("999999999999.99")), 0);
        assert_eq!(fraction(m("610087.10"), m("871553.00")), Some(Decimal::new(7, 1)), "exact, no float");
    }
}
