//! Moving an application through the workflow: the only code that applies a
//! workflow event and saves what it causes. A decision recorded from a
//! meeting, an approver's answer through an e-mail link, a revoked request
//! and the demo data all come through [`advance`].

use crate::db::applications::{self as store, StoredApplication, update_state};
use crate::db::audit::{self, AuditEvent};
use crate::db::charter_rows::PartyIds;
use crate::db::pools::{Actor, StoredPool};
use crate::db::steps::{self, NewStep, StepRow};
use crate::db::{AnyConnection, StoreError, grants, ledger};
use chrono::NaiveDate;

use crate::domain::application::Charter;
use crate::domain::dates::{DateError, check_meeting_date};
use crate::domain::eligibility::{Ineligibility, assess, sectors_of};
use crate::domain::grant::Grant;
use crate::domain::step::StepOutcome;
use crate::domain::workflow::{self, ApplicationState, Event, Situation, Transition, WorkflowError};

/// Saves a checked charter as a new draft in `pool`, with its audit event.
pub fn register(
    conn: &mut AnyConnection,
    pool: &StoredPool,
    parties: &PartyIds,
    charter: &Charter,
    received_on: NaiveDate,
    actor: Actor<'_>,
) -> Result<i64, StoreError> {
    let id = store::insert(conn, pool.id, parties, charter, received_on, actor.at)?;
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "application.created",
            subject: format!("application:{id}"),
            before: None,
            after: Some(
                serde_json::json!({"pool": pool.pool.key.to_string(), "title": charter.title, "requested_amount": charter.requested.to_string()}),
            ),
            request_id: actor.request_id,
        },
    )?;
    Ok(id)
}

/// Saves an edited charter of a draft; `false` when the application changed since it was read.
pub fn revise(
    conn: &mut AnyConnection,
    app: &StoredApplication,
    parties: &PartyIds,
    charter: &Charter,
    actor: Actor<'_>,
) -> Result<bool, StoreError> {
    if !store::update_charter(conn, app, parties, charter, actor.at)? {
        return Ok(false);
    }
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "application.updated",
            subject: format!("application:{}", app.id),
            before: Some(serde_json::json!({"title": app.charter.title, "requested_amount": app.charter.requested.to_string()})),
            after: Some(serde_json::json!({"title": charter.title, "requested_amount": charter.requested.to_string()})),
            request_id: actor.request_id,
        },
    )?;
    Ok(true)
}

