//! Attachments stream: the real binary's resident memory grows by less than
//! the file's size while it receives a 15 MB PDF and while it sends it back.

use std::io::Read;
use std::time::Duration;

use klyngemidler::db::{Db, DbOptions};

use crate::attachments::pdf_like;
use crate::export_memory::{rss_kb, serve};
use crate::helpers::{Backend, TestDb};

const FILE: usize = 15 * 1024 * 1024;

fn flat(backend: Backend) {
    let Some(test_db) = TestDb::new(backend) else { return };
    let key = {
        let db = Db::connect(&test_db.url, &DbOptions { pool_size: 1, ..DbOptions::default() }).expect("connect");
        db.migrate().expect("migrate");
        let now = klyngemidler::http::now();
        klyngemidler::demo::load_if_empty(&db, now).expect("demo");
        db.write_sync(|c| klyngemidler::admin::service::keys::issue(c, "admin", &[], "Attachment test", None, now)).expect("key")
    };
    let (server, base) = serve(&test_db.url);
    let pid = server.0.id();
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(300)).build();
    let auth = format!("Bearer {key}");
    let apps: serde_json::Value = agent
        .get(&format!("{base}/api/v1/applications?limit=1"))
        .set("authorization", &auth)
        .call()
        .expect("list")
        .into_json()
        .expect("json");
    let app_id = apps["items"][0]["id"].as_i64().expect("an application in the demo");
    let pdf = pdf_like(FILE);
    let upload = |bytes: &[u8]| -> serde_json::Value {
        agent
            .post(&format!("{base}/api/v1/applications/{app_id}/attachments"))
            .set("authorization", &auth)
            .set("content-type", "application/pdf")
            .set("content-disposition", "attachment; filename=\"bilag.pdf\"")
            .send_bytes(bytes)
            .expect("upload")
            .into_json()
            .expect("json")
    };
    let download = |href: &str| -> (usize, bool) {
        let response = agent.get(&format!("{base}{href}")).set("authorization", &auth).call().expect("download");
        let mut reader = response.into_reader();
        let (mut buf, mut at, mut same) = (vec![0u8; 64 * 1024], 0usize, true);
        loop {
            let n = reader.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            same &= pdf.get(at..at + n) == Some(&buf[..n]);
            at += n;
        }
        (at, same)
    };
    // Warm up: the first requests of a process allocate its pools and caches.
    for _ in 0..2 {
        let small = upload(&pdf[..2 * 1024 * 1024]);
        let _ = download(small["href"].as_str().expect("href"));
    }
    let before = rss_kb(pid, "VmRSS");
    let created = upload(&pdf);
    let after_upload = rss_kb(pid, "VmHWM").max(rss_kb(pid, "VmRSS"));
    let (bytes, same) = download(created["href"].as_str().expect("href"));
    let peak = rss_kb(pid, "VmHWM").max(rss_kb(pid, "VmRSS"));
    // The peak includes the warm-up's: an upper bound on what the 15 MB file cost.
    let grown_mb = peak.saturating_sub(before) as f64 / 1024.0;
    eprintln!(
        "attachment memory ({backend:?}): {:.1} MB up and down; RSS before {:.1} MB, after upload {:.1} MB, peak {:.1} MB, grown {grown_mb:.1} MB",
        FILE as f64 / 1e6,
        before as f64 / 1024.0,
        after_upload as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    assert_eq!(created["size_bytes"], FILE);
    assert_eq!(bytes, FILE);
    assert!(same, "the download is the upload, byte for byte");
    assert!(grown_mb < (FILE as f64 / 1024.0 / 1024.0), "server RSS grew {grown_mb:.1} MB for a {} MB file", FILE / 1024 / 1024);
    drop(server);
}

#[test]
fn a_15_mb_attachment_goes_in_and_out_in_less_memory_than_its_size_on_sqlite() {
    flat(Backend::Sqlite);
}

#[test]
fn a_15_mb_attachment_goes_in_and_out_in_less_memory_than_its_size_on_postgres() {
    flat(Backend::Postgres);
}
