//! A small real SMTP server on 127.0.0.1 for tests: it speaks enough SMTP
//! for lettre, keeps every message, and can be stopped and started again on
//! the same port (to play "SMTP is down").

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct SmtpServer {
    pub port: u16,
    messages: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind smtp");
        SmtpServer::serve(listener, Arc::new(Mutex::new(Vec::new())))
    }

    /// A free port with nothing listening on it (yet).
    pub fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port()
    }

    pub fn start_on(port: u16) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind smtp port");
        SmtpServer::serve(listener, Arc::new(Mutex::new(Vec::new())))
    }

    fn serve(listener: TcpListener, messages: Arc<Mutex<Vec<String>>>) -> SmtpServer {
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let (stop2, messages2) = (stop.clone(), messages.clone());
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let messages = messages2.clone();
                        std::thread::spawn(move || {
                            let _ = session(stream, &messages);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        SmtpServer { port, messages, stop, thread: Some(thread) }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Forgets the messages received so far.
    pub fn clear(&self) {
        if let Ok(mut m) = self.messages.lock() {
            m.clear();
        }
    }

    /// Waits until `done` holds for the messages (at most 30 s).
    pub fn wait_until(&self, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let start = Instant::now();
        loop {
            let got = self.messages();
            if done(&got) || start.elapsed() > Duration::from_secs(30) {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until a message to `address` arrived for which `also` holds (at most 30 s).
    pub fn wait_for_mail_to(&self, address: &str, also: impl Fn(&str) -> bool) -> Vec<String> {
        self.wait_until(|got| got.iter().any(|m| recipient(m) == address && also(m)))
    }

    /// Waits until at least `n` messages with an approval or report link
    /// arrived (notices carry none), at most 30 s; returns every message.
    pub fn wait_for_links(&self, n: usize) -> Vec<String> {
        self.wait_until(|got| got.iter().filter(|m| !links(m).is_empty()).count() >= n)
    }

    /// Waits until at least `n` messages arrived (at most 30 s).
    pub fn wait_for(&self, n: usize) -> Vec<String> {
        let start = Instant::now();
        loop {
            let got = self.messages();
            if got.len() >= n || start.elapsed() > Duration::from_secs(30) {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn session(stream: TcpStream, messages: &Mutex<Vec<String>>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut out = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    out.write_all(b"220 localhost test SMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") || command.starts_with("HELO") {
            out.write_all(b"250-localhost\r\n250 8BITMIME\r\n")?;
        } else if command.starts_with("DATA") {
            out.write_all(b"354 end with <CRLF>.<CRLF>\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(&line);
            }
            if let Ok(mut m) = messages.lock() {
                m.push(data);
            }
            out.write_all(b"250 queued\r\n")?;
        } else if command.starts_with("QUIT") {
            out.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            out.write_all(b"250 ok\r\n")?;
        }
    }
}

/// The text of a MIME message with quoted-printable and base64 parts decoded.
pub fn decoded(message: &str) -> String {
    let mut out = String::new();
    let mut base64_block = String::new();
    let mut in_base64 = false;
    for line in message.lines() {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("content-transfer-encoding: base64") {
            in_base64 = true;
            continue;
        }
        if in_base64 {
            if line.starts_with("--") {
                out.push_str(&String::from_utf8_lossy(&base64(&base64_block)));
                base64_block.clear();
                in_base64 = false;
            } else {
                base64_block.push_str(line.trim());
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&String::from_utf8_lossy(&base64(&base64_block)));
    quoted_printable(&out)
}

fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().filter_map(value) {
        acc = (acc << 6) | u32::from(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// The address in the message's `To:` header, in lower case.
pub fn recipient(message: &str) -> String {
    message
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("to:"))
        .map(|l| l[3..].trim().trim_start_matches('<').trim_end_matches('>').to_lowercase())
        .unwrap_or_default()
}

/// The value of a header of the message (the first one of that name).
pub fn header(message: &str, name: &str) -> Option<String> {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    message.lines().find(|l| l.to_ascii_lowercase().starts_with(&prefix)).map(|l| l[prefix.len()..].trim().to_owned())
}

/// The approval links in a message.
pub fn links(message: &str) -> Vec<String> {
    let text = decoded(message);
    let mut found = Vec::new();
    for (i, _) in text.match_indices("/approvals/") {
        let token: String = text[i + 11..].chars().take_while(char::is_ascii_hexdigit).collect();
        if token.len() == 64 && !found.contains(&token) {
            found.push(token);
        }
    }
    found
}

/// Declares a test on both databases (`name::sqlite`, `name::postgres`),
/// each with a fresh app whose mail goes to its own real SMTP server.
#[macro_export]
macro_rules! smtp_test {
    ($(#[doc = $doc:literal])* fn $name:ident($app:ident, $smtp:ident) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn scenario($app: &$crate::helpers::TestApp, $smtp: &$crate::smtp::SmtpServer) $body
            fn run(backend: $crate::helpers::Backend) {
                let smtp = $crate::smtp::SmtpServer::start();
                if let Some(app) = $crate::email_approval::app_with_mail(backend, Some(smtp.url())) {
                    scenario(&app, &smtp);
                }
            }
            #[test]
            fn sqlite() {
                run($crate::helpers::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                run($crate::helpers::Backend::Postgres)
            }
        }
    };
}
