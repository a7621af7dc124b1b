//! The README's run command, as a real process: `klyngemidler serve --demo`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn serve_demo_starts_prints_a_key_and_answers() {
    let dir = std::env::temp_dir().join(format!("klyngemidler-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_klyngemidler"))
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .current_dir(&dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the binary");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let started = Instant::now();
    let mut key = None;
    let mut listening = false;
    while started.elapsed() < Duration::from_secs(30) && !listening {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            if line.starts_with("kmk_") {
                key = Some(line.clone());
            }
            listening |= line.starts_with("Klyngemidler on http://");
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited with {status}");
        }
    }
    let result = std::panic::catch_unwind(|| {
        assert!(listening, "the server says where it listens");
        let key = key.clone().expect("an admin key is printed");
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
        let base = format!("http://127.0.0.1:{port}");
        assert_eq!(agent.get(&format!("{base}/readyz")).call().map(|r| r.status()).unwrap_or(0), 200);
        let status: serde_json::Value = agent
            .get(&format!("{base}/api/v1/pools/vest-2022/status"))
            .set("authorization", &format!("Bearer {key}"))
            .call()
            .expect("status")
            .into_json()
            .expect("json");
        assert_eq!(status["total"], "871553.00");
    });
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
