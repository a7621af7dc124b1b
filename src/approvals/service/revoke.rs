//! Ending an open approval request before its approvers are done: revoked
//! by the secretariat, or voided because the pool it concerns was closed.
//! The links die with it, and a strategic reservation goes back.

use super::{ApprovalError, Loaded};
use crate::applications::service::advance;
use crate::db::approvals::{self, RequestRow};
use crate::db::audit::{self, AuditEvent};
use crate::db::pools::{self, Actor, StoredPool};
use crate::db::steps::NewStep;
use crate::db::{AnyConnection, StoreError};
use crate::domain::approval::RequestState;
use crate::domain::step::{StepKind, StepOutcome};
use crate::domain::workflow::{ApplicationState, Event, Level};

/// Why an open request ends early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// `POST /api/v1/approvals/{id}/revoke`.
    Revoked,
    /// The pool it concerns (or a carry-over's target pool) was closed.
    PoolClosed,
}

impl Why {
    /// The request's state afterwards.
    fn state(self) -> RequestState {
        match self {
            Why::Revoked => RequestState::Revoked,
            Why::PoolClosed => RequestState::PoolClosed,
        }
    }

    fn note(self) -> &'static str {
        match self {
            Why::Revoked => "",
            Why::PoolClosed => "Puljen blev lukket, mens anmodningen var åben",
        }
    }
}

/// Ends `request` if it is still open: its pending links are void, and a
/// strategic e-mail reservation is given back (a ledger entry), all in the
/// caller's transaction. `false` when it was no longer open.
pub fn revoke_request(conn: &mut AnyConnection, request: &RequestRow, why: Why, actor: Actor<'_>) -> Result<bool, ApprovalError> {
    if !approvals::close_request(conn, request.id, why.state(), actor.at)? {
        return Ok(false);
    }
    approvals::void_pending(conn, request.id)?;
    let (subject, _) = Loaded::of(conn, request)?;
    let reserved = match &subject {
        Loaded::Application(app) => Some(app),
        Loaded::CarryOver(_) => None,
    }
    .filter(|app| {
        Level::parse(&request.level) == Some(Level::Strategic)
            && matches!(app.state, ApplicationState::Reserved { awaiting: Level::Strategic, .. })
    });
    if let Some(app) = reserved {
        let pool = pools::find(conn, &app.pool)?.ok_or_else(|| StoreError::Corrupt(format!("no pool {}", app.pool)))?;
        let step = NewStep {
            step: StepKind::Strategic,
            outcome: StepOutcome::Revoked,
            amount: None,
            meeting_date: None,
            reference: "",
            note: why.note(),
            meeting: None,
        };
        advance(conn, app, &pool, Event::CancelStrategicRequest, &step, "approval.revoked", actor, None)?;
    } else {
        audit::record(
            conn,
            &AuditEvent {
                at: actor.at,
                actor: actor.name,
                action: "approval.revoked",
                subject: subject.audit_subject(),
                before: None,
                after: Some(serde_json::json!({"request": request.id, "reason": why.note()})),
                request_id: actor.request_id,
            },
        )?;
    }
    Ok(true)
}

/// Ends every open request about `pool`'s applications and the carry-overs
/// out of it or into it; called in the transaction that closes the pool, so
/// no approver is left with a link that can only fail.
pub fn revoke_requests_of_closing_pool(conn: &mut AnyConnection, pool: &StoredPool, actor: Actor<'_>) -> Result<usize, ApprovalError> {
    let open = approvals::open_requests_touching_pool(conn, pool.id, pool.cluster_id, pool.pool.key.year.get())?;
    let mut ended = 0;
    for request in &open {
        if revoke_request(conn, request, Why::PoolClosed, actor)? {
            ended += 1;
        }
    }
    Ok(ended)
}
