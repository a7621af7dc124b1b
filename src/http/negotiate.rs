//! Content negotiation (RFC 9110 12.5.1): which of the media types a
//! handler can write the request's `Accept` prefers. Every handler that
//! offers more than one representation, or one that is not JSON, asks
//! [`media_type`]; the answer varies with `Accept`, so such responses carry
//! `Vary: Accept` ([`VARY`]).

use actix_web::HttpRequest;
use actix_web::http::header::{self, Header, Quality};
use actix_web::mime::{self, Mime};

use crate::http::error::ApiError;

pub const JSON: &str = "application/json";
pub const CSV: &str = "text/csv";

/// The `Vary` of a negotiated response.
pub const VARY: &str = "Accept";

/// The offer the request's `Accept` prefers: the media range that names an
/// offer most specifically (`text/csv` over `text/*` over `*/*`) gives its
/// quality; the highest quality wins, ties go to the first offer (the
/// handler's default). Media types compare case-insensitively; `q=0` means
/// "not this". Without `Accept` (or with one that names nothing readable)
/// the first offer; a header that only refuses types (all `q=0`) allows
/// every other one. 406 when no offer is allowed.
pub fn media_type(req: &HttpRequest, offers: &[&'static str]) -> Result<&'static str, ApiError> {
    let first = offers.first().copied().unwrap_or(JSON);
    let mut ranges = match header::Accept::parse(req) {
        Ok(accept) if !accept.0.is_empty() => accept.0,
        // No header, an empty one, or nothing in it that reads as a media range.
        _ => return Ok(first),
    };
    // A header that only refuses (`text/csv;q=0`) means "anything but that".
    let only_refuses = ranges.iter().all(|r| r.quality == Quality::ZERO);
    if only_refuses && !ranges.iter().any(|r| r.item == mime::STAR_STAR) {
        ranges.push(header::QualityItem::max(mime::STAR_STAR));
    }
    let mut best: Option<(&'static str, Quality)> = None;
    for offer in offers {
        let Ok(offered) = offer.parse::<Mime>() else { continue };
        let quality = ranges
            .iter()
            .filter_map(|range| specificity(&range.item, &offered).map(|s| (s, range.quality)))
            .max_by_key(|(s, _)| *s)
            .map(|(_, q)| q)
            .unwrap_or(Quality::ZERO);
        if quality > Quality::ZERO && best.is_none_or(|(_, q)| quality > q) {
            best = Some((offer, quality));
        }
    }
    best.map(|(offer, _)| offer).ok_or_else(|| {
        ApiError::NotAcceptable(format!(
            "this resource is available as {}; send an Accept header that allows one of them",
            offers.join(" or ")
        ))
    })
}

/// How specifically `range` names `offer` (`*/*` 0, `type/*` 1, `type/subtype` 2), if it does.
fn specificity(range: &Mime, offer: &Mime) -> Option<u8> {
    if range.type_() == mime::STAR && range.subtype() == mime::STAR {
        Some(0)
    } else if range.type_() != offer.type_() {
        None
    } else if range.subtype() == mime::STAR {
        Some(1)
    } else if range.subtype() == offer.subtype() && range.suffix() == offer.suffix() {
        Some(2)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn pick(accept: &[&str]) -> Result<&'static str, u16> {
        let mut req = TestRequest::default();
        for a in accept {
            req = req.append_header((header::ACCEPT, *a));
        }
        media_type(&req.to_http_request(), &[JSON, CSV]).map_err(|e| actix_web::ResponseError::status_code(&e).as_u16())
    }

    #[test]
    fn accept_is_read_with_qualities_ranges_and_case() {
        assert_eq!(pick(&[]), Ok(JSON));
        assert_eq!(pick(&["*/*"]), Ok(JSON));
        assert_eq!(pick(&["text/csv"]), Ok(CSV));
        assert_eq!(pick(&["TEXT/CSV"]), Ok(CSV));
        assert_eq!(pick(&["text/csv; charset=utf-8"]), Ok(CSV));
        assert_eq!(pick(&["text/*"]), Ok(CSV));
        assert_eq!(pick(&["text/csv;q=0"]), Ok(JSON), "only refusing CSV allows the rest");
        assert_eq!(pick(&["text/csv;q=0, application/json;q=0"]), Err(406));
        assert_eq!(pick(&["*/*;q=0"]), Err(406));
        assert_eq!(pick(&["text/csv;q=0, */*"]), Ok(JSON));
        assert_eq!(pick(&["text/csv;q=0.5, application/json;q=0.4"]), Ok(CSV));
        assert_eq!(pick(&["application/json;q=0.4", "text/csv;q=0.5"]), Ok(CSV), "lines combine");
        assert_eq!(pick(&["*/*;q=0.1, text/csv"]), Ok(CSV));
        assert_eq!(pick(&["text/*;q=0, */*"]), Ok(JSON), "the most specific range decides");
        assert_eq!(pick(&["application/xml"]), Err(406));
        assert_eq!(pick(&["text/html, application/xhtml+xml"]), Err(406));
        assert_eq!(pick(&["application/problem+json"]), Err(406));
        // Nothing readable is no header at all (RFC 9110 lets a server ignore it).
        assert_eq!(pick(&["text/csv;q=abc, */*;q=-1"]), Ok(JSON));
        assert_eq!(pick(&[""]), Ok(JSON));
    }
}
