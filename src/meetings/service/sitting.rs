//! The outcomes of a sitting, recorded in one transaction: all of them or
//! none. Each application outcome takes the same workflow step as the
//! single-decision endpoints (through `applications::service::advance`), a
//! carry-over is concluded as `…/decision` concludes it, a model as the
//! model decision decides it. Every problem is collected before the
//! transaction is given up, so the secretariat sees them all at once.

use crate::amendments::service::Decision as AmendmentDecision;
use crate::applications::service::{self as applications_service, AdvanceError};
use crate::db::applications;
use crate::db::audit::{self, AuditEvent};
use crate::db::meetings::{self as store, ItemRow, MeetingRow};
use crate::db::pools::{self, Actor};
use crate::db::steps::NewStep;
use crate::db::{AnyConnection, StoreError, amendments, carry_overs};
use crate::domain::meeting::{
    Forum, ItemKind, ItemOutcome, MeetingRule, amendment_decision, application_step, carry_over_answer, check_forum, check_plain_outcome,
};
use crate::domain::money::Money;
use crate::meetings::service::{MeetingError, carry_on};
use crate::pools::service::{Minuted, PoolsError};
use crate::year_end::service::{self as year_end, Answer, CarryOverFailure};

/// One item's outcome, as asked for.
#[derive(Debug, Clone)]
pub struct ItemDecision {
    /// The item's number on the agenda.
    pub item: i32,
    pub outcome: ItemOutcome,
    pub amount: Option<Money>,
    pub note: String,
}

/// A sitting's outcomes and the reference its decisions carry.
#[derive(Debug, Clone)]
pub struct Sitting {
    pub reference: String,
    pub outcomes: Vec<ItemDecision>,
}

/// Why one outcome cannot be recorded.
#[derive(Debug, thiserror::Error)]
pub enum ItemFailure {
    #[error("there is no item {0} on this meeting's agenda")]
    UnknownItem(i32),
    #[error("item {0} is given more than one outcome")]
    Twice(i32),
    #[error("item {number} ({title}) has no outcome: a sitting records every item on the agenda")]
    Missing { number: i32, title: String },
    #[error("item {number}: {rule}")]
    Rule { number: i32, rule: MeetingRule },
    #[error("item {number}: {error}")]
    Advance { number: i32, error: AdvanceError },
    #[error("item {number}: {error}")]
    CarryOver { number: i32, error: CarryOverFailure },
    #[error("item {number}: {error}")]
    Pools { number: i32, error: PoolsError },
    #[error("item {number}: {error}")]
    Amendment { number: i32, error: crate::amendments::service::AmendmentsError },
    #[error("item {0}: you are the application's contact and cannot record its decisions")]
    Contact(i32),
    #[error("item {0}: the item proposes no allocation model to approve; record 'noted' or put a model item with a proposal on the agenda")]
    NoModel(i32),
}

impl ItemFailure {
    /// A failure of storage, not of the outcome: the whole request stops.
    fn into_store(self) -> Result<StoreError, ItemFailure> {
        match self {
            ItemFailure::Advance { error: AdvanceError::Store(e), .. } => Ok(e),
            ItemFailure::CarryOver { error: CarryOverFailure::Store(e), .. } => Ok(e),
            ItemFailure::Pools { error: PoolsError::Store(e), .. } => Ok(e),
            ItemFailure::Amendment { error: crate::amendments::service::AmendmentsError::Store(e), .. } => Ok(e),
            other => Err(other),
        }
    }
}

