//! The outermost middleware: every request gets a request id and a span,
//! and leaves one access line at `info` when its response is done.
//!
//! The line (target `access`) names the method, the route pattern (never the
//! path: approval tokens are paths), the status, the latency to the last
//! byte, the body bytes sent, the request id, the client's address (through
//! trusted proxies, [`TrustedProxies`](crate::http::client::TrustedProxies))
//! and the API key's id (never the key). `RUST_LOG=info,access=off` silences
//! it.
//!
//! The request id is taken from `X-Request-Id` when the request comes
//! from a trusted proxy and the value is sane (1 to 100 visible ASCII
//! characters), else made here; it is returned as `X-Request-Id` on every
//! response (problems too), and recorded with audit events.

use std::collections::HashMap;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, web};
use tracing::Instrument;

use crate::http::AppState;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest request id taken from a proxy.
pub const MAX_REQUEST_ID: usize = 100;

/// This request's id (in the request's extensions).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The id of the API key that authenticated this request (in the request's extensions).
#[derive(Debug, Clone, Copy)]
pub struct KeyId(pub i64);

/// The request's route pattern (e.g. `/api/v1/pools/{pool}/status`, or
/// `unmatched`), found once here for the access line and the metrics: finding
/// it walks the route table.
#[derive(Debug, Clone)]
pub struct RoutePattern(pub String);

/// Paths seen lately on this worker and their route patterns, at most this many.
const ROUTES_KEPT: usize = 1_024;

thread_local! {
    static ROUTES: std::cell::RefCell<HashMap<Box<str>, Rc<str>>> = std::cell::RefCell::new(HashMap::new());
}

/// The route pattern of the request's path. Finding it walks the route table
/// (a regex per route), which cost as much as the rest of a status answered
/// from memory, so each worker remembers the patterns of the paths it saw
/// lately. A path whose pattern holds a `{token}` (an approval or report
/// link: the path is a secret) is never remembered, nor one no route takes.
fn route_pattern(req: &ServiceRequest) -> String {
    let path = req.path();
    if let Some(known) = ROUTES.with(|routes| routes.borrow().get(path).cloned()) {
        return known.to_string();
    }
    let Some(pattern) = req.match_pattern() else { return "unmatched".to_owned() };
    if !pattern.contains("{token}") {
        ROUTES.with(|routes| {
            let mut routes = routes.borrow_mut();
            if routes.len() >= ROUTES_KEPT {
                routes.clear();
            }
            routes.insert(path.into(), pattern.as_str().into());
        });
    }
    pattern
}

/// The request id of a request (set by [`middleware`]).
pub fn request_id(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<RequestId>().map(|id| id.0.clone())
}

/// Notes which key authenticated the request, for the access line.
pub fn record_key(req: &HttpRequest, key_id: i64) {
    req.extensions_mut().insert(KeyId(key_id));
}

/// 1 to 100 visible ASCII characters (no space, no control character).
fn sane(id: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID).contains(&id.len()) && id.iter().all(|b| b.is_ascii_graphic())
}

thread_local! {
    /// This thread's random half of the ids it makes, and how many it made.
    static IDS: std::cell::Cell<(u64, u64)> = std::cell::Cell::new((random_half(), 0));
}

fn random_half() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness: the clock and the order the threads asked in still tell them apart.
        static THREADS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
        let nth = THREADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        bytes = ((nanos as u64) ^ nth.rotate_right(16)).to_le_bytes();
    }
    u64::from_le_bytes(bytes)
}

/// 32 hex digits: a random half per thread and a counter. Unique (threads'
/// random halves differ), cheap (no system call per request), and no secret:
/// a request id names a request, it grants nothing.
fn generated() -> String {
    let (half, count) = IDS.with(|ids| {
        let (half, count) = ids.get();
        ids.set((half, count.wrapping_add(1)));
        (half, count)
    });
    format!("{half:016x}{count:016x}")
}

