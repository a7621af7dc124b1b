//! Connection pools, migrations and the transaction discipline.
//!
//! - SQLite: WAL, `synchronous=FULL` (this is money), a pool of readers and a
//!   single writer connection; write transactions are `BEGIN IMMEDIATE`, and
//!   concurrent writes share one commit (group commit, `db::writer`).
//! - PostgreSQL: one pool; write transactions are SERIALIZABLE (REPEATABLE
//!   READ under one pool's lock, see `pg_write::Isolation`) and retried on
//!   serialization failure (SQLSTATE 40001).

use std::time::Duration;

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::r2d2::{self, Pool, R2D2Connection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, PgConnection, SqliteConnection};

use super::manager::{Manager, OnAcquire};
pub use super::transaction::pool_lock_key;
use super::transaction::{begin, claiming, finish, jitter_ms};
pub use super::writer::CommitCounts;
use super::writer::Writer;

/// Serialization failures are retried this many times before giving up.
const MAX_WRITE_ATTEMPTS: u32 = 12;

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `postgres://` and `postgresql://` are PostgreSQL; anything else is a SQLite path.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") { Backend::Postgres } else { Backend::Sqlite }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no database connection could be had: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Query(#[from] DieselError),
    #[error("stored data breaks an invariant: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("the database worker task failed")]
    Blocking,
}

impl From<r2d2::PoolError> for StoreError {
    fn from(e: r2d2::PoolError) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

impl StoreError {
    pub fn is_serialization_failure(&self) -> bool {
        matches!(self, StoreError::Query(DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _)))
    }

    /// Temporary trouble (no connection, lock wait ran out): worth a 503, not a 500.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Unavailable(_) => true,
            StoreError::Query(DieselError::DatabaseError(_, info)) => {
                let m = info.message();
                m.contains("database is locked") || m.contains("deadlock detected")
            }
            _ => self.is_serialization_failure(),
        }
    }
}

/// Errors a write transaction may end with: they must carry store errors
/// and tell whether the attempt may be retried.
pub trait TxError: From<StoreError> {
    fn is_retryable(&self) -> bool;
}

impl TxError for StoreError {
    fn is_retryable(&self) -> bool {
        self.is_serialization_failure()
    }
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Reader connections (SQLite) or all connections (PostgreSQL).
    pub pool_size: u32,
    pub connection_timeout: Duration,
    /// SQLite: no write joins a batch that has worked this long
    /// ([`MAX_BATCH_WORK`](super::writer::MAX_BATCH_WORK) unless a test needs its batches whole).
    pub batch_work: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions { pool_size: 8, connection_timeout: Duration::from_secs(10), batch_work: super::writer::MAX_BATCH_WORK }
    }
}

type ConnPool = Pool<Manager>;

/// Handle to the database: cheap to clone, shared by all workers.
#[derive(Clone)]
pub struct Db {
    read: ConnPool,
    pub(super) write: ConnPool,
    backend: Backend,
    /// Where the database is, for a connection of its own (the PostgreSQL
    /// listener of `http::credentials`, the notices' thread).
    pub(super) url: std::sync::Arc<str>,
    /// Counts write transactions ended on this node, and (on PostgreSQL) the
    /// change notices heard from other nodes: a value read from the database
    /// while this count stood still is still the database's value.
    changes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// SQLite: the writer thread's queue, which every write goes through.
    writer: Option<std::sync::Arc<Writer>>,
    /// PostgreSQL, in the server: the thread that sends the change notices
    /// (`db::notifier`); unset, each write sends its own.
    pub(super) notices: std::sync::Arc<std::sync::OnceLock<std::sync::Arc<super::notifier::Notifier>>>,
}

/// The channel every write transaction notifies on PostgreSQL, at its commit.
pub const CHANGES_CHANNEL: &str = "klyngemidler_changes";

