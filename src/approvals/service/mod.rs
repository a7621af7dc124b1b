//! Approval by e-mail link: opening a request (reserving the money and
//! mailing each approver a personal link), and recording what an approver
//! decides through that link. All of it runs inside the caller's write
//! transaction, so links and mail exist only if the change committed.

use chrono::NaiveDateTime;

mod answer;
mod carry_over;
mod expire;
mod link;
mod notify;
mod revoke;
mod subject;

pub use answer::{Decided, Evidence, LevelOutcome, LiveLink, decide, live_link};
pub use carry_over::{carry_over_facts, open_carry_over_request};
pub use expire::{EXPIRY_ACTOR, expire_if_lapsed, lapsed};
pub use link::facts_for_link;
pub use revoke::{Why, revoke_request, revoke_requests_of_closing_pool};
pub use subject::{Loaded, facts};

use crate::applications::service::{AdvanceError, advance};
use crate::db::applications::{self, StoredApplication};
use crate::db::approvals::{self, LinkRow, NewLink, RequestRow, Subject};
use crate::db::audit::{self, AuditEvent};
use crate::db::pools::{Actor, StoredPool};
use crate::db::steps::NewStep;
use crate::db::{AnyConnection, StoreError};
use crate::domain::approval::{self, Approver, ApproverRole, LinkState, RequestState};
use crate::domain::pool::{PoliticalMode, StrategicMode};
use crate::domain::step::{StepKind, StepOutcome};
use crate::domain::workflow::{ApplicationState, Event, Level, WorkflowError};
use crate::mail::templates::{self, Facts};
use crate::year_end::service::CarryOverFailure;

/// Where links point and how long they live.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    /// e.g. `https://klyngemidler.example.org` (no trailing slash).
    pub public_base_url: String,
    pub link_days: i64,
    /// A reminder (with a fresh link) this many hours before a link expires.
    pub reminder_hours: i64,
    /// Approvers do not approve their own party's applications.
    pub recusal: bool,
    /// Who hears of every answer, decision and expiry (`SECRETARIAT_EMAIL`,
    /// the same address as the follow-up's `secretariat_email`).
    pub secretariat_email: String,
}

