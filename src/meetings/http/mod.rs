//! Meetings over HTTP: plan a meeting, put items on its agenda, edit their
//! indstilling, record a sitting's outcomes at once, and read the agenda and
//! the decision minutes as JSON, printable HTML or Word. `items.rs` has the
//! agenda items, `sitting.rs` the outcomes and the documents; `errors.rs`
//! says how the meetings' errors read.

mod errors;
pub mod items;
pub mod sitting;

use actix_web::http::StatusCode;
use actix_web::http::header::{self};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::*;
use super::service::{self};
use crate::db::meetings::{self as store, MeetingFilter, MeetingRow, NewMeeting};
use crate::db::pools::Actor;
use crate::db::{AnyConnection, clusters, pools};
use crate::domain::access::Action;
use crate::domain::meeting::{Forum, indstilling::intro};
use crate::domain::values::Name;
use crate::http::auth::Caller;
use crate::http::conventions::{Page, id_cursor, limit, version_etag};
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::{AppState, json, now};
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
pub(super) const HTML: &str = "text/html";

/// The meeting, its cluster's slug, and its agenda as the API shows it.
pub(super) fn load(c: &mut AnyConnection, id: i64) -> Result<(MeetingRow, String), ApiError> {
    let m = store::find(c, id)?.ok_or_else(|| ApiError::NotFound(format!("no meeting {id}")))?;
    let cluster = clusters::find_by_id(c, m.cluster_id)?.ok_or_else(|| ApiError::NotFound(format!("no meeting {id}")))?;
    Ok((m, cluster.slug))
}

pub(super) fn view(c: &mut AnyConnection, m: MeetingRow, slug: String) -> Result<MeetingDto, ApiError> {
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
pub(super) async fn meeting_of(state: &AppState, caller: &Caller, id: i64) -> Result<(MeetingRow, String), ApiError> {
    let (m, slug) = state.db.read(move |c| load(c, id)).await?;
    caller.require_cluster(&slug)?;
    Ok((m, slug))
}

pub(super) fn meeting_response(d: MeetingDto, status: StatusCode) -> HttpResponse {
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
    /// Meetings dated in this year (the forum's calendar for the year).
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
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
    let year = query.year.as_deref().and_then(|y| match y.parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => Some(y),
        _ => {
            errors.push(FieldError::new("year", "must be a year from 2000 to 2100"));
            None
        }
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
            let filter =
                MeetingFilter { clusters: Some(visible.iter().map(|r| r.id).collect()), cluster: cluster_id, forum, year, after_id };
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