impl Db {
    pub fn connect(url: &str, options: &DbOptions) -> Result<Db, StoreError> {
        let backend = Backend::of_url(url);
        let url = url.strip_prefix("sqlite://").unwrap_or(url).to_owned();
        let build = |size: u32| {
            Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                // No `SELECT 1` before every checkout (r2d2's default): it doubled the
                // statements of a read. A connection that broke is dropped after the
                // request that found it (`has_broken`), and the pool makes a new one.
                .test_on_check_out(false)
                .connection_timeout(options.connection_timeout)
                .connection_customizer(Box::new(OnAcquire))
                .build(Manager { url: url.clone(), backend })
                .map_err(|e| StoreError::Unavailable(e.to_string()))
        };
        // SQLite: create the file and switch it to WAL through the writer
        // before any reader opens it.
        let write = build(match backend {
            Backend::Sqlite => 1,
            Backend::Postgres => options.pool_size,
        })?;
        let read = match backend {
            Backend::Sqlite => build(options.pool_size)?,
            Backend::Postgres => write.clone(),
        };
        let changes = std::sync::Arc::<std::sync::atomic::AtomicU64>::default();
        let writer = match backend {
            Backend::Sqlite => Some(std::sync::Arc::new(Writer::start(write.clone(), changes.clone(), options.batch_work)?)),
            Backend::Postgres => None,
        };
        Ok(Db { read, write, backend, url: url.into(), changes, writer, notices: Default::default() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How many writes this node has seen end (see [`Db::note_change`]).
    /// Read it *before* reading what is to be kept in memory, and keep the
    /// value only while the count is the same.
    pub fn changes(&self) -> u64 {
        self.changes.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Something may have changed in the database: a write ended here, or
    /// another node's change notice arrived.
    pub fn note_change(&self) {
        self.changes.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// The SQLite writer's commits and writes so far (`None` on PostgreSQL).
    pub fn commit_counts(&self) -> Option<CommitCounts> {
        self.writer.as_ref().map(|w| w.counts())
    }

    /// A PostgreSQL connection outside the pools, for `LISTEN`; `None` on SQLite.
    pub fn dedicated_postgres(&self) -> Option<Result<diesel::PgConnection, StoreError>> {
        use diesel::Connection;
        (self.backend == Backend::Postgres)
            .then(|| diesel::PgConnection::establish(&self.url).map_err(|e| StoreError::Unavailable(e.to_string())))
    }

    /// Is the database reachable right now?
    pub fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.read.get()?;
        conn.ping().map_err(StoreError::from)
    }

    /// Runs `f` on a reader connection, in a read transaction so that
    /// several queries see one snapshot.
    pub fn read_sync<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<StoreError>,
    {
        let mut conn = self.read.get().map_err(StoreError::from)?;
        begin(&mut conn, "BEGIN").map_err(StoreError::from)?;
        let outcome = f(&mut conn);
        finish(&mut conn, outcome)
    }

    /// Runs `f` in one write transaction: all of it or nothing. `f` may run
    /// more than once on PostgreSQL (retry after a serialization failure),
    /// so it must not have effects outside the transaction.
    pub fn write_sync<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnMut(&mut AnyConnection) -> Result<T, E>,
        E: TxError,
    {
        self.write_sync_locked(None, f)
    }

    /// Like [`Db::write_sync`], but on PostgreSQL first takes a session-level
    /// advisory lock on `lock` (a pool), held until the transaction ends.
    /// Writers to one pool then queue instead of failing each other's
    /// SERIALIZABLE transactions; the snapshot is taken after the lock, so a
    /// writer always sees what the one before it committed. Works across
    /// nodes. SQLite needs no lock: it has a single writer connection.
    pub fn write_sync_locked<T, E, F>(&self, lock: Option<i64>, f: F) -> Result<T, E>
    where
        F: FnMut(&mut AnyConnection) -> Result<T, E>,
        E: TxError,
    {
        self.write_sync_locking(lock.as_slice(), f)
    }

    /// Like [`Db::write_sync_locked`] with several pools' locks, taken in
    /// ascending order (so two writers that need the same pools never wait
    /// for each other in a circle) and given back in reverse.
    pub fn write_sync_locking<T, E, F>(&self, locks: &[i64], f: F) -> Result<T, E>
    where
        F: FnMut(&mut AnyConnection) -> Result<T, E>,
        E: TxError,
    {
        self.write_sync_isolated(locks, super::pg_write::Isolation::Serializable, f)
    }

    /// On SQLite the caller waits for its turn in the writer's queue.
    fn write_sync_isolated<T, E, F>(&self, locks: &[i64], isolation: super::pg_write::Isolation, f: F) -> Result<T, E>
    where
        F: FnMut(&mut AnyConnection) -> Result<T, E>,
        E: TxError,
    {
        let Some(writer) = &self.writer else { return self.write_alone(locks, isolation, f) };
        let turn = writer.turn()?;
        let result = self.write_alone(locks, isolation, f);
        if result.is_ok() {
            writer.counter().turn_committed();
        }
        drop(turn);
        result
    }

    /// One write transaction of its own on the write connection.
    fn write_alone<T, E, F>(&self, locks: &[i64], isolation: super::pg_write::Isolation, mut f: F) -> Result<T, E>
    where
        F: FnMut(&mut AnyConnection) -> Result<T, E>,
        E: TxError,
    {
        let mut conn = self.write.get().map_err(StoreError::from)?;
        let mut locks: Vec<i64> = if self.backend == Backend::Postgres { locks.to_vec() } else { Vec::new() };
        locks.sort_unstable();
        locks.dedup();
        let result = self.transaction_with_retry(&mut conn, &locks, isolation, &mut f);
        if self.backend == Backend::Postgres {
            super::pg_write::after(&mut conn, &locks, result.is_ok(), self.notices.get().map(|n| &**n));
        }
        // After the commit (or rollback): memory filled before it is now stale.
        self.note_change();
        result
    }

    fn transaction_with_retry<T, E, F>(
        &self,
        conn: &mut AnyConnection,
        locks: &[i64],
        isolation: super::pg_write::Isolation,
        f: &mut F,
    ) -> Result<T, E>
    where
        F: FnMut(&mut AnyConnection) -> Result<T, E>,
        E: TxError,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let begun = match self.backend {
                Backend::Sqlite => begin(conn, "BEGIN IMMEDIATE"),
                // The pools' locks are taken once, in the first attempt's BEGIN.
                Backend::Postgres => super::pg_write::begin(conn, if attempt == 1 { locks } else { &[] }, isolation),
            };
            begun.map_err(StoreError::from)?;
            let outcome = f(conn);
            let ended = match self.backend {
                Backend::Sqlite => finish(conn, outcome),
                // A commit gives the locks back in its round trip.
                Backend::Postgres => super::pg_write::finish(conn, outcome, locks),
            };
            match ended {
                Err(e) if e.is_retryable() && attempt < MAX_WRITE_ATTEMPTS => {
                    super::pg_write::count_retry();
                    tracing::debug!(attempt, "serialization failure; retrying the transaction");
                    std::thread::sleep(Duration::from_millis(u64::from(attempt) * 3 + jitter_ms()));
                }
                other => return other,
            }
        }
    }

    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.read_sync(f)).await.unwrap_or_else(|_| Err(StoreError::Blocking.into()))
    }

    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnMut(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: TxError + Send + 'static,
    {
        self.write_locking(Vec::new(), super::pg_write::Isolation::Serializable, f).await
    }

    /// A write that touches a pool's money: serialized per pool (see [`Db::write_sync_locked`]).
    pub async fn write_in_pool<T, E, F>(&self, pool: &crate::domain::values::PoolKey, mut f: F) -> Result<T, E>
    where
        F: FnMut(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: TxError + Send + 'static,
    {
        // Its audit events chain in the pool's own stream: writers of other pools never meet them.
        let stream = super::audit::pool_stream(pool);
        let f = move |conn: &mut AnyConnection| {
            let _stream = super::audit::in_stream(stream.clone());
            f(conn)
        };
        self.write_locking(vec![pool_lock_key(pool)], super::pg_write::Isolation::UnderPoolLock, f).await
    }

    /// [`Db::write_in_pool`] for a write that touches several pools (a
    /// meeting's outcomes): every pool's lock, in one order.
    pub async fn write_in_pools<T, E, F>(&self, pools: &[crate::domain::values::PoolKey], f: F) -> Result<T, E>
    where
        F: FnMut(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: TxError + Send + 'static,
    {
        self.write_locking(pools.iter().map(pool_lock_key).collect(), super::pg_write::Isolation::Serializable, f).await
    }

    /// SQLite: into the writer's queue, answered after the batch's commit.
    /// PostgreSQL: a transaction of its own on a blocking thread.
    async fn write_locking<T, E, F>(&self, locks: Vec<i64>, isolation: super::pg_write::Isolation, f: F) -> Result<T, E>
    where
        F: FnMut(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: TxError + Send + 'static,
    {
        let f = claiming(f);
        if let Some(writer) = &self.writer {
            return writer.submit(f).await;
        }
        let db = self.clone();
        actix_web::web::block(move || db.write_sync_isolated(&locks, isolation, f))
            .await
            .unwrap_or_else(|_| Err(StoreError::Blocking.into()))
    }
}
