//! Receiving an upload as it streams in: counted against the limit, hashed,
//! its type sniffed from the first bytes, written chunk by chunk as a
//! `pending` attachment that nobody sees until the attachments service
//! completes it. A failed or abandoned upload leaves nothing behind.

use std::pin::Pin;

use actix_web::http::header::{self, HeaderMap};
use actix_web::web;
use futures_core::Stream;
use sha2::{Digest, Sha256};

use crate::db::attachments::{self as store, CHUNK_BYTES, NewAttachment};
use crate::db::{AnyConnection, Db, StoreError};
use crate::domain::attachment::{FileName, Kind, Parent, SNIFF_BYTES, Sniffed, TextCheck, sniff};
use crate::http::error::ApiError;

/// What is read past the limit before answering 413, so that the client is
/// still listening for the answer (bytes are counted and dropped, not kept).
pub const DRAIN_BYTES: u64 = 32 * 1024 * 1024;

/// An upload that has been checked up front (caller, parent, headers).
pub struct Upload {
    pub parent: Parent,
    pub kind: Kind,
    pub file_name: FileName,
    pub limit: u64,
    pub uploaded_by: String,
    pub at: chrono::NaiveDateTime,
}

/// An upload whose every byte is written, still pending.
pub struct Received {
    pub guard: PendingGuard,
    pub id: i64,
    pub size: i64,
    pub sha256: String,
}

/// Whether a request is an attachment upload, whose body is streamed (and so
/// must not be read in full by a middleware).
pub fn is_streamed_upload(method: &actix_web::http::Method, path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    method == actix_web::http::Method::POST
        && parts.len() == 6
        && parts[..3] == ["", "api", "v1"]
        && matches!(parts[3], "applications" | "grants")
        && parts[5] == "attachments"
}

/// What an `Idempotency-Key` fingerprints a streamed upload by: its headers
/// (type, name, length), since the bytes are never held to hash them first.
pub fn fingerprint(headers: &HeaderMap) -> String {
    let get = |name: header::HeaderName| headers.get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).unwrap_or_default();
    format!("stream {} | {} | {}", get(header::CONTENT_TYPE), get(header::CONTENT_DISPOSITION), get(header::CONTENT_LENGTH))
}

/// The declared length, when it already says the file is too large.
pub fn declared_too_large(headers: &HeaderMap, limit: u64) -> bool {
    headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok()).is_some_and(|n| n > limit)
}

pub fn too_large(limit: u64) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the file is larger than {} (the limit for attachments); nothing was saved",
        crate::attachments::http::describe_bytes(limit)
    ))
}

/// Deletes a pending upload when dropped (an error, a client that went
/// away), unless the upload was completed.
pub struct PendingGuard {
    db: Db,
    id: Option<i64>,
}

impl PendingGuard {
    /// The upload is committed: keep it.
    pub fn keep(mut self) {
        self.id = None;
    }
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let db = self.db.clone();
            // Drop may run outside the runtime's reach (a cancelled request): a plain thread.
            std::thread::spawn(move || {
                if let Err(e) = db.write_sync(|c| store::discard_pending(c, id)) {
                    tracing::warn!(error = %e, attachment = id, "could not discard an unfinished upload; it is swept later");
                }
            });
        }
    }
}

/// A short write of its own: chunks are not the request's transaction (that
/// is [`crate::attachments::service::complete`]), so no idempotency claim is marked here.
async fn write<T, F>(db: &Db, f: F) -> Result<T, StoreError>
where
    F: FnMut(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    let db = db.clone();
    web::block(move || db.write_sync(f)).await.unwrap_or(Err(StoreError::Blocking))
}

/// Uploads that began more than an hour ago and never completed (their
/// process died): deleted before a new upload starts.
async fn sweep(db: &Db, now: chrono::NaiveDateTime) {
    let before = now - chrono::Duration::hours(1);
    let swept = write(db, move |c| {
        let ids = store::stale_pending(c, before)?;
        for id in &ids {
            store::discard_pending(c, *id)?;
        }
        Ok(ids.len())
    })
    .await;
    if let Err(e) = swept {
        tracing::warn!(error = %e, "could not sweep abandoned uploads");
    }
}

type Piece = Result<web::Bytes, actix_web::error::PayloadError>;

