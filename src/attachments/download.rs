//! A download's body: the attachment's chunks, each read in a short read
//! transaction of its own when the client has taken the one before, so a
//! download holds one chunk in memory however large the file.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;

use crate::db::attachments as store;
use crate::db::{Db, StoreError};

type Pending = Pin<Box<dyn Future<Output = Result<Option<Vec<u8>>, StoreError>>>>;

pub struct Chunks {
    db: Db,
    id: i64,
    size: u64,
    sent: u64,
    next_seq: i32,
    pending: Option<Pending>,
}

impl Chunks {
    pub fn new(db: Db, id: i64, size: u64) -> Chunks {
        Chunks { db, id, size, sent: 0, next_seq: 0, pending: None }
    }
}

impl MessageBody for Chunks {
    type Error = actix_web::Error;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.size)
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if this.sent >= this.size {
            return Poll::Ready(None);
        }
        let pending = this.pending.get_or_insert_with(|| {
            let (db, id, seq) = (this.db.clone(), this.id, this.next_seq);
            Box::pin(async move { db.read(move |c| store::chunk(c, id, seq)).await })
        });
        match pending.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(result) => {
                this.pending = None;
                this.next_seq += 1;
                match result {
                    Ok(Some(bytes)) if !bytes.is_empty() && this.sent + bytes.len() as u64 <= this.size => {
                        this.sent += bytes.len() as u64;
                        Poll::Ready(Some(Ok(Bytes::from(bytes))))
                    }
                    other => {
                        // The status line is gone: end the body so the client sees a broken transfer.
                        match other {
                            Err(e) => tracing::error!(error = %e, attachment = this.id, "attachment download failed part-way"),
                            _ => tracing::error!(
                                attachment = this.id,
                                chunk = this.next_seq - 1,
                                "attachment chunks do not add up to its size"
                            ),
                        }
                        this.sent = this.size;
                        Poll::Ready(Some(Err(actix_web::error::ErrorInternalServerError("download failed"))))
                    }
                }
            }
        }
    }
}
