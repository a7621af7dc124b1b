//! Each pool's status as last rendered on this node, with its ETag: a
//! matching `If-None-Match` is answered 304, and a plain GET 200, from
//! memory, without the database.
//!
//! A kept status is used only while `Db::changes` stands where it stood
//! before the status was read: every write transaction that ends on this
//! node moves it, and so does every other node's commit (PostgreSQL
//! `NOTIFY`, heard by `http::listener::listen` within its 50 ms poll).
//! This is coarse on purpose — any write anywhere makes every kept status
//! stale — so no write can be forgotten as a cause. A kept status is also
//! read again after [`TTL`], for writes this process cannot hear (another
//! process writing the same SQLite file, such as `klyngemidler generate`).
//!
//! Reading again is single-flight, so that 64 clients polling one pool do
//! not read it 64 times at once (the tail of the latency): the first request
//! that finds the status stale reads it, and the others wait for its answer
//! — those that saw the same `Db::changes`, for which that answer is as good
//! as their own. A status still in use is read again early, after
//! [`REFRESH_AFTER`], by one request while the others keep being answered
//! from memory, so under steady polling nobody waits for the [`TTL`]. A read
//! again first compares the ETag (a few rows): a write to another pool only
//! costs that, not a new rendering.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;
use tokio::sync::watch;

/// The longest a kept status is trusted without reading it again.
pub const TTL: Duration = Duration::from_secs(2);
/// A kept status in use is read again (by one request) once it is this old.
pub const REFRESH_AFTER: Duration = Duration::from_secs(1);
/// More pools than this and the memory starts over.
const MAX_POOLS: usize = 4_096;

/// A status as answered: its ETag (also as a header value, made once) and its JSON body.
#[derive(Debug)]
pub struct Rendered {
    pub etag: String,
    pub etag_header: HeaderValue,
    pub body: Bytes,
}

impl Rendered {
    /// `None` when the ETag cannot be a header value (it always can: it is hex in quotes).
    pub fn new(etag: String, body: Bytes) -> Option<Rendered> {
        let etag_header = HeaderValue::from_str(&etag).ok()?;
        Some(Rendered { etag, etag_header, body })
    }
}

#[derive(Debug)]
struct Kept {
    rendered: Arc<Rendered>,
    changes: u64,
    /// When the read that made it began.
    read_at: Instant,
}

#[derive(Debug)]
struct Flight {
    id: u64,
    changes: u64,
    /// Ends (`changed()` returns) when the reader's [`Reading`] is dropped.
    done: watch::Receiver<()>,
}

#[derive(Debug, Default)]
struct Slot {
    kept: Option<Kept>,
    flight: Option<Flight>,
}

#[derive(Debug, Default)]
struct Inner {
    pools: HashMap<String, Slot>,
    flights: u64,
}

#[derive(Debug, Default)]
pub struct StatusCache {
    inner: Mutex<Inner>,
}

/// What a request does about a pool's status.
pub enum Lookup<'a> {
    /// Kept and current: answer it.
    Current(Arc<Rendered>),
    /// Another request is reading it: wait for that ([`Wait::done`]), then look again.
    Wait(Wait),
    /// Read it, then [`Reading::keep`] what was read.
    Read(Reading<'a>),
}

pub struct Wait(watch::Receiver<()>);

impl Wait {
    /// Returns when the reader has kept its answer, failed or gone away.
    pub async fn done(mut self) {
        // The reader never sends: `changed` returns (an error) when its sender is dropped.
        let _ = self.0.changed().await;
    }
}

/// The right (and the duty) to read a pool's status; the requests waiting
/// for it are woken when this is dropped, whether it kept an answer or not.
pub struct Reading<'a> {
    cache: &'a StatusCache,
    pool: String,
    changes: u64,
    started: Instant,
    /// `None` when this read is on its own (not the single flight).
    flight: Option<(u64, watch::Sender<()>)>,
    previous: Option<Arc<Rendered>>,
}

impl Reading<'_> {
    /// What was kept before, if anything: when its ETag is still the
    /// status's, it is still the answer and need not be rendered again.
    pub fn previous(&self) -> Option<Arc<Rendered>> {
        self.previous.clone()
    }

    /// Keeps what was read (it began after `Db::changes` was `changes`, and
    /// no earlier than `started`), unless something newer is kept already.
    pub fn keep(self, rendered: Arc<Rendered>) {
        let mut inner = self.cache.lock();
        if inner.pools.len() >= MAX_POOLS && !inner.pools.contains_key(&self.pool) {
            inner.pools.clear();
        }
        let slot = inner.pools.entry(self.pool.clone()).or_default();
        let newer_kept = slot.kept.as_ref().is_some_and(|k| k.changes > self.changes || k.read_at > self.started);
        if !newer_kept {
            slot.kept = Some(Kept { rendered, changes: self.changes, read_at: self.started });
        }
        // The flight ends when `self` is dropped, after this lock is released.
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        let Some((id, _sender)) = self.flight.take() else { return };
        let mut inner = self.cache.lock();
        if let Some(slot) = inner.pools.get_mut(&self.pool) {
            if slot.flight.as_ref().is_some_and(|f| f.id == id) {
                slot.flight = None;
            }
            if slot.kept.is_none() && slot.flight.is_none() {
                // Nothing was read (an unknown pool, a failed read): no slot is left behind.
                inner.pools.remove(&self.pool);
            }
        }
        // `_sender` is dropped here, which wakes the waiting requests.
    }
}

