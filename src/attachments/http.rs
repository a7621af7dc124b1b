//! Attachments: upload to an application or a grant (the file as the body),
//! download, and removal (recorded, not deleted).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};

use crate::attachments::download::Chunks;
use crate::attachments::dto::{self, AttachmentDto, FileBody, RemoveQuery};
use crate::attachments::service::{self, AttachmentError};
use crate::attachments::upload::{self, Upload};
use crate::db::attachments as store;
use crate::db::pools::Actor;
use crate::domain::access::Action;
use crate::domain::attachment::{FileName, Kind, Parent};
use crate::domain::values::Name;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::{AppState, now};

/// `20 MB` for a limit of whole mebibytes, else the bytes.
pub fn describe_bytes(n: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if n >= MB && n % MB == 0 { format!("{} MB", n / MB) } else { format!("{n} bytes") }
}

/// The cluster an attachment's parent belongs to (`None`: no such parent).
async fn cluster_of(state: &AppState, parent: Parent) -> Result<Option<String>, ApiError> {
    state
        .db
        .read(move |c| match parent {
            Parent::Application(id) => Ok(crate::db::applications::pool_of(c, id)?.map(|p| p.cluster.to_string())),
            Parent::Grant(id) => Ok(crate::db::grants::find(c, id)?.map(|g| g.pool.cluster.to_string())),
        })
        .await
}

/// The parent exists and the caller's key covers its cluster.
async fn check_parent(state: &AppState, caller: &Caller, parent: Parent) -> Result<(), ApiError> {
    let cluster = cluster_of(state, parent).await?.ok_or_else(|| ApiError::NotFound(format!("no {}", parent.describe())))?;
    caller.require_cluster(&cluster)
}

/// Refuses an upload after reading what is left of its body (bounded), so that the client hears why.
async fn refuse(payload: &mut web::Payload, e: ApiError) -> Result<HttpResponse, ApiError> {
    upload::drain(payload).await;
    Err(e)
}

async fn receive(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    mut payload: web::Payload,
    parent: Parent,
) -> Result<HttpResponse, ApiError> {
    let limit = state.max_attachment_bytes;
    if upload::declared_too_large(req.headers(), limit) {
        let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        // Far too large: answer at once rather than read it.
        if declared.is_some_and(|n| n > limit.saturating_add(upload::DRAIN_BYTES)) {
            return Err(upload::too_large(limit));
        }
        return refuse(&mut payload, upload::too_large(limit)).await;
    }
    let declared = req.headers().get(header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).unwrap_or_default();
    let Some(kind) = Kind::from_media_type(&declared) else {
        let e = ApiError::UnsupportedMediaType(format!(
            "attachments may be PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, TXT or CSV; send the file's type as Content-Type, one of {} (got {declared:?})",
            Kind::allowed()
        ));
        return refuse(&mut payload, e).await;
    };
    let file_name: FileName = match dto::file_name(req.headers().get(header::CONTENT_DISPOSITION).map(|v| v.as_bytes())) {
        Ok(f) => f,
        Err(e) => return refuse(&mut payload, e).await,
    };
    let at = now();
    let actor = caller.actor();
    let up = Upload { parent, kind, file_name, limit, uploaded_by: actor.clone(), at };
    let received = upload::receive(&state.db, &mut payload, &up).await?;
    let (id, size, sha) = (received.id, received.size, received.sha256.clone());
    let request_id = caller.request_id.clone();
    let row = state
        .db
        .write(move |c| {
            service::complete(c, id, size, &sha, &Actor { name: &actor, request_id: request_id.as_deref(), at }).map_err(ApiError::from)
        })
        .await?;
    received.guard.keep();
    let etag = format!("\"{}\"", row.sha256);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/attachments/{}", row.id)))
        .insert_header((header::ETAG, etag))
        .json(AttachmentDto::from(row)))
}

/// Attaches a file to an application (a charter, a minutes extract, a report).
///
/// The file is the body, its type in `Content-Type` (PDF, DOCX, XLSX, ODT,
/// ODS, PNG, JPEG, TXT or CSV, checked against the bytes), its name in
/// `Content-Disposition: attachment; filename="…"`. At most 20 MB unless
/// configured otherwise (`ATTACHMENT_MAX_BYTES`).
#[utoipa::path(operation_id = "attach_to_application", extensions(("x-permission" = json!("manage_applications"))),
    tag = "applications", params(("id" = i64, Path), ("Content-Disposition" = String, Header, description = "`attachment; filename=\"…\"` (or `filename*=UTF-8''…`)")),
    request_body(description = "The file's bytes", content(
        (FileBody = "application/pdf"), (FileBody = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (FileBody = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (FileBody = "application/vnd.oasis.opendocument.text"),
        (FileBody = "application/vnd.oasis.opendocument.spreadsheet"), (FileBody = "image/png"), (FileBody = "image/jpeg"),
        (FileBody = "text/plain"), (FileBody = "text/csv"))),
    security(("api_key" = [])),
    responses((status = 201, description = "The attachment; `ETag` is its SHA-256", body = AttachmentDto, headers(("ETag" = String), ("Location" = String))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem, description = "Larger than the limit; nothing was saved"),
        (status = 415, body = Problem, description = "Not an accepted kind of file, or the bytes are not what `Content-Type` says"),
        (status = 422, body = Problem, description = "No file name, or an empty file")))]
