//! The test harness: every test gets a fresh database and a real server on
//! a random port, and talks HTTP to it. Tests written with `api_test!` run
//! once on SQLite and once on PostgreSQL.
//!
//! PostgreSQL: the harness starts one throwaway cluster per test process
//! from Debian's binaries (`/usr/lib/postgresql/*/bin`), on 127.0.0.1, and a
//! watchdog stops it when the process ends. Each test gets its own database,
//! cloned from a migrated template. Without the binaries the PostgreSQL half
//! is skipped, unless `KLYNGEMIDLER_REQUIRE_PG=1`, which makes it fail.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use klyngemidler::config::ServeConfig;
use klyngemidler::db::{Db, DbOptions};
use klyngemidler::startup::Application;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares a test that runs on both databases: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! api_test {
    ($(#[doc = $doc:literal])* fn $name:ident($app:ident) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn scenario($app: &$crate::helpers::TestApp) $body
            #[test]
            fn sqlite() {
                $crate::helpers::run($crate::helpers::Backend::Sqlite, scenario)
            }
            #[test]
            fn postgres() {
                $crate::helpers::run($crate::helpers::Backend::Postgres, scenario)
            }
        }
    };
}

/// Runs `scenario` against a fresh app on `backend` (skips PostgreSQL when unavailable and not required).
pub fn run(backend: Backend, scenario: fn(&TestApp)) {
    if let Some(app) = spawn_app(backend) {
        scenario(&app);
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A number not used before in this test process (for file names).
pub fn unique() -> u32 {
    COUNTER.fetch_add(1, Ordering::SeqCst)
}

/// A fresh database of the given backend: its URL and what removes it.
pub struct TestDb {
    pub url: String,
    backend: Backend,
    name: String,
    /// Whether dropping this removes the database (false for a second node's view of it).
    owned: bool,
}

impl TestDb {
    pub fn new(backend: Backend) -> Option<TestDb> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("klyngemidler-test-{}-{n}.db", std::process::id()));
                Some(TestDb { url: path.to_string_lossy().into_owned(), backend, name: String::new(), owned: true })
            }
            Backend::Postgres => {
                let pg = match postgres() {
                    Ok(pg) => pg,
                    Err(why) => {
                        if std::env::var("KLYNGEMIDLER_REQUIRE_PG").as_deref() == Ok("1") {
                            panic!("KLYNGEMIDLER_REQUIRE_PG=1 but PostgreSQL could not be started: {why}");
                        }
                        eprintln!("skipping the PostgreSQL run: {why}");
                        return None;
                    }
                };
                let name = format!("t_{}_{n}", std::process::id());
                pg.create_database(&name);
                Some(TestDb { url: pg.url(&name), backend, name, owned: true })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The same database for another server process; the first one removes it.
    pub fn shared(&self) -> TestDb {
        TestDb { url: self.url.clone(), backend: self.backend, name: self.name.clone(), owned: false }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        match self.backend {
            Backend::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.url));
                }
            }
            Backend::Postgres => {
                if let Ok(pg) = postgres() {
                    pg.execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
                }
            }
        }
    }
}

/// A running server on a random port, with an admin key.
pub struct TestApp {
    pub address: String,
    pub admin_key: String,
    pub db: TestDb,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    agent: ureq::Agent,
}

pub fn spawn_app(backend: Backend) -> Option<TestApp> {
    let db = TestDb::new(backend)?;
    Some(spawn_app_on(db, |_| ()))
}

/// Starts a server on an existing test database, after `prepare` ran on it.
pub fn spawn_app_on(test_db: TestDb, prepare: impl FnOnce(&Db)) -> TestApp {
    spawn_configured(test_db, prepare, |_| ())
}

/// Starts a server with settings changed by `configure`.
pub fn spawn_configured(test_db: TestDb, prepare: impl FnOnce(&Db), configure: impl FnOnce(&mut ServeConfig)) -> TestApp {
    capture_logs();
    let options = DbOptions { pool_size: 4, connection_timeout: Duration::from_secs(20), ..DbOptions::default() };
    let db = Db::connect(&test_db.url, &options).expect("connect to the test database");
    db.migrate().expect("migrate the test database");
    prepare(&db);
    let now = klyngemidler::http::now();
    let admin_key = db
        .write_sync(|c| klyngemidler::admin::service::keys::issue(c, "admin", &[], "Test administrator", None, now))
        .expect("issue the admin key");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a random port");
    let port = listener.local_addr().expect("local address").port();
    let mut config = ServeConfig { workers: Some(2), max_body_bytes: 64 * 1024, ..ServeConfig::default() };
    config.links.public_base_url = format!("http://127.0.0.1:{port}");
    config.mail.interval = Duration::from_millis(100);
    configure(&mut config);
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let system = actix_web::rt::System::new();
        let _ = system.block_on(async move {
            let app = Application::build(db, listener, &config).expect("build the app");
            let _ = tx.send(app.handle());
            app.run_until_stopped().await
        });
    });
    let handle = rx.recv().expect("the server started");
    // No connection reuse: a server may close a connection whose request body it did not read.
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).redirects(0).max_idle_connections(0).build();
    TestApp { address: format!("http://127.0.0.1:{port}"), admin_key, db: test_db, handle, thread: Some(thread), agent }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent when `stop` is called; the future only waits.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Everything the servers of this test run logged (the test client's own log is left out),
/// to check what must never be logged.
static LOGS: OnceLock<std::sync::Arc<Mutex<Vec<u8>>>> = OnceLock::new();

struct LogSink(std::sync::Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = std::sync::Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug,ureq=off,actix_server=info,actix_http=info,rustls=info,h2=info"))
            .with_writer(move || LogSink(sink.clone()))
            .with_ansi(false)
            .try_init();
        buffer
    });
}

