//! Idempotency records: the first answer to a request made with an
//! `Idempotency-Key`, kept so a retry gets the same answer.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::idempotency_keys;

/// Where an idempotency record stands: the first request is running
/// (`started`), its write committed but its answer is not saved yet
/// (`committed`), or its answer is saved for replays (`done`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordState {
    Started,
    Committed,
    Done,
}

impl RecordState {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Started => "started",
            RecordState::Committed => "committed",
            RecordState::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Option<RecordState> {
        [RecordState::Started, RecordState::Committed, RecordState::Done].into_iter().find(|s| s.as_str() == text)
    }
}

/// The idempotency record of the request being served, if it has one.
#[derive(Debug, Clone)]
pub struct Claim {
    pub owner: String,
    pub key: String,
}

tokio::task_local! {
    /// Set around the handler (by the API's middleware) so that the request's
    /// write transaction marks the claim committed together with its changes.
    pub static CLAIM: Claim;
}

/// The claim of the current request, read before the blocking call.
pub fn current() -> Option<Claim> {
    CLAIM.try_with(Clone::clone).ok()
}

#[derive(Debug, Clone, Queryable)]
pub struct IdempotencyRow {
    pub owner: String,
    pub idem_key: String,
    pub fingerprint: String,
    /// `started` (running), `committed` (its write is saved), `done` (answer saved).
    pub state: String,
    pub status: Option<i32>,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub body: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut AnyConnection, owner: &str, key: &str) -> QueryResult<Option<IdempotencyRow>> {
    idempotency_keys::table
        .select(idempotency_keys::all_columns)
        .filter(idempotency_keys::owner.eq(owner).and(idempotency_keys::idem_key.eq(key)))
        .first(conn)
        .optional()
}

pub fn start(conn: &mut AnyConnection, owner: &str, key: &str, fingerprint: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::owner.eq(owner).and(idempotency_keys::idem_key.eq(key))))
        .execute(conn)?;
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::owner.eq(owner),
            idempotency_keys::idem_key.eq(key),
            idempotency_keys::fingerprint.eq(fingerprint),
            idempotency_keys::state.eq(RecordState::Started.as_str()),
            idempotency_keys::created_at.eq(now),
            idempotency_keys::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Marks that the request's write committed: called inside that write's transaction.
pub fn mark_committed(conn: &mut AnyConnection, owner: &str, key: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.filter(idempotency_keys::owner.eq(owner).and(idempotency_keys::idem_key.eq(key))))
        .set((idempotency_keys::state.eq(RecordState::Committed.as_str()), idempotency_keys::updated_at.eq(now)))
        .execute(conn)
        .map(|_| ())
}

pub struct SavedResponse<'a> {
    pub status: u16,
    pub content_type: Option<&'a str>,
    pub location: Option<&'a str>,
    pub etag: Option<&'a str>,
    pub body: &'a str,
}

pub fn finish(conn: &mut AnyConnection, owner: &str, key: &str, response: &SavedResponse<'_>, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.filter(idempotency_keys::owner.eq(owner).and(idempotency_keys::idem_key.eq(key))))
        .set((
            idempotency_keys::state.eq(RecordState::Done.as_str()),
            idempotency_keys::status.eq(i32::from(response.status)),
            idempotency_keys::content_type.eq(response.content_type),
            idempotency_keys::location.eq(response.location),
            idempotency_keys::etag.eq(response.etag),
            idempotency_keys::body.eq(response.body),
            idempotency_keys::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Forgets a request that failed without writing, so it may be tried again.
pub fn forget(conn: &mut AnyConnection, owner: &str, key: &str) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::owner.eq(owner).and(idempotency_keys::idem_key.eq(key)))
            .filter(idempotency_keys::state.eq(RecordState::Started.as_str())),
    )
    .execute(conn)
    .map(|_| ())
}

/// Drops records older than `before` (they are kept at least 24 hours).
pub fn expire(conn: &mut AnyConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before))).execute(conn)
}
