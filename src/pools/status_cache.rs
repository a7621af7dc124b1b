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

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;

/// The longest a kept status is trusted without reading it again.
pub const TTL: Duration = Duration::from_secs(2);
/// More pools than this and the memory starts over.
const MAX_POOLS: usize = 4_096;

#[derive(Debug)]
struct Kept {
    etag: String,
    body: Bytes,
    changes: u64,
    at: Instant,
}

#[derive(Debug, Default)]
pub struct StatusCache {
    pools: Mutex<HashMap<String, Kept>>,
}

impl StatusCache {
    /// The pool's kept ETag and body, if nothing has changed since they were
    /// read (`changes` is `Db::changes` now).
    pub fn find(&self, pool: &str, changes: u64) -> Option<(String, Bytes)> {
        let pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        let kept = pools.get(pool)?;
        (kept.changes == changes && kept.at.elapsed() < TTL).then(|| (kept.etag.clone(), kept.body.clone()))
    }

    /// Keeps a status read after `Db::changes` was `changes`.
    pub fn keep(&self, pool: String, changes: u64, etag: String, body: Bytes) {
        let mut pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        if pools.len() >= MAX_POOLS && !pools.contains_key(&pool) {
            pools.clear();
        }
        pools.insert(pool, Kept { etag, body, changes, at: Instant::now() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_status_is_used_until_anything_changes() {
        let cache = StatusCache::default();
        cache.keep("vest-2022".into(), 7, "\"abc\"".into(), Bytes::from_static(b"{}"));
        assert_eq!(cache.find("vest-2022", 7).map(|(etag, _)| etag).as_deref(), Some("\"abc\""));
        assert!(cache.find("vest-2022", 8).is_none(), "a write ended since");
        assert!(cache.find("nord-2022", 7).is_none());
    }
}
