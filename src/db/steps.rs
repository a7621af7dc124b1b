//! The steps taken on an application (the evidence of its approval).

use crate::db::cached::direct;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::applications::StoredApplication;
use super::pools::StoredPool;
use super::schema::application_steps;
use super::{AnyConnection, StoreError};
use crate::domain::money::Money;
use crate::domain::step::{StepKind, StepOutcome};
use crate::domain::workflow::{Event, Situation};

#[derive(Debug, Clone, Queryable)]
pub struct StepRow {
    pub id: i64,
    pub application_id: i64,
    pub step: String,
    pub outcome: String,
    pub amount_ore: Option<i64>,
    pub meeting_date: Option<NaiveDate>,
    pub reference: String,
    pub note: String,
    pub actor: String,
    pub recorded_at: NaiveDateTime,
    /// The meeting whose outcome this step is, if it came from one.
    pub meeting_id: Option<i64>,
}

impl StepRow {
    /// The step's kind (`None` only for a row no version of this service wrote).
    pub fn kind(&self) -> Option<StepKind> {
        StepKind::parse(&self.step)
    }

    pub fn result(&self) -> Option<StepOutcome> {
        StepOutcome::parse(&self.outcome)
    }
}

/// One step taken on an application, as evidence.
#[derive(Debug, Clone, Copy)]
pub struct NewStep<'a> {
    pub step: StepKind,
    pub outcome: StepOutcome,
    pub amount: Option<Money>,
    pub meeting_date: Option<NaiveDate>,
    pub reference: &'a str,
    pub note: &'a str,
    /// The meeting the step was decided in (its agenda item's outcome).
    pub meeting: Option<i64>,
}

/// Saves one step and gives it back as its row (what a later read would show).
pub fn record(
    conn: &mut AnyConnection,
    application_id: i64,
    step: &NewStep<'_>,
    actor: &str,
    now: NaiveDateTime,
) -> Result<StepRow, StoreError> {
    let ids: Vec<i64> = direct!(conn, |c| diesel::insert_into(application_steps::table)
        .values((
            application_steps::application_id.eq(application_id),
            application_steps::step.eq(step.step.as_str()),
            application_steps::outcome.eq(step.outcome.as_str()),
            application_steps::amount_ore.eq(step.amount.map(Money::ore)),
            application_steps::meeting_date.eq(step.meeting_date),
            application_steps::reference.eq(step.reference),
            application_steps::note.eq(step.note),
            application_steps::actor.eq(actor),
            application_steps::recorded_at.eq(now),
            application_steps::meeting_id.eq(step.meeting),
        ))
        .returning(application_steps::id)
        .get_results(c))?;
    let id = ids.first().copied().ok_or(diesel::result::Error::NotFound)?;
    Ok(StepRow {
        id,
        application_id,
        step: step.step.as_str().to_owned(),
        outcome: step.outcome.as_str().to_owned(),
        amount_ore: step.amount.map(Money::ore),
        meeting_date: step.meeting_date,
        reference: step.reference.to_owned(),
        note: step.note.to_owned(),
        actor: actor.to_owned(),
        recorded_at: now,
        meeting_id: step.meeting,
    })
}

pub fn of(conn: &mut AnyConnection, application_id: i64) -> Result<Vec<StepRow>, StoreError> {
    Ok(direct!(conn, |c| application_steps::table
        .filter(application_steps::application_id.eq(application_id))
        .order(application_steps::id)
        .select(application_steps::all_columns)
        .load(c))?)
}

/// The steps of several applications at once (for a page of a list), in order.
pub fn of_many(conn: &mut AnyConnection, application_ids: &[i64]) -> Result<Vec<StepRow>, StoreError> {
    Ok(application_steps::table
        .filter(application_steps::application_id.eq_any(application_ids))
        .order((application_steps::application_id, application_steps::id))
        .select(application_steps::all_columns)
        .load(conn)?)
}

/// What `event` on `app` is taken against: the pool's policy and state, and
/// the money available in the application's bucket right now (read only
/// when the event may draw funds; the others never look at it). Call it
/// inside the write transaction that saves the decision.
pub fn situation(conn: &mut AnyConnection, app: &StoredApplication, pool: &StoredPool, event: Event) -> Result<Situation, StoreError> {
    let available =
        if event.may_draw_funds() { super::ledger::balances(conn, pool.id)?.available(app.charter.bucket) } else { Money::ZERO };
    Ok(Situation {
        policy: pool.pool.policy.clone(),
        pool_state: pool.pool.state,
        bucket: app.charter.bucket,
        requested: app.charter.requested,
        available,
        ineligible: Vec::new(),
    })
}

/// Every submitted application of a pool as the model evaluation needs it:
/// when it was submitted, when it was finally decided, and what it got.
pub fn decided_in_pool(conn: &mut AnyConnection, pool_id: i64) -> Result<Vec<crate::domain::evaluation::Decided>, StoreError> {
    use super::schema::{applications, grants};
    use crate::domain::allocation::Bucket;
    let submitted: Vec<(i64, Option<NaiveDateTime>, Option<NaiveDate>)> = applications::table
        .filter(applications::pool_id.eq(pool_id))
        .filter(applications::submitted_at.is_not_null())
        .select((applications::id, applications::submitted_at, applications::received_on))
        .order(applications::id)
        .load(conn)?;
    let ids: Vec<i64> = submitted.iter().map(|(id, _, _)| *id).collect();
    let steps = of_many(conn, &ids)?;
    let granted: Vec<(i64, String, i64)> = grants::table
        .filter(grants::pool_id.eq(pool_id))
        .select((grants::application_id, grants::bucket, grants::amount_ore))
        .load(conn)?;
    let mut out = Vec::with_capacity(submitted.len());
    for (id, at, received_on) in submitted {
        let first_submitted = steps.iter().find(|s| s.application_id == id && s.kind() == Some(StepKind::Submitted)).map(|s| s.recorded_at);
        let Some(submitted_at) = first_submitted.or(at) else { continue };
        // The days to decision count from when the case was received (back-dated by the secretariat).
        let received_on = received_on.unwrap_or(submitted_at.date());
        let decided_on = steps
            .iter()
            .filter(|s| s.application_id == id && s.kind().is_some_and(StepKind::is_decision))
            .filter(|s| s.result().is_some_and(StepOutcome::is_final))
            .map(|s| s.meeting_date.unwrap_or(s.recorded_at.date()))
            .next_back();
        let granted = granted
            .iter()
            .find(|(a, _, _)| *a == id)
            .and_then(|(_, bucket, ore)| Some((Bucket::parse(bucket)?, crate::domain::money::Money::from_ore(*ore)?)));
        out.push(crate::domain::evaluation::Decided { received_on, decided_on, granted });
    }
    Ok(out)
}
