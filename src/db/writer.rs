//! Group commit on SQLite: one writer thread, one fsync for many writes.
//!
//! Every write of this process goes into one queue. The writer thread takes
//! the first waiting write, opens `BEGIN IMMEDIATE`, runs it in a savepoint
//! of its own and then every write that is waiting by then (up to
//! [`MAX_BATCH_WRITES`] or [`MAX_BATCH_WORK`] of work), each in its own
//! savepoint, and commits them together: one `COMMIT`, one fsync of the WAL
//! (`synchronous=FULL`). Only then is each write answered with its own result,
//! so an acknowledged write is on disk.
//!
//! - A write that fails (`Err`) is rolled back to its savepoint; the others
//!   commit. A write that panics is rolled back the same way and answered with
//!   an error; the writer goes on.
//! - When the `COMMIT` fails, or a savepoint cannot be rolled back, nothing of
//!   the batch was written: the batch is rolled back and every write of it is
//!   answered with a transient error (503, "retry shortly").
//! - Each write sees the ones before it in the batch (they are in the same
//!   transaction), so the audit chain stays one line and a pool's money is
//!   checked against what the previous write reserved: the single writer's
//!   guarantees are unchanged.
//! - Synchronous callers (the CLI, the demo, tests) take a *turn* in the same
//!   queue: the writer ends its batch, lets the caller run its own transaction
//!   on the write connection and waits until it is done.
//!
//! The writer holds the write connection only while it works on a batch, so
//! other users of the write pool (migrations) still get it between batches.

use std::cell::Cell;
use std::num::NonZeroU32;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use diesel::connection::TransactionManager;
use diesel::r2d2::{Pool, PooledConnection};

use super::connection::{AnyConnection, StoreError, TxError};
use super::manager::Manager;
use super::transaction::begin;

/// At most this many writes share one commit.
pub const MAX_BATCH_WRITES: usize = 64;
/// No write joins a batch that has worked this long (its first write waits for the commit).
pub const MAX_BATCH_WORK: Duration = Duration::from_millis(5);

thread_local! {
    /// Set on the writer thread, and on a thread during its turn: a write
    /// from inside a write would wait for itself.
    static ON_WRITER: Cell<bool> = const { Cell::new(false) };
}

/// How the writer has done since it started: for `/metrics` and the tests.
#[derive(Debug, Default)]
pub struct Counts {
    commits: AtomicU64,
    committed: AtomicU64,
    waiting: AtomicU64,
}

/// A snapshot of [`Counts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitCounts {
    /// Transactions committed by the writer (batches, and the turns of synchronous callers).
    pub commits: u64,
    /// Writes acknowledged as committed.
    pub writes: u64,
    /// Writes and turns in the queue, not yet taken by the writer.
    pub waiting: u64,
}

impl Counts {
    pub fn snapshot(&self) -> CommitCounts {
        CommitCounts {
            commits: self.commits.load(Ordering::Acquire),
            writes: self.committed.load(Ordering::Acquire),
            waiting: self.waiting.load(Ordering::Acquire),
        }
    }

    /// A synchronous caller's own transaction committed (one commit, one write).
    pub(super) fn turn_committed(&self) {
        self.commits.fetch_add(1, Ordering::AcqRel);
        self.committed.fetch_add(1, Ordering::AcqRel);
    }
}

/// What the writer is asked to do.
enum Task {
    Write(Box<dyn Job>),
    Turn(Turn),
}

/// A synchronous caller's turn: it is told when it may use the write
/// connection and tells (by dropping its end) when it is done.
struct Turn {
    granted: mpsc::SyncSender<()>,
    done: mpsc::Receiver<()>,
}

/// The caller's end of a turn: the writer waits until this is dropped.
pub struct TurnGuard {
    _done: mpsc::SyncSender<()>,
}

impl Drop for TurnGuard {
    fn drop(&mut self) {
        ON_WRITER.with(|on| on.set(false));
    }
}

/// One write in a batch: run in its savepoint, answered after the batch ended.
trait Job: Send {
    /// Runs the write; `true` when it succeeded and its savepoint is to be kept.
    fn run(&mut self, conn: &mut AnyConnection) -> bool;
    /// Sends the answer: the write's own result when the batch committed,
    /// else `batch_failed` (nothing of the batch was written).
    fn answer(self: Box<Self>, batch_failed: Option<&str>) -> bool;
}

struct Pending<T, E, F> {
    write: F,
    outcome: Option<Result<T, E>>,
    reply: tokio::sync::oneshot::Sender<Result<T, E>>,
}