/// The log of the test run so far.
pub fn logs() -> String {
    LOGS.get().and_then(|b| b.lock().ok().map(|b| String::from_utf8_lossy(&b).into_owned())).unwrap_or_default()
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub text: String,
    /// The body as sent (for files that are not text).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Asserts an RFC 9457 problem with this status, and returns it.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "expected {status}, got {}: {}", self.status, self.text);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "{}", self.text);
        let body = self.json();
        assert_eq!(body["status"], status);
        assert!(body["type"].as_str().is_some_and(|t| t.starts_with("urn:klyngemidler:problem:")), "{body}");
        assert!(body["title"].is_string() && body["detail"].is_string(), "{body}");
        body
    }

    /// The fields a 422 names.
    pub fn invalid_fields(&self) -> Vec<String> {
        let body = self.problem(422);
        body["errors"].as_array().expect("errors list").iter().map(|e| e["field"].as_str().unwrap_or("").to_owned()).collect()
    }
}

/// A request being built.
pub struct Req<'a> {
    app: &'a TestApp,
    method: &'a str,
    path: String,
    key: Option<String>,
    headers: Vec<(String, String)>,
}

impl<'a> Req<'a> {
    pub fn key(mut self, key: Option<&str>) -> Self {
        self.key = key.map(str::to_owned);
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn send(self) -> Resp {
        self.send_raw(None)
    }

    pub fn json(self, body: &Value) -> Resp {
        let text = body.to_string();
        self.header("content-type", "application/json").send_raw(Some(text.as_bytes()))
    }

    pub fn send_raw(self, body: Option<&[u8]>) -> Resp {
        let mut request = self.app.agent.request(self.method, &format!("{}{}", self.app.address, self.path));
        if let Some(key) = &self.key {
            request = request.set("authorization", &format!("Bearer {key}"));
        }
        for (n, v) in &self.headers {
            request = request.set(n, v);
        }
        let result = match body {
            Some(bytes) => request.send_bytes(bytes),
            None => request.call(),
        };
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{} {} failed: {e}", self.method, self.path),
        };
        let status = response.status();
        let headers = response.headers_names().into_iter().filter_map(|n| response.header(&n).map(|v| (n.clone(), v.to_owned()))).collect();
        let mut bytes = Vec::new();
        let _ = std::io::Read::read_to_end(&mut response.into_reader(), &mut bytes);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Resp { status, headers, text, bytes }
    }
}

impl TestApp {
    pub fn request<'a>(&'a self, method: &'a str, path: &str) -> Req<'a> {
        Req { app: self, method, path: path.to_owned(), key: Some(self.admin_key.clone()), headers: Vec::new() }
    }

    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path).send()
    }

    pub fn post(&self, path: &str, body: &Value) -> Resp {
        self.request("POST", path).json(body)
    }

    /// Issues another key directly in the database.
    pub fn key(&self, role: &str, clusters: &[&str]) -> String {
        self.key_for(role, clusters, None)
    }

    /// Issues a key to the user with this e-mail (created if new).
    pub fn key_for(&self, role: &str, clusters: &[&str], email: Option<&str>) -> String {
        let db = Db::connect(&self.db.url, &DbOptions { pool_size: 1, ..DbOptions::default() }).expect("connect");
        let clusters: Vec<String> = clusters.iter().map(|c| c.to_string()).collect();
        let now = klyngemidler::http::now();
        db.write_sync(|c| {
            klyngemidler::admin::service::keys::issue_with_email(c, role, &clusters, &format!("Test {role}"), email, None, now)
        })
        .expect("issue key")
    }

    /// Creates a cluster with a few parties.
    pub fn cluster(&self, slug: &str) {
        let created = self.post(
            "/api/v1/clusters",
            &serde_json::json!({"slug": slug, "name": format!("Sundhedsklynge {slug}"), "region": "Region Nordjylland"}),
        );
        assert_eq!(created.status, 201, "{}", created.text);
    }

    /// Creates a pool and returns its JSON.
    pub fn pool(&self, cluster: &str, year: i32, amount: &str, model: Value) -> Value {
        let created =
            self.post("/api/v1/pools", &serde_json::json!({"cluster": cluster, "year": year, "amount": amount, "allocation_model": model}));
        assert_eq!(created.status, 201, "{}", created.text);
        created.json()
    }
}

