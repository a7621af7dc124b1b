//! Approvers, approval requests, the links mailed to approvers, and the
//! mail outbox. Tokens are stored only as SHA-256.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::StoreError;
use super::schema::{approval_links, approval_requests, approvers};
use crate::domain::approval::{LinkState, RequestState};

#[derive(Debug, Clone, Queryable)]
pub struct ApproverRow {
    pub id: i64,
    pub cluster_id: i64,
    pub name: String,
    pub email: String,
    pub level: String,
    pub side: String,
    pub position: i32,
    /// Slug of the party the approver belongs to; empty when none.
    pub party: String,
    /// `co_chair`, `deputy` or `member`.
    pub role: String,
    /// A deputy's co-chair (their e-mail address); empty otherwise.
    pub deputy_for: String,
}

pub struct NewApprover<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub level: &'a str,
    pub side: &'a str,
    pub party: &'a str,
    pub role: &'a str,
    pub deputy_for: &'a str,
}

pub fn approvers_of(conn: &mut AnyConnection, cluster_id: i64, level: Option<&str>) -> QueryResult<Vec<ApproverRow>> {
    let mut q = approvers::table
        .select(approvers::all_columns)
        .filter(approvers::cluster_id.eq(cluster_id))
        .order(approvers::position)
        .into_boxed();
    if let Some(level) = level {
        q = q.filter(approvers::level.eq(level.to_owned()));
    }
    q.load(conn)
}

