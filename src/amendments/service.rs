//! Amending a grant: propose (an increase reserves the extra at once) and
//! decide (the final approval changes the grant and commits the extra or
//! gives the difference back; a rejection releases what was held). Each is
//! one transaction with its ledger entry, the amendment's rows and an audit
//! event. A meeting decision and (later) an e-mail answer call `decide`.

use chrono::NaiveDate;
use serde_json::json;

use crate::db::amendments::{self as store, NewAmendmentStep, StoredAmendment};
use crate::db::audit::{self, AuditEvent};
use crate::db::grants::{self as grants, StoredGrant};
use crate::db::pools::{self, Actor};
use crate::db::{AnyConnection, StoreError, ledger};
use crate::domain::amendment::{self, Amendment, AmendmentError, AmendmentState, Proposal, Terms};
use crate::domain::dates::{DateError, check_meeting_date};
use crate::domain::workflow::{Level, Outcome};

#[derive(Debug, thiserror::Error)]
pub enum AmendmentsError {
    #[error(transparent)]
    Amendment(#[from] AmendmentError),
    #[error("amendment {0} of this grant is pending; decide it before proposing another")]
    PendingExists(i64),
    #[error("the amendment or its grant changed meanwhile; read it again and retry")]
    Changed,
    #[error(transparent)]
    MeetingDate(#[from] DateError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for AmendmentsError {
    fn from(e: diesel::result::Error) -> Self {
        AmendmentsError::Store(e.into())
    }
}

fn terms_json(t: &Terms) -> serde_json::Value {
    let budget: Vec<_> = t.budget.iter().map(|l| json!({"year": l.year.get(), "amount": l.amount.to_string()})).collect();
    json!({"amount": t.amount.to_string(), "ends_on": t.ends_on, "budget": budget})
}

fn state_json(a: &Amendment) -> serde_json::Value {
    json!({"state": a.state.as_str(), "awaiting": a.awaiting.map(Level::as_str)})
}

/// Proposes `proposal` for the grant; returns the new amendment's id.
pub fn propose(
    conn: &mut AnyConnection,
    g: &StoredGrant,
    proposal: &Proposal,
    reason: &str,
    actor: Actor<'_>,
) -> Result<i64, AmendmentsError> {
    if let Some(pending) = store::pending_of(conn, g.id)? {
        return Err(AmendmentsError::PendingExists(pending));
    }
    let pool = pools::find_by_id(conn, g.pool_id)?.ok_or_else(|| StoreError::Corrupt(format!("grant {}: no pool", g.id)))?;
    let current = store::current_terms(conn, g.id, g.application_id, g.grant.amount)?;
    let available = ledger::balances(conn, g.pool_id)?.available(g.grant.bucket);
    let (a, entry) = amendment::propose(&g.grant, &current, proposal, &pool.pool.policy, pool.pool.state, available)?;
    let id = store::insert(conn, g.id, &a, reason, actor.name, actor.at)?;
    if let Some(entry) = &entry {
        ledger::post(conn, g.pool_id, Some(g.application_id), entry, actor.name, actor.at)?;
    }
    let mut after = json!({"grant": g.id, "reason": reason, "terms": terms_json(&a.after), "political_required": a.political_required});
    if let (Some(o), Some(s)) = (after.as_object_mut(), state_json(&a).as_object()) {
        o.extend(s.clone());
    }
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "amendment.proposed",
            subject: format!("amendment:{id}"),
            before: Some(json!({"grant": g.id, "terms": terms_json(&a.before)})),
            after: Some(after),
            request_id: actor.request_id,
        },
    )?;
    Ok(id)
}

/// A decision of one level, as minuted.
#[derive(Debug, Clone)]
pub struct Decision {
    pub level: Level,
    pub outcome: Outcome,
    pub meeting_date: NaiveDate,
    pub reference: String,
    pub note: String,
}

/// Records `decision` on the amendment; on the final approval the grant
/// takes the new terms (and a new version) in the same transaction.
pub fn decide(conn: &mut AnyConnection, stored: &StoredAmendment, decision: &Decision, actor: Actor<'_>) -> Result<(), AmendmentsError> {
    let g = grants::find(conn, stored.grant_id)?.ok_or_else(|| StoreError::Corrupt(format!("amendment {}: no grant", stored.id)))?;
    // Registered after the fact like every decision: the meeting is on or after the one that
    // granted the money (the amendment's own registration date may be later than both).
    let granted_on = crate::db::steps::of(conn, g.application_id)?.iter().filter_map(|s| s.meeting_date).max();
    let earlier = store::steps_of(conn, stored.id)?.last().map(|s| s.meeting_date);
    check_meeting_date(decision.meeting_date, granted_on.unwrap_or(stored.created_at.date()), earlier, actor.at.date())?;
    let decided = amendment::decide(&stored.amendment, &g.grant, decision.level, decision.outcome)?;
    if !store::save_state(conn, stored, &decided.amendment, actor.at)? {
        return Err(AmendmentsError::Changed);
    }
    let step = NewAmendmentStep {
        level: decision.level,
        outcome: decision.outcome,
        meeting_date: decision.meeting_date,
        reference: &decision.reference,
        note: &decision.note,
    };
    store::record_step(conn, stored.id, &step, actor.name, actor.at)?;
    if let Some(changed) = &decided.grant {
        // The version moves with every approved amendment, even one that only changes the end date.
        if !store::set_grant_amount(conn, g.id, g.version, changed.amount, actor.at)? {
            return Err(AmendmentsError::Changed);
        }
    }
    if let Some(entry) = &decided.entry {
        ledger::post(conn, g.pool_id, Some(g.application_id), entry, actor.name, actor.at)?;
    }
    let action = match decided.amendment.state {
        AmendmentState::Approved => "amendment.approved",
        AmendmentState::Rejected => "amendment.rejected",
        AmendmentState::Pending => "amendment.strategic_approved",
    };
    let mut after = state_json(&decided.amendment);
    if let Some(o) = after.as_object_mut() {
        o.insert("level".into(), json!(decision.level.as_str()));
        o.insert("meeting_date".into(), json!(decision.meeting_date));
        o.insert("reference".into(), json!(decision.reference));
        if decided.grant.is_some() {
            o.insert("grant".into(), json!({"id": g.id, "terms": terms_json(&decided.amendment.after)}));
        }
    }
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action,
            subject: format!("amendment:{}", stored.id),
            before: Some(state_json(&stored.amendment)),
            after: Some(after),
            request_id: actor.request_id,
        },
    )?;
    Ok(())
}
