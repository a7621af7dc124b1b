//! What completes an upload and what removes an attachment: the row's
//! state, and the audit event in the same transaction.

use serde_json::json;

use crate::db::attachments::{self as store, AttachmentRow};
use crate::db::audit::{self, AuditEvent};
use crate::db::pools::Actor;
use crate::db::{AnyConnection, StoreError};
use crate::domain::attachment::Parent;

#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    #[error("no attachment {0}")]
    NotFound(i64),
    #[error("attachment {0} was removed on {1}")]
    Removed(i64, String),
    /// The upload's pending row went away before it was committed (cleaned up as abandoned).
    #[error("the upload took too long and was discarded; send the file again")]
    Abandoned,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for AttachmentError {
    fn from(e: diesel::result::Error) -> Self {
        AttachmentError::Store(StoreError::Query(e))
    }
}

/// The facts of an attachment as the audit trail keeps them.
fn facts(row: &AttachmentRow, parent: Parent) -> serde_json::Value {
    let (kind, parent_id) = match parent {
        Parent::Application(id) => ("application", id),
        Parent::Grant(id) => ("grant", id),
    };
    json!({
        "id": row.id, kind: parent_id, "file_name": row.file_name, "media_type": row.media_type,
        "size_bytes": row.size_bytes, "sha256": row.sha256,
    })
}

/// Makes a fully written upload an attachment of its parent: from now on it
/// is listed and served. Every chunk is already written; this is the one
/// transaction in which the attachment appears, with its audit event.
pub fn complete(conn: &mut AnyConnection, id: i64, size: i64, sha256: &str, actor: &Actor<'_>) -> Result<AttachmentRow, AttachmentError> {
    if !store::mark_stored(conn, id, size, sha256)? {
        return Err(AttachmentError::Abandoned);
    }
    let row = store::find(conn, id)?.ok_or(AttachmentError::Abandoned)?;
    let parent = row.parent()?;
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "attachment.uploaded",
            subject: format!("attachment:{id}"),
            before: None,
            after: Some(facts(&row, parent)),
            request_id: actor.request_id,
        },
    )?;
    Ok(row)
}

/// Records that an attachment is removed (who, when, why): the row and its
/// bytes stay, it is listed as removed and its download answers 410.
pub fn remove(conn: &mut AnyConnection, id: i64, reason: &str, actor: &Actor<'_>) -> Result<AttachmentRow, AttachmentError> {
    let row = store::find(conn, id)?.filter(AttachmentRow::is_stored).ok_or(AttachmentError::NotFound(id))?;
    if let Some(at) = row.removed_at {
        return Err(AttachmentError::Removed(id, at.format("%Y-%m-%d").to_string()));
    }
    if !store::mark_removed(conn, id, actor.name, reason, actor.at)? {
        return Err(AttachmentError::Removed(id, actor.at.format("%Y-%m-%d").to_string()));
    }
    let parent = row.parent()?;
    audit::record(
        conn,
        &AuditEvent {
            at: actor.at,
            actor: actor.name,
            action: "attachment.removed",
            subject: format!("attachment:{id}"),
            before: Some(facts(&row, parent)),
            after: Some(json!({"removed": true, "reason": reason})),
            request_id: actor.request_id,
        },
    )?;
    store::find(conn, id)?.ok_or(AttachmentError::NotFound(id))
}
