//! The sitting's outcomes in one request, and the agenda and minutes as documents.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use crate::db::meetings::{self as store};
use crate::db::pools;
use crate::db::pools::Actor;
use crate::domain::access::Action;
use crate::domain::values::{PoolKey, parse_note};
use crate::http::auth::Caller;
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::fields::money;
use crate::http::{AppState, json, negotiate, now};
use crate::meetings::document::DocumentKind;
use crate::meetings::document_dto::{DocumentDto, document_dto};
use crate::meetings::dto::*;
use crate::meetings::service::sitting::{self, ItemDecision, Sitting};

use super::{DOCX, HTML, load, meeting_of, meeting_response, view};

/// Records every item's outcome of a sitting in one transaction: all or
/// nothing. Application outcomes take the same workflow step as
/// `…/recommendation`, `…/decision` and `…/referral` (money reserved,
/// committed or released exactly as there); a postponed item goes onto the
/// forum's next meeting. Send an `Idempotency-Key` to make a retry safe.
#[utoipa::path(operation_id = "record_meeting_outcomes", extensions(("x-permission" = json!("record_decisions"))),
    tag = "meetings", params(("id" = i64, Path)), request_body = SittingRequest, security(("api_key" = [])),
    responses((status = 200, description = "The meeting, held, with every outcome", body = MeetingDto, headers(("ETag" = String))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The meeting is held already, or outcomes cannot be recorded (e.g. a bucket cannot pay): `errors` names each; nothing was saved"),
        (status = 422, body = Problem, description = "Outcomes missing, unknown or invalid: `errors` names each; nothing was saved")))]
#[post("/meetings/{id}/outcomes")]
pub async fn record_outcomes(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let id = path.into_inner();
    let (_, slug) = meeting_of(&state, &caller, id).await?;
    let (dto, mut errors) = json::parse_all::<SittingRequest>(&req, &body)?;
    let reference = crate::http::fields::reference(&dto.reference, &mut errors);
    if dto.outcomes.len() > 200 {
        errors.push(FieldError::new("outcomes", "at most 200 outcomes in one sitting"));
    }
    let mut outcomes = Vec::new();
    for (i, o) in dto.outcomes.iter().enumerate().take(200) {
        let amount = o.amount.as_deref().and_then(|a| money(&format!("outcomes[{i}].amount"), a, &mut errors));
        let note = parse_note(o.note.as_deref().unwrap_or(""), 5000)
            .map_err(|e| errors.push(FieldError::new(format!("outcomes[{i}].note"), e)))
            .unwrap_or_default();
        outcomes.push(ItemDecision { item: o.item, outcome: o.outcome.into(), amount, note });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    // Every pool an item draws on is locked, in one order.
    let locks: Vec<PoolKey> = state
        .db
        .read(move |c| {
            let mut keys = Vec::new();
            for item in store::items(c, id)? {
                let pool_id = match item.application_id {
                    Some(app) => crate::db::applications::find(c, app)?.map(|a| a.pool_id),
                    None => item.pool_id,
                };
                if let Some(p) = pool_id.map(|p| pools::find_by_id(c, p)).transpose()?.flatten() {
                    keys.push(p.pool.key);
                }
            }
            Ok::<_, ApiError>(keys)
        })
        .await?;
    let sitting = Sitting { reference, outcomes };
    let secretariat = state.links.secretariat_email.clone();
    let at = now();
    let out = state
        .db
        .write_in_pools(&locks, move |c| {
            let (m, _) = load(c, id)?;
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            let held = sitting::record(c, &m, &sitting, caller.email.as_deref(), who, Some(&secretariat))?;
            view(c, held, slug.clone())
        })
        .await?;
    Ok(meeting_response(out, StatusCode::OK))
}

async fn document(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: i64,
    kind: DocumentKind,
) -> Result<HttpResponse, ApiError> {
    let media = negotiate::media_type(&req, &[negotiate::JSON, HTML, DOCX])?;
    let (m, _) = meeting_of(&state, &caller, id).await?;
    if kind == DocumentKind::Minutes && m.state()? != crate::domain::meeting::MeetingState::Held {
        return Err(ApiError::Conflict {
            kind: crate::http::error::ConflictKind::Agenda,
            detail: "the meeting is not held yet: its minutes exist once the outcomes are recorded".into(),
        });
    }
    let at = now();
    let doc = state.db.read(move |c| crate::meetings::documents::load(c, &m, kind, at).map_err(ApiError::from)).await?;
    let name = match kind {
        DocumentKind::Agenda => format!("dagsorden-{id}"),
        DocumentKind::Minutes => format!("beslutningsreferat-{id}"),
    };
    let mut res = HttpResponse::Ok();
    res.insert_header((header::VARY, negotiate::VARY));
    Ok(match media {
        HTML => res.content_type("text/html; charset=utf-8").body(crate::meetings::html::render_html(&doc)),
        DOCX => res
            .content_type(DOCX)
            .insert_header(ContentDisposition {
                disposition: DispositionType::Attachment,
                parameters: vec![DispositionParam::Filename(format!("{name}.docx"))],
            })
            .body(
                crate::meetings::word::render_docx(&doc)
                    .map_err(|e| ApiError::Store(crate::db::StoreError::Corrupt(format!("the Word file could not be written: {e}"))))?,
            ),
        _ => res.json(document_dto(id, doc)),
    })
}

/// The agenda (dagsorden): JSON, printable HTML (`Accept: text/html`) or Word
/// (`Accept: application/vnd.openxmlformats-officedocument.wordprocessingml.document`),
/// with each pool's figures at the time of printing.
#[utoipa::path(operation_id = "meeting_agenda", extensions(("x-permission" = json!("read"))),
    tag = "meetings", params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The agenda", content(
            (DocumentDto = "application/json"),
            (String = "text/html"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 406, body = Problem)))]
#[get("/meetings/{id}/agenda")]
pub async fn agenda(state: web::Data<AppState>, caller: Caller, req: HttpRequest, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Read)?;
    document(state, caller, req, path.into_inner(), DocumentKind::Agenda).await
}

/// The decision minutes (beslutningsreferat) once the meeting is held: each
/// item with its indstilling and outcome. JSON, HTML or Word as the agenda.
#[utoipa::path(operation_id = "meeting_minutes", extensions(("x-permission" = json!("read"))),
    tag = "meetings", params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The minutes", content(
            (DocumentDto = "application/json"),
            (String = "text/html"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 406, body = Problem),
        (status = 409, body = Problem, description = "The meeting is not held yet")))]
#[get("/meetings/{id}/minutes")]
pub async fn minutes(state: web::Data<AppState>, caller: Caller, req: HttpRequest, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Read)?;
    document(state, caller, req, path.into_inner(), DocumentKind::Minutes).await
}
