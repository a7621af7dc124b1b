//! Whole rendered answers kept on this node while nothing was written: the
//! status report of a year (`reports::status`) and the dashboard page
//! (`web::dashboard`), each under a key naming everything the answer depends
//! on besides the database (the caller's clusters, the year, the
//! representation, the day).
//!
//! The rule is `pools::status_cache`'s: an answer is kept with `Db::changes`
//! as it stood *before* the answer was read, and used only while the count
//! still stands there — every write transaction that ends on this node moves
//! it, and so does every other node's commit (PostgreSQL `NOTIFY`, heard by
//! `http::listener::listen`). Coarse on purpose: no write can be forgotten
//! as a cause. A kept answer is also read again after [`TTL`], for writers
//! this process cannot hear (another process on the same SQLite file).
//!
//! An answer that is not kept is made by one request at a time per key
//! ([`Kept::turn`]); the others wait for it and take what it kept, instead of
//! 64 connections making the same report at once (each holding a database
//! connection) whenever a write or the TTL made it stale.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;

/// The longest a kept answer is trusted without reading it again.
pub const TTL: Duration = Duration::from_secs(2);

#[derive(Debug)]
struct Entry {
    /// What the answer was made with: its ETag (the report), or what the
    /// caller checks before using it (the dashboard: the expired requests it shows).
    etag: String,
    body: Bytes,
    changes: u64,
    at: Instant,
    /// What the caller can read again cheaply to learn that the answer is
    /// still the database's after [`TTL`] ([`Kept::lapsed`]); empty if nothing.
    fingerprint: String,
}

/// Rendered answers by key; at most `capacity` of them (past it the memory starts over).
#[derive(Debug)]
pub struct Kept<K> {
    entries: Mutex<HashMap<K, Entry>>,
    /// Whose turn it is to make the answer under a key.
    turns: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
    capacity: usize,
}

/// The answers this node keeps whole (in `AppState::kept`).
#[derive(Debug, Default)]
pub struct Answers {
    /// `GET /reports/status` by caller's clusters, year and representation.
    pub reports: Kept<String>,
    /// `GET /dashboard` pages by session's clusters, year, cluster and day.
    pub dashboard: Kept<String>,
}

/// Answers kept under one kind of key unless told otherwise.
const CAPACITY: usize = 256;

impl<K> Default for Kept<K> {
    fn default() -> Self {
        Kept::with_capacity(CAPACITY)
    }
}

impl<K> Kept<K> {
    pub fn with_capacity(capacity: usize) -> Self {
        Kept { entries: Mutex::new(HashMap::new()), turns: Mutex::new(HashMap::new()), capacity: capacity.max(1) }
    }
}

impl<K: Hash + Eq + Clone> Kept<K> {
    /// Waits for the turn to make the answer under `key`. Look again
    /// ([`Kept::find`], with `Db::changes` read anew) once it is yours: the
    /// request before may have kept it meanwhile.
    pub async fn turn(&self, key: &K) -> tokio::sync::OwnedMutexGuard<()> {
        let gate = {
            let mut turns = self.turns.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if turns.len() >= self.capacity && !turns.contains_key(key) {
                // Only gates nobody holds or waits for are dropped with the map; a held one lives on in its guard.
                turns.clear();
            }
            Arc::clone(turns.entry(key.clone()).or_default())
        };
        gate.lock_owned().await
    }

