//! Agenda items: put a case before the forum, edit its drafted texts.

use actix_web::http::header::{self};
use actix_web::{HttpRequest, HttpResponse, patch, post, web};

use crate::db::meetings::{self as store};
use crate::db::pools::Actor;
use crate::domain::access::Action;
use crate::domain::values::{Name, PoolKey, parse_note};
use crate::http::auth::Caller;
use crate::http::conventions::{IfMatch, version_etag};
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::{AppState, json, now};
use crate::meetings::dto::*;
use crate::meetings::service::{self, Edit, Subject};

use super::{load, meeting_of, view};

fn subject(dto: &ItemRequest, caller: &Caller) -> Result<Subject, ApiError> {
    let mut errors = Vec::new();
    let mut need = |field: &str, present: bool| {
        if !present {
            errors.push(FieldError::new(
                field,
                format!("is required with kind '{}'", serde_json::to_value(dto.kind).unwrap_or_default().as_str().unwrap_or("")),
            ));
        }
    };
    let subject = match dto.kind {
        ItemKindDto::Application => {
            need("application", dto.application.is_some());
            dto.application.map(Subject::Application)
        }
        ItemKindDto::CarryOver => {
            need("carry_over", dto.carry_over.is_some());
            dto.carry_over.map(Subject::CarryOver)
        }
        ItemKindDto::Model => {
            need("pool", dto.pool.is_some());
            let pool = dto.pool.as_deref().and_then(|p| PoolKey::parse(p).map_err(|e| errors.push(FieldError::new("pool", e))).ok());
            let proposed = dto.model.as_ref().and_then(|m| m.parse("model", &mut errors));
            if let Some(p) = &pool {
                caller.require_cluster(p.cluster.as_str())?;
            }
            pool.map(|pool| Subject::Model { pool, proposed })
        }
        ItemKindDto::Amendment => {
            need("amendment", dto.amendment.is_some());
            dto.amendment.map(Subject::Amendment)
        }
        ItemKindDto::GrantStatus => {
            need("grant", dto.grant.is_some());
            dto.grant.map(Subject::GrantStatus)
        }
        ItemKindDto::Note => {
            need("title", dto.title.is_some());
            let title = dto.title.as_deref().and_then(|t| Name::parse(t, 300).map_err(|e| errors.push(FieldError::new("title", e))).ok());
            let text = parse_note(dto.text.as_deref().unwrap_or(""), 20_000)
                .map_err(|e| errors.push(FieldError::new("text", e)))
                .unwrap_or_default();
            title.map(|t| Subject::Note { title: t.into_string(), text })
        }
    };
    let unused: [(&str, bool); 8] = [
        ("amendment", dto.amendment.is_some() && dto.kind != ItemKindDto::Amendment),
        ("grant", dto.grant.is_some() && dto.kind != ItemKindDto::GrantStatus),
        ("application", dto.application.is_some() && dto.kind != ItemKindDto::Application),
        ("carry_over", dto.carry_over.is_some() && dto.kind != ItemKindDto::CarryOver),
        ("pool", dto.pool.is_some() && dto.kind != ItemKindDto::Model),
        ("model", dto.model.is_some() && dto.kind != ItemKindDto::Model),
        ("title", dto.title.is_some() && dto.kind != ItemKindDto::Note),
        ("text", dto.text.is_some() && dto.kind != ItemKindDto::Note),
    ];
    for (field, _) in unused.iter().filter(|(_, bad)| *bad) {
        errors.push(FieldError::new(*field, "does not belong to an item of this kind"));
    }
    match subject {
        Some(s) if errors.is_empty() => Ok(s),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Puts an application, a carry-over, a pool's allocation model or a note on
/// a planned meeting's agenda, with a drafted indstilling. An application
/// goes before the forum whose turn it is (submitted: the operations forum;
/// recommended: the strategic level; reserved for sign-off: the political level).
#[utoipa::path(operation_id = "add_meeting_item", extensions(("x-permission" = json!("record_decisions"))),
    tag = "meetings", params(("id" = i64, Path)), request_body = ItemRequest, security(("api_key" = [])),
    responses((status = 201, description = "The item with its number and drafted indstilling", body = ItemDto, headers(("ETag" = String))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The meeting is held, the case belongs before another forum, or it is already on the agenda"),
        (status = 422, body = Problem)))]
#[post("/meetings/{id}/items")]
pub async fn add_item(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let id = path.into_inner();
    let (_, slug) = meeting_of(&state, &caller, id).await?;
    let (dto, errors) = json::parse_all::<ItemRequest>(&req, &body)?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let subject = subject(&dto, &caller)?;
    let at = now();
    let out = state
        .db
        .write(move |c| {
            let (m, _) = load(c, id)?;
            let actor = caller.actor();
            let item = service::add_item(c, &m, &subject, Actor { name: &actor, request_id: caller.request_id.as_deref(), at })?;
            let meeting = view(c, m, slug.clone())?;
            meeting.items.into_iter().find(|i| i.id == item.id).ok_or_else(|| ApiError::NotFound("the item".into()))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, version_etag(out.version)))
        .insert_header((header::LOCATION, format!("/api/v1/meetings/{id}/items/{}", out.number)))
        .json(out))
}

