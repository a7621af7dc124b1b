//! Amendments of grants, their decisions, and a grant's terms (total, end
//! date, budget lines) as they stand: the last approved amendment's, or the
//! charter's.

use crate::db::cached::direct;
use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{amendment_steps, amendments, applications, budget_lines, disbursements, grants};
use super::{AnyConnection, StoreError};
use crate::domain::amendment::{Amendment, AmendmentState, Terms};
use crate::domain::application::BudgetLine;
use crate::domain::budget::granted_budget;
use crate::domain::money::Money;
use crate::domain::values::Year;
use crate::domain::workflow::{Level, Outcome};

#[derive(Debug, Clone, Queryable)]
struct Row {
    id: i64,
    grant_id: i64,
    state: String,
    awaiting: Option<String>,
    political_required: bool,
    amount_before_ore: i64,
    amount_after_ore: i64,
    ends_on_before: NaiveDate,
    ends_on_after: NaiveDate,
    budget_before: String,
    budget_after: String,
    reason: String,
    version: i64,
    created_by: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    decided_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone)]
pub struct StoredAmendment {
    pub id: i64,
    pub grant_id: i64,
    pub amendment: Amendment,
    pub reason: String,
    pub version: i64,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct LineJson {
    year: i32,
    amount_ore: i64,
}

fn budget_json(lines: &[BudgetLine]) -> String {
    let rows: Vec<LineJson> = lines.iter().map(|l| LineJson { year: l.year.get(), amount_ore: l.amount.ore() }).collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
}

fn read_budget(text: &str, id: i64) -> Result<Vec<BudgetLine>, StoreError> {
    let corrupt = || StoreError::Corrupt(format!("amendment {id}: bad budget"));
    let rows: Vec<LineJson> = serde_json::from_str(text).map_err(|_| corrupt())?;
    rows.into_iter()
        .map(|r| {
            Ok(BudgetLine {
                year: Year::new(i64::from(r.year)).map_err(|_| corrupt())?,
                amount: Money::from_ore(r.amount_ore).ok_or_else(corrupt)?,
            })
        })
        .collect()
}

fn to_domain(r: Row) -> Result<StoredAmendment, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("amendment {}: bad {what}", r.id));
    let money = |ore: i64| Money::from_ore(ore).ok_or_else(|| corrupt("amount"));
    let amendment = Amendment {
        before: Terms { amount: money(r.amount_before_ore)?, ends_on: r.ends_on_before, budget: read_budget(&r.budget_before, r.id)? },
        after: Terms { amount: money(r.amount_after_ore)?, ends_on: r.ends_on_after, budget: read_budget(&r.budget_after, r.id)? },
        state: AmendmentState::parse(&r.state).ok_or_else(|| corrupt("state"))?,
        awaiting: r.awaiting.as_deref().map(|a| Level::parse(a).ok_or_else(|| corrupt("awaiting"))).transpose()?,
        political_required: r.political_required,
    };
    Ok(StoredAmendment {
        id: r.id,
        grant_id: r.grant_id,
        amendment,
        reason: r.reason,
        version: r.version,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
        decided_at: r.decided_at,
    })
}

