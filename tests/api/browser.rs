//! Headless Chromium driven over the DevTools protocol, with a WebSocket
//! client written here (a few dozen lines instead of a crate): load a page,
//! record every request it makes and every console or log error, read the
//! DOM and take a screenshot.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod session;
pub use session::Session;

/// Where Chromium is, or why the test cannot run. With
/// `KLYNGEMIDLER_REQUIRE_CHROMIUM=1` (CI) a missing browser fails the test.
pub fn chromium() -> Option<String> {
    for candidate in ["chromium", "chromium-browser", "google-chrome"] {
        let found = Command::new("which").arg(candidate).output().ok().filter(|o| o.status.success());
        if let Some(out) = found {
            return Some(String::from_utf8_lossy(&out.stdout).trim().to_owned());
        }
    }
    if std::env::var("KLYNGEMIDLER_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
        panic!("KLYNGEMIDLER_REQUIRE_CHROMIUM=1 but no chromium is installed (apt-get install chromium)");
    }
    eprintln!("\n!!!!!!!! SKIPPING the browser test: chromium is not installed (apt-get install chromium) !!!!!!!!\n");
    None
}

struct Ws {
    stream: TcpStream,
}

impl Ws {
    fn connect(url: &str) -> Ws {
        let rest = url.strip_prefix("ws://").expect("a ws:// URL");
        let (host, path) = rest.split_once('/').expect("a path");
        let mut stream = TcpStream::connect(host).expect("connect to DevTools");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        let request = format!(
            "GET /{path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: a2x5bmdlbWlkbGVyIHRlc3Q=\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).expect("handshake");
        // Byte by byte, so nothing after the head is swallowed.
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).expect("handshake answer");
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 101"), "DevTools refused the WebSocket: {head}");
        Ws { stream }
    }

    fn send(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mask = [0x4b, 0x6c, 0x79, 0x6e];
        let mut frame = vec![0x81u8];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).expect("send a frame");
    }

    /// The next text message (fragments joined; pings answered).
    fn recv(&mut self) -> String {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.stream.read_exact(&mut head).expect("read a frame (Chromium stopped answering?)");
            let (fin, opcode) = (head[0] & 0x80 != 0, head[0] & 0x0f);
            let len = match head[1] & 0x7f {
                126 => {
                    let mut b = [0u8; 2];
                    self.stream.read_exact(&mut b).expect("length");
                    u64::from(u16::from_be_bytes(b))
                }
                127 => {
                    let mut b = [0u8; 8];
                    self.stream.read_exact(&mut b).expect("length");
                    u64::from_be_bytes(b)
                }
                n => u64::from(n),
            };
            let mut payload = vec![0u8; len as usize];
            self.stream.read_exact(&mut payload).expect("payload");
            match opcode {
                0x9 => {
                    // Pong with the same payload (short in practice).
                    let mut pong = vec![0x8a, 0x80 | payload.len() as u8, 0, 0, 0, 0];
                    pong.extend_from_slice(&payload);
                    self.stream.write_all(&pong).expect("pong");
                }
                0x8 => panic!("DevTools closed the connection"),
                0x0..=0x2 => {
                    message.extend_from_slice(&payload);
                    if fin {
                        return String::from_utf8(message).expect("UTF-8 message");
                    }
                }
                _ => {}
            }
        }
    }
}

/// What a page load showed.
pub struct PageLoad {
    pub html: String,
    pub screenshot_png: Vec<u8>,
    pub requests: Vec<String>,
    pub errors: Vec<String>,
}

