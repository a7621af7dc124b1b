//! The audit trail: who did what, when, before → after. Written in the same
//! transaction as the change it describes, and tamper-evident: each event
//! carries the SHA-256 of its canonical form, which includes the hash of the
//! event before it in its *stream*. The database refuses UPDATE and DELETE on
//! the table (triggers), and [`verify`] walks every chain and names the first
//! broken event.
//!
//! Streams: a write locked to one pool (`Db::write_in_pool`) chains its events
//! in that pool's stream `pool:<key>`; every other write in `global`. Writers
//! of one stream are serialized already (the pool's lock, or PostgreSQL's
//! SERIALIZABLE check on the `global` tail), and writers of different pools
//! never read or extend the same head. Events from before streams existed have
//! stream "" and form the legacy chain, hashed without the stream.

use crate::db::cached::{CacheStatement, direct};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_events;
use super::{AnyConnection, StoreError};
use crate::secrets::sha256_hex;

#[derive(Debug, Clone, Queryable)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    pub stream: String,
}

/// One thing that happened, as the handler describes it.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub at: NaiveDateTime,
    pub actor: &'a str,
    pub action: &'a str,
    /// What it happened to: `pool:vest-2022`, `cluster:vest`, `api_key:3`.
    pub subject: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<&'a str>,
}

/// The stream of writes that hold no single pool's lock.
pub const GLOBAL_STREAM: &str = "global";

thread_local! {
    /// The stream this thread's write transaction chains its events in (see [`in_stream`]).
    static STREAM: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// While the guard lives, events recorded on this thread go to `stream`.
/// Only `Db::write_in_pool` sets it, around the transaction that holds the
/// pool's lock, so the events of one stream are always written one at a time.
pub(crate) fn in_stream(stream: String) -> StreamGuard {
    StreamGuard(STREAM.with(|s| s.replace(Some(stream))))
}

/// Gives back the stream that was set before.
pub(crate) struct StreamGuard(Option<String>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let before = self.0.take();
        STREAM.with(|s| *s.borrow_mut() = before);
    }
}

fn current_stream() -> String {
    STREAM.with(|s| s.borrow().clone()).unwrap_or_else(|| GLOBAL_STREAM.to_owned())
}

/// The pool's stream: `pool:vest-2022`.
pub fn pool_stream(pool: &crate::domain::values::PoolKey) -> String {
    format!("pool:{pool}")
}

/// The hashed form of an event: a JSON array of its fields in a fixed order,
/// then its stream (left out for the legacy chain, stream "").
#[allow(clippy::too_many_arguments)]
fn event_hash(
    at: NaiveDateTime,
    actor: &str,
    action: &str,
    subject: &str,
    before: Option<&str>,
    after: Option<&str>,
    request_id: Option<&str>,
    prev_hash: &str,
    stream: &str,
) -> String {
    let at = at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let canonical = if stream.is_empty() {
        serde_json::json!([at, actor, action, subject, before, after, request_id, prev_hash])
    } else {
        serde_json::json!([at, actor, action, subject, before, after, request_id, prev_hash, stream])
    };
    sha256_hex(&canonical.to_string())
}

fn row_hash(row: &AuditRow) -> String {
    event_hash(
        row.occurred_at,
        &row.actor,
        &row.action,
        &row.subject,
        row.before_json.as_deref(),
        row.after_json.as_deref(),
        row.request_id.as_deref(),
        &row.prev_hash,
        &row.stream,
    )
}

/// The newest event of all streams and its hash (`chain_head` of the audit API).
pub fn head(conn: &mut AnyConnection) -> QueryResult<Option<(i64, String)>> {
    audit_events::table.select((audit_events::id, audit_events::hash)).order(audit_events::id.desc()).first(conn).optional()
}

