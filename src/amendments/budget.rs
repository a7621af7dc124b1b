//! A grant's budget per year against what was paid out in each year, and
//! the same summed over a pool's grants (what later years already owe).

use crate::amendments::dto::BudgetYearDto;
use crate::db::amendments as store;
use crate::db::grants::{DisbursementRow, StoredGrant};
use crate::db::{AnyConnection, StoreError};
use crate::domain::budget::{YearFigures, by_year, sum_years};
use crate::domain::money::Money;

/// `budget[]` of a grant: its budget lines as they stand against its disbursements by year paid.
pub fn of_grant(conn: &mut AnyConnection, g: &StoredGrant, paid: &[DisbursementRow]) -> Result<Vec<BudgetYearDto>, StoreError> {
    let terms = store::current_terms(conn, g.id, g.application_id, g.grant.amount)?;
    let payments: Vec<_> = paid.iter().filter_map(|d| Money::from_ore(d.amount_ore).map(|m| (d.paid_on, m))).collect();
    Ok(by_year(&terms.budget, &payments).into_iter().map(BudgetYearDto::from).collect())
}

/// What a pool's grants have budgeted and paid out, per year.
pub fn of_pool(conn: &mut AnyConnection, pool_id: i64) -> Result<Vec<YearFigures>, StoreError> {
    let grants = store::pool_budgets(conn, pool_id)?;
    Ok(sum_years(grants.iter().flat_map(|(budget, paid)| by_year(budget, paid))))
}