struct Browser {
    child: Child,
    ws: Ws,
    next_id: u64,
    events: Vec<Value>,
    profile: std::path::PathBuf,
    /// Headers every paused request continues with (see `load_with_headers`).
    headers: Vec<(String, String)>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Browser {
    fn start(binary: &str) -> Browser {
        let profile = std::env::temp_dir().join(format!("klyngemidler-chromium-{}-{}", std::process::id(), crate::helpers::unique()));
        let mut child = Command::new(binary)
            .args([
                "--headless=new",
                // As on a phone: a scroll bar takes no width, so scrollWidth can equal innerWidth.
                "--hide-scrollbars",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--disable-extensions",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromium");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let url = rx.recv_timeout(Duration::from_secs(30)).expect("Chromium printed its DevTools address");
        Browser { child, ws: Ws::connect(&url), next_id: 0, events: Vec::new(), profile, headers: Vec::new() }
    }

    /// Sends a command and waits for its answer, keeping the events that arrive meanwhile.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            message["sessionId"] = json!(s);
        }
        self.ws.send(&message.to_string());
        loop {
            let answer: Value = serde_json::from_str(&self.ws.recv()).expect("JSON from DevTools");
            if answer["id"] == json!(id) {
                assert!(answer.get("error").is_none(), "{method}: {answer}");
                return answer["result"].clone();
            }
            self.keep(answer);
        }
    }

    /// Keeps an event; a request paused by `Fetch` goes on at once with our
    /// headers in place of the browser's own of the same name.
    fn keep(&mut self, event: Value) {
        if event["method"] == "Fetch.requestPaused" {
            let p = &event["params"];
            let ours = |name: &str| self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
            let mut headers: Vec<Value> = p["request"]["headers"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(name, _)| !ours(name))
                .map(|(name, value)| json!({"name": name, "value": value}))
                .collect();
            headers.extend(self.headers.iter().map(|(name, value)| json!({"name": name, "value": value})));
            self.next_id += 1;
            let mut message =
                json!({"id": self.next_id, "method": "Fetch.continueRequest", "params": {"requestId": p["requestId"], "headers": headers}});
            if let Some(session) = event.get("sessionId") {
                message["sessionId"] = session.clone();
            }
            // Its answer arrives later and is kept as an event, harmlessly.
            self.ws.send(&message.to_string());
        }
        self.events.push(event);
    }

    fn wait_for(&mut self, method: &str, deadline: Instant) {
        while Instant::now() < deadline {
            if self.events.iter().any(|e| e["method"] == method) {
                return;
            }
            let event: Value = serde_json::from_str(&self.ws.recv()).expect("JSON from DevTools");
            self.keep(event);
        }
        panic!("no {method} in time");
    }
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = text.bytes().filter(|c| *c != b'=').map(value).collect();
    bytes
        .chunks(4)
        .flat_map(|c| {
            let n = c.iter().enumerate().fold(0u32, |acc, (i, v)| acc | (u32::from(*v) << (18 - 6 * i)));
            let out = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            out.into_iter().take(c.len() - 1)
        })
        .collect()
}

/// Loads `url` in a fresh headless Chromium and reports what happened.
pub fn load(binary: &str, url: &str) -> PageLoad {
    load_with_headers(binary, url, &[])
}

/// [`load`], with `headers` (e.g. `Authorization`, `Accept`) sent on every
/// request the page makes, the navigation itself included.
/// `Network.setExtraHTTPHeaders` adds them, but Chromium keeps its own
/// `Accept` on a navigation, so requests are also paused (`Fetch.enable`) and
/// continued with these headers in place of the browser's.
pub fn load_with_headers(binary: &str, url: &str, headers: &[(&str, &str)]) -> PageLoad {
    let mut b = Browser::start(binary);
    b.headers = headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
    let target = b.call(None, "Target.createTarget", json!({"url": "about:blank"}));
    let attached = b.call(None, "Target.attachToTarget", json!({"targetId": target["targetId"], "flatten": true}));
    let session = attached["sessionId"].as_str().expect("session").to_owned();
    let s = Some(session.as_str());
    for domain in ["Network.enable", "Runtime.enable", "Log.enable", "Page.enable"] {
        b.call(s, domain, json!({}));
    }
    if !headers.is_empty() {
        // Network.enable (above) must come first: the headers are its setting.
        let extra: serde_json::Map<String, Value> = headers.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
        b.call(s, "Network.setExtraHTTPHeaders", json!({"headers": extra}));
        b.call(s, "Fetch.enable", json!({"patterns": [{"urlPattern": "*", "requestStage": "Request"}]}));
    }
    b.call(s, "Emulation.setDeviceMetricsOverride", json!({"width": 1280, "height": 1600, "deviceScaleFactor": 1, "mobile": false}));
    b.call(s, "Page.navigate", json!({"url": url}));
    b.wait_for("Page.loadEventFired", Instant::now() + Duration::from_secs(30));
    // Late errors have a moment to arrive: a round trip after the load.
    b.call(s, "Runtime.evaluate", json!({"expression": "1"}));
    let html = b.call(s, "Runtime.evaluate", json!({"expression": "document.documentElement.outerHTML", "returnByValue": true}));
    let shot = b.call(s, "Page.captureScreenshot", json!({"format": "png", "captureBeyondViewport": true}));
    let mut requests = Vec::new();
    let mut errors = Vec::new();
    for e in &b.events {
        let p = &e["params"];
        match e["method"].as_str().unwrap_or("") {
            "Network.requestWillBeSent" => requests.push(p["request"]["url"].as_str().unwrap_or("").to_owned()),
            "Runtime.consoleAPICalled" if p["type"] == "error" || p["type"] == "assert" => errors.push(format!("console: {p}")),
            "Runtime.exceptionThrown" => errors.push(format!("exception: {p}")),
            "Log.entryAdded" if p["entry"]["level"] == "error" => errors.push(format!("log: {}", p["entry"])),
            "Network.loadingFailed" => errors.push(format!("loading failed: {p}")),
            _ => {}
        }
    }
    PageLoad {
        html: html["result"]["value"].as_str().expect("outerHTML").to_owned(),
        screenshot_png: base64(shot["data"].as_str().expect("screenshot")),
        requests,
        errors,
    }
}

