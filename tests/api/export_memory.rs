//! A 100,000-row export streams: the real binary's resident memory grows by
//! less than 20 MB while it sends a CSV file larger than that, plain or gzipped.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use klyngemidler::db::{Db, DbOptions, StoreError};

use crate::helpers::{Backend, TestDb};

const ENTRIES: i64 = 50_000; // two postings each: 100,000 ledger lines

/// Fills the ledger of the demo's Vest 2022 with `ENTRIES` balanced entries in two statements.
fn fill(db: &Db, backend: Backend) {
    let at = match backend {
        Backend::Sqlite => "'2022-10-01 12:00:00'",
        Backend::Postgres => "TIMESTAMP '2022-10-01 12:00:00'",
    };
    let memo = "Bulk entry for the export memory test: a memo as long as the ones finance staff write when they explain a posting to the auditors of the region";
    let entries = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ENTRIES}) \
         INSERT INTO ledger_entries (pool_id, kind, memo, actor, created_at, application_id) \
         SELECT p.id, 'funding', '{memo} #' || n.i, 'Memory test (key 0)', {at}, NULL \
         FROM n, pools p JOIN clusters c ON c.id = p.cluster_id WHERE c.slug = 'vest' AND p.year = 2022"
    );
    let postings = "INSERT INTO postings (entry_id, pool_id, bucket, account, amount_ore) \
         SELECT e.id, e.pool_id, 'rolling', a.account, a.amount FROM ledger_entries e, \
         (SELECT 'available' AS account, 12345 AS amount UNION ALL SELECT 'funding', -12345) a WHERE e.memo LIKE 'Bulk entry%'";
    db.write_sync(|c| {
        diesel::sql_query(&entries).execute(c).map_err(StoreError::from)?;
        diesel::sql_query(postings).execute(c).map(|_| ()).map_err(StoreError::from)
    })
    .expect("bulk insert");
}

pub fn rss_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field}"))
}

pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn serve(url: &str) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_klyngemidler"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--workers", "1"])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the binary");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("Klyngemidler on http://") => return (server, format!("http://127.0.0.1:{port}")),
            Some(_) => {}
            None => break,
        }
    }
    panic!("the server did not start");
}

fn streams_flat(backend: Backend) {
    let Some(test_db) = TestDb::new(backend) else { return };
    let key = {
        let db = Db::connect(&test_db.url, &DbOptions { pool_size: 1, ..DbOptions::default() }).expect("connect");
        db.migrate().expect("migrate");
        let now = klyngemidler::http::now();
        klyngemidler::demo::load_if_empty(&db, now).expect("demo");
        fill(&db, backend);
        db.write_sync(|c| klyngemidler::admin::service::keys::issue(c, "finance", &[], "Export test", None, now)).expect("key")
    };
    let (server, base) = serve(&test_db.url);
    let pid = server.0.id();
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(300)).build();
    let get = |path: &str| agent.get(&format!("{base}{path}")).set("authorization", &format!("Bearer {key}")).call().expect(path);
    // Warm up: the first requests of a process allocate its pools and caches.
    for _ in 0..3 {
        let _ = get("/api/v1/exports/grants").into_string();
        let _ = get("/api/v1/reports/status?year=2022").into_string();
    }
    // Plain, then gzip-compressed as it streams: neither holds the file.
    for gzip in [false, true] {
        let before = rss_kb(pid, "VmRSS");
        let started = Instant::now();
        let mut request = agent
            .get(&format!("{base}/api/v1/exports/ledger?pool=vest-2022&dialect=excel-da"))
            .set("authorization", &format!("Bearer {key}"));
        if gzip {
            request = request.set("accept-encoding", "gzip");
        }
        let response = request.call().expect("export");
        assert!(response.header("content-length").is_none(), "streamed (chunked), not a body of known size");
        assert_eq!(response.header("content-encoding"), gzip.then_some("gzip"));
        let body: Box<dyn Read> =
            if gzip { Box::new(flate2::read::GzDecoder::new(response.into_reader())) } else { Box::new(response.into_reader()) };
        let mut reader = BufReader::with_capacity(64 * 1024, body);
        let (mut bytes, mut lines, mut sum, mut peak_seen) = (0usize, 0usize, 0i64, before);
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = reader.by_ref().take(1 << 20).read_until(b'\n', &mut line).expect("read the export");
            if n == 0 {
                break;
            }
            bytes += n;
            lines += 1;
            if lines > 1 {
                let text = String::from_utf8_lossy(&line);
                let amount = text.split(';').nth(8).expect("amount column").replace(',', "");
                sum += amount.parse::<i64>().expect("øre");
            }
            if lines % 5000 == 0 {
                peak_seen = peak_seen.max(rss_kb(pid, "VmRSS"));
            }
        }
        let elapsed = started.elapsed();
        let peak = rss_kb(pid, "VmHWM").max(peak_seen);
        let grown_mb = peak.saturating_sub(before) as f64 / 1024.0;
        eprintln!(
            "export memory ({backend:?}, gzip {gzip}): {lines} lines, {:.1} MB in {:.1} s; RSS before {:.1} MB, peak {:.1} MB, grown {grown_mb:.1} MB",
            bytes as f64 / 1e6,
            elapsed.as_secs_f64(),
            before as f64 / 1024.0,
            peak as f64 / 1024.0
        );
        assert!(lines as i64 > 2 * ENTRIES, "all the postings came: {lines}");
        assert_eq!(sum, 0, "every entry balances, to the øre");
        assert!(bytes > 20 * 1024 * 1024, "the file ({bytes} bytes) is larger than the limit, so holding it would fail the test");
        assert!(grown_mb < 20.0, "server RSS grew {grown_mb:.1} MB while streaming (gzip {gzip})");
    }
    drop(server);
}

#[test]
fn a_100000_line_ledger_export_streams_in_flat_memory_on_sqlite() {
    streams_flat(Backend::Sqlite);
}

#[test]
fn a_100000_line_ledger_export_streams_in_flat_memory_on_postgres() {
    streams_flat(Backend::Postgres);
}