async fn next_piece<S: Stream<Item = Piece> + Unpin>(payload: &mut S) -> Option<Piece> {
    std::future::poll_fn(|cx| Pin::new(&mut *payload).poll_next(cx)).await
}

/// Reads and drops what is left of a body that is refused, up to [`DRAIN_BYTES`].
pub async fn drain<S: Stream<Item = Piece> + Unpin>(payload: &mut S) {
    let mut dropped = 0u64;
    while dropped < DRAIN_BYTES {
        match next_piece(payload).await {
            Some(Ok(piece)) => dropped += piece.len() as u64,
            _ => break,
        }
    }
}

fn mismatch(declared: Kind, seen: Sniffed) -> ApiError {
    ApiError::UnsupportedMediaType(format!(
        "the file was sent as {} ({}) but its contents are {}; accepted are {}. Nothing was saved",
        declared.describe(),
        declared.media_type(),
        seen.describe(),
        Kind::allowed()
    ))
}

/// Reads the body to its end, writing it chunk by chunk. At most one chunk
/// and one piece of the body are in memory at a time.
pub async fn receive(db: &Db, payload: &mut web::Payload, upload: &Upload) -> Result<Received, ApiError> {
    sweep(db, upload.at).await;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK_BYTES);
    let (mut total, mut seq) = (0u64, 0i32);
    let mut hasher = Sha256::new();
    let mut text = upload.kind.is_text().then(TextCheck::default);
    let mut guard: Option<PendingGuard> = None;
    loop {
        let piece = match next_piece(payload).await {
            None => break,
            Some(Ok(piece)) => piece,
            Some(Err(e)) => return Err(ApiError::BadRequest(format!("the upload broke off ({e}); nothing was saved"))),
        };
        total += piece.len() as u64;
        if total > upload.limit {
            drain(payload).await;
            return Err(too_large(upload.limit));
        }
        hasher.update(&piece);
        if let Some(check) = text.as_mut() {
            if !check.feed(&piece) {
                drain(payload).await;
                return Err(mismatch(upload.kind, Sniffed::Unknown));
            }
        }
        buf.extend_from_slice(&piece);
        while buf.len() >= CHUNK_BYTES {
            let rest = buf.split_off(CHUNK_BYTES);
            let chunk = std::mem::replace(&mut buf, rest);
            if guard.is_none() {
                let seen = sniff(&chunk[..SNIFF_BYTES.min(chunk.len())], false);
                if !seen.agrees_with(upload.kind) {
                    drain(payload).await;
                    return Err(mismatch(upload.kind, seen));
                }
                guard = Some(start(db, upload).await?);
            }
            let id = guard.as_ref().and_then(|g| g.id).ok_or(StoreError::Blocking)?;
            write(db, move |c| store::append_chunk(c, id, seq, &chunk)).await?;
            seq += 1;
        }
    }
    if total == 0 {
        return Err(ApiError::field("body", "the file is empty; send the file's bytes as the body"));
    }
    if guard.is_none() {
        let seen = sniff(&buf[..SNIFF_BYTES.min(buf.len())], buf.len() <= SNIFF_BYTES);
        if !seen.agrees_with(upload.kind) {
            return Err(mismatch(upload.kind, seen));
        }
        guard = Some(start(db, upload).await?);
    }
    if text.as_ref().is_some_and(|t| !t.finish()) {
        return Err(mismatch(upload.kind, Sniffed::Unknown));
    }
    let guard = guard.ok_or(StoreError::Blocking)?;
    let id = guard.id.ok_or(StoreError::Blocking)?;
    if !buf.is_empty() {
        write(db, move |c| store::append_chunk(c, id, seq, &buf)).await?;
    }
    let size = i64::try_from(total).map_err(|_| too_large(upload.limit))?;
    Ok(Received { guard, id, size, sha256: crate::secrets::hex(&hasher.finalize()) })
}

/// The pending row, made when the first chunk is known to be of the declared kind.
async fn start(db: &Db, upload: &Upload) -> Result<PendingGuard, ApiError> {
    let (parent, kind, name, by, at) =
        (upload.parent, upload.kind, upload.file_name.as_str().to_owned(), upload.uploaded_by.clone(), upload.at);
    let id = write(db, move |c| store::insert_pending(c, &NewAttachment { parent, file_name: &name, kind, uploaded_by: &by, at })).await?;
    Ok(PendingGuard { db: db.clone(), id: Some(id) })
}
