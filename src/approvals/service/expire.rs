//! A request whose links have all expired with answers missing becomes
//! `expired`: audited, the secretariat told, the money left reserved until
//! the secretariat resends (open again) or revokes it. Runs in the caller's
//! transaction, which holds the pool's lock (`Db::write_in_pool`), so an
//! approver's answer and the expiry never both happen.

use chrono::NaiveDateTime;

use super::{ApprovalError, LinkSettings, Loaded};
use crate::db::approvals::{self, LinkRow};
use crate::db::audit::{self, AuditEvent};
use crate::db::{AnyConnection, StoreError, pools};
use crate::domain::approval::{LinkState, RequestEvent, RequestState, transition};

/// Who expires requests, in the audit trail.
pub const EXPIRY_ACTOR: &str = "klyngemidler (udløb af links)";

/// Whether every link that could still give an answer has expired by `now`
/// (at least one answer is missing).
pub fn lapsed(links: &[LinkRow], now: NaiveDateTime) -> bool {
    let mut pending = links.iter().filter(|l| l.state == LinkState::Pending.as_str()).peekable();
    pending.peek().is_some() && pending.all(|l| l.expires_at <= now)
}

/// Expires request `id` if it is still open and lapsed at `now`; `false`
/// when it was not (answered, resent or ended meanwhile): running it twice changes nothing.
pub fn expire_if_lapsed(conn: &mut AnyConnection, id: i64, settings: &LinkSettings, now: NaiveDateTime) -> Result<bool, ApprovalError> {
    let Some(request) = approvals::find_request(conn, id)? else { return Ok(false) };
    let Ok(RequestState::Expired) = transition(request.request_state()?, RequestEvent::Expire) else { return Ok(false) };
    let links = approvals::links_of(conn, id)?;
    if !lapsed(&links, now) {
        return Ok(false);
    }
    let (subject, key) = Loaded::of(conn, &request)?;
    if subject.version() != request.application_version {
        // The case changed after the links were sent (withdrawn, decided
        // another way): its links were void already, and no money waits on
        // it. The request ends as revoked, not as expired.
        if approvals::close_request(conn, id, RequestState::Revoked, now)? {
            audit::record(
                conn,
                &AuditEvent {
                    at: now,
                    actor: EXPIRY_ACTOR,
                    action: "approval.revoked",
                    subject: subject.audit_subject(),
                    before: None,
                    after: Some(serde_json::json!({"request": id, "reason": "Sagen er ændret, efter linkene blev sendt"})),
                    request_id: None,
                },
            )?;
        }
        return Ok(false);
    }
    if !approvals::expire_request(conn, id)? {
        return Ok(false);
    }
    let pool = pools::find(conn, &key)?.ok_or_else(|| StoreError::Corrupt(format!("no pool {key}")))?;
    let facts = subject.facts(conn, &pool)?;
    let mut missing: Vec<String> = Vec::new();
    for l in links.iter().filter(|l| l.state == LinkState::Pending.as_str()) {
        if !missing.contains(&l.approver_name) {
            missing.push(l.approver_name.clone());
        }
    }
    audit::record(
        conn,
        &AuditEvent {
            at: now,
            actor: EXPIRY_ACTOR,
            action: "approval.expired",
            subject: subject.audit_subject(),
            before: Some(serde_json::json!({"request": id, "state": RequestState::Open.as_str()})),
            after: Some(serde_json::json!({
                "request": id,
                "state": RequestState::Expired.as_str(),
                "level": request.level,
                "missing": links.iter().filter(|l| l.state == LinkState::Pending.as_str()).map(|l| &l.approver_email).collect::<Vec<_>>(),
            })),
            request_id: None,
        },
    )?;
    if !settings.secretariat_email.trim().is_empty() {
        let mail = crate::mail::notices::expired(&facts, id, &missing, now);
        crate::db::outbox::queue_mail(conn, &settings.secretariat_email, &mail.subject, &mail.text, &mail.html, now)?;
    }
    Ok(true)
}
