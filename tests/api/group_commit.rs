//! Group commit on SQLite: writes waiting for the single writer share one
//! transaction and one fsync, and each is answered with its own result only
//! after the commit. A write that fails or panics takes only itself back.
//!
//! To have writes wait together, a test holds the writer busy with one write
//! until the others are in its queue (`HeldWriter`).

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use klyngemidler::admin::service::create_cluster;
use klyngemidler::db::pools::Actor;
use klyngemidler::db::{AnyConnection, Db, DbOptions, StoreError};
use klyngemidler::http::error::ApiError;
use serde_json::json;

use crate::helpers::{Backend, TestDb, spawn_configured};

/// Keeps the writer inside one write until released.
struct HeldWriter {
    release: mpsc::Sender<()>,
    holding: JoinHandle<Result<(), StoreError>>,
}

impl HeldWriter {
    fn hold(db: &Db) -> HeldWriter {
        let (release, held) = mpsc::channel::<()>();
        let (running, started) = mpsc::channel::<()>();
        let holding = send(db, move |_c| {
            let _ = running.send(());
            let _ = held.recv_timeout(Duration::from_secs(30));
            Ok::<_, StoreError>(())
        });
        started.recv_timeout(Duration::from_secs(10)).expect("the writer took the holding write");
        HeldWriter { release, holding }
    }

    /// Lets the holding write end; its answer (it may share the batch of the writes after it).
    fn release(self) -> Result<(), StoreError> {
        drop(self.release);
        self.holding.join().expect("the holding write ended")
    }
}