/// Why an application could not take a step.
#[derive(Debug, thiserror::Error)]
pub enum AdvanceError {
    /// The workflow does not allow it (state, pool, money).
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    /// Someone else changed the application since it was read.
    #[error("the application changed meanwhile; read it again and retry")]
    Changed,
    /// The step's `meeting_date` does not fit the case's other dates.
    #[error(transparent)]
    MeetingDate(#[from] DateError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for AdvanceError {
    fn from(e: diesel::result::Error) -> Self {
        AdvanceError::Store(e.into())
    }
}

/// What a step left behind: the transition, and the application as saved
/// with every step taken on it (what the caller answers with, unread).
#[derive(Debug)]
pub struct Advanced {
    /// The state the step started from.
    pub before: ApplicationState,
    pub transition: Transition,
    pub application: StoredApplication,
    /// Every step taken on it, oldest first, this one last.
    pub steps: Vec<StepRow>,
    /// Its grant: the one this step made, or the one it had.
    pub grant_id: Option<i64>,
}

/// What [`advance_in`] saved: the transition, the application as saved,
/// the step recorded, and the grant made, if one was.
#[derive(Debug)]
pub struct Stepped {
    pub transition: Transition,
    pub application: StoredApplication,
    pub step: StepRow,
    pub grant_id: Option<i64>,
}

/// Applies `event` to `app` against its pool as it is now (the money
/// available in its bucket is read inside the caller's transaction), and
/// saves, in that transaction: the new state, the ledger entry it causes,
/// the grant it makes, the step as evidence, and an audit event. When the
/// step decides the case (granted or rejected), the secretariat and the
/// applicant's contact are told through the outbox, in the same
/// transaction; `secretariat: None` tells nobody (demo data, steps that
/// cannot decide).
#[allow(clippy::too_many_arguments)]
pub fn advance(
    conn: &mut AnyConnection,
    app: &StoredApplication,
    pool: &StoredPool,
    event: Event,
    step: &NewStep<'_>,
    action: &str,
    actor: Actor<'_>,
    secretariat: Option<&str>,
) -> Result<Advanced, AdvanceError> {
    // A draft has taken no step yet: its first is its submission or withdrawal.
    let mut taken = if app.state == ApplicationState::Draft { Vec::new() } else { steps::of(conn, app.id)? };
    if let Some(meeting) = step.meeting_date {
        let earlier = taken.iter().filter_map(|s| s.meeting_date).max();
        check_meeting_date(meeting, app.received_on, earlier, actor.at.date())?;
    }
    let mut situation = steps::situation(conn, app, pool, event)?;
    situation.ineligible = ineligible(app, pool);
    let Stepped { transition, mut application, step: recorded, grant_id } =
        advance_in(conn, app, pool.id, &situation, event, step, action, actor)?;
    if matches!(event, Event::Refer { .. }) {
        store::mark_referred(conn, app.id)?;
        application.referred = true;
    }
    if let Some(secretariat) = secretariat {
        crate::mail::tell::application_decided(conn, app, transition.state, step, secretariat, actor.at)?;
    }
    // A step made no grant: the case may still have one (none is made twice).
    let grant_id = match grant_id {
        Some(id) => Some(id),
        None if matches!(app.state, ApplicationState::Approved { .. }) => grants::for_application(conn, app.id)?.map(|g| g.id),
        None => None,
    };
    taken.push(recorded);
    Ok(Advanced { before: app.state, transition, application, steps: taken, grant_id })
}

/// What keeps the charter from funds now: its answers to the criteria it was
/// registered under, and its parties' sectors under the pool's policy.
pub fn ineligible(app: &StoredApplication, pool: &StoredPool) -> Vec<Ineligibility> {
    let sectors = sectors_of(&app.party_kinds);
    assess(&app.charter.checked_against, &app.charter.criteria, &sectors, pool.pool.policy.cross_sector_required)
}

/// [`advance`] against a situation the caller already knows (the bulk
/// generator of benchmark data keeps track of what is available itself).
#[allow(clippy::too_many_arguments)]
pub fn advance_in(
    conn: &mut AnyConnection,
    app: &StoredApplication,
    pool_id: i64,
    situation: &Situation,
    event: Event,
    step: &NewStep<'_>,
    action: &str,
    actor: Actor<'_>,
) -> Result<Stepped, AdvanceError> {
    let t = workflow::apply(app.state, situation, event)?;
    let application = update_state(conn, app, t.state, actor.at)?.ok_or(AdvanceError::Changed)?;
    if let Some(entry) = &t.entry {
        ledger::post(conn, pool_id, Some(app.id), entry, actor.name, actor.at)?;
    }
    let grant_id = match t.grant {
        Some(amount) => Some(grants::insert(conn, app.id, pool_id, &Grant::new(app.charter.bucket, amount), actor.at)?),
        None => None,
    };
    let amount = step.amount.or(match t.state {
        ApplicationState::Approved { amount } | ApplicationState::Reserved { amount, .. } | ApplicationState::Recommended { amount } => {
            Some(amount)
        }
        _ => None,
    });
    // The forum's recommendation within its limit is the grant: the evidence says so.
    let outcome = match (event, t.state) {
        (Event::Recommend { .. }, ApplicationState::Approved { .. }) => StepOutcome::Approved,
        _ => step.outcome,
    };
    let recorded = steps::record(conn, app.id, &NewStep { amount, outcome, ..*step }, actor.name, actor.at)?;
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action,
            subject: format!("application:{}", app.id),
            before: Some(serde_json::json!({"status": app.state.name(), "reserved_amount": app.state.reserved().to_string()})),
            after: Some(serde_json::json!({
                "status": t.state.name(),
                "reserved_amount": t.state.reserved().to_string(),
                "amount": amount.map(|m| m.to_string()),
                "meeting_date": step.meeting_date,
                "reference": step.reference,
                "meeting": step.meeting,
            })),
            request_id: actor.request_id,
        },
    )?;
    Ok(Stepped { transition: t, application, step: recorded, grant_id })
}
