//! The mail outbox: mail queued in the transaction of the change it reports,
//! leased by one worker at a time, sent, retried or given up.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::outbox;
use crate::db::cached::{CacheStatement, insert_rows};

/// Where a mail in the outbox stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    Queued,
    Sent,
    /// Its address cannot be sent to; never retried.
    Undeliverable,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sent => "sent",
            MailState::Undeliverable => "undeliverable",
        }
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct OutboxRow {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub leased_by: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
}

/// Queues a mail in the caller's transaction: no mail for a rolled-back change, none lost.
pub fn queue_mail(conn: &mut AnyConnection, to: &str, subject: &str, text: &str, html: &str, now: NaiveDateTime) -> QueryResult<()> {
    queue_mails(conn, &[Mail { to, subject, text, html }], now)
}

/// A mail to queue: to whom, and what.
#[derive(Debug, Clone, Copy)]
pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

/// Queues several mails in one statement, in the caller's transaction.
pub fn queue_mails(conn: &mut AnyConnection, mails: &[Mail<'_>], now: NaiveDateTime) -> QueryResult<()> {
    if mails.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = mails
        .iter()
        .map(|m| {
            (
                outbox::to_address.eq(m.to),
                outbox::subject.eq(m.subject),
                outbox::text_body.eq(m.text),
                outbox::html_body.eq(m.html),
                outbox::state.eq(MailState::Queued.as_str()),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now),
                outbox::created_at.eq(now),
            )
        })
        .collect();
    insert_rows!(conn, outbox::table, &rows, outbox::id)
}

/// Claims up to `limit` due mails for `worker` until `lease_until`, and returns them.
/// The UPDATE re-checks that each row is due: a row whose lease another worker
/// holds is not, and on PostgreSQL the row lock makes a second claimer re-check
/// that after the first commits (or fail serializably and retry) and skip it,
/// so each mail is handed to one worker at a time (SQLite has one writer anyway).
pub fn claim_due_mail(
    conn: &mut AnyConnection,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let due = |now: NaiveDateTime| {
        outbox::state
            .eq(MailState::Queued.as_str())
            .and(outbox::next_attempt_at.le(now))
            .and(outbox::lease_until.is_null().or(outbox::lease_until.le(now)))
    };
    let candidates: Vec<i64> = outbox::table.select(outbox::id).filter(due(now)).order(outbox::id).limit(limit).load(conn)?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(candidates)).filter(due(now)))
        .set((outbox::leased_by.eq(worker), outbox::lease_until.eq(lease_until)))
        .execute(conn)?;
    outbox::table
        .select(outbox::all_columns)
        .filter(outbox::state.eq(MailState::Queued.as_str()))
        .filter(outbox::leased_by.eq(worker))
        .filter(outbox::lease_until.eq(lease_until))
        .order(outbox::id)
        .load(conn)
}

/// Marks a mail sent, ends its lease, and keeps the bodies as given (with
/// the links' tokens redacted by the caller).
pub fn mail_sent(conn: &mut AnyConnection, id: i64, now: NaiveDateTime, text_body: &str, html_body: &str) -> QueryResult<()> {
    diesel::update(outbox::table.filter(outbox::id.eq(id)))
        .set((
            outbox::state.eq(MailState::Sent.as_str()),
            outbox::text_body.eq(text_body),
            outbox::html_body.eq(html_body),
            outbox::sent_at.eq(now),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Gives a mail up for good (its address cannot be sent to): `undeliverable`, never retried.
pub fn mail_undeliverable(conn: &mut AnyConnection, id: i64, error: &str) -> QueryResult<()> {
    diesel::update(outbox::table.filter(outbox::id.eq(id)))
        .set((
            outbox::state.eq(MailState::Undeliverable.as_str()),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(error),
            outbox::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records a failed attempt, when to try again, and ends the lease.
pub fn mail_failed(conn: &mut AnyConnection, id: i64, error: &str, next: NaiveDateTime) -> QueryResult<()> {
    diesel::update(outbox::table.filter(outbox::id.eq(id)))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(error),
            outbox::next_attempt_at.eq(next),
            outbox::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn list(conn: &mut AnyConnection, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    outbox::table.select(outbox::all_columns).order(outbox::id.desc()).limit(limit).load(conn)
}

/// Mails waiting to go out (queued, not yet sent).
pub fn queued(conn: &mut AnyConnection) -> QueryResult<i64> {
    outbox::table.filter(outbox::state.eq(MailState::Queued.as_str())).count().get_result(conn)
}