/// The hash of a stream's newest event ("" before its first).
fn stream_head(conn: &mut AnyConnection, stream: &str) -> QueryResult<String> {
    let newest = audit_events::table
        .filter(audit_events::stream.eq(stream))
        .select(audit_events::hash)
        .order(audit_events::id.desc())
        .first::<String>(conn)
        .optional()?;
    Ok(newest.unwrap_or_default())
}

/// The newest hash of each stream as this process last appended it. Only a
/// guess, which the append checks in the same statement (see [`record`]): the
/// write that appended it may have been rolled back, another node may have
/// appended since, and a process may open several databases (the tests).
static GUESSES: std::sync::Mutex<Option<std::collections::HashMap<String, String>>> = std::sync::Mutex::new(None);

/// At most this many streams are guessed; when full, the guesses start again.
const GUESSED_STREAMS: usize = 4096;

fn guess(stream: &str) -> Option<String> {
    GUESSES.lock().ok()?.as_ref()?.get(stream).cloned()
}

fn remember(stream: &str, hash: &str) {
    let Ok(mut guesses) = GUESSES.lock() else { return };
    let map = guesses.get_or_insert_with(Default::default);
    if map.len() >= GUESSED_STREAMS && !map.contains_key(stream) {
        map.clear();
    }
    match map.get_mut(stream) {
        Some(kept) => hash.clone_into(kept),
        None => {
            map.insert(stream.to_owned(), hash.to_owned());
        }
    }
}

/// What the guarded append answers (its `RETURNING`).
#[derive(Debug, QueryableByName)]
struct Appended {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    #[allow(dead_code)]
    id: i64,
}

/// Appends the event to the chain of this write's stream.
///
/// The chain's head is read and the event inserted in one statement when
/// this process knows the stream's head already: the insert is made only if
/// the stream's newest hash still is the one guessed, so the event links to
/// the true head exactly as when it is read first. When it is not (or there
/// is no guess), the head is read and the event inserted as two statements.
/// The read is the same either way, and so is what keeps two writers of a
/// stream apart (the pool's lock; SERIALIZABLE's check on the `global` tail).
pub fn record(conn: &mut AnyConnection, event: &AuditEvent<'_>) -> QueryResult<()> {
    let stream = current_stream();
    let before = event.before.as_ref().map(|v| v.to_string());
    let after = event.after.as_ref().map(|v| v.to_string());
    let hash_after = |prev_hash: &str| {
        event_hash(
            event.at,
            event.actor,
            event.action,
            &event.subject,
            before.as_deref(),
            after.as_deref(),
            event.request_id,
            prev_hash,
            &stream,
        )
    };
    if let Some(prev_hash) = guess(&stream) {
        let hash = hash_after(&prev_hash);
        use diesel::sql_types::{Nullable, Text, Timestamp};
        let appended: Vec<Appended> = direct!(conn, |c| {
            diesel::sql_query(
            "INSERT INTO audit_events (occurred_at, actor, action, subject, before_json, after_json, request_id, prev_hash, hash, stream) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
             WHERE COALESCE((SELECT hash FROM audit_events WHERE stream = $10 ORDER BY id DESC LIMIT 1), '') = $8 \
             RETURNING id",
        )
        .bind::<Timestamp, _>(event.at)
        .bind::<Text, _>(event.actor)
        .bind::<Text, _>(event.action)
        .bind::<Text, _>(&event.subject)
        .bind::<Nullable<Text>, _>(before.as_deref())
        .bind::<Nullable<Text>, _>(after.as_deref())
        .bind::<Nullable<Text>, _>(event.request_id)
        .bind::<Text, _>(&prev_hash)
        .bind::<Text, _>(&hash)
        .bind::<Text, _>(&stream)
        .cached()
        .load(c)
        })?;
        if !appended.is_empty() {
            remember(&stream, &hash);
            return Ok(());
        }
    }
    let prev_hash = stream_head(conn, &stream)?;
    let hash = hash_after(&prev_hash);
    direct!(conn, |c| diesel::insert_into(audit_events::table)
        .values((
            audit_events::occurred_at.eq(event.at),
            audit_events::actor.eq(event.actor),
            audit_events::action.eq(event.action),
            audit_events::subject.eq(&event.subject),
            audit_events::before_json.eq(&before),
            audit_events::after_json.eq(&after),
            audit_events::request_id.eq(event.request_id),
            audit_events::prev_hash.eq(&prev_hash),
            audit_events::hash.eq(&hash),
            audit_events::stream.eq(&stream),
        ))
        .execute(c))?;
    remember(&stream, &hash);
    Ok(())
}

