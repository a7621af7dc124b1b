//! SQLite's write-ahead log must not grow without bound under a write burst
//! (a RETURNING statement left un-stepped stops checkpoints).

use std::time::Instant;

use serde_json::json;

use crate::helpers::{Backend, spawn_app};

#[test]
fn a_burst_of_10000_inserts_leaves_the_sqlite_wal_under_64_mb() {
    let app = spawn_app(Backend::Sqlite).expect("sqlite");
    app.cluster("vest");
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..8 {
            let app = &app;
            s.spawn(move || {
                for i in 0..1250 {
                    let body = json!({"slug": format!("p-{t}-{i}"), "name": format!("Part {t}.{i}"), "kind": "other"});
                    let resp = app.post("/api/v1/clusters/vest/parties", &body);
                    assert_eq!(resp.status, 201, "{}", resp.text);
                }
            });
        }
    });
    let wal = std::fs::metadata(format!("{}-wal", app.db.url)).map(|m| m.len()).unwrap_or(0);
    eprintln!("10,000 inserts in {:?}; WAL is {} KiB", started.elapsed(), wal / 1024);
    assert!(wal < 64 * 1024 * 1024, "WAL grew to {wal} bytes");
    let parties = app.get("/api/v1/clusters/vest/parties").json();
    assert_eq!(parties.as_array().map(Vec::len), Some(10_000));
}