#[test]
fn base64_decodes_like_the_rfc() {
    assert_eq!(base64("Zm9vYmFy"), b"foobar");
    assert_eq!(base64("Zm9vYg=="), b"foob");
    assert_eq!(base64("Zm9vYmE="), b"fooba");
}

/// Serves `page` to every request on 127.0.0.1 until dropped, keeping each
/// request's head (request line and headers) for the test to read.
struct OnePage {
    address: String,
    heads: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl OnePage {
    fn serve(page: String) -> OnePage {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (seen, stopped) = (heads.clone(), stop.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            while !stopped.load(Ordering::Relaxed) && Instant::now() < deadline {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(&stream);
                let mut head = String::new();
                while reader.read_line(&mut head).map(|n| n > 2).unwrap_or(false) {}
                let found = head.starts_with("GET / ");
                seen.lock().expect("heads").push(head);
                let (status, body) = if found { ("200 OK", page.as_str()) } else { ("404 Not Found", "") };
                let answer = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = (&stream).write_all(answer.as_bytes());
            }
        });
        OnePage { address, heads, stop }
    }
}

impl Drop for OnePage {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn chromium_sends_extra_headers_and_shows_the_printable_minutes_with_nothing_from_elsewhere() {
    let Some(binary) = chromium() else { return };
    let html = klyngemidler::meetings::html::render_html(&klyngemidler::meetings::sample::sample_document());
    let saved = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("meeting-minutes.html");
    std::fs::write(&saved, &html).expect("save the page");
    let server = OnePage::serve(html);
    let headers = [("Authorization", "Bearer kmk_test"), ("Accept", "text/html")];
    let page = load_with_headers(&binary, &format!("{}/", server.address), &headers);
    let heads = server.heads.lock().expect("heads").clone();
    let first = heads.first().expect("the page was asked for").to_lowercase();
    assert!(first.contains("\r\nauthorization: bearer kmk_test\r\n"), "{first}");
    assert!(first.contains("\r\naccept: text/html\r\n"), "{first}");
    let origin = format!("{}/", server.address);
    let elsewhere: Vec<&String> = page.requests.iter().filter(|u| !u.starts_with(&origin)).collect();
    assert!(elsewhere.is_empty(), "requests left 127.0.0.1: {elsewhere:?}");
    let errors: Vec<&String> = page.errors.iter().filter(|e| !e.contains("favicon.ico")).collect();
    assert!(errors.is_empty(), "console or log errors: {errors:#?}");
    assert!(page.html.contains("<html lang=\"da\""));
    assert!(page.html.contains("187.553,50 kr."));
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("meeting-minutes.png");
    std::fs::write(&file, &page.screenshot_png).expect("save the screenshot");
    eprintln!("minutes screenshot: {}", file.display());
}
