//! The PostgreSQL side of a write transaction, in as few round trips as it
//! takes and with nothing global held across a commit:
//!
//! - BEGIN: the pools' session advisory locks are taken in a short
//!   transaction of their own, then the write's begins ([`Isolation`]) — one
//!   round trip. Its snapshot is taken after the locks are held, so a writer sees
//!   what the pool's previous writer committed.
//! - COMMIT: the locks are given back in the same round trip ([`finish`]).
//! - The change notice: `NOTIFY` takes a database-wide lock at its commit,
//!   held to the end of that commit; sent inside the write it made every
//!   writer of every pool wait for the one before it to reach the disk (no
//!   group commit). So it commits on its own with `synchronous_commit` off (a
//!   notice is not durable anyway), and the lock is held for microseconds: in
//!   the server, by the notices' own thread (`db::notifier`), which sends
//!   the notices that fall due together as one; elsewhere (the command line)
//!   right after the commit, before the write returns. Only a process that
//!   dies between its commit and its notice leaves other nodes to notice by
//!   their time to live.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::SimpleConnection;
use diesel::result::Error as DieselError;

use super::connection::{AnyConnection, CHANGES_CHANNEL, StoreError};
use super::notifier::Notifier;
use super::transaction::unlock;

/// Write transactions retried after a serialization failure, in this process.
static RETRIES: AtomicU64 = AtomicU64::new(0);

pub(super) fn count_retry() {
    RETRIES.fetch_add(1, Ordering::Relaxed);
}

/// Write transactions retried after a serialization failure since start (`/metrics`).
pub fn retries() -> u64 {
    RETRIES.load(Ordering::Relaxed)
}

/// How a PostgreSQL write transaction is isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// Every write that does not hold exactly one pool's lock (and so
    /// records in the `global` audit stream, whose appends SERIALIZABLE
    /// keeps in one line).
    Serializable,
    /// A write that holds one pool's lock and records in that pool's audit
    /// stream: REPEATABLE READ (snapshot isolation). The lock queues every
    /// writer of the pool and its snapshot is taken after the lock, so it
    /// reads what the pool's previous writer committed. Every write that
    /// takes money from a pool (or lowers its amount) holds that pool's lock
    /// (`Db::write_in_pool`, or `write_in_pools` when it touches several, as
    /// closing a pool into another does); a write without the lock only adds
    /// money to a pool (a carry-over arriving, a distribution), which cannot
    /// overspend it. What SERIALIZABLE adds — write skew between transactions
    /// with disjoint writes — is what made writers of *different* pools fail
    /// each other: its predicate locks cover whole pages (and whole small
    /// tables), so one pool's reads "conflicted" with another pool's inserts.
    UnderPoolLock,
}

/// Takes `locks` (ascending) and begins the transaction, in one round trip.
pub(super) fn begin(conn: &mut AnyConnection, locks: &[i64], isolation: Isolation) -> Result<(), DieselError> {
    let mut sql = String::new();
    if !locks.is_empty() {
        sql.push_str("BEGIN; ");
        for key in locks {
            let _ = write!(sql, "SELECT pg_advisory_lock({key}); ");
        }
        sql.push_str("COMMIT; ");
    }
    sql.push_str(match isolation {
        Isolation::Serializable => "BEGIN ISOLATION LEVEL SERIALIZABLE",
        Isolation::UnderPoolLock => "BEGIN ISOLATION LEVEL REPEATABLE READ",
    });
    let begun = super::transaction::begin(conn, &sql);
    if begun.is_err() && !locks.is_empty() {
        // Some of the locks may be held: end the short transaction if it is open, give them back.
        let _ = conn.batch_execute("ROLLBACK");
        unlock(conn, locks);
    }
    begun
}

/// Ends the transaction: COMMIT and, in the same round trip, gives the
/// pools' locks back; ROLLBACK when `outcome` is an error (the locks are
/// given back by [`after`]). A COMMIT that fails (a serialization failure,
/// say) stops the round trip there, so the locks are still held for the
/// retry; an outcome of `Ok` means the locks were given back.
pub(super) fn finish<T, E: From<StoreError>>(conn: &mut AnyConnection, outcome: Result<T, E>, locks: &[i64]) -> Result<T, E> {
    if locks.is_empty() || outcome.is_err() {
        return super::transaction::finish(conn, outcome);
    }
    let mut sql = String::from("COMMIT");
    for key in locks.iter().rev() {
        let _ = write!(sql, "; SELECT pg_advisory_unlock({key})");
    }
    // libpq tells diesel the transaction ended, committed or not (`Idle`).
    conn.batch_execute(&sql).map_err(StoreError::from)?;
    outcome
}

/// After the transaction ended: gives the locks back if it did not commit
/// (a committed write gave them back with its COMMIT, see [`finish`]) and,
/// if it committed, tells every node (`LISTEN` in `http::listener`): through
/// `notices` (the server's thread, `db::notifier`), or here, in the same
/// round trip as the unlocking.
pub(super) fn after(conn: &mut AnyConnection, locks: &[i64], committed: bool, notices: Option<&Notifier>) {
    let mut sql = String::new();
    if !committed {
        for key in locks.iter().rev() {
            let _ = write!(sql, "SELECT pg_advisory_unlock({key}); ");
        }
    }
    if committed {
        match notices {
            Some(notices) => notices.notify(),
            None => {
                let _ = write!(sql, "BEGIN; SET LOCAL synchronous_commit TO off; NOTIFY {CHANGES_CHANNEL}; COMMIT");
            }
        }
    }
    if sql.is_empty() {
        return;
    }
    if let Err(e) = conn.batch_execute(&sql) {
        tracing::error!(error = %e, "giving back the pool locks or sending the change notice failed");
        let _ = conn.batch_execute("ROLLBACK");
        if !committed {
            unlock(conn, locks);
        }
    }
}
