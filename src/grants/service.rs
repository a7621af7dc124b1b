//! Paying out of a grant and giving back what it will not use: each a
//! ledger posting, in the same transaction as the grant's new figures, the
//! disbursement's record and an audit event.

use chrono::NaiveDate;

use crate::db::audit::{self, AuditEvent};
use crate::db::grants::{self as store, StoredGrant};
use crate::db::pools::Actor;
use crate::db::{AnyConnection, StoreError, ledger};
use crate::domain::grant::{Grant, GrantError};
use crate::domain::money::Money;

/// What to do with a grant's money.
#[derive(Debug, Clone)]
pub enum Movement {
    Disburse {
        amount: Money,
        paid_on: NaiveDate,
        reference: String,
    },
    /// `None`: everything neither paid out nor released yet.
    Release {
        amount: Option<Money>,
        reason: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum MovementError {
    #[error(transparent)]
    Grant(#[from] GrantError),
    #[error("the grant changed meanwhile; read it again and retry")]
    Changed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for MovementError {
    fn from(e: diesel::result::Error) -> Self {
        MovementError::Store(e.into())
    }
}

/// Moves money of `stored` as `movement` says; returns the grant as saved.
pub fn move_money(conn: &mut AnyConnection, stored: &StoredGrant, movement: &Movement, actor: Actor<'_>) -> Result<(), MovementError> {
    let (changed, entry, action, details) = match movement {
        Movement::Disburse { amount, paid_on, reference } => {
            let (g, e) = stored.grant.disburse(*amount)?;
            store::insert_disbursement(conn, stored.id, *amount, *paid_on, reference, actor.name, actor.at)?;
            (g, e, "grant.disbursed", serde_json::json!({"amount": amount.to_string(), "paid_on": paid_on, "reference": reference}))
        }
        Movement::Release { amount, reason } => {
            let (g, e) = stored.grant.release(*amount, reason)?;
            let released = g.released.checked_sub(stored.grant.released).unwrap_or_default();
            (g, e, "grant.released", serde_json::json!({"amount": released.to_string(), "reason": reason}))
        }
    };
    if !store::update(conn, stored, &changed, actor.at)? {
        return Err(MovementError::Changed);
    }
    ledger::post(conn, stored.pool_id, Some(stored.application_id), &entry, actor.name, actor.at)?;
    let figures = |g: &Grant| serde_json::json!({"disbursed": g.disbursed.to_string(), "released": g.released.to_string()});
    let mut after = figures(&changed);
    if let (Some(a), Some(d)) = (after.as_object_mut(), details.as_object()) {
        a.extend(d.clone());
    }
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action,
            subject: format!("grant:{}", stored.id),
            before: Some(figures(&stored.grant)),
            after: Some(after),
            request_id: actor.request_id,
        },
    )?;
    Ok(())
}