/// Sends one write from a thread of its own (as a request handler would) and hands back its answer.
fn send<T, E, F>(db: &Db, write: F) -> JoinHandle<Result<T, E>>
where
    F: FnMut(&mut AnyConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: klyngemidler::db::TxError + Send + 'static,
{
    let db = db.clone();
    std::thread::spawn(move || actix_web::rt::System::new().block_on(async move { db.write(write).await }))
}

/// Waits until `n` writes wait in the writer's queue.
fn queued(db: &Db, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while db.commit_counts().map_or(0, |c| c.waiting) < n {
        assert!(Instant::now() < deadline, "{n} writes never reached the writer's queue");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A new cluster (with its audit event) as one write.
fn new_cluster(slug: &'static str) -> impl FnMut(&mut AnyConnection) -> Result<String, ApiError> + Send + 'static {
    move |c| {
        let actor = Actor { name: "Testsekretariat", request_id: None, at: klyngemidler::http::now() };
        Ok(create_cluster(c, slug, &format!("Sundhedsklynge {slug}"), "Region Nordjylland", actor)?.slug)
    }
}

fn cluster_exists(db: &Db, slug: &'static str) -> bool {
    db.read_sync(|c| klyngemidler::db::clusters::find(c, slug).map_err(StoreError::from)).expect("read").is_some()
}

fn sqlite() -> (TestDb, Db) {
    let test_db = TestDb::new(Backend::Sqlite).expect("sqlite");
    // Batches bounded by their number of writes only: on a loaded machine one
    // small write can take the 5 ms a batch may work, which would split the
    // batches these tests build on purpose.
    let options = DbOptions { batch_work: Duration::from_secs(30), ..DbOptions::default() };
    let db = Db::connect(&test_db.url, &options).expect("connect");
    db.migrate().expect("migrate");
    (test_db, db)
}

fn audit_verifies(url: &str) {
    let verified = std::process::Command::new(env!("CARGO_BIN_EXE_klyngemidler"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", url)
        .output()
        .expect("run audit verify");
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stderr));
}

#[test]
fn sixty_four_clusters_created_at_once_on_sqlite_share_commits_and_each_request_hears_its_own_answer() {
    let mut server_db = None;
    // The mail worker writes too: once at the start, then not within the test.
    let app = spawn_configured(
        TestDb::new(Backend::Sqlite).expect("sqlite"),
        |db| server_db = Some(db.clone()),
        |config| config.mail.interval = Duration::from_secs(3600),
    );
    let db = server_db.expect("the server's database");
    let before = db.commit_counts().expect("SQLite counts its commits");
    let held = HeldWriter::hold(&db);
    let answers: Vec<(String, u16, serde_json::Value)> = std::thread::scope(|s| {
        let requests: Vec<_> = (0..64)
            .map(|i| {
                let app = &app;
                s.spawn(move || {
                    let slug = format!("klynge-{i:02}");
                    let body = json!({"slug": slug, "name": format!("Sundhedsklynge {i}"), "region": "Region Nordjylland"});
                    let resp = app.post("/api/v1/clusters", &body);
                    (slug, resp.status, resp.json())
                })
            })
            .collect();
        queued(&db, 64);
        held.release().expect("the holding write");
        requests.into_iter().map(|r| r.join().expect("request")).collect()
    });
    for (slug, status, body) in &answers {
        assert_eq!(*status, 201, "{body}");
        assert_eq!(body["slug"], *slug, "each request hears its own answer");
    }
    let after = db.commit_counts().expect("counts");
    let (commits, writes) = (after.commits - before.commits, after.writes - before.writes);
    eprintln!("{writes} writes (64 clusters, the holding write, the mail worker's) in {commits} commits");
    assert!(writes >= 65, "{writes}");
    assert!(commits < 64, "{commits} commits for {writes} writes: the waiting writes were not grouped");
    let clusters = app.get("/api/v1/clusters?limit=100").json();
    assert_eq!(clusters["items"].as_array().map(Vec::len), Some(64));
    let metrics = crate::metrics::parse(&app.get("/metrics").text).expect("metrics");
    let counter = |name: &str| metrics.iter().find(|m| m.name == name).map(|m| m.value);
    assert_eq!(counter("klyngemidler_sqlite_committed_writes_total"), Some(after.writes as f64));
    assert!(counter("klyngemidler_sqlite_commits_total").is_some_and(|c| c >= after.commits as f64));
    audit_verifies(&app.db.url);
}

#[test]
fn a_failing_write_in_a_batch_rolls_back_only_its_own_changes() {
    let (test_db, db) = sqlite();
    let before = db.commit_counts().expect("counts");
    let held = HeldWriter::hold(&db);
    let first = send(&db, new_cluster("nord"));
    queued(&db, 1);
    let failing = send(&db, |c: &mut AnyConnection| {
        new_cluster("midt")(c)?;
        Err::<String, _>(ApiError::Store(StoreError::Corrupt("the secretariat's check refused it".into())))
    });
    queued(&db, 2);
    let last = send(&db, new_cluster("syd"));
    queued(&db, 3);
    held.release().expect("the holding write");
    assert_eq!(first.join().expect("first").expect("nord is created"), "nord");
    let refused = failing.join().expect("failing").expect_err("midt is refused");
    assert!(refused.to_string().contains("the secretariat's check refused it"), "its own error: {refused}");
    assert_eq!(last.join().expect("last").expect("syd is created"), "syd");
    assert!(cluster_exists(&db, "nord") && cluster_exists(&db, "syd"));
    assert!(!cluster_exists(&db, "midt"), "the failed write's cluster was rolled back");
    let after = db.commit_counts().expect("counts");
    assert!(after.commits - before.commits <= 2, "the holding write and the three after it: {after:?}");
    assert_eq!(after.writes - before.writes, 3, "the holding write, nord and syd");
    // The audit chain runs nord → syd with midt's event gone.
    audit_verifies(&test_db.url);
}

#[test]
fn a_panicking_write_is_answered_with_an_error_and_the_writer_goes_on() {
    let (test_db, db) = sqlite();
    let held = HeldWriter::hold(&db);
    let first = send(&db, new_cluster("nord"));
    queued(&db, 1);
    let panicking = send(&db, |c: &mut AnyConnection| -> Result<String, ApiError> {
        new_cluster("midt")(c)?;
        // A write inside a transaction of its own that panics leaves both open.
        diesel::connection::Connection::transaction::<(), ApiError, _>(c, |_| panic!("a bug in a handler"))?;
        Ok("never".into())
    });
    queued(&db, 2);
    let last = send(&db, new_cluster("syd"));
    queued(&db, 3);
    held.release().expect("the holding write");
    assert_eq!(first.join().expect("first").expect("nord"), "nord");
    assert!(panicking.join().expect("the caller does not panic").is_err(), "the panicking write gets an error");
    assert_eq!(last.join().expect("last").expect("syd"), "syd");
    assert!(!cluster_exists(&db, "midt"), "the panicking write's cluster was rolled back");
    assert_eq!(send(&db, new_cluster("vest")).join().expect("vest").expect("the writer still writes"), "vest");
    assert!(cluster_exists(&db, "nord") && cluster_exists(&db, "syd") && cluster_exists(&db, "vest"));
    audit_verifies(&test_db.url);
}

#[test]
fn a_write_that_breaks_its_batch_leaves_every_write_of_the_batch_unwritten_and_answered_503() {
    let (_test_db, db) = sqlite();
    let held = HeldWriter::hold(&db);
    let first = send(&db, new_cluster("nord"));
    queued(&db, 1);
    // Ends the batch's transaction under the writer's feet: its savepoint is gone.
    let breaking = send(&db, |c: &mut AnyConnection| {
        diesel::connection::SimpleConnection::batch_execute(c, "ROLLBACK").map_err(StoreError::from)?;
        Ok::<_, ApiError>(())
    });
    queued(&db, 2);
    let _ = held.release();
    let transient = |e: ApiError| matches!(&e, ApiError::Store(s) if s.is_transient());
    assert!(first.join().expect("first").is_err_and(transient), "nord was not written, so it is not acknowledged");
    assert!(breaking.join().expect("breaking").is_err_and(transient));
    assert!(!cluster_exists(&db, "nord"));
    assert_eq!(send(&db, new_cluster("syd")).join().expect("syd").expect("a new batch on a good connection"), "syd");
}

#[test]
fn a_write_that_waits_for_the_writer_from_inside_a_write_is_refused_rather_than_waiting_forever() {
    let (_test_db, db) = sqlite();
    let inner = db.clone();
    let nested = send(&db, move |_c| inner.write_sync(|c| new_cluster("nord")(c)));
    assert!(nested.join().expect("nested").is_err());
    let outer = db.clone();
    assert!(db.write_sync(move |_c| outer.write_sync(|c| new_cluster("midt")(c))).is_err(), "nor inside a synchronous turn");
    assert_eq!(db.write_sync(new_cluster("syd")).expect("a synchronous write takes its turn"), "syd");
    assert!(!cluster_exists(&db, "nord") && !cluster_exists(&db, "midt"));
}