/// Amount text → øre, for checking sums in tests without floats.
pub fn ore(amount: &Value) -> i64 {
    let text = amount.as_str().unwrap_or_else(|| panic!("amount must be a string: {amount}"));
    let (sign, digits) = text.strip_prefix('-').map_or((1, text), |rest| (-1, rest));
    let (kroner, ore) = digits.split_once('.').expect("two decimals");
    assert_eq!(ore.len(), 2, "exactly two decimals: {text}");
    sign * (kroner.parse::<i64>().expect("kroner") * 100 + ore.parse::<i64>().expect("øre"))
}

/// Asserts `total + carried_in = committed + pending + available + carried_out`.
pub fn assert_reconciles(figures: &Value) {
    let f = |name: &str| ore(&figures[name]);
    assert_eq!(
        f("total") + f("carried_in"),
        f("committed") + f("pending") + f("available") + f("carried_out"),
        "does not reconcile: {figures}"
    );
    assert!(f("disbursed") <= f("committed"), "{figures}");
}

// ---- PostgreSQL --------------------------------------------------------

pub struct PgCluster {
    port: u16,
    lock: Mutex<()>,
}

impl PgCluster {
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    fn execute(&self, sql: &str) {
        let mut conn = PgConnection::establish(&self.url("postgres")).expect("connect to the test cluster");
        if let Err(e) = diesel::sql_query(sql).execute(&mut conn) {
            eprintln!("{sql}: {e}");
        }
    }

    fn create_database(&self, name: &str) {
        // CREATE DATABASE … TEMPLATE fails while another clone is being made.
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut conn = PgConnection::establish(&self.url("postgres")).expect("connect to the test cluster");
        for attempt in 0..50 {
            match diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE klyngemidler_template")).execute(&mut conn) {
                Ok(_) => return,
                Err(e) if attempt < 49 => {
                    eprintln!("create database {name}: {e}; retrying");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("create database {name}: {e}"),
            }
        }
    }
}

fn postgres() -> Result<&'static PgCluster, String> {
    static PG: OnceLock<Result<PgCluster, String>> = OnceLock::new();
    PG.get_or_init(start_postgres).as_ref().map_err(Clone::clone)
}

fn pg_bin() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var("KLYNGEMIDLER_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| "no PostgreSQL binaries in /usr/lib/postgresql (apt-get install postgresql)".to_owned())?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, p)| p).ok_or_else(|| "no initdb under /usr/lib/postgresql/*/bin".to_owned())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Runs a PostgreSQL binary, as the `postgres` user when we are root.
fn pg_command(bin: &std::path::Path, tool: &str, root: bool) -> Command {
    let path = bin.join(tool);
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

fn start_postgres() -> Result<PgCluster, String> {
    let bin = pg_bin()?;
    let root = is_root();
    let dir = std::env::temp_dir().join(format!("klyngemidler-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    if root {
        let ok = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status().map(|s| s.success()).unwrap_or(false);
        if !ok {
            return Err("cannot hand the data directory to the postgres user".into());
        }
    }
    let data = dir.join("data");
    let out = pg_command(&bin, "initdb", root)
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let options = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
        dir.display()
    );
    let status = pg_command(&bin, "pg_ctl", root)
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("server.log"))
        .args(["-w", "-t", "60", "-o", &options, "start"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("pg_ctl: {e}"))?;
    if !status.success() {
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        return Err(format!("pg_ctl start failed: {log}"));
    }
    // A watchdog stops the cluster and removes its files once this process is gone.
    let pg_ctl = bin.join("pg_ctl");
    let stop = if root {
        format!("runuser -u postgres -- {} -D {} -m immediate stop", pg_ctl.display(), data.display())
    } else {
        format!("{} -D {} -m immediate stop", pg_ctl.display(), data.display())
    };
    let script = format!("while kill -0 {} 2>/dev/null; do sleep 1; done; {stop}; rm -rf {}", std::process::id(), dir.display());
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("watchdog: {e}"))?;

    let cluster = PgCluster { port, lock: Mutex::new(()) };
    cluster.execute("CREATE DATABASE klyngemidler_template");
    {
        let db = Db::connect(&cluster.url("klyngemidler_template"), &DbOptions { pool_size: 1, ..DbOptions::default() })
            .map_err(|e| e.to_string())?;
        db.migrate().map_err(|e| e.to_string())?;
    }
    Ok(cluster)
}

/// A connection of the test's own to a SQLite file the server is writing:
/// it waits for the server's writer (group commit holds the write lock for
/// a batch) instead of failing with "database is locked".
pub fn raw_sqlite(url: &str) -> diesel::SqliteConnection {
    let mut c = diesel::SqliteConnection::establish(url).expect("connect to the SQLite file");
    diesel::sql_query("PRAGMA busy_timeout = 10000").execute(&mut c).expect("busy timeout");
    c
}