pub fn list(conn: &mut AnyConnection, subject: Option<&str>, after_id: Option<i64>, limit: i64) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_events::table.select(audit_events::all_columns).order(audit_events::id).limit(limit).into_boxed();
    if let Some(subject) = subject {
        query = query.filter(audit_events::subject.eq(subject.to_owned()));
    }
    if let Some(after) = after_id {
        query = query.filter(audit_events::id.gt(after));
    }
    query.load(conn)
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every event links to the one before it in its stream and matches its
    /// hash. `head` is the newest event's hash (as the audit API's
    /// `chain_head`); `streams` how many chains there are.
    Intact { events: u64, streams: usize, head: String },
    /// The first event that does not.
    Broken { id: i64, reason: String },
}

/// Walks every stream's chain, oldest event first. Events written before the
/// chain existed (empty hash, legacy stream) may only come before all others.
pub fn verify(conn: &mut AnyConnection) -> Result<Verdict, StoreError> {
    // Each stream's newest hash so far; a stream not yet seen starts at "".
    let mut heads: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut events = 0u64;
    let mut newest = String::new();
    let mut after = None;
    loop {
        let page = list(conn, None, after, 1000)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for row in page {
            events += 1;
            // Unchained events from before the chain: only before any chained one.
            if heads.is_empty() && row.stream.is_empty() && row.hash.is_empty() && row.prev_hash.is_empty() {
                continue;
            }
            let expected_prev = heads.get(&row.stream).map(String::as_str).unwrap_or("");
            if row.prev_hash != expected_prev {
                return Ok(Verdict::Broken { id: row.id, reason: "does not link to the event before it".into() });
            }
            if row_hash(&row) != row.hash {
                return Ok(Verdict::Broken { id: row.id, reason: "its content does not match its hash".into() });
            }
            newest.clone_from(&row.hash);
            heads.insert(row.stream, row.hash);
        }
    }
    Ok(Verdict::Intact { events, streams: heads.len(), head: newest })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2022, 8, 15).and_then(|d| d.and_hms_micro_opt(10, 0, 0, 250)).expect("a date")
    }

    #[test]
    fn a_legacy_event_hashes_as_it_did_before_streams() {
        let hash = event_hash(at(), "admin (key 1)", "pool.created", "pool:vest-2022", None, Some("{\"a\":1}"), None, "", "");
        let canonical = r#"["2022-08-15T10:00:00.000250Z","admin (key 1)","pool.created","pool:vest-2022",null,"{\"a\":1}",null,""]"#;
        assert_eq!(hash, sha256_hex(canonical));
    }

    #[test]
    fn the_stream_is_part_of_an_events_hash() {
        let in_stream = |stream: &str| event_hash(at(), "admin (key 1)", "pool.opened", "pool:vest-2022", None, None, None, "ab", stream);
        assert_ne!(in_stream("pool:vest-2022"), in_stream("global"));
        assert_ne!(in_stream("global"), in_stream(""));
    }

    #[test]
    fn a_write_records_in_the_stream_it_is_given_and_then_in_global_again() {
        assert_eq!(current_stream(), GLOBAL_STREAM);
        {
            let _vest = in_stream("pool:vest-2022".into());
            assert_eq!(current_stream(), "pool:vest-2022");
        }
        assert_eq!(current_stream(), GLOBAL_STREAM);
    }
}