/// Records every outcome of the sitting and marks the meeting held; a
/// postponed item goes onto the forum's next planned meeting (or the next
/// one created). Nothing is saved when any outcome fails.
pub fn record(
    conn: &mut AnyConnection,
    meeting: &MeetingRow,
    sitting: &Sitting,
    decider_email: Option<&str>,
    actor: Actor<'_>,
    secretariat: Option<&str>,
) -> Result<MeetingRow, MeetingError> {
    let forum = match meeting.state()? {
        crate::domain::meeting::MeetingState::Planned => meeting.forum()?,
        crate::domain::meeting::MeetingState::Held => return Err(MeetingError::Held(meeting.date)),
    };
    let items = store::items(conn, meeting.id)?;
    let mut failures: Vec<(Option<usize>, ItemFailure)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, d) in sitting.outcomes.iter().enumerate() {
        if !items.iter().any(|i| i.number == d.item) {
            failures.push((Some(index), ItemFailure::UnknownItem(d.item)));
        } else if !seen.insert(d.item) {
            failures.push((Some(index), ItemFailure::Twice(d.item)));
        }
    }
    for item in items.iter().filter(|i| !seen.contains(&i.number)) {
        failures.push((None, ItemFailure::Missing { number: item.number, title: item.title.clone() }));
    }
    if !failures.is_empty() {
        return Err(MeetingError::Sitting(failures));
    }
    let mut postponed = Vec::new();
    for (index, d) in sitting.outcomes.iter().enumerate() {
        let Some(item) = items.iter().find(|i| i.number == d.item) else { continue };
        match apply(conn, meeting, forum, item, d, &sitting.reference, decider_email, actor, secretariat) {
            Ok(()) if d.outcome == ItemOutcome::Postponed => postponed.push(item.clone()),
            Ok(()) => {}
            Err(f) => match f.into_store() {
                Ok(e) => return Err(MeetingError::Store(e)),
                Err(f) => failures.push((Some(index), f)),
            },
        }
    }
    if !failures.is_empty() {
        return Err(MeetingError::Sitting(failures));
    }
    let held = store::mark_held(conn, meeting, &sitting.reference, actor.at)?.ok_or(MeetingError::Changed)?;
    let mut carried = Vec::new();
    if !postponed.is_empty() {
        if let Some(next) = store::next_planned(conn, meeting.cluster_id, forum, meeting.date)? {
            for item in &postponed {
                let copy = carry_on(conn, item, &next, actor.at)?;
                carried.push(serde_json::json!({"item": item.number, "meeting": next.id, "as_item": copy.number}));
            }
        }
    }
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "meeting.held",
            subject: format!("meeting:{}", meeting.id),
            before: Some(serde_json::json!({"state": meeting.state})),
            after: Some(serde_json::json!({
                "state": held.state,
                "reference": sitting.reference,
                "outcomes": sitting.outcomes.iter().map(|d| serde_json::json!({
                    "item": d.item, "outcome": d.outcome.as_str(), "amount": d.amount.map(|a| a.to_string()),
                })).collect::<Vec<_>>(),
                "postponed_to": carried,
            })),
            request_id: actor.request_id,
        },
    )?;
    Ok(held)
}

