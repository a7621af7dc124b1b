//! HEAD on every GET route, in one place: the request is routed as a GET
//! (actix's `#[get]` routes match GET only), and its response keeps the
//! status and every header (`Content-Length` or `Transfer-Encoding`
//! included) but loses its body before anything of it is produced, so a
//! HEAD of a streamed export reads no rows. The server itself writes no
//! body for a HEAD or a 304 either (actix-http).

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::HttpMessage;
use actix_web::body::{BodySize, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::web::Bytes;

/// In a request's extensions when it came as a HEAD.
#[derive(Debug, Clone, Copy)]
pub struct WasHead;

/// The method the client sent (HEAD for a HEAD routed as a GET).
pub fn sent_method(req: &actix_web::HttpRequest) -> Method {
    if req.extensions().get::<WasHead>().is_some() { Method::HEAD } else { req.method().clone() }
}

/// The middleware.
pub async fn middleware<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<ServiceResponse<EitherBody<B, NoBody>>, actix_web::Error> {
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
        req.extensions_mut().insert(WasHead);
    }
    let res = next.call(req).await?;
    if !head {
        return Ok(res.map_into_left_body());
    }
    Ok(res.map_body(|_, body| EitherBody::right(NoBody(body.size()))))
}

/// The size the GET's body would have had, and no bytes.
pub struct NoBody(BodySize);

impl MessageBody for NoBody {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        self.0
    }

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(None)
    }
}
