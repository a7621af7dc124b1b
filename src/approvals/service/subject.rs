//! What an approval request is about (an application or a carry-over),
//! loaded, and the facts an approver is shown about it.

use super::carry_over_facts;
use crate::db::applications::{self, StoredApplication};
use crate::db::approvals::{RequestRow, Subject};
use crate::db::carry_overs::{self, CarryOverRow};
use crate::db::pools::StoredPool;
use crate::db::steps::StepRow;
use crate::db::{AnyConnection, StoreError, approvals, clusters, reference, steps};
use crate::domain::danish::{date_da, kroner_nbsp, time_da};
use crate::domain::money::Money;
use crate::domain::step::{StepKind, StepOutcome};
use crate::domain::values::PoolKey;
use crate::domain::workflow::{ApplicationState, Level};
use crate::mail::templates::{BudgetYear, FactStep, Facts};

/// The facts an approver needs, for the mail and the page. The step of the
/// e-mail request being answered now is not an earlier step.
pub fn facts(conn: &mut AnyConnection, app: &StoredApplication, pool: &StoredPool) -> Result<Facts, StoreError> {
    let party =
        reference::find_party(conn, pool.cluster_id, &app.charter.applicant_party)?.map_or(app.charter.applicant_party.clone(), |p| p.name);
    let cluster = clusters::find(conn, pool.pool.key.cluster.as_str())?.map_or(pool.pool.key.cluster.to_string(), |c| c.name);
    let catalogue = reference::target_populations(conn)?;
    let populations = app
        .charter
        .target_populations
        .iter()
        .map(|code| catalogue.iter().find(|t| &t.code == code).map_or(code.clone(), |t| t.name_da.clone()))
        .collect();
    let mut rows = steps::of(conn, app.id)?;
    // While the co-chairs are asked by e-mail, the request's own step is the
    // case's present, not its past.
    // (The co-chairs are asked by e-mail exactly while the money is reserved
    // awaiting them; the mail is built before the request row exists.)
    if matches!(app.state, ApplicationState::Reserved { awaiting: Level::Strategic, .. }) {
        if let Some(last) = rows.iter().rposition(|s| s.kind() == Some(StepKind::Strategic) && s.result() == Some(StepOutcome::Requested)) {
            rows.remove(last);
        }
    }
    let decided_by_email = approvals::requests(conn, None, Some(app.id))?;
    let mut steps = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut step = step_fact(row);
        // A level that decided by e-mail: what each approver wrote.
        let level = match row.kind() {
            Some(StepKind::Strategic) => Level::Strategic.as_str(),
            Some(StepKind::Political) => Level::Political.as_str(),
            _ => "",
        };
        if let Some(request) = decided_by_email.iter().find(|r| r.level == level && r.closed_at == Some(row.recorded_at)) {
            let said: Vec<String> = approvals::links_of(conn, request.id)?
                .into_iter()
                .filter(|l| !l.comment.is_empty())
                .map(|l| format!("{}: {}", l.approver_name, l.comment))
                .collect();
            if !said.is_empty() {
                step.comment = [step.comment, said.join("; ")].into_iter().filter(|c| !c.is_empty()).collect::<Vec<_>>().join(". ");
            }
        }
        steps.push(step);
    }
    let (amount, reserved) = match app.state {
        ApplicationState::Reserved { amount, .. } => (amount, true),
        ApplicationState::Recommended { amount } | ApplicationState::Approved { amount } => (amount, false),
        _ => (app.charter.requested, false),
    };
    let available = crate::db::ledger::balances(conn, pool.id)?.available(app.charter.bucket);
    // A reserved amount has left "available" already.
    let available_after = if reserved { Some(available) } else { available.checked_sub(amount) };
    Ok(Facts {
        kind: crate::mail::templates::FactsKind::Application,
        title: app.charter.title.clone(),
        applicant: party,
        amount,
        bucket: app.charter.bucket.as_str().to_owned(),
        pool: pool.pool.key.to_string(),
        cluster,
        target_populations: populations,
        purpose: app.charter.purpose.clone(),
        period: Some((app.charter.starts_on, app.charter.ends_on)),
        budget: app.charter.budget.iter().map(|l| BudgetYear { year: l.year.get(), amount: l.amount }).collect(),
        goals: app.charter.goals.clone(),
        organisation: app.charter.organisation.clone(),
        evaluation: app.charter.evaluation.clone(),
        available_after,
        steps,
        others: Vec::new(),
        deadline: None,
    })
}