/// The id a proxy we trust gave the request, or a new one.
fn choose_request_id(req: &ServiceRequest, state: Option<&AppState>) -> String {
    let from_trusted_proxy = match (state, req.peer_addr()) {
        (Some(state), Some(peer)) => state.proxies.trusts(peer.ip()),
        _ => false,
    };
    let mut given = req.headers().get_all(&X_REQUEST_ID);
    match (from_trusted_proxy, given.next(), given.next()) {
        (true, Some(value), None) if sane(value.as_bytes()) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
        _ => generated(),
    }
}

/// The middleware (wrap it last, so it is the outermost).
pub async fn middleware(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<Logged>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let id = choose_request_id(&req, state.as_deref().map(|s| &**s));
    let client = state.as_ref().and_then(|s| s.proxies.client_ip(req.request())).map_or_else(|| "-".to_owned(), |ip| ip.to_string());
    let route = route_pattern(&req);
    let method = crate::http::metrics::method_label(req.method());
    req.extensions_mut().insert(RequestId(id.clone()));
    req.extensions_mut().insert(RoutePattern(route.clone()));
    let span = tracing::info_span!("request", method, route = %route, request_id = %id);
    let mut line = Line { method, route, status: 0, request_id: id.clone(), client, key_id: None, started, bytes: 0, complete: false };
    // (No clone of the request may be held here: routing needs it unshared.)
    let mut res = match next.call(req).instrument(span.clone()).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(e) => {
            // No layer inside answers with an error (handlers' errors are responses already);
            // should one, actix makes the response, and the line is written now.
            line.status = e.as_response_error().status_code().as_u16();
            line.write();
            return Err(e);
        }
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID, value);
    }
    line.key_id = res.request().extensions().get::<KeyId>().map(|k| k.0);
    line.status = res.status().as_u16();
    Ok(res.map_body(move |_, body| Logged { body, line: Some(line), span }))
}

/// What the access line says, written when the body is done (or dropped).
struct Line {
    method: &'static str,
    route: String,
    status: u16,
    request_id: String,
    client: String,
    key_id: Option<i64>,
    started: Instant,
    bytes: u64,
    complete: bool,
}

impl Line {
    fn write(&self) {
        let latency_ms = (self.started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
        let (method, route, status, bytes, request_id, client) =
            (self.method, self.route.as_str(), self.status, self.bytes, self.request_id.as_str(), self.client.as_str());
        let complete = self.complete;
        match self.key_id {
            Some(key_id) => tracing::info!(target: "access", parent: None, method = %method, route = %route, status, latency_ms, bytes,
                request_id = %request_id, client = %client, key_id, complete, "request"),
            None => tracing::info!(target: "access", parent: None, method = %method, route = %route, status, latency_ms, bytes,
                request_id = %request_id, client = %client, complete, "request"),
        }
    }
}

/// The response body, counted; the access line is written when it ends.
pub struct Logged {
    body: BoxBody,
    line: Option<Line>,
    span: tracing::Span,
}

impl MessageBody for Logged {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        // A streamed body reads the database as it goes: its logs belong to the request.
        let _entered = this.span.enter();
        let next = Pin::new(&mut this.body).poll_next(cx);
        match &next {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(line) = this.line.as_mut() {
                    line.bytes += chunk.len() as u64;
                }
            }
            Poll::Ready(None) => {
                if let Some(mut line) = this.line.take() {
                    line.complete = true;
                    line.write();
                }
            }
            _ => {}
        }
        next
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        // Not read to the end: the client went away, the body failed, or (HEAD, 304) there was none to send.
        if let Some(mut line) = self.line.take() {
            line.complete = matches!(self.body.size(), BodySize::None | BodySize::Sized(0));
            line.write();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_id_is_short_visible_ascii() {
        assert!(sane(b"abc-123_DEF.4"));
        assert!(sane(&[b'a'; 100]));
        assert!(!sane(&[b'a'; 101]));
        assert!(!sane(b""));
        assert!(!sane(b"has space"));
        assert!(!sane(b"line\nbreak"));
        assert!(!sane("blåbær".as_bytes()));
        assert_eq!(generated().len(), 32);
        assert_ne!(generated(), generated());
        let other_thread = std::thread::spawn(generated).join().expect("a thread");
        assert_ne!(other_thread[..16], generated()[..16], "each thread has its own random half");
    }
}
