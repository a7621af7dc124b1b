//! Response compression: actix's `Compress` (gzip and deflate, chosen by
//! `Accept-Encoding`; identity when the header is absent). Streamed bodies
//! are compressed chunk by chunk as they are written, so a CSV export still
//! streams in flat memory. An empty body (304, 204) is never compressed, and
//! a HEAD has none (see `head`).
//!
//! `Compress` names `Accept-Encoding` in `Vary` only when it compressed; so
//! that a cache never keeps one coding for everybody, every response names
//! it ([`vary`]), the uncompressed and the 304 too.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Compress;

pub fn middleware() -> Compress {
    Compress::default()
}

/// Middleware (outside `Compress`): `Vary: Accept-Encoding` on every response.
pub async fn vary(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let named = res
        .headers()
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding") || v.trim() == "*");
    if !named {
        res.headers_mut().append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    Ok(res)
}
