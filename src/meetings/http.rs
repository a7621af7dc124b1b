//! Meetings over HTTP: plan a meeting, put items on its agenda, edit their
//! indstilling, record a sitting's outcomes at once, and read the agenda and
//! the decision minutes as JSON, printable HTML or Word.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::document::DocumentKind;
use super::dto::*;
use super::service::sitting::{self, ItemDecision, Sitting};
use super::service::{self, Edit, Subject};
use crate::db::meetings::{self as store, MeetingFilter, MeetingRow, NewMeeting};
use crate::db::pools::Actor;
use crate::db::{AnyConnection, clusters, pools};
use crate::domain::access::Action;
use crate::domain::meeting::{Forum, indstilling::intro};
use crate::domain::values::{Name, PoolKey, parse_note};
use crate::http::auth::Caller;
use crate::http::conventions::{IfMatch, Page, id_cursor, limit, version_etag};
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::fields::money;
use crate::http::{AppState, json, negotiate, now};

pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const HTML: &str = "text/html";

/// The meeting, its cluster's slug, and its agenda as the API shows it.
fn load(c: &mut AnyConnection, id: i64) -> Result<(MeetingRow, String), ApiError> {
    let m = store::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no meeting {id}")))?;
    let cluster = clusters::find_by_id(c, m.cluster_id)?.ok_or_else(|| ApiError::NotFound(format!("no meeting {id}")))?;
    Ok((m, cluster.slug))
}

fn view(c: &mut AnyConnection, m: MeetingRow, slug: String) -> Result<MeetingDto, ApiError> {
    let cluster = clusters::find_by_id(c, m.cluster_id)?.map(|r| r.name).unwrap_or_default();
    let intro = intro(m.forum()?, &cluster);
    let mut items = Vec::new();
    for row in store::items(c, m.id)? {
        let pool = match row.pool_id {
            Some(p) => pools::find_by_id(c, p)?.map(|p| p.pool.key.to_string()),
            None => None,
        };
        items.push(item_dto(row, pool, &intro));
    }
    meeting_dto(m, slug, items)
}

/// The meeting, after checking the caller's key covers its cluster.
async fn meeting_of(state: &AppState, caller: &Caller, id: i64) -> Result<(MeetingRow, String), ApiError> {
    let (m, slug) = state.db.read(move |c| load(c, id)).await?;
    caller.require_cluster(&slug)?;
    Ok((m, slug))
}

fn meeting_response(d: MeetingDto, status: StatusCode) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, version_etag(d.version)))
        .insert_header((header::LOCATION, format!("/api/v1/meetings/{}", d.id)))
        .json(d)
}

fn roles(field: &str, list: Option<&[String]>, errors: &mut Vec<FieldError>) -> Vec<String> {
    let list = list.unwrap_or_default();
    if list.len() > 100 {
        errors.push(FieldError::new(field, "at most 100 roles"));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, r) in list.iter().enumerate() {
        match Name::parse(r, 200) {
            Ok(n) => out.push(n.into_string()),
            Err(e) => errors.push(FieldError::new(format!("{field}[{i}]"), e)),
        }
    }
    out
}

