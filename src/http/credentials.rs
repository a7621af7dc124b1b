//! Verified API keys kept in memory, per process, so a request with a known
//! key reads nothing from the database to find its caller.
//!
//! What makes it safe:
//! - Only live keys are kept, each with the time it was read; an entry older
//!   than the time to live is read again (the safety net when a change
//!   notice is missed), and a key's own expiry is checked on every use.
//! - Any change to a key or user (revocation, disabling, a new role or
//!   clusters) makes every node forget every key: the node that made it at
//!   once after the commit, the others through PostgreSQL's `NOTIFY`, sent
//!   in the transaction of the change (`db::api_keys`) and heard by
//!   `http::listener` within its poll interval.
//! - A look-up that began before a change cannot put its (older) answer
//!   into the cache after the change: each change bumps a generation, and an
//!   answer is kept only if the generation is the one it was read in.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::db::api_keys::{ApiKeyRow, UserRow};

/// How long a verified key is trusted without reading it again.
pub const DEFAULT_TTL: Duration = Duration::from_secs(5);
/// More keys than this in memory and the cache starts over (a flood of
/// distinct valid keys is not a use this service has).
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, Clone)]
struct Entry {
    key: ApiKeyRow,
    user: Option<UserRow>,
    read_at: Instant,
}

#[derive(Debug, Default)]
struct Inner {
    generation: u64,
    keys: HashMap<String, Entry>,
}

#[derive(Debug)]
pub struct Credentials {
    ttl: Duration,
    inner: Mutex<Inner>,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials::new(DEFAULT_TTL)
    }
}

impl Credentials {
    pub fn new(ttl: Duration) -> Credentials {
        Credentials { ttl, inner: Mutex::new(Inner::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The generation to hand back to [`Credentials::keep`] after a look-up.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// The live key with this hash, if it was verified recently and has not
    /// expired at `now`.
    pub fn find(&self, key_hash: &str, now: NaiveDateTime) -> Option<(ApiKeyRow, Option<UserRow>)> {
        let inner = self.lock();
        let entry = inner.keys.get(key_hash)?;
        let fresh = entry.read_at.elapsed() < self.ttl;
        let live = entry.key.expires_at.is_none_or(|t| t > now);
        (fresh && live).then(|| (entry.key.clone(), entry.user.clone()))
    }

    /// Keeps a key read from the database in `generation`, unless something
    /// changed since.
    pub fn keep(&self, key_hash: String, generation: u64, key: ApiKeyRow, user: Option<UserRow>) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.keys.len() >= MAX_ENTRIES {
            inner.keys.clear();
        }
        inner.keys.insert(key_hash, Entry { key, user, read_at: Instant::now() });
    }

    /// Notes that a key's use was recorded at `at`, so the next request does
    /// not record it again.
    pub fn used(&self, key_hash: &str, at: NaiveDateTime) {
        if let Some(entry) = self.lock().keys.get_mut(key_hash) {
            entry.key.last_used_at = Some(at);
        }
    }

    /// Forgets every key (a key or user changed somewhere).
    pub fn forget_all(&self) {
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        inner.keys.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(expires_at: Option<NaiveDateTime>) -> ApiKeyRow {
        ApiKeyRow {
            id: 1,
            name: "Sekretariatet".into(),
            role: "secretariat".into(),
            clusters: String::new(),
            key_hash: "h".into(),
            key_prefix: "kmk_".into(),
            created_at: NaiveDateTime::default(),
            expires_at,
            revoked_at: None,
            user_id: None,
            last_used_at: None,
        }
    }

    fn at(hour: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(hour, 0, 0)).expect("time")
    }

    #[test]
    fn a_kept_key_is_found_until_something_changes() {
        let c = Credentials::default();
        c.keep("h".into(), c.generation(), key(None), None);
        assert!(c.find("h", at(12)).is_some());
        c.forget_all();
        assert!(c.find("h", at(12)).is_none());
    }

    #[test]
    fn an_answer_read_before_a_change_is_not_kept_after_it() {
        let c = Credentials::default();
        let read_in = c.generation();
        c.forget_all();
        c.keep("h".into(), read_in, key(None), None);
        assert!(c.find("h", at(12)).is_none());
    }

    #[test]
    fn an_expired_key_is_not_found_even_when_kept() {
        let c = Credentials::default();
        c.keep("h".into(), c.generation(), key(Some(at(13))), None);
        assert!(c.find("h", at(12)).is_some());
        assert!(c.find("h", at(13)).is_none());
    }

    #[test]
    fn a_key_is_read_again_after_its_time_to_live() {
        let c = Credentials::new(Duration::from_millis(0));
        c.keep("h".into(), c.generation(), key(None), None);
        assert!(c.find("h", at(12)).is_none());
    }
}