#[post("/applications/{id}/attachments")]
pub async fn upload_to_application(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageApplications)?;
    let parent = Parent::Application(path.into_inner());
    check_parent(&state, &caller, parent).await?;
    receive(state, caller, req, payload, parent).await
}

/// Attaches a file to a grant (a report, a minutes extract); as for an application.
#[utoipa::path(operation_id = "attach_to_grant", extensions(("x-permission" = json!("manage_grants"))),
    tag = "grants", params(("id" = i64, Path), ("Content-Disposition" = String, Header, description = "`attachment; filename=\"…\"` (or `filename*=UTF-8''…`)")),
    request_body(description = "The file's bytes", content(
        (FileBody = "application/pdf"), (FileBody = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (FileBody = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (FileBody = "application/vnd.oasis.opendocument.text"),
        (FileBody = "application/vnd.oasis.opendocument.spreadsheet"), (FileBody = "image/png"), (FileBody = "image/jpeg"),
        (FileBody = "text/plain"), (FileBody = "text/csv"))),
    security(("api_key" = [])),
    responses((status = 201, description = "The attachment; `ETag` is its SHA-256", body = AttachmentDto, headers(("ETag" = String), ("Location" = String))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem, description = "Larger than the limit; nothing was saved"),
        (status = 415, body = Problem, description = "Not an accepted kind of file, or the bytes are not what `Content-Type` says"),
        (status = 422, body = Problem, description = "No file name, or an empty file")))]
#[post("/grants/{id}/attachments")]
pub async fn upload_to_grant(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageGrants)?;
    let parent = Parent::Grant(path.into_inner());
    check_parent(&state, &caller, parent).await?;
    receive(state, caller, req, payload, parent).await
}

/// A stored attachment the caller may see: 404 unknown, 403 another cluster's.
async fn visible(state: &AppState, caller: &Caller, id: i64) -> Result<store::AttachmentRow, ApiError> {
    let row = state.db.read(move |c| store::find(c, id).map_err(ApiError::from)).await?;
    let row = row.filter(store::AttachmentRow::is_stored).ok_or(AttachmentError::NotFound(id))?;
    let parent = row.parent()?;
    check_parent(state, caller, parent).await?;
    Ok(row)
}

/// Downloads an attachment: always as a download (`Content-Disposition: attachment`), its SHA-256 as `ETag`.
#[utoipa::path(operation_id = "download_attachment", extensions(("x-permission" = json!("read"))),
    tag = "applications", params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The file, byte for byte, as the type it was uploaded as", content(
            (FileBody = "application/pdf"), (FileBody = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (FileBody = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (FileBody = "application/vnd.oasis.opendocument.text"),
            (FileBody = "application/vnd.oasis.opendocument.spreadsheet"), (FileBody = "image/png"), (FileBody = "image/jpeg"),
            (FileBody = "text/plain"), (FileBody = "text/csv")),
            headers(("ETag" = String, description = "The SHA-256 of the bytes, quoted"), ("Content-Disposition" = String))),
        (status = 304, description = "The client's copy (`If-None-Match`) is current"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 410, body = Problem, description = "The attachment was removed")))]
#[get("/attachments/{id}")]
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let row = visible(&state, &caller, id).await?;
    if let Some(at) = row.removed_at {
        return Err(AttachmentError::Removed(id, at.format("%Y-%m-%d").to_string()).into());
    }
    let etag = format!("\"{}\"", row.sha256);
    if let Some(not_modified) = crate::http::conventions::if_none_match(&req, &etag, None) {
        return Ok(not_modified);
    }
    let kind = row.kind()?;
    // The stored name passed the same rule when uploaded; the fallback is a fixed valid name, so the expect cannot fire.
    let name = FileName::parse(&row.file_name).unwrap_or_else(|_| FileName::parse("vedhaeftet-fil").expect("a fixed name"));
    let content_type = if kind.is_text() { format!("{}; charset=utf-8", kind.media_type()) } else { kind.media_type().to_owned() };
    let size = u64::try_from(row.size_bytes).unwrap_or(0);
    Ok(crate::http::conventions::validated(actix_web::http::StatusCode::OK, &etag, None)
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_DISPOSITION, dto::download_disposition(&name)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(Chunks::new(state.db.clone(), row.id, size)))
}

/// Removes an attachment: recorded (who, when, why), not deleted. It stays
/// listed on its parent with `removed: true`; its download answers 410.
/// A grant's attachment needs `manage_grants` too.
#[utoipa::path(operation_id = "remove_attachment", extensions(("x-permission" = json!("manage_applications"))),
    tag = "applications", params(("id" = i64, Path), RemoveQuery), security(("api_key" = [])),
    responses((status = 200, description = "The attachment, now marked removed", body = AttachmentDto),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 410, body = Problem, description = "Removed already"), (status = 422, body = Problem, description = "No reason given")))]
#[delete("/attachments/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    query: web::Query<RemoveQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageApplications)?;
    let id = path.into_inner();
    let row = visible(&state, &caller, id).await?;
    if matches!(row.parent()?, Parent::Grant(_)) {
        caller.require(Action::ManageGrants)?;
    }
    let reason = Name::parse(query.reason.as_deref().unwrap_or(""), 500).map_err(|e| ApiError::field("reason", e))?.into_string();
    let (at, actor, request_id) = (now(), caller.actor(), caller.request_id.clone());
    let row = state
        .db
        .write(move |c| {
            service::remove(c, id, &reason, &Actor { name: &actor, request_id: request_id.as_deref(), at }).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AttachmentDto::from(row)))
}