impl StatusCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What to do about `pool`'s status now that `Db::changes` is `changes`
    /// (read before this call). `may_wait` is false for a request that has
    /// waited once already: it reads on its own rather than queue again
    /// behind readers that fail.
    pub fn lookup(&self, pool: &str, changes: u64, may_wait: bool) -> Lookup<'_> {
        self.lookup_at(Instant::now(), pool, changes, may_wait)
    }

    fn lookup_at(&self, now: Instant, pool: &str, changes: u64, may_wait: bool) -> Lookup<'_> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let slot = inner.pools.get(pool);
        let kept = slot.and_then(|s| s.kept.as_ref());
        let flight = slot.and_then(|s| s.flight.as_ref());
        let current = kept.filter(|k| k.changes == changes && now.duration_since(k.read_at) < TTL);
        let previous = kept.map(|k| k.rendered.clone());
        if let Some(kept) = current {
            let due = now.duration_since(kept.read_at) >= REFRESH_AFTER;
            if !due || flight.is_some() || !may_wait {
                return Lookup::Current(kept.rendered.clone());
            }
        } else if let Some(flight) = flight.filter(|f| f.changes >= changes && may_wait) {
            return Lookup::Wait(Wait(flight.done.clone()));
        } else if !may_wait {
            return Lookup::Read(Reading { cache: self, pool: pool.to_owned(), changes, started: now, flight: None, previous });
        }
        // This request reads, and those that come after it with the same `changes` wait for it.
        inner.flights = inner.flights.wrapping_add(1);
        let id = inner.flights;
        let (sender, done) = watch::channel(());
        if inner.pools.len() >= MAX_POOLS && !inner.pools.contains_key(pool) {
            inner.pools.clear();
        }
        inner.pools.entry(pool.to_owned()).or_default().flight = Some(Flight { id, changes, done });
        drop(guard);
        Lookup::Read(Reading { cache: self, pool: pool.to_owned(), changes, started: now, flight: Some((id, sender)), previous })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(etag: &str) -> Arc<Rendered> {
        Arc::new(Rendered::new(format!("\"{etag}\""), Bytes::from_static(b"{}")).expect("a header value"))
    }

    fn read<'a>(cache: &'a StatusCache, pool: &str, changes: u64) -> Reading<'a> {
        match cache.lookup(pool, changes, true) {
            Lookup::Read(reading) => reading,
            _ => panic!("expected to read"),
        }
    }

    fn etag_of(lookup: Lookup) -> Option<String> {
        match lookup {
            Lookup::Current(r) => Some(r.etag.clone()),
            _ => None,
        }
    }

    #[test]
    fn a_kept_status_is_used_until_anything_changes() {
        let cache = StatusCache::default();
        read(&cache, "vest-2022", 7).keep(rendered("abc"));
        assert_eq!(etag_of(cache.lookup("vest-2022", 7, true)).as_deref(), Some("\"abc\""));
        assert!(matches!(cache.lookup("vest-2022", 8, true), Lookup::Read(_)), "a write ended since");
        assert!(matches!(cache.lookup("nord-2022", 7, true), Lookup::Read(_)));
    }

    #[test]
    fn while_one_request_reads_a_stale_status_the_others_wait_for_it() {
        let cache = StatusCache::default();
        let reading = read(&cache, "vest-2022", 7);
        assert!(matches!(cache.lookup("vest-2022", 7, true), Lookup::Wait(_)));
        assert!(matches!(cache.lookup("vest-2022", 7, false), Lookup::Read(_)), "one who waited reads on its own");
        assert!(matches!(cache.lookup("vest-2022", 8, true), Lookup::Read(_)), "a later write is not answered by an older read");
        reading.keep(rendered("abc"));
        assert!(cache.lookup("vest-2022", 7, true).is_current_and(|r| r.etag == "\"abc\""));
    }

    #[test]
    fn a_failed_read_wakes_the_waiting_and_leaves_nothing_behind() {
        let cache = StatusCache::default();
        let reading = read(&cache, "nowhere-2022", 1);
        let Lookup::Wait(wait) = cache.lookup("nowhere-2022", 1, true) else { panic!("expected to wait") };
        drop(reading);
        let woken = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime")
            .block_on(async { tokio::time::timeout(Duration::from_secs(1), wait.done()).await.is_ok() });
        assert!(woken);
        assert!(cache.lock().pools.is_empty());
    }

    #[test]
    fn an_older_read_does_not_replace_a_newer_one() {
        let cache = StatusCache::default();
        let older = read(&cache, "vest-2022", 7);
        read(&cache, "vest-2022", 8).keep(rendered("new"));
        older.keep(rendered("old"));
        assert!(cache.lookup("vest-2022", 8, true).is_current_and(|r| r.etag == "\"new\""));
    }

    #[test]
    fn a_status_in_use_is_read_again_early_by_one_request_while_the_others_are_answered() {
        let cache = StatusCache::default();
        read(&cache, "vest-2022", 7).keep(rendered("abc"));
        let later = Instant::now() + REFRESH_AFTER + Duration::from_millis(100);
        let Lookup::Read(refresh) = cache.lookup_at(later, "vest-2022", 7, true) else { panic!("one request reads again") };
        assert_eq!(refresh.previous().map(|p| p.etag.clone()).as_deref(), Some("\"abc\""), "and compares with what is kept");
        assert!(cache.lookup_at(later, "vest-2022", 7, true).is_current_and(|r| r.etag == "\"abc\""), "the others are answered");
        let expired = Instant::now() + TTL + Duration::from_millis(100);
        assert!(matches!(cache.lookup_at(expired, "vest-2022", 7, true), Lookup::Wait(_)), "past the TTL nobody is answered unread");
        drop(refresh);
        assert!(matches!(cache.lookup_at(expired, "vest-2022", 7, true), Lookup::Read(_)));
    }

    impl Lookup<'_> {
        fn is_current_and(&self, f: impl Fn(&Rendered) -> bool) -> bool {
            matches!(self, Lookup::Current(r) if f(r))
        }
    }
}
