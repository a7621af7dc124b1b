//! A CSV response body that is written a page at a time: the next page is
//! read from the database only when the client has taken the previous one,
//! so memory stays flat however many rows there are.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

use crate::db::{AnyConnection, Db, StoreError};
use crate::http::error::ApiError;
use crate::http::negotiate;
use crate::tabular::Dialect;

/// Rows per page (one database read each).
pub const PAGE_ROWS: i64 = 1000;

/// Reads the page after a cursor and writes its records; returns the
/// bytes and the cursor of the page's last row (`None`: that was the last).
pub type PageFn = dyn Fn(&mut AnyConnection, Option<i64>, &mut Vec<u8>) -> Result<Option<i64>, StoreError> + Send + Sync;

type Pending = Pin<Box<dyn Future<Output = Result<(Vec<u8>, Option<i64>), StoreError>>>>;

enum Next {
    First(Vec<u8>),
    After(Option<i64>),
    Waiting(Pending),
    Done,
}

pub struct PagedCsv {
    db: Db,
    page: Arc<PageFn>,
    next: Next,
}

impl PagedCsv {
    /// `head` is written first (BOM and header); then pages until one is short.
    pub fn new(db: Db, head: Vec<u8>, page: Arc<PageFn>) -> PagedCsv {
        PagedCsv { db, page, next: Next::First(head) }
    }
}

impl MessageBody for PagedCsv {
    type Error = actix_web::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        loop {
            match std::mem::replace(&mut this.next, Next::Done) {
                Next::Done => return Poll::Ready(None),
                Next::First(head) => {
                    this.next = Next::After(None);
                    return Poll::Ready(Some(Ok(Bytes::from(head))));
                }
                Next::After(cursor) => {
                    let (db, page) = (this.db.clone(), this.page.clone());
                    this.next = Next::Waiting(Box::pin(async move {
                        db.read(move |c| {
                            let mut out = Vec::with_capacity(64 * 1024);
                            let next = page(c, cursor, &mut out)?;
                            Ok::<_, StoreError>((out, next))
                        })
                        .await
                    }));
                }
                Next::Waiting(mut pending) => match pending.as_mut().poll(cx) {
                    Poll::Pending => {
                        this.next = Next::Waiting(pending);
                        return Poll::Pending;
                    }
                    Poll::Ready(Ok((bytes, cursor))) => {
                        this.next = if cursor.is_some() { Next::After(cursor) } else { Next::Done };
                        if !bytes.is_empty() {
                            return Poll::Ready(Some(Ok(Bytes::from(bytes))));
                        }
                    }
                    Poll::Ready(Err(e)) => {
                        // The status line is long gone: end the body so the client sees a broken transfer.
                        tracing::error!(error = %e, "CSV export failed part-way");
                        return Poll::Ready(Some(Err(actix_web::error::ErrorInternalServerError("export failed"))));
                    }
                },
            }
        }
    }
}

/// The cursor to continue after a page: its last id, when the page was full.
pub fn continue_after(rows: usize, last_id: Option<i64>) -> Option<i64> {
    if rows as i64 >= PAGE_ROWS { last_id } else { None }
}

/// `?format=` as the document states it (read by [`wants_csv`]).
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResponseFormat {
    Json,
    Csv,
}

/// `?dialect=` as the document states it (read by [`dialect`]): `rfc4180`
/// (`,` and `.` decimals) or `excel-da` (`;`, decimal comma, a UTF-8 BOM, Danish headers).
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::ToSchema)]
pub enum CsvDialect {
    #[serde(rename = "rfc4180")]
    Rfc4180,
    #[serde(rename = "excel-da")]
    ExcelDa,
}

/// The dialect a request asks for with `?dialect=` (RFC 4180 by default).
pub fn dialect(raw: Option<&str>) -> Result<Dialect, ApiError> {
    match raw {
        None => Ok(Dialect::Rfc4180),
        Some(text) => Dialect::parse(text).ok_or_else(|| ApiError::field("dialect", "must be rfc4180 or excel-da")),
    }
}

/// What a report that answers JSON or CSV should answer: `None` for JSON, or
/// CSV in a dialect. `excel-da` is a CSV dialect, so `?dialect=excel-da`
/// means CSV without `?format=csv` (`?format=json` with it is refused, and an
/// `Accept` that allows no CSV is a 406); otherwise [`wants_csv`] decides, in
/// RFC 4180 unless told.
pub fn csv_dialect(req: &HttpRequest, format: Option<&str>, raw_dialect: Option<&str>) -> Result<Option<Dialect>, ApiError> {
    let d = dialect(raw_dialect)?;
    if d != Dialect::ExcelDa {
        return Ok(wants_csv(req, format)?.then_some(d));
    }
    match format {
        Some("csv") => Ok(Some(d)),
        Some("json") => Err(ApiError::field("format", "must be csv or left out: dialect=excel-da is a CSV dialect")),
        Some(_) => Err(ApiError::field("format", "must be json or csv")),
        None => negotiate::media_type(req, &[negotiate::CSV]).map(|_| Some(d)),
    }
}

/// Does the request ask for CSV rather than JSON? `?format=csv|json` says
/// so outright; else `Accept` decides ([`negotiate::media_type`]: JSON by
/// default, 406 when it allows neither).
pub fn wants_csv(req: &HttpRequest, format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(_) => Err(ApiError::field("format", "must be json or csv")),
        None => Ok(negotiate::media_type(req, &[negotiate::JSON, negotiate::CSV])? == negotiate::CSV),
    }
}

pub fn content_type(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Rfc4180 => "text/csv; charset=utf-8; header=present",
        Dialect::ExcelDa => "text/csv; charset=utf-8; header=present; dialect=excel-da",
    }
}

/// A streamed CSV download named `filename`.
pub fn response(dialect: Dialect, filename: &str, body: PagedCsv) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type(dialect))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::VARY, negotiate::VARY))
        .body(body)
}