/// Replaces a cluster's approvers with `list`, in order.
pub fn replace_approvers(conn: &mut AnyConnection, cluster_id: i64, list: &[NewApprover<'_>]) -> QueryResult<()> {
    diesel::delete(approvers::table.filter(approvers::cluster_id.eq(cluster_id))).execute(conn)?;
    for (i, a) in list.iter().enumerate() {
        diesel::insert_into(approvers::table)
            .values((
                approvers::cluster_id.eq(cluster_id),
                approvers::name.eq(a.name),
                approvers::email.eq(a.email.to_lowercase()),
                approvers::level.eq(a.level),
                approvers::side.eq(a.side),
                approvers::position.eq(i as i32),
                approvers::party.eq(a.party),
                approvers::role.eq(a.role),
                approvers::deputy_for.eq(a.deputy_for.to_lowercase()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable)]
pub struct RequestRow {
    pub id: i64,
    /// Set when the request is about an application ...
    pub application_id: Option<i64>,
    pub level: String,
    pub state: String,
    pub application_version: i64,
    pub requested_by: String,
    pub created_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    /// ... or when it is about a carry-over.
    pub carry_over_id: Option<i64>,
    /// Why the case is asked by e-mail (when the pool decides in meetings).
    pub reason: String,
}

impl RequestRow {
    pub fn request_state(&self) -> Result<RequestState, StoreError> {
        RequestState::parse(&self.state).ok_or_else(|| StoreError::Corrupt(format!("approval request {}: state '{}'", self.id, self.state)))
    }

    pub fn subject(&self) -> Option<Subject> {
        match (self.application_id, self.carry_over_id) {
            (Some(a), None) => Some(Subject::Application(a)),
            (None, Some(c)) => Some(Subject::CarryOver(c)),
            _ => None,
        }
    }
}

/// What an approval request asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Application(i64),
    CarryOver(i64),
}

impl Subject {
    /// `application:7` or `carry_over:3`, as in the audit trail.
    pub fn audit_subject(self) -> String {
        match self {
            Subject::Application(id) => format!("application:{id}"),
            Subject::CarryOver(id) => format!("carry_over:{id}"),
        }
    }

    fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            Subject::Application(id) => (Some(id), None),
            Subject::CarryOver(id) => (None, Some(id)),
        }
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct LinkRow {
    pub id: i64,
    pub request_id: i64,
    pub approver_name: String,
    pub approver_email: String,
    pub token_hash: String,
    pub nonce: String,
    pub state: String,
    pub expires_at: NaiveDateTime,
    pub reminded_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub comment: String,
    pub client_ip: String,
    pub user_agent: String,
    pub created_at: NaiveDateTime,
    /// The seat the link answers for: the co-chair's address (shared with their deputy); empty for members.
    pub seat: String,
}

impl LinkRow {
    /// The seat the link answers for; links made before seats existed answer for their own.
    pub fn seat_name(&self) -> &str {
        if self.seat.is_empty() { &self.approver_email } else { &self.seat }
    }

    pub fn link_state(&self) -> Result<LinkState, StoreError> {
        LinkState::parse(&self.state).ok_or_else(|| StoreError::Corrupt(format!("approval link {}: state '{}'", self.id, self.state)))
    }
}

pub fn insert_request(
    conn: &mut AnyConnection,
    subject: Subject,
    level: &str,
    version: i64,
    by: &str,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<RequestRow> {
    let (application_id, carry_over_id) = subject.columns();
    let mut rows: Vec<RequestRow> = diesel::insert_into(approval_requests::table)
        .values((
            approval_requests::application_id.eq(application_id),
            approval_requests::carry_over_id.eq(carry_over_id),
            approval_requests::level.eq(level),
            approval_requests::state.eq(RequestState::Open.as_str()),
            approval_requests::application_version.eq(version),
            approval_requests::requested_by.eq(by),
            approval_requests::created_at.eq(now),
            approval_requests::reason.eq(reason),
        ))
        .returning(approval_requests::all_columns)
        .get_results(conn)?;
    rows.pop().ok_or(diesel::result::Error::NotFound)
}

pub fn find_request(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<RequestRow>> {
    approval_requests::table.select(approval_requests::all_columns).filter(approval_requests::id.eq(id)).first(conn).optional()
}

pub fn open_request_of(conn: &mut AnyConnection, subject: Subject) -> QueryResult<Option<RequestRow>> {
    let q = approval_requests::table.select(approval_requests::all_columns).into_boxed();
    let q = match subject {
        Subject::Application(id) => q.filter(approval_requests::application_id.eq(id)),
        Subject::CarryOver(id) => q.filter(approval_requests::carry_over_id.eq(id)),
    };
    q.filter(approval_requests::state.eq_any(UNFINISHED.map(RequestState::as_str))).first(conn).optional()
}

/// A request that has not ended: open, or expired and waiting for the
/// secretariat to resend or revoke it (its money may still be reserved).
pub const UNFINISHED: [RequestState; 2] = [RequestState::Open, RequestState::Expired];

pub fn requests(conn: &mut AnyConnection, state: Option<RequestState>, application_id: Option<i64>) -> QueryResult<Vec<RequestRow>> {
    let mut q = approval_requests::table.select(approval_requests::all_columns).order(approval_requests::id).into_boxed();
    if let Some(s) = state {
        q = q.filter(approval_requests::state.eq(s.as_str()));
    }
    if let Some(a) = application_id {
        q = q.filter(approval_requests::application_id.eq(a));
    }
    q.load(conn)
}

/// Unfinished (open or expired) requests about the pool's applications, or about carry-overs out of
/// it or into it (a carry-over names its target by cluster and year).
pub fn open_requests_touching_pool(conn: &mut AnyConnection, pool_id: i64, cluster_id: i64, year: i32) -> QueryResult<Vec<RequestRow>> {
    use super::schema::{applications, carry_overs};
    let apps: Vec<i64> = applications::table.select(applications::id).filter(applications::pool_id.eq(pool_id)).load(conn)?;
    let carry: Vec<i64> = carry_overs::table
        .select(carry_overs::id)
        .filter(carry_overs::source_pool_id.eq(pool_id).or(carry_overs::cluster_id.eq(cluster_id).and(carry_overs::to_year.eq(year))))
        .load(conn)?;
    approval_requests::table
        .select(approval_requests::all_columns)
        .filter(approval_requests::state.eq_any(UNFINISHED.map(RequestState::as_str)))
        .filter(approval_requests::application_id.eq_any(apps).or(approval_requests::carry_over_id.eq_any(carry)))
        .order(approval_requests::id)
        .load(conn)
}

/// Ends an unfinished (open or expired) request; `false` when it had ended already.
pub fn close_request(conn: &mut AnyConnection, id: i64, state: RequestState, now: NaiveDateTime) -> QueryResult<bool> {
    move_request(conn, id, &UNFINISHED, state, Some(now))
}

/// Ends an open request with the level's decision; `false` when it was not open any more.
pub fn decide_request(conn: &mut AnyConnection, id: i64, state: RequestState, now: NaiveDateTime) -> QueryResult<bool> {
    move_request(conn, id, &[RequestState::Open], state, Some(now))
}

/// An open request becomes expired; `false` when it was not open any more.
pub fn expire_request(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    move_request(conn, id, &[RequestState::Open], RequestState::Expired, None)
}

/// An expired request is open again (fresh links were sent); `false` when it was not expired.
pub fn reopen_request(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    move_request(conn, id, &[RequestState::Expired], RequestState::Open, None)
}

/// Moves a request from one of `from` to `to`, guarded by its state in the
/// database, so two writers cannot both move it.
fn move_request(
    conn: &mut AnyConnection,
    id: i64,
    from: &[RequestState],
    to: RequestState,
    closed_at: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    diesel::update(approval_requests::table.filter(approval_requests::id.eq(id)).filter(approval_requests::state.eq_any(from)))
        .set((approval_requests::state.eq(to.as_str()), approval_requests::closed_at.eq(closed_at)))
        .execute(conn)
        .map(|n| n == 1)
}

/// Open requests whose pending links have all expired by `now` (at least
/// one answer is missing, and no link that could still give it works).
pub fn lapsed_requests(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<Vec<RequestRow>> {
    let open: Vec<RequestRow> = approval_requests::table
        .select(approval_requests::all_columns)
        .filter(approval_requests::state.eq(RequestState::Open.as_str()))
        .order(approval_requests::id)
        .load(conn)?;
    let ids: Vec<i64> = open.iter().map(|r| r.id).collect();
    let pending: Vec<(i64, NaiveDateTime)> = approval_links::table
        .select((approval_links::request_id, approval_links::expires_at))
        .filter(approval_links::request_id.eq_any(ids))
        .filter(approval_links::state.eq(LinkState::Pending.as_str()))
        .load(conn)?;
    Ok(open
        .into_iter()
        .filter(|r| {
            let mine = || pending.iter().filter(|(id, _)| *id == r.id);
            mine().next().is_some() && mine().all(|(_, expires)| *expires <= now)
        })
        .collect())
}

/// Moves a request to the application's new version (its own step changed it).
pub fn rebind_request(conn: &mut AnyConnection, id: i64, version: i64) -> QueryResult<()> {
    diesel::update(approval_requests::table.filter(approval_requests::id.eq(id)))
        .set(approval_requests::application_version.eq(version))
        .execute(conn)
        .map(|_| ())
}

pub struct NewLink<'a> {
    pub request_id: i64,
    pub approver_name: &'a str,
    pub approver_email: &'a str,
    pub token_hash: &'a str,
    pub nonce: &'a str,
    pub expires_at: NaiveDateTime,
    /// Set for links sent as a reminder, so they are not reminded again.
    pub reminded_at: Option<NaiveDateTime>,
    /// The seat the link answers for (see `LinkRow::seat`).
    pub seat: &'a str,
}

pub fn insert_link(conn: &mut AnyConnection, link: &NewLink<'_>, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(approval_links::table)
        .values((
            approval_links::request_id.eq(link.request_id),
            approval_links::approver_name.eq(link.approver_name),
            approval_links::approver_email.eq(link.approver_email),
            approval_links::token_hash.eq(link.token_hash),
            approval_links::nonce.eq(link.nonce),
            approval_links::state.eq(LinkState::Pending.as_str()),
            approval_links::expires_at.eq(link.expires_at),
            approval_links::reminded_at.eq(link.reminded_at),
            approval_links::created_at.eq(now),
            approval_links::seat.eq(link.seat),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn links_of(conn: &mut AnyConnection, request_id: i64) -> QueryResult<Vec<LinkRow>> {
    approval_links::table
        .select(approval_links::all_columns)
        .filter(approval_links::request_id.eq(request_id))
        .order(approval_links::id)
        .load(conn)
}

pub fn link_by_token_hash(conn: &mut AnyConnection, token_hash: &str) -> QueryResult<Option<LinkRow>> {
    approval_links::table.select(approval_links::all_columns).filter(approval_links::token_hash.eq(token_hash)).first(conn).optional()
}

/// Records one approver's decision; `false` when the link was no longer pending (single use).
pub fn decide_link(
    conn: &mut AnyConnection,
    id: i64,
    state: LinkState,
    comment: &str,
    client_ip: &str,
    user_agent: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(approval_links::table.filter(approval_links::id.eq(id)).filter(approval_links::state.eq(LinkState::Pending.as_str())))
        .set((
            approval_links::state.eq(state.as_str()),
            approval_links::comment.eq(comment),
            approval_links::client_ip.eq(client_ip),
            approval_links::user_agent.eq(user_agent),
            approval_links::decided_at.eq(now),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Voids every pending link of a request.
pub fn void_pending(conn: &mut AnyConnection, request_id: i64) -> QueryResult<usize> {
    diesel::update(
        approval_links::table
            .filter(approval_links::request_id.eq(request_id))
            .filter(approval_links::state.eq(LinkState::Pending.as_str())),
    )
    .set(approval_links::state.eq(LinkState::Void.as_str()))
    .execute(conn)
}

/// Pending links that expire before `before` and have had no reminder.
pub fn due_for_reminder(conn: &mut AnyConnection, before: NaiveDateTime, now: NaiveDateTime) -> QueryResult<Vec<LinkRow>> {
    approval_links::table
        .select(approval_links::all_columns)
        .filter(approval_links::state.eq(LinkState::Pending.as_str()))
        .filter(approval_links::reminded_at.is_null())
        .filter(approval_links::expires_at.lt(before))
        .filter(approval_links::expires_at.gt(now))
        .load(conn)
}

pub fn mark_reminded(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(approval_links::table.filter(approval_links::id.eq(id)))
        .set(approval_links::reminded_at.eq(now))
        .execute(conn)
        .map(|_| ())
}