pub fn insert(
    conn: &mut AnyConnection,
    grant_id: i64,
    a: &Amendment,
    reason: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    let ids: Vec<i64> = diesel::insert_into(amendments::table)
        .values((
            amendments::grant_id.eq(grant_id),
            amendments::state.eq(a.state.as_str()),
            amendments::awaiting.eq(a.awaiting.map(Level::as_str)),
            amendments::political_required.eq(a.political_required),
            amendments::amount_before_ore.eq(a.before.amount.ore()),
            amendments::amount_after_ore.eq(a.after.amount.ore()),
            amendments::ends_on_before.eq(a.before.ends_on),
            amendments::ends_on_after.eq(a.after.ends_on),
            amendments::budget_before.eq(budget_json(&a.before.budget)),
            amendments::budget_after.eq(budget_json(&a.after.budget)),
            amendments::reason.eq(reason),
            amendments::version.eq(1),
            amendments::created_by.eq(actor),
            amendments::created_at.eq(now),
            amendments::updated_at.eq(now),
        ))
        .returning(amendments::id)
        .get_results(conn)?;
    ids.first().copied().ok_or_else(|| diesel::result::Error::NotFound.into())
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<StoredAmendment>, StoreError> {
    let row: Option<Row> = amendments::table.filter(amendments::id.eq(id)).select(amendments::all_columns).first(conn).optional()?;
    row.map(to_domain).transpose()
}

/// A grant's amendments, oldest first.
pub fn of_grant(conn: &mut AnyConnection, grant_id: i64) -> Result<Vec<StoredAmendment>, StoreError> {
    let rows: Vec<Row> = direct!(conn, |c| amendments::table
        .filter(amendments::grant_id.eq(grant_id))
        .order(amendments::id)
        .select(amendments::all_columns)
        .load(c))?;
    rows.into_iter().map(to_domain).collect()
}

/// The id of the grant's pending amendment, if there is one.
pub fn pending_of(conn: &mut AnyConnection, grant_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(amendments::table
        .filter(amendments::grant_id.eq(grant_id).and(amendments::state.eq(AmendmentState::Pending.as_str())))
        .select(amendments::id)
        .first(conn)
        .optional()?)
}

/// Saves a decision's new state; `false` when the amendment changed meanwhile.
pub fn save_state(conn: &mut AnyConnection, stored: &StoredAmendment, a: &Amendment, now: NaiveDateTime) -> Result<bool, StoreError> {
    let decided = (a.state != AmendmentState::Pending).then_some(now);
    let n = diesel::update(amendments::table.filter(amendments::id.eq(stored.id)).filter(amendments::version.eq(stored.version)))
        .set((
            amendments::state.eq(a.state.as_str()),
            amendments::awaiting.eq(a.awaiting.map(Level::as_str)),
            amendments::version.eq(stored.version + 1),
            amendments::updated_at.eq(now),
            amendments::decided_at.eq(decided),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// A decision as evidence: who decided what, at which meeting.
#[derive(Debug, Clone)]
pub struct NewAmendmentStep<'a> {
    pub level: Level,
    pub outcome: Outcome,
    pub meeting_date: NaiveDate,
    pub reference: &'a str,
    pub note: &'a str,
}

fn outcome_str(o: Outcome) -> &'static str {
    match o {
        Outcome::Approved => "approved",
        Outcome::Rejected => "rejected",
    }
}

pub fn record_step(
    conn: &mut AnyConnection,
    amendment_id: i64,
    step: &NewAmendmentStep<'_>,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(amendment_steps::table)
        .values((
            amendment_steps::amendment_id.eq(amendment_id),
            amendment_steps::level.eq(step.level.as_str()),
            amendment_steps::outcome.eq(outcome_str(step.outcome)),
            amendment_steps::meeting_date.eq(step.meeting_date),
            amendment_steps::reference.eq(step.reference),
            amendment_steps::note.eq(step.note),
            amendment_steps::actor.eq(actor),
            amendment_steps::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable)]
pub struct StepRow {
    pub id: i64,
    pub amendment_id: i64,
    pub level: String,
    pub outcome: String,
    pub meeting_date: NaiveDate,
    pub reference: String,
    pub note: String,
    pub actor: String,
    pub created_at: NaiveDateTime,
}

pub fn steps_of(conn: &mut AnyConnection, amendment_id: i64) -> Result<Vec<StepRow>, StoreError> {
    Ok(amendment_steps::table
        .filter(amendment_steps::amendment_id.eq(amendment_id))
        .order(amendment_steps::id)
        .select(amendment_steps::all_columns)
        .load(conn)?)
}

/// Sets a grant's total (an approved amendment); `false` when the grant changed meanwhile.
pub fn set_grant_amount(
    conn: &mut AnyConnection,
    grant_id: i64,
    version: i64,
    amount: Money,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(grants::table.filter(grants::id.eq(grant_id)).filter(grants::version.eq(version)))
        .set((grants::amount_ore.eq(amount.ore()), grants::version.eq(version + 1), grants::updated_at.eq(now)))
        .execute(conn)?;
    Ok(n == 1)
}

fn charter_lines(conn: &mut AnyConnection, application_id: i64) -> Result<Vec<BudgetLine>, StoreError> {
    let rows: Vec<(i32, i64)> = budget_lines::table
        .filter(budget_lines::application_id.eq(application_id))
        .order(budget_lines::year)
        .select((budget_lines::year, budget_lines::amount_ore))
        .load(conn)?;
    lines(rows)
}

fn lines(rows: Vec<(i32, i64)>) -> Result<Vec<BudgetLine>, StoreError> {
    rows.into_iter()
        .map(|(y, ore)| {
            let corrupt = || StoreError::Corrupt(format!("budget line {y}"));
            Ok(BudgetLine { year: Year::new(i64::from(y)).map_err(|_| corrupt())?, amount: Money::from_ore(ore).ok_or_else(corrupt)? })
        })
        .collect()
}

/// A grant's terms as they stand: those of its last approved amendment, or
/// the charter's end date and budget lines (shared out to the amount granted).
pub fn current_terms(conn: &mut AnyConnection, grant_id: i64, application_id: i64, amount: Money) -> Result<Terms, StoreError> {
    let last: Option<Row> = direct!(conn, |c| amendments::table
        .filter(amendments::grant_id.eq(grant_id).and(amendments::state.eq(AmendmentState::Approved.as_str())))
        .order(amendments::id.desc())
        .select(amendments::all_columns)
        .first(c))
    .optional()?;
    if let Some(row) = last {
        let a = to_domain(row)?.amendment;
        return Ok(Terms { amount, ..a.after });
    }
    let ends_on: NaiveDate =
        direct!(conn, |c| applications::table.filter(applications::id.eq(application_id)).select(applications::ends_on).first(c))?;
    Ok(Terms { amount, ends_on, budget: granted_budget(&charter_lines(conn, application_id)?, amount) })
}

/// The budget lines as they stand of these grants (id, application id, amount), in their order.
pub fn budgets_of(conn: &mut AnyConnection, grant_rows: &[(i64, i64, Money)]) -> Result<Vec<Vec<BudgetLine>>, StoreError> {
    let grant_ids: Vec<i64> = grant_rows.iter().map(|g| g.0).collect();
    let app_ids: Vec<i64> = grant_rows.iter().map(|g| g.1).collect();
    let approved: Vec<Row> = amendments::table
        .filter(amendments::grant_id.eq_any(grant_ids).and(amendments::state.eq(AmendmentState::Approved.as_str())))
        .order(amendments::id)
        .select(amendments::all_columns)
        .load(conn)?;
    let charter: Vec<(i64, i32, i64)> = budget_lines::table
        .filter(budget_lines::application_id.eq_any(app_ids))
        .order((budget_lines::application_id, budget_lines::year))
        .select((budget_lines::application_id, budget_lines::year, budget_lines::amount_ore))
        .load(conn)?;
    assemble(grant_rows, approved, charter)
}

fn assemble(
    grant_rows: &[(i64, i64, Money)],
    approved: Vec<Row>,
    charter: Vec<(i64, i32, i64)>,
) -> Result<Vec<Vec<BudgetLine>>, StoreError> {
    let mut last: HashMap<i64, Row> = HashMap::new();
    for row in approved {
        last.insert(row.grant_id, row);
    }
    let mut by_app: HashMap<i64, Vec<(i32, i64)>> = HashMap::new();
    for (app, year, ore) in charter {
        by_app.entry(app).or_default().push((year, ore));
    }
    grant_rows
        .iter()
        .map(|(grant_id, application_id, amount)| match last.remove(grant_id) {
            Some(row) => Ok(to_domain(row)?.amendment.after.budget),
            None => Ok(granted_budget(&lines(by_app.remove(application_id).unwrap_or_default())?, *amount)),
        })
        .collect()
}

/// A grant's budget lines and its disbursements (date paid, amount).
pub type GrantYears = (Vec<BudgetLine>, Vec<(NaiveDate, Money)>);

/// Every grant of a pool: its budget as it stands and its disbursements
/// (date, amount). Four queries, whatever the number of grants.
pub fn pool_budgets(conn: &mut AnyConnection, pool_id: i64) -> Result<Vec<GrantYears>, StoreError> {
    let rows: Vec<(i64, i64, i64)> = grants::table
        .filter(grants::pool_id.eq(pool_id))
        .order(grants::id)
        .select((grants::id, grants::application_id, grants::amount_ore))
        .load(conn)?;
    let grant_rows = rows
        .into_iter()
        .map(|(g, a, ore)| Money::from_ore(ore).map(|m| (g, a, m)).ok_or_else(|| StoreError::Corrupt(format!("grant {g}: bad amount"))))
        .collect::<Result<Vec<_>, _>>()?;
    let paid: Vec<(i64, NaiveDate, i64)> = disbursements::table
        .inner_join(grants::table)
        .filter(grants::pool_id.eq(pool_id))
        .select((disbursements::grant_id, disbursements::paid_on, disbursements::amount_ore))
        .load(conn)?;
    let approved: Vec<Row> = amendments::table
        .inner_join(grants::table)
        .filter(grants::pool_id.eq(pool_id).and(amendments::state.eq(AmendmentState::Approved.as_str())))
        .order(amendments::id)
        .select(amendments::all_columns)
        .load(conn)?;
    let charter: Vec<(i64, i32, i64)> = budget_lines::table
        .inner_join(applications::table)
        .filter(applications::pool_id.eq(pool_id))
        .order((budget_lines::application_id, budget_lines::year))
        .select((budget_lines::application_id, budget_lines::year, budget_lines::amount_ore))
        .load(conn)?;
    let budgets = assemble(&grant_rows, approved, charter)?;
    let mut by_grant: HashMap<i64, Vec<(NaiveDate, Money)>> = HashMap::new();
    for (g, on, ore) in paid {
        let amount = Money::from_ore(ore).ok_or_else(|| StoreError::Corrupt(format!("disbursement of grant {g}")))?;
        by_grant.entry(g).or_default().push((on, amount));
    }
    Ok(grant_rows.iter().zip(budgets).map(|((g, _, _), budget)| (budget, by_grant.remove(g).unwrap_or_default())).collect())
}