/// One step as the approver reads it: a meeting's date, or an e-mail step's
/// recorded time in Danish time.
fn step_fact(s: &StepRow) -> FactStep {
    let what = match s.kind() {
        Some(StepKind::Submitted) => "Ansøgningen blev indsendt",
        Some(StepKind::Recommendation) => "Driftsforum indstillede",
        Some(StepKind::Strategic) => "Fagligt strategisk niveau:",
        Some(StepKind::Political) => "Politisk niveau:",
        Some(StepKind::Withdrawn) | None => "Trin:",
    };
    let amount = s.amount_ore.and_then(Money::from_ore).map(|m| format!(" {}", kroner_nbsp(m))).unwrap_or_default();
    let outcome = match (s.kind(), s.result()) {
        (Some(StepKind::Submitted), _) => String::new(),
        (Some(StepKind::Recommendation), Some(StepOutcome::NotRecommended)) => " ikke (indstillet)".into(),
        (Some(StepKind::Recommendation), Some(StepOutcome::Approved)) => " og bevilgede (inden for driftsforums ramme)".into(),
        (Some(StepKind::Recommendation), _) => String::new(),
        (_, Some(StepOutcome::Approved)) => " godkendt".into(),
        (_, Some(StepOutcome::Rejected)) => " afvist".into(),
        (_, Some(StepOutcome::Requested)) => " anmodet om godkendelse pr. e-mail".into(),
        (_, Some(StepOutcome::Referred)) => " sendt videre til det politiske niveau".into(),
        (_, Some(StepOutcome::Revoked)) => " anmodning trukket tilbage".into(),
        (_, other) => format!(" {}", other.map_or(s.outcome.as_str(), |o| o.as_str())),
    };
    let when = s.meeting_date.map_or_else(|| time_da(s.recorded_at), date_da);
    FactStep { when, what: format!("{what}{outcome}{amount}"), comment: s.note.clone() }
}

/// What a request asks about, loaded.
#[derive(Debug, Clone)]
pub enum Loaded {
    Application(StoredApplication),
    CarryOver(CarryOverRow),
}

impl Loaded {
    /// Loads the subject of a request and the key of the pool it belongs to.
    pub fn of(conn: &mut AnyConnection, request: &RequestRow) -> Result<(Loaded, PoolKey), StoreError> {
        let gone = || StoreError::Corrupt(format!("approval request {} without its subject", request.id));
        match request.subject().ok_or_else(gone)? {
            Subject::Application(id) => {
                let app = applications::find(conn, id)?.ok_or_else(gone)?;
                let key = app.pool.clone();
                Ok((Loaded::Application(app), key))
            }
            Subject::CarryOver(id) => {
                let row = carry_overs::find(conn, id)?.ok_or_else(gone)?;
                let key = carry_overs::source_key(conn, id)?.ok_or_else(gone)?;
                Ok((Loaded::CarryOver(row), key))
            }
        }
    }

    pub(crate) fn version(&self) -> i64 {
        match self {
            Loaded::Application(a) => a.version,
            Loaded::CarryOver(c) => c.version,
        }
    }

    /// `application:7` or `carry_over:3`, as in the audit trail.
    pub fn audit_subject(&self) -> String {
        match self {
            Loaded::Application(a) => Subject::Application(a.id),
            Loaded::CarryOver(c) => Subject::CarryOver(c.id),
        }
        .audit_subject()
    }

    /// What the approver is shown, in the mail and on the page.
    pub fn facts(&self, conn: &mut AnyConnection, pool: &StoredPool) -> Result<Facts, StoreError> {
        match self {
            Loaded::Application(app) => facts(conn, app, pool),
            Loaded::CarryOver(row) => carry_over_facts(conn, row, pool),
        }
    }
}
