//! The wire types of attachments, reading the `Content-Disposition` of an
//! upload, and `AttachmentError` as problem+json.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::attachments::service::AttachmentError;
use crate::db::attachments::{self as store, AttachmentRow};
use crate::db::{AnyConnection, StoreError};
use crate::domain::attachment::{FileName, Parent};
use crate::http::error::ApiError;
use crate::http::utc;

/// A file attached to an application or a grant.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: i64,
    /// The application it belongs to (or `grant_id`).
    pub application_id: Option<i64>,
    pub grant_id: Option<i64>,
    #[schema(example = "Kommissorium.pdf")]
    pub file_name: String,
    #[schema(example = "application/pdf")]
    pub media_type: String,
    /// The file's size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the bytes, in hex: also the download's `ETag`.
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
    /// Where to download it.
    #[schema(example = "/api/v1/attachments/1")]
    pub href: String,
    /// Removed attachments stay listed (the history), with who removed them, when and why; their download is 410.
    pub removed: bool,
    pub removed_at: Option<DateTime<Utc>>,
    pub removed_by: Option<String>,
    pub removal_reason: Option<String>,
}

impl From<AttachmentRow> for AttachmentDto {
    fn from(r: AttachmentRow) -> Self {
        AttachmentDto {
            id: r.id,
            application_id: r.application_id,
            grant_id: r.grant_id,
            file_name: r.file_name,
            media_type: r.media_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by,
            uploaded_at: utc(r.created_at),
            href: format!("/api/v1/attachments/{}", r.id),
            removed: r.removed_at.is_some(),
            removed_at: r.removed_at.map(utc),
            removed_by: r.removed_by,
            removal_reason: r.removed_reason,
        }
    }
}

/// The attachments listed on a parent (`attachments[]` of an application or a grant).
pub fn listed(conn: &mut AnyConnection, parent: Parent) -> Result<Vec<AttachmentDto>, StoreError> {
    Ok(store::of_parent(conn, parent)?.into_iter().map(AttachmentDto::from).collect())
}

/// The file as an upload's body (documented per accepted media type).
pub struct FileBody;

impl utoipa::PartialSchema for FileBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("The file's bytes; what they are must agree with `Content-Type`."))
            .into()
    }
}

impl ToSchema for FileBody {}

/// Why an attachment is removed.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RemoveQuery {
    /// Why it is removed (kept with the removal and in the audit trail); required.
    #[param(min_length = 1, max_length = 500, example = "Uploadet på den forkerte ansøgning")]
    pub reason: Option<String>,
}

/// The file name of an upload's `Content-Disposition: attachment; filename="…"`
/// (or `filename*=UTF-8''…`, which wins when both are sent), made safe.
pub fn file_name(header: Option<&[u8]>) -> Result<FileName, ApiError> {
    let bad = |why: &str| ApiError::field("Content-Disposition", why);
    let example = "send the file's name as Content-Disposition: attachment; filename=\"kommissorium.pdf\"";
    let raw = header.ok_or_else(|| bad(example))?;
    let text = std::str::from_utf8(raw).map_err(|_| bad("is not readable text; send the name as filename*=UTF-8''… (percent-encoded)"))?;
    let params = disposition_params(text).ok_or_else(|| bad(example))?;
    let (kind, rest) = params.split_first().ok_or_else(|| bad(example))?;
    if !kind.0.eq_ignore_ascii_case("attachment") || !kind.1.is_empty() {
        return Err(bad(example));
    }
    let extended = rest.iter().find(|(n, _)| n.eq_ignore_ascii_case("filename*")).map(|(_, v)| v);
    let name = match extended {
        Some(value) => {
            let (charset, encoded) =
                value.split_once('\'').and_then(|(c, rest)| rest.split_once('\'').map(|(_, e)| (c, e))).ok_or_else(|| bad(example))?;
            if !charset.eq_ignore_ascii_case("utf-8") {
                return Err(bad("filename* must be UTF-8''… (percent-encoded UTF-8)"));
            }
            percent_decode(encoded).ok_or_else(|| bad("filename* is not percent-encoded UTF-8"))?
        }
        None => rest.iter().find(|(n, _)| n.eq_ignore_ascii_case("filename")).map(|(_, v)| v.clone()).ok_or_else(|| bad(example))?,
    };
    FileName::parse(&name).map_err(bad)
}

/// `type; name=value; name="quoted \" value"` as (name, value) pairs, the type first (with an empty value).
fn disposition_params(text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut first = true;
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ';' {
                break;
            }
            name.push(c);
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => value.push(chars.next()?),
                        c => value.push(c),
                    }
                }
                while chars.peek().is_some_and(|c| *c != ';') {
                    if !chars.next()?.is_whitespace() {
                        return None;
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ';' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
                value = value.trim().to_owned();
            }
        } else if !first {
            return None;
        }
        out.push((name.trim().to_owned(), value));
        first = false;
        match chars.next() {
            Some(';') | None => {}
            Some(_) => return None,
        }
    }
    Some(out)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `Content-Disposition` of a download: always `attachment` (never shown
/// inline), an ASCII `filename` and the exact name as `filename*` (RFC 6266).
pub fn download_disposition(name: &FileName) -> String {
    let mut encoded = String::new();
    for b in name.as_str().bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{}\"; filename*=UTF-8''{encoded}", name.ascii_fallback())
}

impl From<AttachmentError> for ApiError {
    fn from(e: AttachmentError) -> Self {
        match e {
            AttachmentError::NotFound(_) => ApiError::NotFound(e.to_string()),
            AttachmentError::Removed(..) => ApiError::Gone(e.to_string()),
            AttachmentError::Abandoned => {
                ApiError::Conflict { kind: crate::http::error::ConflictKind::ConcurrentChange, detail: e.to_string() }
            }
            AttachmentError::Store(s) => ApiError::Store(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(header: &str) -> Result<String, ApiError> {
        file_name(Some(header.as_bytes())).map(|f| f.as_str().to_owned())
    }

    #[test]
    fn the_file_name_is_read_from_either_form_and_made_safe() {
        assert_eq!(name("attachment; filename=\"Kommissorium.pdf\"").ok().as_deref(), Some("Kommissorium.pdf"));
        assert_eq!(name("attachment; filename=plain.txt").ok().as_deref(), Some("plain.txt"));
        assert_eq!(name("Attachment; filename=\"a \\\"b\\\".pdf\"").ok().as_deref(), Some("a \"b\".pdf"));
        assert_eq!(name("attachment; filename=\"x.pdf\"; filename*=UTF-8''m%C3%B8de.pdf").ok().as_deref(), Some("møde.pdf"));
        assert_eq!(name("attachment; filename=\"../../etc/passwd\"").ok().as_deref(), Some("passwd"));
        for bad in ["inline; filename=\"a.pdf\"", "attachment", "attachment; filename=\"open", "attachment; filename*=latin1''a.pdf", ""] {
            assert!(name(bad).is_err(), "{bad}");
        }
        assert!(file_name(None).is_err());
    }

    #[test]
    fn a_download_names_the_file_in_ascii_and_exactly() {
        let f = FileName::parse("Referat møde.pdf").expect("name");
        assert_eq!(download_disposition(&f), "attachment; filename=\"Referat moede.pdf\"; filename*=UTF-8''Referat%20m%C3%B8de.pdf");
    }
}