/// Plans a meeting of one forum; postponed items of the forum's earlier meetings go onto it.
#[utoipa::path(operation_id = "create_meeting", extensions(("x-permission" = json!("record_decisions"))),
    tag = "meetings", request_body = MeetingRequest, security(("api_key" = [])),
    responses((status = 201, description = "The meeting, with any postponed items taken up", body = MeetingDto, headers(("ETag" = String), ("Location" = String))),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/meetings")]
pub async fn create_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::RecordDecisions)?;
    let (dto, mut errors) = json::parse_all::<MeetingRequest>(&req, &body)?;
    let forum = Forum::from(dto.forum);
    let title = match dto.title.as_deref() {
        Some(t) => Name::parse(t, 200).map_err(|e| errors.push(FieldError::new("title", e))).map(Name::into_string).unwrap_or_default(),
        None => format!("Møde i {} {}", forum.name_da().to_lowercase(), super::documents::date_da(dto.date)),
    };
    let location = match dto.location.as_deref() {
        Some(l) => Name::parse(l, 200).map_err(|e| errors.push(FieldError::new("location", e))).map(Name::into_string).unwrap_or_default(),
        None => String::new(),
    };
    let attendees = roles("attendees", dto.attendees.as_deref(), &mut errors);
    let apologies = roles("apologies", dto.apologies.as_deref(), &mut errors);
    if let Err(e) = crate::domain::values::Slug::parse(&dto.cluster) {
        errors.push(FieldError::new("cluster", e));
    }
    if !(2000..=2100).contains(&chrono::Datelike::year(&dto.date)) {
        errors.push(FieldError::new("date", "must be a date between 2000 and 2100"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    caller.require_cluster(&dto.cluster)?;
    let at = now();
    let out = state
        .db
        .write(move |c| {
            let cluster = clusters::find(c, &dto.cluster)?
                .ok_or_else(|| ApiError::field("cluster", format!("there is no cluster '{}'", dto.cluster)))?;
            let actor = caller.actor();
            let new = NewMeeting {
                cluster_id: cluster.id,
                forum,
                date: dto.date,
                title: &title,
                location: &location,
                attendees: &attendees,
                apologies: &apologies,
                created_by: &actor,
                at,
            };
            let m = service::create(c, &new, Actor { name: &actor, request_id: caller.request_id.as_deref(), at })?;
            view(c, m, cluster.slug)
        })
        .await?;
    Ok(meeting_response(out, StatusCode::CREATED))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MeetingQuery {
    #[param(example = "vest", pattern = "^[a-z](-?[a-z0-9])*$", max_length = 40)]
    pub cluster: Option<String>,
    #[param(value_type = Option<ForumDto>, inline)]
    pub forum: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// A forum's calendar: meetings, oldest first.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "meetings", params(MeetingQuery), security(("api_key" = [])),
    responses((status = 200, description = "A page of meetings with their agendas", body = Page<MeetingDto>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/meetings")]
pub async fn list_meetings(state: web::Data<AppState>, caller: Caller, query: web::Query<MeetingQuery>) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let limit = limit(query.limit.as_deref(), &mut errors);
    let after_id = id_cursor(query.cursor.as_deref(), &mut errors);
    let forum = query.forum.as_deref().and_then(|f| {
        Forum::parse(f).or_else(|| {
            errors.push(FieldError::new("forum", "must be one of operations_forum, strategic, political"));
            None
        })
    });
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some(Err(e)) = query.cluster.as_deref().map(crate::domain::values::Slug::parse) {
        return Err(ApiError::field("cluster", e));
    }
    if let Some(c) = &query.cluster {
        caller.require_cluster(c)?;
    }
    let scope = caller.scope.clone();
    let cluster = query.cluster.clone();
    let items = state
        .db
        .read(move |c| {
            let visible = clusters::list(c, &scope, None, 10_000)?;
            let cluster_id = match &cluster {
                Some(slug) => match visible.iter().find(|r| &r.slug == slug) {
                    Some(r) => Some(r.id),
                    None => return Ok(Vec::new()),
                },
                None => None,
            };
            let filter = MeetingFilter { clusters: Some(visible.iter().map(|r| r.id).collect()), cluster: cluster_id, forum, after_id };
            let mut out = Vec::new();
            for m in store::list(c, &filter, limit + 1)? {
                let slug = visible.iter().find(|r| r.id == m.cluster_id).map(|r| r.slug.clone()).unwrap_or_default();
                out.push(view(c, m, slug)?);
            }
            Ok::<_, ApiError>(out)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(items, limit, |m| m.id.to_string())))
}

/// One meeting with its numbered agenda and each item's indstilling.
#[utoipa::path(extensions(("x-permission" = json!("read"))),
    tag = "meetings", params(("id" = i64, Path)), security(("api_key" = [])),
    responses((status = 200, description = "The meeting", body = MeetingDto, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/meetings/{id}")]
pub async fn get_meeting(state: web::Data<AppState>, caller: Caller, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let (m, slug) = meeting_of(&state, &caller, id).await?;
    let out = state.db.read(move |c| view(c, m, slug)).await?;
    Ok(meeting_response(out, StatusCode::OK))
}

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
        ItemKindDto::Note => {
            need("title", dto.title.is_some());
            let title = dto.title.as_deref().and_then(|t| Name::parse(t, 300).map_err(|e| errors.push(FieldError::new("title", e))).ok());
            let text = parse_note(dto.text.as_deref().unwrap_or(""), 20_000)
                .map_err(|e| errors.push(FieldError::new("text", e)))
                .unwrap_or_default();
            title.map(|t| Subject::Note { title: t.into_string(), text })
        }
    };
    let unused: [(&str, bool); 6] = [
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
    let at = now();
    let out = state
        .db
        .write_in_pools(&locks, move |c| {
            let (m, _) = load(c, id)?;
            let actor = caller.actor();
            let who = Actor { name: &actor, request_id: caller.request_id.as_deref(), at };
            let held = sitting::record(c, &m, &sitting, caller.email.as_deref(), who)?;
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
    let doc = state.db.read(move |c| super::documents::load(c, &m, kind, at).map_err(ApiError::from)).await?;
    let name = match kind {
        DocumentKind::Agenda => format!("dagsorden-{id}"),
        DocumentKind::Minutes => format!("beslutningsreferat-{id}"),
    };
    let mut res = HttpResponse::Ok();
    res.insert_header((header::VARY, negotiate::VARY));
    Ok(match media {
        HTML => res.content_type("text/html; charset=utf-8").body(super::html::render_html(&doc)),
        DOCX => res
            .content_type(DOCX)
            .insert_header(ContentDisposition {
                disposition: DispositionType::Attachment,
                parameters: vec![DispositionParam::Filename(format!("{name}.docx"))],
            })
            .body(
                super::word::render_docx(&doc)
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