fn texts(field: &str, list: Option<&[String]>, max: usize, errors: &mut Vec<FieldError>) -> Option<Vec<String>> {
    let list = list?;
    if list.len() > 50 {
        errors.push(FieldError::new(field, "at most 50 paragraphs"));
        return None;
    }
    let mut out = Vec::new();
    for (i, t) in list.iter().enumerate() {
        match parse_note(t, max) {
            Ok(t) if !t.trim().is_empty() => out.push(t.replace("\n\n", "\n")),
            Ok(_) => errors.push(FieldError::new(format!("{field}[{i}]"), "must not be empty")),
            Err(e) => errors.push(FieldError::new(format!("{field}[{i}]"), e)),
        }
    }
    Some(out)
}

/// Edits an item's texts (its title, case text, proposals) while the meeting
/// is planned. Needs `If-Match` with the item's ETag; the facts and figures
/// stay computed.
#[utoipa::path(operation_id = "edit_meeting_item", extensions(("x-permission" = json!("record_decisions"))),
    tag = "meetings", params(("id" = i64, Path), ("number" = i32, Path, description = "The item's number on the agenda"), ("If-Match" = String, Header)),
    request_body = ItemEdit, security(("api_key" = [])),
    responses((status = 200, description = "The edited item", body = ItemDto, headers(("ETag" = String))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The meeting is held"), (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
#[patch("/meetings/{id}/items/{number}")]
pub async fn edit_item(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(i64, i32)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let (id, number) = path.into_inner();
    let (_, slug) = meeting_of(&state, &caller, id).await?;
    let (dto, mut errors) = json::parse_all::<ItemEdit>(&req, &body)?;
    let title = dto.title.as_deref().and_then(|t| Name::parse(t, 300).map_err(|e| errors.push(FieldError::new("title", e))).ok());
    let edit = Edit {
        title: title.map(Name::into_string),
        case_text: texts("case_text", dto.case_text.as_deref(), 5000, &mut errors),
        proposals: texts("proposals", dto.proposals.as_deref(), 1000, &mut errors),
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let if_match = IfMatch::of(&req);
    if if_match.is_absent() {
        return Err(ApiError::PreconditionRequired);
    }
    let at = now();
    let out = state
        .db
        .write(move |c| {
            let (m, _) = load(c, id)?;
            let item = store::items(c, m.id)?
                .into_iter()
                .find(|i| i.number == number)
                .ok_or_else(|| ApiError::NotFound(format!("no item {number} on meeting {id}")))?;
            if_match.check(item.version)?;
            let actor = caller.actor();
            let saved = service::edit_item(c, &m, &item, &edit, Actor { name: &actor, request_id: caller.request_id.as_deref(), at })?;
            let meeting = view(c, m, slug.clone())?;
            meeting.items.into_iter().find(|i| i.id == saved.id).ok_or_else(|| ApiError::NotFound("the item".into()))
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, version_etag(out.version))).json(out))
}