#[allow(clippy::too_many_arguments)]
fn apply(
    conn: &mut AnyConnection,
    meeting: &MeetingRow,
    forum: Forum,
    item: &ItemRow,
    d: &ItemDecision,
    reference: &str,
    decider_email: Option<&str>,
    actor: Actor<'_>,
    secretariat: Option<&str>,
) -> Result<(), ItemFailure> {
    let number = item.number;
    let rule = |rule| ItemFailure::Rule { number, rule };
    let store = |e: StoreError| ItemFailure::Advance { number, error: AdvanceError::Store(e) };
    let reference = format!("{reference}, pkt. {number}");
    let kind = item.kind().map_err(store)?;
    if d.amount.is_some() && kind != ItemKind::Application {
        return Err(rule(MeetingRule::Outcome("only an application's approval or referral carries an amount")));
    }
    match kind {
        ItemKind::Application => {
            let id =
                item.application_id.ok_or_else(|| store(StoreError::Corrupt(format!("meeting item {} without application", item.id))))?;
            let app =
                applications::find(conn, id).map_err(store)?.ok_or_else(|| store(StoreError::Corrupt(format!("no application {id}"))))?;
            if decider_email.is_some_and(|me| !app.charter.contact_email.is_empty() && me.eq_ignore_ascii_case(&app.charter.contact_email))
            {
                return Err(ItemFailure::Contact(number));
            }
            let pool = pools::find_by_id(conn, app.pool_id).map_err(store)?.ok_or_else(|| store(StoreError::Corrupt("no pool".into())))?;
            if let Some(step) = application_step(forum, d.outcome, d.amount).map_err(rule)? {
                check_forum(forum, app.state, pool.pool.policy.recommendation_required).map_err(rule)?;
                let new_step = NewStep {
                    step: step.step,
                    outcome: step.outcome,
                    amount: None,
                    meeting_date: Some(meeting.date),
                    reference: &reference,
                    note: &d.note,
                    meeting: Some(meeting.id),
                };
                applications_service::advance(conn, &app, &pool, step.event, &new_step, step.action, actor, secretariat)
                    .map_err(|error| ItemFailure::Advance { number, error })?;
            }
        }
        ItemKind::CarryOver => {
            let id =
                item.carry_over_id.ok_or_else(|| store(StoreError::Corrupt(format!("meeting item {} without carry-over", item.id))))?;
            if let Some(approve) = carry_over_answer(forum, d.outcome).map_err(rule)? {
                let row = carry_overs::find(conn, id)
                    .map_err(|e| store(e.into()))?
                    .ok_or_else(|| store(StoreError::Corrupt(format!("no carry-over {id}"))))?;
                let answer = Answer { approve, channel: "meeting", meeting_date: Some(meeting.date), reference: &reference };
                let saved = year_end::conclude(conn, &row, &answer, actor).map_err(|error| ItemFailure::CarryOver { number, error })?;
                let how = format!("på mødet {} ({reference})", meeting.date.format("%-d.%-m.%Y"));
                if let Some(secretariat) = secretariat {
                    crate::mail::tell::carry_over_decided(conn, &saved, &how, secretariat, actor.at).map_err(store)?;
                }
            }
        }
        ItemKind::Model => {
            check_plain_outcome(kind, forum, d.outcome).map_err(rule)?;
            // "Der blev ikke truffet beslutning om tildelingsmodel hvilket betyder, at
            // midlerne vil blive tildelt løbende": no decision on the model means rolling.
            let model = match d.outcome {
                ItemOutcome::Approved => Some(item.model().map_err(store)?.ok_or(ItemFailure::NoModel(number))?),
                ItemOutcome::Noted => Some(crate::domain::allocation::AllocationModel::Rolling),
                _ => None,
            };
            if let Some(model) = model {
                let pool_id = item.pool_id.ok_or_else(|| store(StoreError::Corrupt("model item without pool".into())))?;
                let pool = pools::find_by_id(conn, pool_id).map_err(store)?.ok_or_else(|| store(StoreError::Corrupt("no pool".into())))?;
                let minuted = Minuted { meeting_date: meeting.date, reference: reference.clone() };
                crate::pools::service::decide_model(conn, &pool, model, &minuted, actor)
                    .map_err(|error| ItemFailure::Pools { number, error })?;
            }
        }
        ItemKind::Note | ItemKind::GrantStatus => check_plain_outcome(kind, forum, d.outcome).map_err(rule)?,
        ItemKind::Amendment => {
            let id = item.amendment_id.ok_or_else(|| store(StoreError::Corrupt(format!("meeting item {} without amendment", item.id))))?;
            let stored =
                amendments::find(conn, id).map_err(store)?.ok_or_else(|| store(StoreError::Corrupt(format!("no amendment {id}"))))?;
            if let Some((level, outcome)) = amendment_decision(forum, stored.amendment.awaiting, d.outcome).map_err(rule)? {
                let grant = crate::db::grants::find(conn, stored.grant_id).map_err(store)?;
                let contact = grant.map(|g| g.application_id).map(|a| applications::find(conn, a)).transpose().map_err(store)?.flatten();
                if contact.is_some_and(|app| {
                    decider_email
                        .is_some_and(|me| !app.charter.contact_email.is_empty() && me.eq_ignore_ascii_case(&app.charter.contact_email))
                }) {
                    return Err(ItemFailure::Contact(number));
                }
                let decision =
                    AmendmentDecision { level, outcome, meeting_date: meeting.date, reference: reference.clone(), note: d.note.clone() };
                crate::amendments::service::decide(conn, &stored, &decision, actor)
                    .map_err(|error| ItemFailure::Amendment { number, error })?;
            }
        }
    }
    // The amount the sitting named (none: the drafted one, "as proposed").
    store::record_outcome(conn, item.id, d.outcome, d.amount, &d.note).map_err(store)?;
    Ok(())
}