impl<T, E, F> Job for Pending<T, E, F>
where
    F: FnMut(&mut AnyConnection) -> Result<T, E> + Send,
    T: Send,
    E: TxError + Send,
{
    fn run(&mut self, conn: &mut AnyConnection) -> bool {
        let outcome = match catch_unwind(AssertUnwindSafe(|| (self.write)(conn))) {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::error!("a write panicked; it was rolled back to its savepoint and answered with an error");
                Err(StoreError::Blocking.into())
            }
        };
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn answer(self: Box<Self>, batch_failed: Option<&str>) -> bool {
        let Pending { write, outcome, reply } = *self;
        drop(write);
        let outcome = match (batch_failed, outcome) {
            (None, Some(outcome)) => outcome,
            (Some(why), _) => Err(StoreError::Unavailable(why.to_owned()).into()),
            (None, None) => Err(StoreError::Blocking.into()),
        };
        let committed = outcome.is_ok();
        // The caller may have gone (a closed connection): the write stands all the same.
        let _ = reply.send(outcome);
        committed
    }
}

/// The queue's sending end, shared by every clone of a `Db`. The writer
/// thread ends when the last one is dropped.
pub struct Writer {
    queue: mpsc::Sender<Task>,
    counts: Arc<Counts>,
}

impl Writer {
    /// Starts the writer thread on the (single-connection) write pool.
    pub(super) fn start(pool: Pool<Manager>, changes: Arc<AtomicU64>, batch_work: Duration) -> Result<Writer, StoreError> {
        let (queue, tasks) = mpsc::channel();
        let counts = Arc::new(Counts::default());
        let shared = Shared { pool, changes, counts: counts.clone(), batch_work };
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || shared.serve(&tasks))
            .map_err(|e| StoreError::Unavailable(format!("the writer thread could not start: {e}")))?;
        Ok(Writer { queue, counts })
    }

    pub fn counts(&self) -> CommitCounts {
        self.counts.snapshot()
    }

    pub(super) fn counter(&self) -> &Counts {
        &self.counts
    }

    fn send(&self, task: Task) -> Result<(), StoreError> {
        self.counts.waiting.fetch_add(1, Ordering::AcqRel);
        self.queue.send(task).map_err(|_| {
            self.counts.waiting.fetch_sub(1, Ordering::AcqRel);
            StoreError::Blocking
        })
    }

    /// Queues `write` and waits (without blocking the thread) for its answer after the commit.
    pub(super) async fn submit<T, E, F>(&self, write: F) -> Result<T, E>
    where
        F: FnMut(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: TxError + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.send(Task::Write(Box::new(Pending { write, outcome: None, reply })))?;
        answer.await.unwrap_or_else(|_| Err(StoreError::Blocking.into()))
    }

    /// Waits for this thread's turn on the write connection; it lasts until the guard is dropped.
    pub(super) fn turn(&self) -> Result<TurnGuard, StoreError> {
        if ON_WRITER.with(Cell::get) {
            tracing::error!("a write waited for the writer from inside a write");
            return Err(StoreError::Blocking);
        }
        let (granted, wait) = mpsc::sync_channel(1);
        let (done, finished) = mpsc::sync_channel(1);
        self.send(Task::Turn(Turn { granted, done: finished }))?;
        wait.recv().map_err(|_| StoreError::Blocking)?;
        ON_WRITER.with(|on| on.set(true));
        Ok(TurnGuard { _done: done })
    }
}

/// What the writer thread owns.
struct Shared {
    pool: Pool<Manager>,
    changes: Arc<AtomicU64>,
    counts: Arc<Counts>,
    /// No write joins a batch that has worked this long.
    batch_work: Duration,
}

impl Shared {
    fn serve(&self, tasks: &mpsc::Receiver<Task>) {
        ON_WRITER.with(|on| on.set(true));
        // A panic outside a write (in the batch machinery) drops that batch's
        // writes, whose callers then hear an error; the writer starts again.
        while catch_unwind(AssertUnwindSafe(|| self.serve_until_closed(tasks))).is_err() {
            tracing::error!("the writer failed in the middle of a batch; its writes were answered with an error");
        }
    }

    fn serve_until_closed(&self, tasks: &mpsc::Receiver<Task>) {
        while let Ok(task) = tasks.recv() {
            self.counts.waiting.fetch_sub(1, Ordering::AcqRel);
            let mut next = Some(task);
            while let Some(task) = next.take() {
                next = match task {
                    Task::Write(job) => self.batch(job, tasks).map(Task::Turn),
                    Task::Turn(turn) => {
                        // The caller's transaction runs on its own thread; wait until it lets go.
                        if turn.granted.send(()).is_ok() {
                            let _ = turn.done.recv();
                        }
                        None
                    }
                };
            }
        }
    }