    /// The kept tag and body under `key`, if nothing has been written since
    /// they were read (`changes` is `Db::changes` now).
    pub fn find(&self, key: &K, changes: u64) -> Option<(String, Bytes)> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let kept = entries.get(key)?;
        (kept.changes == changes && kept.at.elapsed() < TTL).then(|| (kept.etag.clone(), kept.body.clone()))
    }

    /// The fingerprint kept with the answer under `key` when nothing was
    /// written on this node since, but it is older than [`TTL`]: the caller
    /// reads the fingerprint anew and, if it is the same, [`Kept::renew`]s it.
    pub fn lapsed(&self, key: &K, changes: u64) -> Option<String> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let kept = entries.get(key)?;
        (kept.changes == changes && !kept.fingerprint.is_empty()).then(|| kept.fingerprint.clone())
    }

    /// The answer under `key` was found still to be the database's: trusted
    /// for another [`TTL`], if nothing was written meanwhile.
    pub fn renew(&self, key: &K, changes: u64) -> Option<(String, Bytes)> {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let kept = entries.get_mut(key)?;
        (kept.changes == changes).then(|| {
            kept.at = Instant::now();
            (kept.etag.clone(), kept.body.clone())
        })
    }

    /// Keeps an answer read after `Db::changes` was `changes`. An answer read
    /// earlier than the one already kept does not replace it.
    pub fn keep(&self, key: K, changes: u64, etag: String, body: Bytes) {
        self.keep_with(key, changes, etag, body, String::new());
    }

    /// [`Kept::keep`] with a fingerprint for [`Kept::lapsed`].
    pub fn keep_with(&self, key: K, changes: u64, etag: String, body: Bytes, fingerprint: String) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.get(&key).is_some_and(|kept| kept.changes > changes) {
            return;
        }
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, Entry { etag, body, changes, at: Instant::now(), fingerprint });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_answer_is_used_until_anything_is_written() {
        let kept = Kept::with_capacity(8);
        kept.keep("2022", 7, "\"abc\"".to_owned(), Bytes::from_static(b"{}"));
        assert_eq!(kept.find(&"2022", 7).map(|(etag, _)| etag).as_deref(), Some("\"abc\""));
        assert!(kept.find(&"2022", 8).is_none(), "a write ended since");
        assert!(kept.find(&"2023", 7).is_none());
    }

    #[test]
    fn an_older_reading_does_not_replace_a_newer_one() {
        let kept = Kept::with_capacity(8);
        kept.keep("2022", 9, "\"new\"".to_owned(), Bytes::from_static(b"new"));
        kept.keep("2022", 8, "\"old\"".to_owned(), Bytes::from_static(b"old"));
        assert_eq!(kept.find(&"2022", 9).map(|(etag, _)| etag).as_deref(), Some("\"new\""));
    }

    #[actix_web::test]
    async fn one_request_at_a_time_makes_an_answer() {
        let kept: Kept<&str> = Kept::with_capacity(8);
        let first = kept.turn(&"2022").await;
        let other_key = kept.turn(&"2023").await;
        let waiting = kept.turn(&"2022");
        let timed_out = tokio::time::timeout(Duration::from_millis(20), waiting).await;
        assert!(timed_out.is_err(), "the second waits while the first makes it");
        drop((first, other_key));
        assert!(tokio::time::timeout(Duration::from_secs(1), kept.turn(&"2022")).await.is_ok());
    }

    #[test]
    fn a_lapsed_answer_is_renewed_only_while_nothing_was_written() {
        let kept = Kept::with_capacity(8);
        kept.keep_with("2022", 7, "\"abc\"".to_owned(), Bytes::new(), "pools 1 2".to_owned());
        assert_eq!(kept.lapsed(&"2022", 7).as_deref(), Some("pools 1 2"));
        assert!(kept.lapsed(&"2022", 8).is_none(), "a write ended since: made anew");
        assert!(kept.renew(&"2022", 8).is_none());
        assert_eq!(kept.renew(&"2022", 7).map(|(etag, _)| etag).as_deref(), Some("\"abc\""));
        kept.keep("2023", 7, "\"d\"".to_owned(), Bytes::new());
        assert!(kept.lapsed(&"2023", 7).is_none(), "kept without a fingerprint: made anew");
    }

    #[test]
    fn past_its_capacity_the_memory_starts_over() {
        let kept = Kept::with_capacity(2);
        kept.keep(1, 0, "\"1\"".to_owned(), Bytes::new());
        kept.keep(2, 0, "\"2\"".to_owned(), Bytes::new());
        kept.keep(3, 0, "\"3\"".to_owned(), Bytes::new());
        assert!(kept.find(&1, 0).is_none());
        assert!(kept.find(&3, 0).is_some());
    }
}
