//! Which pool each application belongs to, kept in memory: every write to an
//! application first needs its pool (to take the pool's lock and to check a
//! scoped key), and an application never moves to another pool, is never
//! deleted, and keeps its id. So a pool once read (or registered) stays true,
//! on every node, and the lookup costs a database round trip only the first
//! time. Only committed applications are kept: an id from a write that was
//! rolled back could be given to another application.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::values::PoolKey;

/// At most this many applications are kept; when full, the map starts again
/// (the applications in work are the recent ones, looked up again at once).
const KEPT: usize = 8192;

#[derive(Debug, Default)]
pub struct PoolsOf {
    kept: Mutex<HashMap<i64, PoolKey>>,
}

impl PoolsOf {
    pub fn get(&self, application: i64) -> Option<PoolKey> {
        self.kept.lock().ok()?.get(&application).cloned()
    }

    /// Keeps the pool of a committed application.
    pub fn keep(&self, application: i64, pool: &PoolKey) {
        let Ok(mut kept) = self.kept.lock() else { return };
        if kept.len() >= KEPT && !kept.contains_key(&application) {
            kept.clear();
        }
        kept.insert(application, pool.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> PoolKey {
        PoolKey::parse(text).expect("a pool key")
    }

    #[test]
    fn a_kept_pool_is_found_and_an_unknown_application_is_not() {
        let pools = PoolsOf::default();
        pools.keep(7, &key("nord-2026"));
        assert_eq!(pools.get(7), Some(key("nord-2026")));
        assert_eq!(pools.get(8), None);
    }

    #[test]
    fn a_full_map_starts_again_and_keeps_the_newest() {
        let pools = PoolsOf::default();
        for id in 0..KEPT as i64 {
            pools.keep(id, &key("nord-2026"));
        }
        pools.keep(KEPT as i64, &key("syd-2026"));
        assert_eq!(pools.get(0), None);
        assert_eq!(pools.get(KEPT as i64), Some(key("syd-2026")));
        assert!(pools.kept.lock().unwrap().len() <= KEPT);
    }
}