    /// Runs `first` and the writes waiting behind it in one transaction;
    /// returns a turn that ended the batch, to be served next.
    fn batch(&self, first: Box<dyn Job>, tasks: &mpsc::Receiver<Task>) -> Option<Turn> {
        let mut jobs = vec![first];
        let mut conn = match self.pool.get() {
            Ok(conn) => conn,
            Err(e) => {
                self.answer(jobs, Some(&format!("no write connection: {e}")));
                return None;
            }
        };
        if let Err(e) = begin(&mut conn, "BEGIN IMMEDIATE") {
            self.answer(jobs, Some(&format!("the write transaction could not begin: {e}")));
            return None;
        }
        let started = Instant::now();
        let mut turn = None;
        let mut broken = None;
        loop {
            if let Some(job) = jobs.last_mut() {
                if let Err(why) = in_savepoint(&mut conn, job.as_mut()) {
                    broken = Some(why);
                    break;
                }
            }
            if jobs.len() >= MAX_BATCH_WRITES || started.elapsed() >= self.batch_work {
                break;
            }
            match tasks.try_recv() {
                Ok(Task::Write(job)) => jobs.push(job),
                Ok(Task::Turn(t)) => {
                    turn = Some(t);
                    break;
                }
                Err(_) => break,
            }
            self.counts.waiting.fetch_sub(1, Ordering::AcqRel);
        }
        if turn.is_some() {
            self.counts.waiting.fetch_sub(1, Ordering::AcqRel);
        }
        let failed = match broken {
            Some(why) => {
                abandon(&mut conn);
                Some(format!("the batch was rolled back: {why}"))
            }
            None => match <AnyConnection as TransactionManager<AnyConnection>>::commit_transaction(&mut conn) {
                Ok(()) => None,
                Err(e) => {
                    abandon(&mut conn);
                    Some(format!("the commit failed, nothing of the batch was written: {e}"))
                }
            },
        };
        // The connection goes back before anyone hears: the next batch or a migration may take it.
        drop(conn);
        if failed.is_some() {
            tracing::error!(writes = jobs.len(), error = failed.as_deref().unwrap_or_default(), "a group commit failed");
        } else {
            self.counts.commits.fetch_add(1, Ordering::AcqRel);
        }
        self.answer(jobs, failed.as_deref());
        turn
    }

    /// Answers every write of a batch that ended, after noting the change
    /// (memory filled before the commit is now stale).
    fn answer(&self, jobs: Vec<Box<dyn Job>>, failed: Option<&str>) {
        self.changes.fetch_add(1, Ordering::AcqRel);
        for job in jobs {
            if job.answer(failed) {
                self.counts.committed.fetch_add(1, Ordering::AcqRel);
            }
        }
    }
}

fn depth(conn: &mut AnyConnection) -> Result<u32, String> {
    <AnyConnection as TransactionManager<AnyConnection>>::transaction_manager_status_mut(conn)
        .transaction_depth()
        .map(|d| d.map_or(0, NonZeroU32::get))
        .map_err(|e| e.to_string())
}

/// Runs one write in a savepoint of the batch's transaction: released when
/// it succeeded, rolled back when it failed or panicked. `Err` when the
/// batch's transaction can no longer be trusted.
fn in_savepoint(conn: &mut PooledConnection<Manager>, job: &mut dyn Job) -> Result<(), String> {
    <AnyConnection as TransactionManager<AnyConnection>>::begin_transaction(conn).map_err(|e| format!("savepoint: {e}"))?;
    let ok = job.run(conn);
    // A write that panicked inside a transaction of its own left it open: close those too.
    while depth(conn)? > 2 {
        <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(conn).map_err(|e| format!("rollback: {e}"))?;
    }
    if depth(conn)? != 2 {
        return Err("a write ended the batch's transaction".into());
    }
    if ok {
        <AnyConnection as TransactionManager<AnyConnection>>::commit_transaction(conn).map_err(|e| format!("release savepoint: {e}"))
    } else {
        <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(conn).map_err(|e| format!("rollback to savepoint: {e}"))
    }
}

/// Rolls the whole batch back. Should that fail too, the connection is left
/// in a transaction and the pool drops it as broken (SQLite then rolls back).
fn abandon(conn: &mut AnyConnection) {
    while depth(conn).is_ok_and(|d| d > 0) {
        if let Err(e) = <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(conn) {
            tracing::error!(error = %e, "the batch could not be rolled back; the connection is dropped");
            return;
        }
    }
}