impl Default for LinkSettings {
    fn default() -> Self {
        LinkSettings {
            public_base_url: "http://127.0.0.1:8080".into(),
            link_days: 14,
            reminder_hours: 48,
            recusal: false,
            secretariat_email: "klyngemidler@example.org".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error("the pool's approval policy has the {0} level decide in meetings, not by e-mail")]
    NotByEmail(Level),
    #[error("the cluster has no {0} approvers; add them with PUT /api/v1/clusters/{{cluster}}/approvers")]
    NoApprovers(Level),
    #[error("every {0} approver belongs to the applying party and must step aside")]
    AllRecused(Level),
    #[error("an approval request for this is already open (request {0})")]
    AlreadyOpen(i64),
    #[error(transparent)]
    CarryOver(#[from] CarryOverFailure),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error("the application changed meanwhile; read it again and retry")]
    Changed,
    #[error("the co-chairs may approve by e-mail only with the political level's mandate: set approval_policy.email_mandate_reference")]
    NoMandate,
    #[error(transparent)]
    CoChairs(#[from] crate::domain::approval::CoChairError),
    #[error(transparent)]
    Date(#[from] crate::domain::dates::DateError),
    #[error("the operating system gave no randomness")]
    Random,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AdvanceError> for ApprovalError {
    fn from(e: AdvanceError) -> Self {
        match e {
            AdvanceError::Workflow(w) => ApprovalError::Workflow(w),
            AdvanceError::Changed => ApprovalError::Changed,
            AdvanceError::MeetingDate(d) => ApprovalError::Date(d),
            AdvanceError::Store(s) => ApprovalError::Store(s),
        }
    }
}

impl From<diesel::result::Error> for ApprovalError {
    fn from(e: diesel::result::Error) -> Self {
        ApprovalError::Store(e.into())
    }
}

/// Creates a link for one approver and queues the mail carrying it.
#[allow(clippy::too_many_arguments)]
fn send_link(
    conn: &mut AnyConnection,
    request: &RequestRow,
    name: &str,
    email: &str,
    seat: &str,
    facts: &Facts,
    settings: &LinkSettings,
    reminder: bool,
    now: NaiveDateTime,
) -> Result<(), ApprovalError> {
    let crate::secrets::LinkToken { token, hash, nonce } = crate::secrets::new_link_token().map_err(|_| ApprovalError::Random)?;
    let expires_at = now + chrono::Duration::days(settings.link_days);
    approvals::insert_link(
        conn,
        &NewLink {
            request_id: request.id,
            approver_name: name,
            approver_email: email,
            token_hash: &hash,
            nonce: &nonce,
            expires_at,
            reminded_at: reminder.then_some(now),
            seat,
        },
        now,
    )?;
    let link = format!("{}/approvals/{token}", settings.public_base_url.trim_end_matches('/'));
    let expires = crate::mail::danish::danish_time(expires_at);
    let mail = templates::approval_request(facts, &request.level, name, &link, &expires, reminder);
    crate::db::outbox::queue_mail(conn, email, &mail.subject, &mail.text, &mail.html, now)?;
    Ok(())
}

/// Opens a request at `level` for the application and mails every approver of
/// that level. Asking the strategic level reserves the money at once.
pub fn open_request(
    conn: &mut AnyConnection,
    app: &StoredApplication,
    pool: &StoredPool,
    level: Level,
    reason: Option<&str>,
    actor: Actor<'_>,
    settings: &LinkSettings,
) -> Result<RequestRow, ApprovalError> {
    if let Some(open) = approvals::open_request_of(conn, Subject::Application(app.id))? {
        return Err(ApprovalError::AlreadyOpen(open.id));
    }
    // E-mail approval is a delegated power: the co-chairs need the political
    // level's mandate; with it, one case may be asked by e-mail with a reason
    // even when the pool decides in meetings ("if circumstances require it").
    let by_email = match level {
        Level::Strategic => {
            if !pool.pool.policy.email_mandate() {
                return Err(ApprovalError::NoMandate);
            }
            pool.pool.policy.strategic == StrategicMode::CoChairsEmail || reason.is_some_and(|r| !r.trim().is_empty())
        }
        Level::Political => pool.pool.policy.political == PoliticalMode::Email,
    };
    if !by_email {
        return Err(ApprovalError::NotByEmail(level));
    }
    let all = approvals::approvers_of(conn, pool.cluster_id, Some(level.as_str()))?;
    if all.is_empty() {
        return Err(ApprovalError::NoApprovers(level));
    }
    // Separation of duties: nobody approves their own party's application.
    let recused_one = |a: &approvals::ApproverRow| settings.recusal && a.party == app.charter.applicant_party;
    let (approvers, recused) = match level {
        Level::Strategic => {
            let roles: Vec<ApproverRole> = all.iter().map(|a| ApproverRole::parse(&a.role).unwrap_or(ApproverRole::Member)).collect();
            let view: Vec<Approver<'_>> = all
                .iter()
                .zip(&roles)
                .map(|(a, role)| Approver {
                    email: &a.email,
                    side: &a.side,
                    role: *role,
                    deputy_for: &a.deputy_for,
                    recused: recused_one(a),
                })
                .collect();
            let seats = approval::co_chair_seats(&view)?;
            let asked: Vec<(approvals::ApproverRow, String)> =
                seats.iter().flat_map(|s| s.asked.iter().map(|i| (all[*i].clone(), s.seat.clone()))).collect();
            let recused: Vec<approvals::ApproverRow> = all.iter().filter(|a| recused_one(a)).cloned().collect();
            (asked, recused)
        }
        Level::Political => {
            let (recused, asked): (Vec<_>, Vec<_>) = all.into_iter().partition(|a| recused_one(a));
            (
                asked
                    .into_iter()
                    .map(|a| {
                        let seat = a.email.clone();
                        (a, seat)
                    })
                    .collect(),
                recused,
            )
        }
    };
    if approvers.is_empty() {
        return Err(ApprovalError::AllRecused(level));
    }
    let mut app = app.clone();
    match level {
        Level::Strategic => {
            let step = NewStep {
                step: StepKind::Strategic,
                outcome: StepOutcome::Requested,
                amount: None,
                meeting_date: None,
                reference: "",
                note: "",
                meeting: None,
            };
            advance(conn, &app, pool, Event::RequestStrategicApproval, &step, "approval.requested", actor, None)?;
            app = applications::find(conn, app.id)?.ok_or_else(|| StoreError::Corrupt("application vanished".into()))?;
        }
        Level::Political => {
            if !matches!(app.state, ApplicationState::Reserved { awaiting: Level::Political, .. }) {
                return Err(WorkflowError::NotAllowed { verb: "ask the political level by e-mail about", state: app.state }.into());
            }
        }
    }
    let facts = facts(conn, &app, pool)?;
    let asked = Asked {
        subject: Subject::Application(app.id),
        level,
        version: app.version,
        approvers: &approvers,
        recused: &recused,
        reason: reason.unwrap_or(""),
    };
    send_request(conn, &asked, &facts, actor, settings)
}

/// Who is asked about what.
pub(crate) struct Asked<'a> {
    pub subject: Subject,
    pub level: Level,
    /// The subject's version now; a later change voids the links.
    pub version: i64,
    /// Who is asked, each with the seat they answer for.
    pub approvers: &'a [(approvals::ApproverRow, String)],
    pub recused: &'a [approvals::ApproverRow],
    /// Why the case is asked by e-mail (may be empty).
    pub reason: &'a str,
}

/// Opens the request, mails every approver a link, and records it.
pub(crate) fn send_request(
    conn: &mut AnyConnection,
    asked: &Asked<'_>,
    facts: &Facts,
    actor: Actor<'_>,
    settings: &LinkSettings,
) -> Result<RequestRow, ApprovalError> {
    let request = approvals::insert_request(conn, asked.subject, asked.level.as_str(), asked.version, actor.name, asked.reason, actor.at)?;
    for (a, seat) in asked.approvers {
        send_link(conn, &request, &a.name, &a.email, seat, facts, settings, false, actor.at)?;
    }
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "approval.links_sent",
            subject: asked.subject.audit_subject(),
            before: None,
            after: Some(serde_json::json!({
                "request": request.id,
                "level": asked.level.as_str(),
                "approvers": asked.approvers.iter().map(|(a, _)| &a.email).collect::<Vec<_>>(),
                "reason": asked.reason,
                "recused": asked.recused.iter().map(|a| &a.email).collect::<Vec<_>>(),
            })),
            request_id: actor.request_id,
        },
    )?;
    Ok(request)
}

/// New links for those who have not answered; the old ones are voided.
/// `only` limits it to one link (reminders).
#[allow(clippy::too_many_arguments)]
pub fn reissue(
    conn: &mut AnyConnection,
    request: &RequestRow,
    facts: &Facts,
    only: Option<i64>,
    reminder: bool,
    settings: &LinkSettings,
    now: NaiveDateTime,
) -> Result<usize, ApprovalError> {
    let pending: Vec<LinkRow> = approvals::links_of(conn, request.id)?
        .into_iter()
        .filter(|l| l.state == LinkState::Pending.as_str() && only.is_none_or(|id| id == l.id))
        .collect();
    for link in &pending {
        approvals::decide_link(conn, link.id, LinkState::Void, "", "", "", now)?;
        send_link(conn, request, &link.approver_name, &link.approver_email, link.seat_name(), facts, settings, reminder, now)?;
    }
    Ok(pending.len())
}

/// New links for the approvers of an open request who have not answered;
/// their old links stop working. Returns how many were sent.
pub fn resend(conn: &mut AnyConnection, request: &RequestRow, settings: &LinkSettings, actor: Actor<'_>) -> Result<usize, ApprovalError> {
    let (subject, key) = Loaded::of(conn, request)?;
    let pool = crate::db::pools::find(conn, &key)?.ok_or_else(|| StoreError::Corrupt(format!("no pool {key}")))?;
    let facts = subject.facts(conn, &pool)?;
    let from = request.request_state()?;
    let to = approval::transition(from, approval::RequestEvent::Resend).map_err(|_| ApprovalError::Changed)?;
    let n = reissue(conn, request, &facts, None, false, settings, actor.at)?;
    // An expired request is open again: its money stayed reserved, its approvers have fresh links.
    if from == RequestState::Expired && !approvals::reopen_request(conn, request.id)? {
        return Err(ApprovalError::Changed);
    }
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "approval.resent",
            subject: subject.audit_subject(),
            before: Some(serde_json::json!({"state": from.as_str()})),
            after: Some(serde_json::json!({"request": request.id, "links": n, "state": to.as_str()})),
            request_id: actor.request_id,
        },
    )?;
    Ok(n)
}

/// Who approves for a cluster, replaced as a whole, with its audit event.
pub fn replace_approvers(
    conn: &mut AnyConnection,
    cluster_id: i64,
    cluster_slug: &str,
    rows: &[approvals::NewApprover<'_>],
    before: serde_json::Value,
    after: serde_json::Value,
    actor: Actor<'_>,
) -> Result<(), StoreError> {
    approvals::replace_approvers(conn, cluster_id, rows)?;
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "approvers.replaced",
            subject: format!("cluster:{cluster_slug}"),
            before: Some(serde_json::json!({"approvers": before})),
            after: Some(serde_json::json!({"approvers": after})),
            request_id: actor.request_id,
        },
    )?;
    Ok(())
}
