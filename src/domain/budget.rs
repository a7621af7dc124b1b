//! A grant's budget per year against what was paid out in each year: a
//! disbursement falls in the year of its `paid_on`.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::application::BudgetLine;
use super::money::{Money, allocate};
use super::values::Year;

/// One year of a grant (or of a pool's grants): budgeted and paid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearFigures {
    pub year: i32,
    pub budgeted: Money,
    pub disbursed: Money,
}

/// The charter's budget lines for the amount granted: the same lines when
/// the grant is what was asked, else shared out in proportion to them
/// (largest remainder, so they sum to the grant exactly); a year that comes
/// to 0.00 is left out.
pub fn granted_budget(charter: &[BudgetLine], granted: Money) -> Vec<BudgetLine> {
    let asked: i64 = charter.iter().map(|l| l.amount.ore()).sum();
    if asked == granted.ore() {
        return charter.to_vec();
    }
    let weights: Vec<u64> = charter.iter().map(|l| u64::try_from(l.amount.ore()).unwrap_or(0)).collect();
    charter
        .iter()
        .zip(allocate(granted, &weights))
        .filter(|(_, m)| !m.is_zero())
        .map(|(l, amount)| BudgetLine { year: l.year, amount })
        .collect()
}

/// Budget and disbursements side by side, per year, oldest first. A year
/// with payments but no budget line shows budgeted 0.00.
pub fn by_year(budget: &[BudgetLine], disbursements: &[(NaiveDate, Money)]) -> Vec<YearFigures> {
    let mut years: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    for line in budget {
        years.entry(line.year.get()).or_default().0 += line.amount.ore();
    }
    for (paid_on, amount) in disbursements {
        years.entry(paid_on.year()).or_default().1 += amount.ore();
    }
    years
        .into_iter()
        .map(|(year, (b, d))| YearFigures {
            year,
            budgeted: Money::from_ore(b).unwrap_or(Money::MAX),
            disbursed: Money::from_ore(d).unwrap_or(Money::MAX),
        })
        .collect()
}

/// Adds up many grants' years (a pool's grants).
pub fn sum_years(all: impl IntoIterator<Item = YearFigures>) -> Vec<YearFigures> {
    let mut years: BTreeMap<i32, (Money, Money)> = BTreeMap::new();
    for f in all {
        let e = years.entry(f.year).or_insert((Money::ZERO, Money::ZERO));
        e.0 = e.0.checked_add(f.budgeted).unwrap_or(Money::MAX);
        e.1 = e.1.checked_add(f.disbursed).unwrap_or(Money::MAX);
    }
    years.into_iter().map(|(year, (budgeted, disbursed))| YearFigures { year, budgeted, disbursed }).collect()
}

/// Whether budget lines are one per year.
pub fn one_line_per_year(lines: &[BudgetLine]) -> bool {
    let mut seen: Vec<Year> = Vec::with_capacity(lines.len());
    lines.iter().all(|l| {
        let new = !seen.contains(&l.year);
        seen.push(l.year);
        new
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).expect("amount")
    }

    fn line(year: i64, amount: &str) -> BudgetLine {
        BudgetLine { year: Year::new(year).expect("year"), amount: m(amount) }
    }

    fn day(y: i32, mo: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, mo, d).expect("date")
    }

    #[test]
    fn a_payment_falls_in_the_year_it_was_paid() {
        let budget = [line(2022, "50000.00"), line(2023, "100000.00")];
        let paid = [(day(2022, 11, 1), m("20000.00")), (day(2022, 12, 31), m("30000.00")), (day(2023, 1, 1), m("40000.00"))];
        assert_eq!(
            by_year(&budget, &paid),
            vec![
                YearFigures { year: 2022, budgeted: m("50000.00"), disbursed: m("50000.00") },
                YearFigures { year: 2023, budgeted: m("100000.00"), disbursed: m("40000.00") },
            ]
        );
    }

    #[test]
    fn a_payment_in_a_year_without_a_budget_line_still_shows() {
        let figures = by_year(&[line(2022, "10.00")], &[(day(2024, 3, 1), m("1.00"))]);
        assert_eq!(figures[1], YearFigures { year: 2024, budgeted: Money::ZERO, disbursed: m("1.00") });
    }

    #[test]
    fn a_grant_for_less_than_asked_shares_the_budget_out_to_the_ore() {
        let charter = [line(2022, "50000.00"), line(2023, "100000.00")];
        assert_eq!(granted_budget(&charter, m("150000.00")), charter.to_vec());
        let less = granted_budget(&charter, m("100000.00"));
        assert_eq!(less, vec![line(2022, "33333.33"), line(2023, "66666.67")]);
        assert_eq!(less.iter().map(|l| l.amount.ore()).sum::<i64>(), m("100000.00").ore());
    }

    #[test]
    fn a_pool_adds_up_its_grants_year_by_year() {
        let a = by_year(&[line(2022, "10.00"), line(2023, "20.00")], &[]);
        let b = by_year(&[line(2023, "5.00")], &[(day(2023, 2, 1), m("1.00"))]);
        let sum = sum_years(a.into_iter().chain(b));
        assert_eq!(sum[1], YearFigures { year: 2023, budgeted: m("25.00"), disbursed: m("1.00") });
    }
}
