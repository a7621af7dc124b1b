//! Attachments and their bytes, as stored: a row per file and its chunks
//! in order. No rules here: the attachments service decides what is stored
//! and when an attachment counts as removed.

use crate::db::cached::direct;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{attachment_chunks, attachments};
use super::{AnyConnection, StoreError};
use crate::domain::attachment::{Kind, Parent};

/// The largest chunk written: a download reads one per database round trip.
pub const CHUNK_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, Queryable)]
pub struct AttachmentRow {
    pub id: i64,
    pub application_id: Option<i64>,
    pub grant_id: Option<i64>,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub state: String,
    pub uploaded_by: String,
    pub created_at: NaiveDateTime,
    pub removed_at: Option<NaiveDateTime>,
    pub removed_by: Option<String>,
    pub removed_reason: Option<String>,
}

impl AttachmentRow {
    pub fn parent(&self) -> Result<Parent, StoreError> {
        match (self.application_id, self.grant_id) {
            (Some(a), None) => Ok(Parent::Application(a)),
            (None, Some(g)) => Ok(Parent::Grant(g)),
            _ => Err(StoreError::Corrupt(format!("attachment {}: not exactly one parent", self.id))),
        }
    }

    pub fn kind(&self) -> Result<Kind, StoreError> {
        Kind::parse(&self.media_type)
            .ok_or_else(|| StoreError::Corrupt(format!("attachment {}: media type {:?}", self.id, self.media_type)))
    }

    /// Completely written and committed (a `pending` row is an upload under way).
    pub fn is_stored(&self) -> bool {
        self.state == "stored"
    }
}

/// A new upload's row, `pending` until [`mark_stored`].
pub struct NewAttachment<'a> {
    pub parent: Parent,
    pub file_name: &'a str,
    pub kind: Kind,
    pub uploaded_by: &'a str,
    pub at: NaiveDateTime,
}

pub fn insert_pending(conn: &mut AnyConnection, new: &NewAttachment<'_>) -> Result<i64, StoreError> {
    let (application_id, grant_id) = match new.parent {
        Parent::Application(id) => (Some(id), None),
        Parent::Grant(id) => (None, Some(id)),
    };
    let ids: Vec<i64> = diesel::insert_into(attachments::table)
        .values((
            attachments::application_id.eq(application_id),
            attachments::grant_id.eq(grant_id),
            attachments::file_name.eq(new.file_name),
            attachments::media_type.eq(new.kind.media_type()),
            attachments::uploaded_by.eq(new.uploaded_by),
            attachments::created_at.eq(new.at),
        ))
        .returning(attachments::id)
        .get_results(conn)?;
    ids.into_iter().next().ok_or_else(|| StoreError::Corrupt("insert returned no id".into()))
}

pub fn append_chunk(conn: &mut AnyConnection, id: i64, seq: i32, bytes: &[u8]) -> Result<(), StoreError> {
    diesel::insert_into(attachment_chunks::table)
        .values((attachment_chunks::attachment_id.eq(id), attachment_chunks::seq.eq(seq), attachment_chunks::bytes.eq(bytes)))
        .execute(conn)?;
    Ok(())
}

/// Makes a pending upload stored; `false` if it was not pending (cleaned up meanwhile).
pub fn mark_stored(conn: &mut AnyConnection, id: i64, size: i64, sha256: &str) -> Result<bool, StoreError> {
    let n = diesel::update(attachments::table.filter(attachments::id.eq(id)).filter(attachments::state.eq("pending")))
        .set((attachments::state.eq("stored"), attachments::size_bytes.eq(size), attachments::sha256.eq(sha256)))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<AttachmentRow>, StoreError> {
    Ok(attachments::table.filter(attachments::id.eq(id)).first(conn).optional()?)
}

/// The stored attachments of a parent, oldest first (removed ones too).
pub fn of_parent(conn: &mut AnyConnection, parent: Parent) -> Result<Vec<AttachmentRow>, StoreError> {
    let stored = attachments::table.filter(attachments::state.eq("stored")).order(attachments::id.asc());
    Ok(match parent {
        Parent::Application(id) => direct!(conn, |c| stored.filter(attachments::application_id.eq(id)).load(c))?,
        Parent::Grant(id) => direct!(conn, |c| stored.filter(attachments::grant_id.eq(id)).load(c))?,
    })
}

/// The chunk numbered `seq` (from 0), if there is one.
pub fn chunk(conn: &mut AnyConnection, id: i64, seq: i32) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(attachment_chunks::table
        .filter(attachment_chunks::attachment_id.eq(id))
        .filter(attachment_chunks::seq.eq(seq))
        .select(attachment_chunks::bytes)
        .first(conn)
        .optional()?)
}

/// Records the removal of a stored attachment; `false` if it was removed already.
pub fn mark_removed(conn: &mut AnyConnection, id: i64, by: &str, reason: &str, at: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(
        attachments::table.filter(attachments::id.eq(id)).filter(attachments::state.eq("stored")).filter(attachments::removed_at.is_null()),
    )
    .set((attachments::removed_at.eq(Some(at)), attachments::removed_by.eq(Some(by)), attachments::removed_reason.eq(Some(reason))))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes an upload that never completed: its chunks and its pending row.
/// A stored attachment is never deleted.
pub fn discard_pending(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    let pending =
        attachments::table.filter(attachments::id.eq(id)).filter(attachments::state.eq("pending")).count().get_result::<i64>(conn)?;
    if pending == 1 {
        diesel::delete(attachment_chunks::table.filter(attachment_chunks::attachment_id.eq(id))).execute(conn)?;
        diesel::delete(attachments::table.filter(attachments::id.eq(id)).filter(attachments::state.eq("pending"))).execute(conn)?;
    }
    Ok(())
}

/// Uploads still pending that started before `before` (their process died mid-upload).
pub fn stale_pending(conn: &mut AnyConnection, before: NaiveDateTime) -> Result<Vec<i64>, StoreError> {
    Ok(attachments::table
        .filter(attachments::state.eq("pending"))
        .filter(attachments::created_at.lt(before))
        .select(attachments::id)
        .limit(100)
        .load(conn)?)
}
